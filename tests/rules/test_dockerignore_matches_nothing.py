"""dockerignore-matches-nothing (DKL049): patterns that match nothing in the context on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.buildcontext import BuildContext, context_for, invalidate
from dockls.engine import analyze_ignore, rule_by_key
from dockls.rule import Finding, Severity
from dockls.rules.dockerignore_matches_nothing import RULE
from tests.conftest import CORPUS
from tests.rules.helpers import flagged_text, ignore_findings

NAME = "dockerignore-matches-nothing"


def project(root: Path, *files: str) -> BuildContext:
    for name in ("Dockerfile", *files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    invalidate(root)
    return context_for(root / "Dockerfile")


def findings(text: str, context: BuildContext | None) -> list[Finding]:
    return ignore_findings(RULE, text, context)


def flagged(text: str, context: BuildContext | None) -> list[str]:
    return flagged_text(text, findings(text, context))


def test_the_engine_runs_it_on_ignore_files(tmp_path: Path) -> None:
    context = project(tmp_path, "src/a.py")
    assert rule_by_key(NAME) is RULE and RULE.target == "dockerignore"
    assert [f.rule for f in analyze_ignore("tmp\n", context=context).findings] == [RULE]


def test_typo_and_old_paths(tmp_path: Path) -> None:
    context = project(tmp_path, "node_modules/a/index.js", "src/a.py", "app.log")
    text = "# deps\r\nnode_module\r\nsrc/*.js\r\n*.log\r\nsrc\r\n"
    found = findings(text, context)
    assert flagged(text, context) == ["node_module", "src/*.js"]
    assert found[0].message == f"`node_module` matches no file or directory in the build context `{tmp_path.name}`"
    assert found[0].effective_severity is Severity.HINT
    assert found[0].fixes == ()


def test_pattern_anchored_at_the_root(tmp_path: Path) -> None:
    context = project(tmp_path, "pkg/mod/cache.tmp")
    text = "\ufeff*.tmp\n"
    assert flagged(text, context) == ["*.tmp"]
    assert findings(text, context)[0].message.endswith(
        ": it only matches at the root; `**/*.tmp` matches at any depth")


def test_directories_count_as_matches(tmp_path: Path) -> None:
    context = project(tmp_path, "docs/guide/index.md")
    assert findings("docs/guide\ndocs/*\n**/guide\n", context) == []


@pytest.mark.parametrize("pattern", [
    ".git", ".env", ".env.*", ".env.local", "*.pem", "**/*.pem", "id_rsa*", ".npmrc", ".aws", "**/.ssh",
    "node_modules", "**/node_modules", "**/__pycache__", ".venv", "venv", "target", "dist/", "build",
    ".idea", ".vscode/**", ".DS_Store", "*.swp", "Thumbs.db", "*.key", ".dockerignore", "Dockerfile*",
    "*.Dockerfile",
])
def test_protective_patterns_are_never_hinted(tmp_path: Path, pattern: str) -> None:
    context = project(tmp_path, "main.go")
    assert findings(pattern + "\n", context) == []


def test_exceptions_and_invalid_patterns_are_not_checked(tmp_path: Path) -> None:
    context = project(tmp_path, "main.go")
    assert findings("!nothing\n[\n# nothing\n", context) == []


def test_silent_without_a_context() -> None:
    assert findings("node_module\n", None) == []


def test_silent_when_the_walk_was_capped(tmp_path: Path) -> None:
    context = project(tmp_path, "a", "b", "c")
    context.max_files = 2
    context.cache.invalidate(tmp_path)
    assert context.walk().capped is not None
    assert findings("node_module\n", context) == []


def test_new_files_are_seen_after_invalidation(tmp_path: Path) -> None:
    context = project(tmp_path, "main.go")
    assert flagged("*.log\n", context) == ["*.log"]
    (tmp_path / "app.log").write_text("x")
    invalidate(tmp_path / "app.log")
    assert findings("*.log\n", context) == []


def test_corpus_ignore_files_never_raise() -> None:
    files = sorted(CORPUS.glob("*ignore")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("corpus absent")
    count = sum(len(findings(path.read_bytes().decode("utf-8", errors="replace"), None)) for path in files)
    print(f"{NAME}: {count} findings in {len(files)} corpus ignore files")
    assert count == 0  # without a context on disk the rule stays silent
