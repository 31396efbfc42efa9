"""The command-line adapter: flags, output formats, exit codes, file handling and fixing.

Most tests run ``main([...])`` in-process against two test rules (plus the real ``syntax-error``), so
that they pin the CLI's behaviour without depending on what the real rules say; a few run the real
console script and ``python -m dockls`` with every rule.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest

import dockls
from dockls.cli import main
from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.rules import syntax_error
from tests.fake_rules import KEYWORD_CASE, maintainer_rule

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "Dockerfile"


# --------------------------------------------------------------------------- test rules

MAINTAINER = maintainer_rule("MAINTAINER is deprecated")


def _use_rules(monkeypatch: pytest.MonkeyPatch, *rules: Rule) -> None:
    monkeypatch.setattr("dockls.engine.all_rules", lambda: rules)
    monkeypatch.setattr("dockls.cli.all_rules", lambda: rules)
    monkeypatch.setattr("dockls.config.all_rules", lambda: rules)


@pytest.fixture
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    _use_rules(monkeypatch, syntax_error.RULE, KEYWORD_CASE, MAINTAINER)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


pytestmark = pytest.mark.usefixtures("fake_rules")


# --------------------------------------------------------------------------- --check, text output


def test_text_output_is_one_line_per_finding_and_a_summary_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nfoo bar\n")
    assert main(["--check", "--format", "concise", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{path}:1:1: DKT001 test-keyword-case from should be written FROM",
        f"{path}:2:1: DKL000 syntax-error unknown instruction: FOO",
    ]
    assert err == "Found 2 problems in 1 file (1 fixable with --fix).\n"


def test_paths_are_shown_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "sub" / "Dockerfile", "from alpine\n")
    monkeypatch.chdir(tmp_path)
    main(["--check", "--format", "concise", "sub/Dockerfile"])
    main(["--check", "--format", "concise", "sub"])
    main(["--check", "--format", "concise"])  # "." by default
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [os.path.join("sub", "Dockerfile")] * 3


def test_columns_count_code_points(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "é" is 2 UTF-8 bytes and "😀" 2 UTF-16 units: both are one column.
    path = _write(tmp_path / "Dockerfile", "FROM alpine\nLABEL a=é😀 b\n")
    main(["--check", "--format", "json", str(path)])
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert finding["range"]["start"] == {"line": 2, "column": 12, "offset": 23}
    main(["--check", "--format", "concise", str(path)])
    assert capsys.readouterr().out.startswith(f"{path}:2:12: DKL000 syntax-error ")


def test_multiline_messages_stay_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def check(model: Model) -> Iterator[Finding]:
        yield CHATTY.finding(model.tree.instructions[0].span, "first line\nsecond line")

    CHATTY = Rule("DKT003", "test-chatty", "Talks", Severity.WARNING, "style", FixAvailability.NONE, check)
    _use_rules(monkeypatch, CHATTY)
    path = _write(tmp_path / "Dockerfile", "FROM alpine\n")
    main(["--check", "--format", "concise", str(path)])
    assert capsys.readouterr().out == f"{path}:1:1: DKT003 test-chatty first line second line\n"


def test_findings_are_sorted_by_path_then_position_and_each_file_checked_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = _write(tmp_path / "b" / "Dockerfile", "FROM alpine\nfoo\nrun x\n")
    a = _write(tmp_path / "a" / "Dockerfile", "from alpine\n")
    assert main(["--check", "--format", "concise", str(b), str(a), str(b), str(tmp_path / "a")]) == 1
    out, err = capsys.readouterr()
    assert [line.split(": ")[0] for line in out.splitlines()] == [f"{a}:1:1", f"{b}:2:1", f"{b}:3:1"]
    assert err == "Found 3 problems in 2 files (2 fixable with --fix).\n"


def test_clean_files_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", "FROM alpine\nRUN echo hi\n")
    assert main(["--check", "--format", "concise", str(path)]) == 0
    assert capsys.readouterr() == ("", "No problems found (1 file checked).\n")


def test_severity_threshold_decides_the_exit_status_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info_only = _write(tmp_path / "Dockerfile", "FROM alpine\nMAINTAINER me\n")
    assert main(["--check", "--format", "concise", str(info_only)]) == 0  # default threshold: warning
    assert "DKT002 test-maintainer" in capsys.readouterr().out  # still printed
    assert main(["--check", "--format", "concise", "--severity-threshold", "info", str(info_only)]) == 1
    assert main(["--check", "--format", "concise", "--severity-threshold", "hint", str(info_only)]) == 1
    warning = _write(tmp_path / "w.Dockerfile", "from alpine\n")
    assert main(["--check", "--format", "concise", "--severity-threshold", "error", str(warning)]) == 0
    assert main(["--check", "--format", "concise", "--severity-threshold", "warning", str(warning)]) == 1
    assert main(["--check", "--format", "concise", "--severity-threshold", "fatal", str(warning)]) == 2


# --------------------------------------------------------------------------- JSON


def test_json_output_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nMAINTAINER me\nfoo\n")
    assert main(["--check", "--format", "json", str(path)]) == 1
    out, err = capsys.readouterr()
    findings = json.loads(out)["findings"]
    assert err == "Found 3 problems in 1 file (1 fixable with --fix).\n"
    assert [f["name"] for f in findings] == ["test-keyword-case", "test-maintainer", "syntax-error"]
    for finding in findings:
        assert set(finding) == {"path", "range", "id", "name", "severity", "message", "fix", "url", "related"}
        assert finding["path"] == str(path)
    keyword, maintainer, syntax = findings
    assert keyword == {
        "path": str(path),
        "range": {"start": {"line": 1, "column": 1, "offset": 0}, "end": {"line": 1, "column": 5, "offset": 4}},
        "id": "DKT001",
        "name": "test-keyword-case",
        "severity": "warning",
        "message": "from should be written FROM",
        "fix": "safe",
        "url": KEYWORD_CASE.url,
        "related": [],
    }
    assert (maintainer["fix"], maintainer["severity"]) == ("unsafe", "info")
    assert maintainer["range"]["end"] == {"line": 2, "column": 14, "offset": 25}
    assert (syntax["fix"], syntax["severity"], syntax["id"]) == ("none", "error", "DKL000")
    assert syntax["url"].endswith("/syntax-error.md")


def test_json_output_of_a_clean_run_has_no_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "Dockerfile", "FROM alpine\n")
    assert main(["--check", "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"version": 1, "findings": []}


# --------------------------------------------------------------------------- rule selection


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], {"DKT001", "DKT002", "DKL000"}),
        (["--select", "test-keyword-case"], {"DKT001"}),
        (["--select", "dkt001,DKL000"], {"DKT001", "DKL000"}),
        (["--select", "DKT001", "--select", "test-maintainer"], {"DKT001", "DKT002"}),
        (["--ignore", "syntax-error,DKT002"], {"DKT001"}),
        (["--select", "DKT001,DKT002", "--ignore", "DKT002"], {"DKT001"}),
    ],
)
def test_select_and_ignore_take_ids_or_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], expected: set[str]
) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nMAINTAINER me\nfoo\n")
    main(["--check", "--format", "json", *options, str(path)])
    assert {f["id"] for f in json.loads(capsys.readouterr().out)["findings"]} == expected


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\n")
    assert main(["--check", "--format", "concise", option, "DKT001,no-such-rule", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{option}: unknown rule or category 'no-such-rule'" in err


# --------------------------------------------------------------------------- usage


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"dockls {dockls.__version__}\n"


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--severity-threshold" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["Dockerfile"], ["--check", "--format", "xml", "."], ["--check", "--bogus"], ["parse"], ["rules", "x"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "error:" in capsys.readouterr().err


# --------------------------------------------------------------------------- inputs


def test_stdin_is_shown_as_dash_or_under_stdin_filename(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"from alpine\n")
    assert main(["--check", "--format", "concise", "-"]) == 1
    assert capsys.readouterr().out.startswith("-:1:1: DKT001 ")
    _stdin(monkeypatch, b"from alpine\n")
    assert main(["--check", "--format", "concise", "--stdin-filename", "app/Dockerfile", "-"]) == 1
    assert capsys.readouterr().out.startswith("app/Dockerfile:1:1: DKT001 ")
    _stdin(monkeypatch, b"from alpine\n")
    assert main(["--check", "--format", "concise", "--stdin-filename", "app/Dockerfile"]) == 1  # no PATH: stdin
    assert capsys.readouterr().out.startswith("app/Dockerfile:1:1: DKT001 ")


def test_unreadable_file_is_reported_and_the_others_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "Dockerfile", "from alpine\n")
    missing = tmp_path / "missing.Dockerfile"
    dangling = tmp_path / "dangling.Dockerfile"
    dangling.symlink_to(tmp_path / "nowhere")
    assert main(["--check", "--format", "concise", str(missing), str(good), str(dangling)]) == 2  # 2 wins over 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{good}:1:1: DKT001 ")
    assert f"{missing}: error: No such file or directory\n" in err
    assert f"{dangling}: error: No such file or directory\n" in err
    assert "Found 1 problem in 1 file (1 fixable with --fix).\n" in err


def test_binary_file_gets_the_syntax_error_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe" + bytes(range(256)))
    assert main(["--check", "--format", "json", str(path)]) == 1
    out, err = capsys.readouterr()
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert "binary content: this does not look like a Dockerfile" in messages
    assert "not valid UTF-8" in err


def test_invalid_utf8_is_checked_with_a_warning_and_never_rewritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "# Café au lait\nfrom alpine\nLABEL a=é b\n".encode("latin-1")
    path = _write(tmp_path / "Dockerfile", data)
    assert main(["--check", "--format", "concise", str(path)]) == 1
    out, err = capsys.readouterr()
    # The invalid byte reads as one U+FFFD: one column.
    assert out.splitlines() == [
        f"{path}:2:1: DKT001 test-keyword-case from should be written FROM",
        f"{path}:3:11: DKL000 syntax-error Syntax error - can't find = in 'b'. Must be of the form: name=value",
    ]
    assert f"{path}: warning: not valid UTF-8 (byte 0xe9 on line 1); invalid bytes are read as U+FFFD\n" in err
    assert main(["--fix", "--format", "concise", str(path)]) == 1
    assert "; it is not fixed\n" in capsys.readouterr().err
    assert path.read_bytes() == data


def test_invalid_utf8_on_stdin_with_fix_is_echoed_unchanged(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"from alpine # \xe9\n"
    _stdin(monkeypatch, data)
    assert main(["--fix", "--format", "concise", "-"]) == 1
    out, err = capsysbinary.readouterr()
    assert out == data
    assert b"-:1:1: DKT001 " in err


def test_huge_file_finishes_with_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", "FROM alpine\n" + "RUN echo some words && true\n" * 190_000)
    assert path.stat().st_size > 5_000_000
    assert main(["--check", "--format", "json", str(path)]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any(f["name"] == "syntax-error" and f["severity"] == "warning" and "larger than" in f["message"]
               for f in findings)


def test_directory_search_finds_every_dockerfile_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["Dockerfile", "Dockerfile.dev", "api.Dockerfile", "web/worker.dockerfile",
             "Containerfile", "deploy/Containerfile.prod", "build.containerfile", "deep/er/Dockerfile"]
    not_dockerfiles = ["Dockerfile.py", "README.md", "Dockerfile.dockerignore", "node_modules/x/Dockerfile",
                       ".git/Dockerfile"]
    for name in names + not_dockerfiles:
        _write(tmp_path / name, "from alpine\n")
    assert main(["--check", "--format", "json", str(tmp_path)]) == 1
    paths = [f["path"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert paths == sorted(str(tmp_path / name) for name in names)


def test_directory_without_dockerfiles_is_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path / "src" / "main.py", "print()\n")
    assert main(["--check", "--format", "concise", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{tmp_path}: warning: no Dockerfiles found\nNo problems found (0 files checked).\n"


# --------------------------------------------------------------------------- --fix and --diff


def test_fix_rewrites_in_place_keeping_crlf_and_bom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", b"\xef\xbb\xbffrom alpine\r\nrun echo hi\r\n\r\nRUN true")
    assert main(["--fix", "--format", "concise", str(path)]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbfFROM alpine\r\nRUN echo hi\r\n\r\nRUN true"
    assert capsys.readouterr() == ("", "Fixed 2 problems in 1 file; 0 remain.\n")
    assert main(["--fix", "--format", "concise", str(path)]) == 0
    assert path.read_bytes() == b"\xef\xbb\xbfFROM alpine\r\nRUN echo hi\r\n\r\nRUN true"


def test_fix_reports_what_is_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\nMAINTAINER me\nfoo\n")
    untouched = _write(tmp_path / "clean" / "Dockerfile", "FROM alpine\n")
    before = untouched.stat().st_mtime_ns
    assert main(["--fix", "--format", "concise", "--check", str(path), str(untouched)]) == 1
    out, err = capsys.readouterr()
    assert path.read_text() == "FROM alpine\nMAINTAINER me\nfoo\n"  # the unsafe fix is not applied
    assert out.splitlines() == [
        f"{path}:2:1: DKT002 test-maintainer MAINTAINER is deprecated",
        f"{path}:3:1: DKL000 syntax-error unknown instruction: FOO",
    ]
    assert err == "Fixed 1 problem in 1 file; 2 remain.\n"
    assert untouched.stat().st_mtime_ns == before


def test_fix_of_stdin_prints_the_document_and_moves_findings_to_stderr(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"from alpine\r\nfoo\r\n")
    assert main(["--fix", "--format", "concise", "-"]) == 1
    out, err = capsys.readouterr()
    assert out == "FROM alpine\r\nfoo\r\n"
    assert err.startswith("-:2:1: DKL000 syntax-error unknown instruction: FOO\n")
    _stdin(monkeypatch, b"FROM alpine\n")
    assert main(["--fix", "-", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert out == "FROM alpine\n"  # echoed even when there is nothing to fix
    assert json.loads(err[: err.rindex("}") + 1]) == {"version": 1, "findings": []}


def test_diff_prints_the_safe_fixes_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "from alpine\nMAINTAINER me\nrun echo hi"
    path = _write(tmp_path / "Dockerfile", text)
    clean = _write(tmp_path / "ok.Dockerfile", "FROM alpine\n")
    assert main(["--diff", str(path), str(clean)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"--- {path}\n+++ {path}\n@@ -1,3 +1,3 @@\n"
        "-from alpine\n+FROM alpine\n MAINTAINER me\n"
        "-run echo hi\n\\ No newline at end of file\n+RUN echo hi\n\\ No newline at end of file\n"
    )
    assert err == "Would fix 2 problems in 1 file.\n"
    assert path.read_text() == text
    assert main(["--fix", "--diff", str(path)]) == 1  # --diff wins: still nothing written
    assert path.read_text() == text
    capsys.readouterr()
    assert main(["--diff", str(clean)]) == 0
    assert capsys.readouterr() == ("", "No fixes to apply (1 file checked).\n")


def test_diff_applies_with_patch(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    patch = shutil.which("patch")
    if patch is None:
        pytest.skip("patch(1) is not installed")
    text = "from alpine\r\nMAINTAINER me\r\nrun echo hi\r\n"
    _write(tmp_path / "Dockerfile", text)
    monkeypatch.chdir(tmp_path)
    main(["--diff", "Dockerfile"])
    diff = capsys.readouterr().out
    subprocess.run([patch, "-p0", "--binary"], input=diff.encode(), check=True, capture_output=True)
    main(["--fix", "--format", "concise", "Dockerfile"])
    assert main(["--diff", "Dockerfile"]) == 0
    assert (tmp_path / "Dockerfile").read_bytes() == b"FROM alpine\r\nMAINTAINER me\r\nRUN echo hi\r\n"


def test_fixes_with_overlapping_edits_leave_the_file_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def check(model: Model) -> Iterator[Finding]:
        span = model.tree.instructions[0].span
        yield BROKEN.finding(span, "broken fix", Fix("Overlap", (Edit(span, "A"), Edit(span, "B"))))

    BROKEN = Rule("DKT004", "test-broken-fix", "Bad", Severity.WARNING, "style", FixAvailability.SAFE, check)
    _use_rules(monkeypatch, BROKEN)
    path = _write(tmp_path / "Dockerfile", "FROM alpine\n")
    assert main(["--fix", "--format", "concise", str(path)]) == 2
    assert "fixes with conflicting edits" in capsys.readouterr().err
    assert path.read_text() == "FROM alpine\n"
    _stdin(monkeypatch, b"FROM alpine\n")
    assert main(["--fix", "--format", "concise", "-"]) == 2
    assert capsys.readouterr().out == "FROM alpine\n"  # an editor piping through dockls keeps its text


def test_unwritable_file_is_an_error_and_reported_unfixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "Dockerfile", "from alpine\n")

    def refuse(self: Path, data: bytes) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_bytes", refuse)
    assert main(["--fix", "--format", "concise", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == f"{path}:1:1: DKT001 test-keyword-case from should be written FROM\n"
    assert err == (f"{path}: error: cannot write the fixes: Permission denied\n"
                   "Found 1 problem in 1 file (1 fixable with --fix).\n")


# --------------------------------------------------------------------------- parse and rules


PARSE_FIXTURE = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim AS base
RUN --mount=type=cache,target=/root/.cache/pip <<EOF
pip install flask
EOF
ONBUILD RUN echo \\
  triggered
COPY --link ["a b", "/app/"]
"""


def test_parse_prints_the_syntax_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", PARSE_FIXTURE)
    assert main(["parse", str(path)]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["escape"] == "\\"
    assert tree["problems"] == []
    [directive] = tree["directives"]
    assert (directive["name"], directive["value"]) == ("syntax", "docker/dockerfile:1")
    run = tree["instructions"][1]
    assert run["flags"] == ["--mount=type=cache,target=/root/.cache/pip"]
    [mount] = run["flag_details"]
    assert mount["name"] == "mount"
    assert mount["options"] == [{"key": "type", "value": "cache"}, {"key": "target", "value": "/root/.cache/pip"}]
    assert mount["range"]["start"] == {"line": 3, "column": 5, "offset": 63}
    assert run["range"]["end"] == {"line": 5, "column": 4, "offset": 133}
    onbuild = tree["instructions"][2]
    assert onbuild["sub"]["keyword"] == "RUN"
    assert onbuild["sub"]["value"] == ["echo   triggered"]
    assert onbuild["sub"]["sub"] is None
    # The fields BuildKit also has agree with BuildKit.
    for ours, theirs in zip(tree["instructions"], dockerfile.parse_string(PARSE_FIXTURE), strict=True):
        command = ours["sub"] or ours
        assert (ours["keyword"], ours["start_line"], ours["end_line"]) == (
            theirs.cmd, theirs.start_line, theirs.end_line)
        assert (command["value"], command["json"]) == (list(theirs.value), theirs.json)
        assert [(h["name"], h["content"]) for h in command["heredocs"]] == [
            (h.name, h.content) for h in theirs.heredocs]
        if ours["sub"] is None:
            assert ours["flags"] == list(theirs.flags)
        else:
            assert ours["sub"]["keyword"] == theirs.sub_cmd


def test_parse_of_stdin_and_of_a_broken_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, b"FROM alpine\nRUN <<EOF\necho\n")
    assert main(["parse", "-"]) == 0
    tree = json.loads(capsys.readouterr().out)
    [problem] = tree["problems"]
    assert problem["message"] == "unterminated heredoc: no line 'EOF' ends it"
    assert problem["range"]["start"] == {"line": 2, "column": 5, "offset": 16}


def test_parse_of_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'missing'}: error: No such file or directory\n"


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CATEGORY", "SEVERITY", "FIX", "SUMMARY"]
    assert lines[1].split(maxsplit=5) == ["DKL000", "syntax-error", "syntax", "error",
                                          syntax_error.RULE.fix.value, syntax_error.RULE.summary]
    assert lines[2].split(maxsplit=5) == ["DKT001", "test-keyword-case", "style", "warning", "safe",
                                          "Keywords are upper-case"]
    assert len(lines) == 4
    assert main(["rules", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing[2] == {
        "id": "DKT002", "name": "test-maintainer", "severity": "info", "fix": "unsafe",
        "category": "style", "summary": "MAINTAINER is deprecated", "url": MAINTAINER.url,
    }


# --------------------------------------------------------------------------- the language server


@pytest.mark.parametrize("argv", [[], ["lsp"], ["--stdio"], ["lsp", "--stdio"]])
def test_language_server_entry_points(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    fake = types.ModuleType("dockls.lsp")
    fake.serve = lambda: calls.append("served")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dockls.lsp", fake)
    assert main(argv) == 0
    assert calls == ["served"]


def test_language_server_rejects_other_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stdio", "--check", "--format", "concise"]) == 2
    assert main(["lsp", "--port", "2087"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err


# --------------------------------------------------------------------------- real processes, real rules


def _dockls_script() -> str:
    script = shutil.which("dockls", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                          os.environ.get("PATH", "")]))
    if script is None:
        pytest.skip("the dockls console script is not installed")
    return script


def _run(argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120, check=False)


def test_console_script_version_and_module_entry_point() -> None:
    script = _run([_dockls_script(), "--version"])
    module = _run([sys.executable, "-m", "dockls", "--version"])
    assert script.returncode == module.returncode == 0
    assert script.stdout == module.stdout == f"dockls {dockls.__version__}\n"


def test_console_script_checks_stdin() -> None:
    result = _run([_dockls_script(), "--check", "--format", "concise", "--stdin-filename", "Dockerfile"],
                  stdin="FROM alpine:3.20\nUSER nobody\nRUN <<EOF\necho\n")
    assert result.returncode == 1
    assert result.stdout == "Dockerfile:3:5: DKL000 syntax-error unterminated heredoc: no line 'EOF' ends it\n"


def test_example_dockerfile_shows_the_headline_rules_with_fixes() -> None:
    result = _run([sys.executable, "-m", "dockls", "--check", "--format", "json", str(EXAMPLE)])
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    names = {f["name"] for f in findings}
    expected = {"consecutive-run", "apt-lists-not-removed", "pip-cache-kept", "copy-before-install"}
    assert expected <= names, f"missing {expected - names}"
    assert any(f["fix"] == "safe" for f in findings)


def test_fixing_the_example_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    copy = tmp_path / "Dockerfile"
    shutil.copy(EXAMPLE, copy)
    first = _run([_dockls_script(), "--fix", "--format", "concise", str(copy)])
    assert first.returncode in (0, 1), first.stderr
    fixed = copy.read_bytes()
    assert fixed != EXAMPLE.read_bytes()
    dockerfile.parse_string(fixed.decode())  # BuildKit still accepts it
    second = _run([_dockls_script(), "--fix", "--format", "concise", str(copy)])
    assert second.returncode == first.returncode
    assert copy.read_bytes() == fixed
    assert "Fixed" not in second.stderr


def test_closed_stdout_ends_quietly(tmp_path: Path) -> None:
    path = _write(tmp_path / "Dockerfile", "FROM alpine\n" + "foo bar\n" * 20_000)
    with subprocess.Popen([sys.executable, "-m", "dockls", "--check", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(100)
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(timeout=60) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_many_files_checked_in_worker_processes_report_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    for k in range(40):
        body = "FROM alpine\nRUN apk add curl\n" if k % 3 else "FROM alpine\nRUN <<EOF\n"
        (tmp_path / f"app{k:02}.Dockerfile").write_text(body, encoding="utf-8")
    args = ["--check", "--format", output_format, str(tmp_path)]
    outputs = []
    for threshold in (10_000, 2):  # first in this process, then in a pool of worker processes
        monkeypatch.setattr("dockls.cli._PARALLEL_FROM", threshold)
        code = main(args)
        outputs.append((code, *capsys.readouterr()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1 and "Found 14 problems in 14 files" in outputs[0][2]  # the 14 unterminated heredocs
