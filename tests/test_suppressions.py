"""Suppressions: the pragmas that silence rules (ours, hadolint's, BuildKit's ``check=skip``) and the
"ignore here" / "ignore in this file" code actions that write ours."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import dockerfile
import pytest

from dockls.engine import analyze
from dockls.fixes import apply_edits
from dockls.model import Model
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.suppressions import Suppressions, ignore_here, ignore_in_file
from dockls.syntax import Dockerfile, parse
from dockls.text import Span
from tests.buildkit import buildkit_error


def _every_run(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        yield RUN_RULE.finding(run.instruction.keyword_span, "a RUN")


RUN_RULE = Rule("TST001", "every-run", "Flags every RUN", Severity.WARNING, "test", FixAvailability.NONE,
                _every_run, hadolint=("DL3059",), buildkit=("RunEverywhere",))


def _marked_words(model: Model) -> Iterator[Finding]:
    for match in re.finditer(r"\btarget\b", model.text):
        yield MARK_RULE.finding(Span(match.start(), match.end()), "the word target")


# Flags the word "target" wherever it is: in directives, comments, continuation lines, heredoc bodies …
MARK_RULE = Rule("TST010", "marked-word", "Flags the word target", Severity.WARNING, "test", FixAvailability.NONE,
                 _marked_words)


def _runs_reported(text: str) -> list[str]:
    return [text[f.span.start : f.span.start + 5] for f in analyze(text, rules=[RUN_RULE]).findings]


# --------------------------------------------------------------------------- what the pragmas silence


def test_suppression_comment_above_an_instruction() -> None:
    text = "FROM a\n# dockls ignore=every-run\nRUN a\n# dockls ignore=TST001, other\nRUN b\nRUN c\n"
    assert _runs_reported(text) == ["RUN c"]


def test_hadolint_pragmas_silence_the_equivalent_rule() -> None:
    assert _runs_reported("FROM a\n# hadolint ignore=DL3008,DL3059\nRUN a\n# hadolint ignore=DL3008\nRUN b\n") == [
        "RUN b"]
    assert _runs_reported("FROM a\n# hadolint global ignore=DL3059\nRUN a\n") == []


def test_buildkit_check_skip_silences_the_equivalent_rule() -> None:
    for directive in ("# check=skip=RunEverywhere", "# check=skip=Other,runeverywhere;error=true", "# check=skip=all",
                      "# CHECK = SKIP=ALL"):
        assert _runs_reported(f"{directive}\nFROM a\nRUN a\n") == [], directive
    assert _runs_reported("# check=skip=Other\nFROM a\nRUN a\n") == ["RUN a"]
    # Not a directive once a line that is not one came before it.
    assert _runs_reported("FROM a\n# check=skip=all\nRUN a\n") == ["RUN a"]
    # The directive skips BuildKit's checks only: a rule without a BuildKit equivalent still reports.
    assert [f.rule for f in analyze("# check=skip=all\nFROM target\n", rules=[MARK_RULE]).findings] == [MARK_RULE]


def test_global_suppression_anywhere_in_the_file() -> None:
    assert _runs_reported("FROM a\nRUN a\n# dockls global ignore=every-run\nRUN b\n") == []
    assert _runs_reported("FROM a\nRUN a\nRUN b\n# dockls global ignore=TST001\n") == []


@pytest.mark.parametrize("pragma", [
    "# DOCKLS IGNORE=EVERY-RUN", "#dockls ignore = tst001", "#   Dockls Ignore=Every-Run  ", "# HADOLINT ignore=dl3059",
    "# dockls ignore=other,,every-run, ", "\t# dockls ignore=every-run",
])
def test_pragmas_are_case_and_space_insensitive(pragma: str) -> None:
    assert _runs_reported(f"FROM a\n{pragma}\nRUN a\nRUN b\n") == ["RUN b"]


@pytest.mark.parametrize(("text", "reported"), [
    pytest.param("FROM a\n# dockls ignore=every-run\n# a note\n\n# another\nRUN a\n", ["RUN a"],
                 id="blank line ends the block"),
    pytest.param("FROM a\n# dockls ignore=every-run\n# why: slow mirror\nRUN a\n", [], id="anywhere in the block"),
    pytest.param("# dockls ignore=every-run\nFROM a\nRUN a\n", ["RUN a"], id="above the previous instruction"),
    pytest.param("FROM a\nRUN a \\\n# dockls ignore=every-run\n  b\nRUN c\n", ["RUN a", "RUN c"],
                 id="inside a continued instruction"),
    pytest.param("FROM a\n# dockls ignore=every-run\nRUN a \\\n  b\n", [], id="continued instruction"),
    pytest.param("FROM a\n# dockls ignore=every-run\nONBUILD RUN a\n", [], id="ONBUILD trigger"),
    pytest.param("FROM a\n# dockls ignore=other\nRUN a\n", ["RUN a"], id="another rule"),
    pytest.param("FROM a\n# dockls ignore every-run\nRUN a\n", ["RUN a"], id="not a pragma"),
    pytest.param("FROM a\n# dockls global ignore=every-run\nRUN a\nRUN b\n", [], id="global in a block"),
    pytest.param("FROM a\n# hadolint global ignore=DL3059\nRUN a\nRUN b\n", [], id="hadolint global in a block"),
    pytest.param("FROM a\nRUN a <<EOF\n# dockls global ignore=every-run\nEOF\n", ["RUN a"], id="in a heredoc"),
])
def test_comment_block_semantics(text: str, reported: list[str]) -> None:
    assert _runs_reported(text) == reported


def test_a_finding_belongs_to_the_last_instruction_starting_at_or_before_it() -> None:
    text = "# syntax=docker/dockerfile:1\n# dockls ignore=marked-word\nFROM a\nRUN <<EOF\necho target\nEOF\n"
    directive = MARK_RULE.finding(Span(9, 15), "before the first instruction")
    in_heredoc = MARK_RULE.finding(Span(text.index("target"), len(text)), "in the RUN's heredoc")
    on_from = MARK_RULE.finding(Span(text.index("FROM"), text.index("FROM") + 4), "on FROM")
    suppressions = Suppressions.of(parse(text))
    assert [suppressions.suppresses(f) for f in (directive, in_heredoc, on_from)] == [False, False, True]
    moved = text.replace("# dockls ignore=marked-word\nFROM a\n", "FROM a\n# dockls ignore=TST010\n")
    assert Suppressions.of(parse(moved)).suppresses(in_heredoc)


# --------------------------------------------------------------------------- the code actions


def _only_finding(text: str) -> Finding:
    (finding,) = analyze(text, rules=[MARK_RULE]).findings
    return finding


def _applied(text: str, fix: Fix | None) -> str:
    assert fix is not None
    assert not fix.safe  # a code action the user picks, never applied by --fix
    return apply_edits(text, fix.edits)


def _assert_still_valid(before: str, after: str) -> None:
    dockerfile.parse_string(before)
    dockerfile.parse_string(after)  # raises dockerfile.GoParseError when BuildKit rejects the file
    if "\r\n" in before:
        assert after.count("\n") == after.count("\r\n")
    assert parse(after).escape == parse(before).escape
    assert [(d.name, d.value) for d in parse(after).directives] == [(d.name, d.value) for d in parse(before).directives]


@pytest.mark.parametrize(("text", "here", "in_file"), [
    pytest.param("FROM a\nRUN echo target\n",
                 "FROM a\n# dockls ignore=marked-word\nRUN echo target\n",
                 "# dockls global ignore=marked-word\nFROM a\nRUN echo target\n", id="plain"),
    pytest.param("FROM a\r\nRUN echo target\r\n",
                 "FROM a\r\n# dockls ignore=marked-word\r\nRUN echo target\r\n",
                 "# dockls global ignore=marked-word\r\nFROM a\r\nRUN echo target\r\n", id="CRLF"),
    pytest.param("FROM a\nRUN echo target",
                 "FROM a\n# dockls ignore=marked-word\nRUN echo target",
                 "# dockls global ignore=marked-word\nFROM a\nRUN echo target", id="no trailing newline"),
    pytest.param("\ufeffFROM target\n",
                 "\ufeff# dockls ignore=marked-word\nFROM target\n",
                 "\ufeff# dockls global ignore=marked-word\nFROM target\n", id="BOM"),
    pytest.param("\ufeff# syntax=docker/dockerfile:1\r\n# escape=`\r\n\r\n"
                 "FROM a\r\nRUN echo a && `\r\n    echo target\r\n",
                 "\ufeff# syntax=docker/dockerfile:1\r\n# escape=`\r\n\r\n"
                 "FROM a\r\n# dockls ignore=marked-word\r\nRUN echo a && `\r\n    echo target\r\n",
                 "\ufeff# syntax=docker/dockerfile:1\r\n# escape=`\r\n# dockls global ignore=marked-word\r\n\r\n"
                 "FROM a\r\nRUN echo a && `\r\n    echo target\r\n", id="BOM, directives, backtick escape, CRLF"),
    pytest.param("# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\nFROM target\n",
                 "# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\n# dockls ignore=marked-word\n"
                 "FROM target\n",
                 "# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\n# dockls global ignore=marked-word\n"
                 "FROM target\n", id="directives right above the first instruction"),
    pytest.param("FROM a AS build\n\tRUN make \\\n\t\t&& echo target\n",
                 "FROM a AS build\n\t# dockls ignore=marked-word\n\tRUN make \\\n\t\t&& echo target\n",
                 "# dockls global ignore=marked-word\nFROM a AS build\n\tRUN make \\\n\t\t&& echo target\n",
                 id="indented, finding on a continuation line"),
    pytest.param("FROM a\n  \\\n  RUN echo target\n",
                 "FROM a\n  # dockls ignore=marked-word\n  \\\n  RUN echo target\n",
                 "# dockls global ignore=marked-word\nFROM a\n  \\\n  RUN echo target\n",
                 id="instruction starting with a continued empty line"),
    pytest.param("# syntax=docker/dockerfile:1\nFROM a\nRUN <<EOF\nset -e\necho target\nEOF\n",
                 "# syntax=docker/dockerfile:1\nFROM a\n# dockls ignore=marked-word\n"
                 "RUN <<EOF\nset -e\necho target\nEOF\n",
                 "# syntax=docker/dockerfile:1\n# dockls global ignore=marked-word\nFROM a\n"
                 "RUN <<EOF\nset -e\necho target\nEOF\n",
                 id="heredoc body"),
    pytest.param("FROM a\nONBUILD RUN echo target\n",
                 "FROM a\n# dockls ignore=marked-word\nONBUILD RUN echo target\n",
                 "# dockls global ignore=marked-word\nFROM a\nONBUILD RUN echo target\n", id="ONBUILD trigger"),
    pytest.param("FROM a\n# the target\nRUN x\n",
                 "# dockls ignore=marked-word\nFROM a\n# the target\nRUN x\n",
                 "# dockls global ignore=marked-word\nFROM a\n# the target\nRUN x\n",
                 id="comment between instructions belongs to the one before"),
    pytest.param("FROM a\n# why: slow mirror\n# dockls ignore=other-rule\nRUN echo target\n",
                 "FROM a\n# why: slow mirror\n# dockls ignore=other-rule, marked-word\nRUN echo target\n",
                 "# dockls global ignore=marked-word\nFROM a\n# why: slow mirror\n# dockls ignore=other-rule\n"
                 "RUN echo target\n", id="extends the pragma of the block"),
    pytest.param("FROM a\r\n  #DOCKLS Ignore = other-rule,  # legacy\r\n  RUN echo target\r\n",
                 "FROM a\r\n  #DOCKLS Ignore = other-rule, marked-word  # legacy\r\n  RUN echo target\r\n",
                 "# dockls global ignore=marked-word\r\nFROM a\r\n  #DOCKLS Ignore = other-rule,  # legacy\r\n"
                 "  RUN echo target\r\n", id="extends a pragma with a trailing comma and a remark"),
    pytest.param("FROM a\n# dockls ignore=other-rule\n\nRUN echo target\n",
                 "FROM a\n# dockls ignore=other-rule\n\n# dockls ignore=marked-word\nRUN echo target\n",
                 "# dockls global ignore=marked-word\nFROM a\n# dockls ignore=other-rule\n\nRUN echo target\n",
                 id="a pragma beyond a blank line is not extended"),
    pytest.param("FROM a\n# hadolint ignore=DL3008\n# dockls global ignore=other-rule\nRUN echo target\n",
                 "FROM a\n# hadolint ignore=DL3008\n# dockls global ignore=other-rule\n# dockls ignore=marked-word\n"
                 "RUN echo target\n",
                 "FROM a\n# hadolint ignore=DL3008\n# dockls global ignore=other-rule, marked-word\nRUN echo target\n",
                 id="hadolint and global pragmas: local goes on a new line, global extends"),
    pytest.param("FROM a\nRUN echo target\n# hadolint global ignore=DL3008\n",
                 "FROM a\n# dockls ignore=marked-word\nRUN echo target\n# hadolint global ignore=DL3008\n",
                 "# dockls global ignore=marked-word\nFROM a\nRUN echo target\n# hadolint global ignore=DL3008\n",
                 id="hadolint global pragma not extended"),
])
def test_ignore_actions(text: str, here: str, in_file: str) -> None:
    tree = parse(text)
    finding = _only_finding(text)
    fix = ignore_here(text, tree, finding)
    assert fix is not None and fix.title == "Ignore marked-word for this instruction"
    assert _applied(text, fix) == here
    assert ignore_in_file(text, tree, finding).title == "Ignore marked-word in this file"
    assert _applied(text, ignore_in_file(text, tree, finding)) == in_file
    for after in (here, in_file):
        _assert_still_valid(text, after)
        assert analyze(after, rules=[MARK_RULE]).findings == []


def test_ignore_here_silences_only_that_instruction() -> None:
    text = "FROM a\nRUN echo target\nRUN echo target\n"
    first = analyze(text, rules=[MARK_RULE]).findings[0]
    after = _applied(text, ignore_here(text, parse(text), first))
    assert after == "FROM a\n# dockls ignore=marked-word\nRUN echo target\nRUN echo target\n"
    assert [f.span.start for f in analyze(after, rules=[MARK_RULE]).findings] == [after.rindex("target")]


@pytest.mark.parametrize(("text", "in_file"), [
    pytest.param("# syntax=docker/dockerfile:1\n# check=skip=target\nFROM a\n",
                 "# syntax=docker/dockerfile:1\n# check=skip=target\n# dockls global ignore=marked-word\nFROM a\n",
                 id="in a directive"),
    pytest.param("# syntax=target", "# syntax=target\n# dockls global ignore=marked-word",
                 id="directive ends the file"),
    pytest.param("# syntax=a\n# syntax=target\nFROM a\n",
                 "# syntax=a\n# syntax=target\n# dockls global ignore=marked-word\nFROM a\n",
                 id="repeated directive stays one"),
])
def test_findings_before_the_first_instruction_can_only_be_ignored_in_the_file(text: str, in_file: str) -> None:
    tree = parse(text)
    finding = _only_finding(text)
    assert ignore_here(text, tree, finding) is None
    after = _applied(text, ignore_in_file(text, tree, finding))
    assert after == in_file
    assert analyze(after, rules=[MARK_RULE]).findings == []
    assert [(d.name, d.value) for d in parse(after).directives] == [(d.name, d.value) for d in tree.directives]
    assert [p.message for p in parse(after).problems] == [p.message for p in tree.problems]


def test_ignore_in_file_of_an_empty_file() -> None:
    text = ""
    (finding,) = analyze(text).findings  # the syntax rule: a file with no instructions
    fixed = _applied(text, ignore_in_file(text, parse(text), finding))
    assert fixed == f"# dockls global ignore={finding.rule.name}\n"
    assert analyze(fixed).findings == []


# --------------------------------------------------------------------------- on real-world files


FINDINGS_PER_FILE = 3


def test_ignore_actions_on_the_corpus(corpus: list[Path]) -> None:
    """On every real-world file BuildKit accepts, ignoring each of its first findings here and in the
    file keeps the file valid for BuildKit and silences that rule there."""
    checked = 0
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        if buildkit_error(text) is not None:
            continue
        analysis = analyze(text)
        for finding in analysis.findings[:FINDINGS_PER_FILE]:
            rule = finding.rule
            here = ignore_here(text, analysis.tree, finding)
            if here is not None:
                after = apply_edits(text, here.edits)
                dockerfile.parse_string(after)
                still = analyze(after, rules=[rule])
                holders = {_holder(still.tree, f) for f in still.findings}
                assert _holder(analysis.tree, finding) not in holders, path.name
            after = apply_edits(text, ignore_in_file(text, analysis.tree, finding).edits)
            dockerfile.parse_string(after)
            assert analyze(after, rules=[rule]).findings == [], path.name
            checked += 1
    assert checked > 500


def _holder(tree: Dockerfile, finding: Finding) -> int:
    """The index of the instruction the finding belongs to (inserting a comment line keeps indexes)."""
    return sum(inst.span.start <= finding.span.start for inst in tree.instructions) - 1
