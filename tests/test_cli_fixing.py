"""Fixing in pipelines: ``--unsafe-fixes``, ``--fix-only``, the summary line, and ``--fix`` being
idempotent on real-world Dockerfiles (with and without unsafe fixes)."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest

from dockls.cli import main
from dockls.engine import analyze
from dockls.fixes import fix_all, safe_fixes
from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.rules import syntax_error
from dockls.text import Span
from tests.test_cli import KEYWORD_CASE, MAINTAINER


def _check_workdir(model: Model) -> Iterator[Finding]:
    """A finding with two alternative unsafe cures: only one of them may ever be applied."""
    for inst in model.tree.instructions:
        if inst.keyword == "WORKDIR" and not inst.args.startswith("/"):
            absolute = Fix("Make it absolute", (Edit(inst.args_span, "/" + inst.args),), safe=False)
            delete = Fix("Delete the WORKDIR", (Edit(inst.span, ""),), safe=False)
            yield RELATIVE_WORKDIR.finding(inst.args_span, "relative WORKDIR", absolute, delete)


RELATIVE_WORKDIR = Rule(
    "DKT003", "test-relative-workdir", "WORKDIR is absolute", Severity.WARNING, "style",
    FixAvailability.UNSAFE, _check_workdir,
)
RULES = (syntax_error.RULE, KEYWORD_CASE, MAINTAINER, RELATIVE_WORKDIR)


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    for where in ("dockls.engine", "dockls.cli", "dockls.config"):
        monkeypatch.setattr(f"{where}.all_rules", lambda: RULES)


def _findings(text: str) -> list[Finding]:
    return analyze(text, rules=RULES).findings


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- dockls.fixes


def test_fix_all_takes_unsafe_fixes_only_when_asked() -> None:
    text = "from alpine\nMAINTAINER me\n"
    assert fix_all(text, _findings) == ("FROM alpine\nMAINTAINER me\n", 1)
    assert fix_all(text, _findings, unsafe=True) == ("FROM alpine\n\n", 2)  # the test rule keeps the line


def test_unsafe_takes_the_first_of_alternative_fixes_only() -> None:
    text = "FROM alpine\nWORKDIR app\n"
    assert fix_all(text, _findings, unsafe=True) == ("FROM alpine\nWORKDIR /app\n", 1)


def test_a_safe_fix_still_comes_before_an_earlier_unsafe_one() -> None:
    span = Span(0, 4)
    unsafe = Fix("unsafe", (Edit(span, "a"),), safe=False)
    safe = Fix("safe", (Edit(span, "b"),))
    finding = Finding(KEYWORD_CASE, span, "m", (unsafe, safe), Severity.WARNING)
    assert safe_fixes([finding]) == [safe]
    assert safe_fixes([finding], unsafe=True) == [unsafe]


# --------------------------------------------------------------------------- --unsafe-fixes


@pytest.mark.usefixtures("fake_rules")
def test_fix_with_unsafe_fixes_applies_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nMAINTAINER me\nWORKDIR app\n")
    assert main(["--fix", "--unsafe-fixes", "--format", "concise", str(path)]) == 0
    assert path.read_text() == "FROM alpine\n\nWORKDIR /app\n"
    assert capsys.readouterr() == ("", "Fixed 3 problems in 1 file; 0 remain.\n")


@pytest.mark.usefixtures("fake_rules")
def test_diff_with_unsafe_fixes_shows_them_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "FROM alpine\nMAINTAINER me\n"
    path = _write(tmp_path / "Dockerfile", text)
    assert main(["--diff", str(path)]) == 0
    assert capsys.readouterr() == ("", "No fixes to apply (1 file checked).\n")
    assert main(["--diff", "--unsafe-fixes", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == f"--- {path}\n+++ {path}\n@@ -1,2 +1,2 @@\n FROM alpine\n-MAINTAINER me\n+\n"
    assert err == "Would fix 1 problem in 1 file.\n"
    assert path.read_text() == text


@pytest.mark.usefixtures("fake_rules")
def test_check_counts_unsafe_fixes_as_fixable_only_with_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nMAINTAINER me\n")
    assert main(["--check", "--format", "concise", str(path)]) == 1
    assert capsys.readouterr().err == "Found 2 problems in 1 file (1 fixable with --fix).\n"
    assert main(["--check", "--unsafe-fixes", "--format", "concise", str(path)]) == 1
    assert capsys.readouterr().err == "Found 2 problems in 1 file (2 fixable with --fix --unsafe-fixes).\n"


@pytest.mark.usefixtures("fake_rules")
def test_fix_summary_says_what_remains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nMAINTAINER me\n")
    assert main(["--fix", "--format", "concise", str(path)]) == 0  # MAINTAINER is only info
    out, err = capsys.readouterr()
    assert out == f"{path}:2:1: DKT002 test-maintainer MAINTAINER is deprecated\n"
    assert err == "Fixed 1 problem in 1 file; 1 remains.\n"


# --------------------------------------------------------------------------- --fix-only


@pytest.mark.usefixtures("fake_rules")
def test_fix_only_fixes_and_reports_nothing_about_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nWORKDIR app\nfoo\n")
    assert main(["--fix-only", str(path)]) == 0  # a syntax error and an unsafe fix are left
    assert path.read_text() == "FROM alpine\nWORKDIR app\nfoo\n"
    assert capsys.readouterr() == ("", "Fixed 1 problem in 1 file.\n")
    assert main(["--fix-only", "--format", "json", str(path)]) == 0
    assert capsys.readouterr() == ("", "No fixes to apply (1 file checked).\n")
    assert main(["--fix-only", "--unsafe-fixes", "--quiet", str(path)]) == 0
    assert path.read_text() == "FROM alpine\nWORKDIR /app\nfoo\n"
    assert capsys.readouterr() == ("", "")


@pytest.mark.usefixtures("fake_rules")
def test_fix_only_of_stdin_prints_only_the_document(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"from alpine\nfoo\n")))
    assert main(["--fix-only", "-"]) == 0
    assert capsys.readouterr() == ("FROM alpine\nfoo\n", "Fixed 1 problem in 1 file.\n")


@pytest.mark.usefixtures("fake_rules")
def test_fix_only_still_fails_on_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--fix-only", str(tmp_path / "missing.Dockerfile")]) == 2
    assert "missing.Dockerfile: error:" in capsys.readouterr().err


# --------------------------------------------------------------------------- idempotency on the corpus


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _accepted_by_buildkit(data: bytes) -> bool:
    try:
        dockerfile.parse_string(data.decode("utf-8"))
    except (dockerfile.GoParseError, UnicodeDecodeError):
        return False
    return True


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_fixing_corpus_files_twice_gives_the_same_files(
    corpus: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], unsafe: bool
) -> None:
    sample = corpus[::10]
    for k, original in enumerate(sample):  # one directory each: a created .dockerignore is per file
        folder = tmp_path / f"{k:03}"
        folder.mkdir()
        shutil.copyfile(original, folder / "Dockerfile")
    before = _snapshot(tmp_path)
    args = ["--fix", "--isolated", "--exit-zero", "--quiet", "--format", "concise", str(tmp_path)]
    args += ["--unsafe-fixes"] if unsafe else []
    assert main(args) == 0
    once = _snapshot(tmp_path)
    assert main(args) == 0
    capsys.readouterr()
    assert _snapshot(tmp_path) == once
    assert once != before  # the sample has something to fix, so the comparison means something
    for name, data in before.items():
        if _accepted_by_buildkit(data):
            assert _accepted_by_buildkit(once[name]), f"{sample[int(name.split('/')[0])]}: fixed file rejected"
