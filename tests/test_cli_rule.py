"""``dockls rule NAME|ID`` prints a rule's documentation; ``dockls rules`` lists them all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dockls.cli import main
from dockls.docs import render_rule
from dockls.engine import all_rules

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("key", ["consecutive-run", "DKL001", "dkl001", "Consecutive-Run", " consecutive-run "])
def test_rule_prints_its_documentation(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", key]) == 0
    out = capsys.readouterr().out
    rule = next(r for r in all_rules() if r.id == "DKL001")
    assert out == render_rule(rule)
    assert out == (REPO / "docs" / "rules" / "consecutive-run.md").read_text(encoding="utf-8")


def test_every_rule_has_a_page(capsys: pytest.CaptureFixture[str]) -> None:
    for rule in all_rules():
        assert main(["rule", rule.name]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"# {rule.name} ({rule.id})\n")
        assert "## What it does" in out


@pytest.mark.parametrize(("key", "suggestion"), [("consecutiv-runs", "consecutive-run"), ("DKL0001", "DKL001")])
def test_unknown_rule_suggests_close_names(key: str, suggestion: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", key]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"dockls rule: error: unknown rule {key!r}; did you mean ")
    assert suggestion in captured.err.splitlines()[0].split("did you mean ")[1]


def test_only_close_names_are_suggested(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "consecutiv-run"]) == 2
    assert capsys.readouterr().err == (
        "dockls rule: error: unknown rule 'consecutiv-run'; did you mean consecutive-run? (see 'dockls rules')\n"
    )


def test_unknown_rule_without_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "xyzzy"]) == 2
    assert capsys.readouterr().err == "dockls rule: error: unknown rule 'xyzzy' (see 'dockls rules')\n"


@pytest.mark.parametrize("argv", [["rule"], ["rule", "a", "b"], ["rule", "--bogus"]])
def test_rule_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: dockls rule" in capsys.readouterr().err


def test_rule_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "--help"]) == 0
    assert "NAME|ID" in capsys.readouterr().out


def test_check_help_mentions_rule_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "dockls rule NAME" in " ".join(capsys.readouterr().out.split())


def test_rules_lists_id_name_category_severity_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CATEGORY", "SEVERITY", "FIX", "SUMMARY"]
    rules = all_rules()
    assert len(lines) == len(rules) + 1
    for line, rule in zip(lines[1:], rules):
        assert line.split()[:5] == [rule.id, rule.name, rule.category, rule.severity.value, rule.fix.value]


def test_rules_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["name"], r["category"], r["severity"], r["fix"]) for r in listing] == [
        (r.id, r.name, r.category, r.severity.value, r.fix.value) for r in all_rules()
    ]


def test_rule_through_the_console_entry() -> None:
    result = subprocess.run([sys.executable, "-m", "dockls", "rule", "DKL000"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# syntax-error (DKL000)\n")
