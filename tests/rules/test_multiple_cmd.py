"""multiple-cmd (DKL041): an overridden CMD, ENTRYPOINT or HEALTHCHECK in the same stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import (
    apply_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "multiple-cmd"


def test_reports_the_overridden_instruction() -> None:
    text = 'FROM alpine\nCMD ["a"]\nRUN true\nCMD ["b"]\n'
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "CMD"
    assert finding.span.start == text.index("CMD")
    assert finding.effective_severity is Severity.WARNING
    assert "line 4" in finding.message
    [related] = finding.related
    assert text[related.span.start : related.span.end] == 'CMD ["b"]'


@pytest.mark.parametrize("kind", ['CMD ["a"]', 'ENTRYPOINT ["a"]', "HEALTHCHECK CMD true", "cmd a"])
def test_fires_for_each_kind(kind: str) -> None:
    assert len(findings(f"FROM alpine\n{kind}\n{kind}\n{kind}\n", NAME)) == 2


def test_fix_deletes_the_overridden_instruction_with_its_comments() -> None:
    text = 'FROM alpine\n# migrate first\nCMD ["migrate"]\nENTRYPOINT ["tini", "--"]\nCMD ["serve"]\n'
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert fix.safe
    after = apply_fix(text, fix)
    assert after == 'FROM alpine\nENTRYPOINT ["tini", "--"]\nCMD ["serve"]\n'
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []


def test_fix_all_keeps_only_the_last_of_each_kind_crlf() -> None:
    text = "FROM alpine\r\nCMD a\r\nCMD b\r\nENTRYPOINT x\r\nCMD c\r\nENTRYPOINT y\r\n"
    after = fix_all_rule(text, NAME)
    assert after == "FROM alpine\r\nCMD c\r\nENTRYPOINT y\r\n"
    assert_fix_is_safe(text, after, NAME)


def test_multi_line_instruction_is_deleted_whole() -> None:
    text = 'FROM alpine\nHEALTHCHECK --interval=5s \\\n  CMD wget -q localhost\nHEALTHCHECK NONE\n'
    after = fix_all_rule(text, NAME)
    assert after == "FROM alpine\nHEALTHCHECK NONE\n"
    assert_fix_is_safe(text, after, NAME)


def test_each_stage_on_its_own() -> None:
    text = 'FROM alpine AS a\nCMD ["1"]\nCMD ["2"]\nFROM a\nCMD ["3"]\n'
    [finding] = findings(text, NAME)
    assert finding.span.start == text.index('CMD ["1"]')


@pytest.mark.parametrize("text", [
    pytest.param('FROM alpine\nCMD ["a"]\nENTRYPOINT ["b"]\nHEALTHCHECK CMD c\n', id="one of each"),
    pytest.param('FROM alpine AS a\nCMD ["a"]\nFROM alpine\nCMD ["b"]\n', id="different stages"),
    pytest.param('FROM alpine\nONBUILD CMD ["a"]\nCMD ["b"]\n', id="ONBUILD trigger"),
    pytest.param("FROM alpine\nRUN <<EOF\nCMD a\nCMD b\nEOF\nCMD c\n", id="heredoc text"),
    pytest.param('FROM alpine\n# dockls ignore=multiple-cmd\nCMD ["a"]\nCMD ["b"]\n', id="suppressed"),
    pytest.param('FROM alpine\n# hadolint ignore=DL4003\nCMD ["a"]\nCMD ["b"]\n', id="hadolint pragma"),
    pytest.param('# check=skip=MultipleInstructionsDisallowed\nFROM alpine\nCMD ["a"]\nCMD ["b"]\n',
                 id="buildkit skip"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
