"""``dockls --check`` output options: --format/--output pairing, exit codes across formats, --exit-zero,
--statistics, --quiet, rule selection, colour, and worker processes rendering byte for byte like one."""

from __future__ import annotations

import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from dockls.cli import FORMATS, main
from dockls.rules import syntax_error
from tests.test_reporters import KEYWORD_CASE, MAINTAINER, SARIF_SCHEMA

DIRTY = "from alpine\nMAINTAINER me\n"  # a warning (DKT001, safe fix) and an info (DKT002)


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = (syntax_error.RULE, KEYWORD_CASE, MAINTAINER)
    for where in ("dockls.engine.all_rules", "dockls.cli.all_rules", "dockls.config.all_rules"):
        monkeypatch.setattr(where, lambda: rules)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rule_ids(output_format: str, out: str) -> list[str]:
    """The rule of each finding in a report, whatever its format."""
    if output_format in ("text", "concise"):
        return [line.split(" ")[1] for line in out.splitlines() if ": DK" in line]
    if output_format == "json":
        return [f["id"] for f in json.loads(out)["findings"]]
    if output_format == "sarif":
        return [r["ruleId"] for r in json.loads(out)["runs"][0]["results"]]
    if output_format == "gitlab":
        return [issue["check_name"] for issue in json.loads(out)]
    if output_format == "github":
        return [line.split("title=")[1].split(" ")[0] for line in out.splitlines()]
    if output_format == "checkstyle":
        return [str(e.get("source")).split(".")[1] for e in ET.fromstring(out).iter("error")]
    return [str(f.get("type")) for f in ET.fromstring(out).iter("failure")]


def test_default_format_is_text_with_the_source_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    assert main(["--check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{path}:1:1: DKT001 test-keyword-case from should be written FROM\n  |\n1 | from alpine\n"
                          "  | ^^^^\n")
    assert "\x1b[" not in out  # not a terminal
    assert err == "Found 2 problems in 1 file (1 fixable with --fix).\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_is_coloured_on_a_terminal_unless_no_color(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for no_color, coloured in ((None, True), ("1", False)):
        if no_color is not None:
            monkeypatch.setenv("NO_COLOR", no_color)
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stdout", terminal)
        main(["--check", str(path)])
        assert ("\x1b[" in terminal.getvalue()) is coloured
        concise = _Terminal()
        monkeypatch.setattr(sys, "stdout", concise)
        main(["--check", "--format", "concise", str(path)])
        assert "\x1b[" not in concise.getvalue()


def test_output_writes_the_report_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    report = tmp_path / "report.json"
    assert main(["--check", "--format", "json", "--output", str(report), str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Found 2 problems" in err
    assert json.loads(report.read_text(encoding="utf-8"))["version"] == 1


def test_each_format_pairs_with_the_output_after_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    sarif, junit = tmp_path / "a.sarif", tmp_path / "junit.xml"
    args = ["--check", "--format", "sarif", "--output", str(sarif), "--format", "concise",
            "--format", "junit", "--output", str(junit), str(path)]
    assert main(args) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:1:1: DKT001 test-keyword-case from should be written FROM",
        f"{path}:2:1: DKT002 test-maintainer MAINTAINER is deprecated, use: LABEL 100%",
    ]
    log = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    assert _rule_ids("junit", junit.read_text(encoding="utf-8")) == ["DKT001", "DKT002"]


def test_an_output_before_any_format_belongs_to_the_first_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    report = tmp_path / "out.txt"
    assert main(["--check", "--output", str(report), str(path)]) == 1  # the default text format
    assert report.read_text(encoding="utf-8").startswith(f"{path}:1:1: DKT001 ")
    assert main(["--check", "--output", str(report), "--format", "gitlab", str(path)]) == 1
    assert _rule_ids("gitlab", report.read_text(encoding="utf-8")) == ["DKT001", "DKT002"]
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("args", [
    ["--format", "json", "--format", "sarif"],
    ["--format", "json", "--output", "a", "--output", "b"],
    ["--format", "json", "--output", "same", "--format", "sarif", "--output", "same"],
    ["--statistics", "--format", "json"],
    ["--format", "yaml"],
])
def test_conflicting_outputs_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "Dockerfile", DIRTY)
    assert main(["--check", *args, "."]) == 2
    assert "usage:" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]  # nothing written


def test_an_unwritable_output_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    assert main(["--check", "--format", "json", "--output", str(tmp_path / "no" / "such" / "dir"), str(path)]) == 2
    assert "cannot write the report" in capsys.readouterr().err


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize(("threshold", "expected"), [("error", 0), ("warning", 1), ("info", 1), ("hint", 1)])
def test_exit_codes_follow_the_threshold_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output_format: str, threshold: str, expected: int
) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    assert main(["--check", "--format", output_format, "--severity-threshold", threshold, str(path)]) == expected
    assert _rule_ids(output_format, capsys.readouterr().out) == ["DKT001", "DKT002"]  # all shown regardless
    info_only = _write(tmp_path / "info" / "Dockerfile", "FROM alpine\nMAINTAINER me\n")
    assert main(["--check", "--format", output_format, "--severity-threshold", threshold, str(info_only)]) == (
        1 if threshold in ("info", "hint") else 0)
    assert _rule_ids(output_format, capsys.readouterr().out) == ["DKT002"]
    clean = _write(tmp_path / "clean" / "Dockerfile", "FROM alpine\n")
    assert main(["--check", "--format", output_format, "--severity-threshold", threshold, str(clean)]) == 0
    assert _rule_ids(output_format, capsys.readouterr().out) == []


@pytest.mark.parametrize("output_format", FORMATS)
def test_selection_applies_to_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           output_format: str) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY + "foo\n")
    main(["--check", "--format", output_format, "--select", "test-maintainer", str(path)])
    assert _rule_ids(output_format, capsys.readouterr().out) == ["DKT002"]
    main(["--check", "--format", output_format, "--ignore", "DKT002", "--extend-select", "DKL000", str(path)])
    assert _rule_ids(output_format, capsys.readouterr().out) == ["DKT001", "DKL000"]


def test_exit_zero_keeps_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    assert main(["--check", "--exit-zero", "--format", "sarif", str(path)]) == 0
    assert main(["--check", "--exit-zero", str(path), str(tmp_path / "missing")]) == 2
    assert "Found 2 problems" in capsys.readouterr().err


def test_statistics_replaces_the_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "a" / "Dockerfile", DIRTY)
    _write(tmp_path / "b" / "Dockerfile", "from alpine\nrun true\n")
    assert main(["--check", "--statistics", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == "3  DKT001  [*] test-keyword-case\n1  DKT002      test-maintainer\n"
    assert err == "Found 4 problems in 2 files (3 fixable with --fix).\n"


def test_quiet_prints_only_the_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "Dockerfile", DIRTY)
    assert main(["--check", "--quiet", "--format", "concise", str(path)]) == 1
    out, err = capsys.readouterr()
    assert (len(out.splitlines()), err) == (2, "")
    assert main(["-q", "--check", str(tmp_path / "missing")]) == 2
    assert "error" in capsys.readouterr().err  # errors are still said


@pytest.mark.parametrize("output_format", FORMATS)
def test_worker_processes_render_byte_identical_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    for k in range(36):  # the parallel path starts at 32 inputs
        body = DIRTY if k % 3 else "FROM alpine\nfoo\n"
        _write(tmp_path / f"app{k:02}.Dockerfile", body)
    args = ["--check", "--format", output_format, str(tmp_path)]
    runs = []
    for threshold in (10_000, 32):  # first in this process, then in a pool of worker processes
        monkeypatch.setattr("dockls.cli._PARALLEL_FROM", threshold)
        runs.append((main(args), *capsys.readouterr()))
    assert runs[0] == runs[1]
    assert runs[0][0] == 1 and "Found 60 problems in 36 files" in runs[0][2]

