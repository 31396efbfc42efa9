"""The engine: rule discovery, configuration, failing rules, fix application (suppressions: test_suppressions)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from dockls.engine import MAX_CHARS, Config, all_rules, analyze, rule_by_key
from dockls.fixes import OverlappingEdits, apply_edits, fix_all
from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.text import Span


def _every_run(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        yield RUN_RULE.finding(run.instruction.keyword_span, "a RUN")


RUN_RULE = Rule("TST001", "every-run", "Flags every RUN", Severity.WARNING, "test", FixAvailability.NONE,
                _every_run, hadolint=("DL3059",), buildkit=("RunEverywhere",))


def _explode(model: Model) -> Iterator[Finding]:
    raise RuntimeError("boom")


BROKEN_RULE = Rule("TST002", "broken", "Always raises", Severity.ERROR, "test", FixAvailability.NONE, _explode)


def _upper_run(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        span = run.instruction.keyword_span
        if model.text[span.start : span.end] != "RUN":
            yield UPPER_RULE.finding(span, "lower-case run", Fix("Upper-case it", (Edit(span, "RUN"),)))


UPPER_RULE = Rule("TST003", "upper-run", "RUN in upper case", Severity.INFO, "test", FixAvailability.SAFE,
                  _upper_run)


def test_rules_are_discovered_with_complete_metadata() -> None:
    rules = all_rules()
    assert rules and len({r.id for r in rules}) == len(rules) == len({r.name for r in rules})
    for rule in rules:
        assert re.fullmatch(r"DKL\d{3}", rule.id), rule.id
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        assert rule.summary and rule.category
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                        "## Stages", "## References"):
            assert heading in rule.doc, f"{rule.name}: missing {heading}"
    assert rule_by_key("DKL000") is rule_by_key("syntax-error") is not None
    assert rule_by_key("nope") is None


def test_a_failing_rule_is_logged_once_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="dockls"):
        for _ in range(3):
            found = analyze("FROM a\nRUN a\n", rules=[BROKEN_RULE, RUN_RULE]).findings
            assert [f.rule.name for f in found] == ["every-run"]
    assert len([r for r in caplog.records if "broken" in r.getMessage()]) == 1


def test_config_off_severity_and_ignore() -> None:
    text = "FROM a\nRUN a\n"
    assert analyze(text, Config(severities={"every-run": None}), rules=[RUN_RULE]).findings == []
    assert analyze(text, Config(ignore=frozenset({"TST001"})), rules=[RUN_RULE]).findings == []
    (finding,) = analyze(text, Config(severities={"TST001": Severity.ERROR}), rules=[RUN_RULE]).findings
    assert finding.effective_severity is Severity.ERROR


def test_huge_input_is_cut_with_a_warning() -> None:
    text = "FROM a\n" + "RUN echo x\n" * (MAX_CHARS // 10)
    analysis = analyze(text)
    assert [f.message for f in analysis.findings] == [
        f"file larger than {MAX_CHARS:,} characters: only the syntax of its beginning was checked"]


def test_fix_all_reaches_a_fixed_point() -> None:
    text = "FROM a\nrun a\nRun b\n"
    fixed, applied = fix_all(text, lambda t: analyze(t, rules=[UPPER_RULE]).findings)
    assert fixed == "FROM a\nRUN a\nRUN b\n" and applied == 2
    assert fix_all(fixed, lambda t: analyze(t, rules=[UPPER_RULE]).findings) == (fixed, 0)


def _cure(rule_id: str, severity: Severity, at_end: bool) -> Rule:
    """A rule for RUNs without "cured" whose fix cures them at the start or at the end of the RUN."""

    def check(model: Model) -> Iterator[Finding]:
        for run in model.runs:
            args = run.instruction.args_span
            if "cured" not in model.text[args.start : args.end]:
                where = Span(args.end, args.end) if at_end else Span(args.start, args.start)
                edit = Edit(where, " && cured" if at_end else "cured && ")
                yield rule.finding(args, "not cured", Fix("Cure", (edit,)))

    rule = Rule(rule_id, rule_id.lower(), "Cure", severity, "test", FixAvailability.SAFE, check)
    return rule


def test_two_cures_for_one_instruction_are_not_both_applied() -> None:
    # Each rule is silent once the other's fix is in: applying both in one pass would do the job twice.
    first, second = _cure("TSTA", Severity.INFO, at_end=False), _cure("TSTB", Severity.WARNING, at_end=True)
    fixed, applied = fix_all("FROM a\nRUN make\nRUN test\n", lambda t: analyze(t, rules=[first, second]).findings)
    assert fixed == "FROM a\nRUN make && cured\nRUN test && cured\n"  # the more severe finding's fix wins
    assert applied == 2


def test_apply_edits_keeps_insertion_order_and_rejects_overlaps() -> None:
    assert apply_edits("abc", [Edit(Span(1, 1), "X"), Edit(Span(1, 1), "Y"), Edit(Span(2, 3), "")]) == "aXYb"
    with pytest.raises(OverlappingEdits):
        apply_edits("abc", [Edit(Span(0, 2), ""), Edit(Span(1, 3), "")])
