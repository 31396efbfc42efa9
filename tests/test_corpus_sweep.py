"""Every real-world corpus Dockerfile through the real ``dockls`` process: checking never crashes and
gives valid JSON; ``--fix`` keeps what BuildKit and the shell parser accepted, and is idempotent.

Each test runs dockls once (or twice) over all files, so the sweep stays fast; when something breaks,
the failure message names the corpus file and the rule whose fixes, applied alone, break it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from dockls.cli import fix_kind
from dockls.engine import all_rules, analyze
from dockls.fixes import fix_all
from dockls.rule import Rule
from dockls.text import LineIndex
from tests.buildkit import buildkit_error
from tests.rules.helpers import shell_errors

FINDING_FIELDS = {"path", "range", "id", "name", "severity", "message", "fix", "url", "related"}


def _dockls(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dockls", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def _assert_no_crash(result: subprocess.CompletedProcess[str]) -> None:
    failures = [line for line in result.stderr.splitlines() if "failed and was skipped" in line or " error: " in line]
    assert not failures, "\n".join(failures)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 1), result.stderr[-3000:]


def _breakage(before: str, after: str) -> str | None:
    """Why ``after`` is worse than ``before`` (which BuildKit accepts), or None."""
    error = buildkit_error(after)
    if error is not None:
        return f"BuildKit rejects the fixed file: {error}"
    if shell_errors(after) > shell_errors(before):
        return "a RUN body that parsed as shell no longer does"
    return None


def _fix_with(rule: Rule, text: str) -> str:
    return fix_all(text, lambda current: analyze(current, rules=[rule]).findings)[0]


def _culprits(before: str) -> str:
    """The rules whose safe fixes, applied alone, break ``before``."""
    blamed = []
    for rule in all_rules():
        if any(fix_kind(f) == "safe" for f in analyze(before, rules=[rule]).findings):
            reason = _breakage(before, _fix_with(rule, before))
            if reason is not None:
                blamed.append(f"{rule.id} {rule.name}: {reason}")
    return "; ".join(blamed) or "no rule alone: only the combination of fixes breaks it"


def _still_fixable(text: str) -> str:
    index = LineIndex(text)
    return ", ".join(
        f"{f.rule.id} {f.rule.name} at line {index.position(f.span.start)[0] + 1}"
        for f in analyze(text).findings
        if fix_kind(f) == "safe"
    )


def test_check_over_the_corpus_gives_valid_json(corpus: list[Path]) -> None:
    result = _dockls("--check", "--format", "json", *map(str, corpus))
    _assert_no_crash(result)
    document = json.loads(result.stdout)
    assert document["version"] == 1
    findings = document["findings"]
    assert isinstance(findings, list)
    given = {str(path) for path in corpus}
    rules = {(rule.id, rule.name) for rule in all_rules()}
    for finding in findings:
        assert set(finding) == FINDING_FIELDS, finding
        assert finding["path"] in given
        assert (finding["id"], finding["name"]) in rules
        start, end = finding["range"]["start"], finding["range"]["end"]
        assert 1 <= start["line"] <= end["line"] and start["column"] >= 1 and end["column"] >= 1, finding
        assert 0 <= start["offset"] <= end["offset"], finding
        assert finding["fix"] in ("safe", "unsafe", "none")
    flagged = {f["path"] for f in findings if f["name"] == "syntax-error" and f["severity"] == "error"}
    rejected = {str(path) for path in corpus if buildkit_error(path.read_text(encoding="utf-8"))}
    assert rejected <= flagged, f"BuildKit rejects these, dockls reports no syntax error: {rejected - flagged}"


def test_fix_over_the_corpus_keeps_files_valid_and_is_idempotent(corpus: list[Path], tmp_path: Path) -> None:
    # One folder per corpus file, named after it, so that one directory search finds them all.
    copies = {source: tmp_path / source.name / "Dockerfile" for source in corpus}
    for source, copy in copies.items():
        copy.parent.mkdir()
        shutil.copyfile(source, copy)
    _assert_no_crash(_dockls("--fix", "--format", "json", str(tmp_path)))
    fixed_once = {copy: copy.read_bytes() for copy in copies.values()}
    _assert_no_crash(_dockls("--fix", "--format", "json", str(tmp_path)))

    problems: list[str] = []
    for source, copy in copies.items():
        before = source.read_text(encoding="utf-8")
        after = fixed_once[copy].decode("utf-8")
        if after != before and buildkit_error(before) is None:
            reason = _breakage(before, after)
            if reason is not None:
                problems.append(f"{source.name}: {reason} — caused by {_culprits(before)}")
        if copy.read_bytes() != fixed_once[copy]:
            problems.append(f"{source.name}: a second --fix changed it again; after the first, "
                            f"these still had safe fixes: {_still_fixable(after)}")
    assert not problems, "\n".join(problems)
