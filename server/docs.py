"""The rule reference, generated from the rule modules: ``python -m dockls.docs [REPO_ROOT]``.

Writes ``docs/rules/<name>.md`` for every rule, the index ``docs/rules/README.md``, the hadolint
and BuildKit mapping ``docs/equivalents.md``, and the rule table between the markers in ``README.md``.
A test keeps the checked-in files equal to what this renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dockls.engine import all_rules
from dockls.rule import Rule

README_START = "<!-- rules:start -->"
README_END = "<!-- rules:end -->"


def render_rule(rule: Rule) -> str:
    equivalents = ", ".join([*rule.hadolint, *(f"BuildKit {b}" for b in rule.buildkit)]) or "none"
    header = [
        f"# {rule.name} ({rule.id})",
        "",
        f"{rule.summary}.",
        "",
        "| id | name | severity | category | fix | equivalent |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {rule.id} | `{rule.name}` | {rule.severity.value} | {rule.category} | {rule.fix.value} "
        f"| {equivalents} |",
        "",
        _suppression(rule),
        "",
    ]
    return "\n".join(header) + "\n" + rule.doc.strip() + "\n"


def _suppression(rule: Rule) -> str:
    if rule.target == "dockerignore":
        return (f"It checks ignore files, which have no suppression comments: turn it off with "
                f"`ignore = [\"{rule.name}\"]` in the [configuration](../configuration.md).")
    return (f"Suppress with `# dockls ignore={rule.name}` on the line above the instruction, or for the whole "
            f"file with `# dockls global ignore={rule.name}`.")


def rule_table(link_prefix: str) -> str:
    rows = ["| id | name | severity | fix | what it finds |", "| --- | --- | --- | --- | --- |"]
    for rule in all_rules():
        rows.append(f"| {rule.id} | [`{rule.name}`]({link_prefix}{rule.name}.md) | {rule.severity.value} "
                    f"| {rule.fix.value} | {rule.summary} |")
    return "\n".join(rows) + "\n"


def render_index() -> str:
    return ("# Rules\n\nGenerated from the rule modules in `rules/` by `python -m dockls.docs`; "
            "do not edit by hand.\n\n" + rule_table(""))


def _mapping(title: str, keys: dict[str, list[Rule]]) -> list[str]:
    rows = [f"| {title} | dockls |", "| --- | --- |"]
    for key in sorted(keys):
        rules = ", ".join(f"[`{r.name}`](rules/{r.name}.md) ({r.id})" for r in keys[key])
        rows.append(f"| {key} | {rules} |")
    return rows


def render_equivalents() -> str:
    """Which of our rules stand for which hadolint rule and BuildKit check: the table that
    ``# hadolint ignore=``, ``.hadolint.yaml`` and ``# check=skip=`` are read through."""
    hadolint: dict[str, list[Rule]] = {}
    buildkit: dict[str, list[Rule]] = {}
    for rule in all_rules():
        for code in rule.hadolint:
            hadolint.setdefault(code, []).append(rule)
        for check in rule.buildkit:
            buildkit.setdefault(check, []).append(rule)
    lines = [
        "# hadolint and BuildKit equivalents",
        "",
        "Generated from the rule modules by `python -m dockls.docs`; do not edit by hand.",
        "",
        "dockls reads hadolint's and BuildKit's ways of silencing and configuring checks through this table:",
        "",
        "- `# hadolint ignore=DL3059` above an instruction and `# hadolint global ignore=DL3059` silence the",
        "  dockls rules listed for DL3059;",
        "- in a `.hadolint.yaml` (or `.hadolint.yml`), `ignored: [DL3059]` turns them off and",
        "  `override: {error: [DL3059]}` sets their severity (hadolint's `style` is our `hint`); see",
        "  [configuration](configuration.md);",
        "- BuildKit's `# check=skip=JSONArgsRecommended` (or `skip=all`) directive silences the dockls rules",
        "  listed for that check.",
        "",
        "A hadolint rule or BuildKit check that is not listed has no dockls equivalent and is left alone.",
        "",
        "## hadolint",
        "",
        *_mapping("hadolint", hadolint),
        "",
        "## BuildKit checks",
        "",
        *_mapping("BuildKit", buildkit),
    ]
    return "\n".join(lines) + "\n"


def render_readme(readme: str) -> str:
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        return readme
    return readme[: start + len(README_START)] + "\n" + rule_table("docs/rules/") + readme[end:]


def expected_files(root: Path) -> dict[Path, str]:
    """Every generated file under ``root`` with the content it should have."""
    files = {root / "docs" / "rules" / f"{rule.name}.md": render_rule(rule) for rule in all_rules()}
    files[root / "docs" / "rules" / "README.md"] = render_index()
    files[root / "docs" / "equivalents.md"] = render_equivalents()
    readme = root / "README.md"
    if readme.exists():
        files[readme] = render_readme(readme.read_text(encoding="utf-8"))
    return files


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".")
    (root / "docs" / "rules").mkdir(parents=True, exist_ok=True)
    for path, content in expected_files(root).items():
        path.write_text(content, encoding="utf-8")
    print(f"wrote {len(all_rules())} rule pages under {root / 'docs' / 'rules'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
