"""maintainer-deprecated (DKL039): MAINTAINER → LABEL org.opencontainers.image.authors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "maintainer-deprecated"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


def test_reports_the_instruction() -> None:
    text = "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "MAINTAINER Jane Doe <jane@example.com>"
    assert finding.effective_severity is Severity.WARNING
    assert "org.opencontainers.image.authors" in finding.message


def test_fix_replaces_it_with_the_label() -> None:
    assert fixed("FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\nRUN true\n") == (
        'FROM alpine:3.20\nLABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"\nRUN true\n')


@pytest.mark.parametrize(("author", "label"), [
    ('Jane "JD" Doe', r'"Jane \"JD\" Doe"'),
    ("costs $5", r'"costs \$5"'),
    ("back\\slash", r'"back\\slash"'),
])
def test_fix_escapes_what_label_would_expand(author: str, label: str) -> None:
    after = fixed(f"FROM alpine\nMAINTAINER {author}\n")
    assert after == f"FROM alpine\nLABEL org.opencontainers.image.authors={label}\n"


def test_fix_with_backtick_escape() -> None:
    after = fixed('# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\nMAINTAINER a "b" $c\n')
    assert after.endswith('LABEL org.opencontainers.image.authors="a `"b`" `$c"\n')


def test_fix_joins_continuation_lines_as_buildkit_does_and_keeps_crlf() -> None:
    after = fixed("FROM alpine\r\nMAINTAINER Jane \\\r\n  Doe\r\nRUN true\r\n")
    assert after == 'FROM alpine\r\nLABEL org.opencontainers.image.authors="Jane   Doe"\r\nRUN true\r\n'


def test_every_stage() -> None:
    text = "FROM alpine AS build\nMAINTAINER a\nFROM scratch\nMAINTAINER b\n"
    assert len(findings(text, NAME)) == 2


@pytest.mark.parametrize("text", [
    pytest.param('FROM alpine\nLABEL org.opencontainers.image.authors="a"\n', id="label"),
    pytest.param("FROM alpine\nRUN echo MAINTAINER a\n", id="only mentioned"),
    pytest.param("FROM alpine\n# dockls ignore=maintainer-deprecated\nMAINTAINER a\n", id="suppressed"),
    pytest.param("FROM alpine\n# hadolint ignore=DL4000\nMAINTAINER a\n", id="hadolint pragma"),
    pytest.param("# check=skip=MaintainerDeprecated\nFROM alpine\nMAINTAINER a\n", id="buildkit skip"),
    pytest.param("FROM alpine\nONBUILD MAINTAINER a\n", id="ONBUILD trigger (a BuildKit error)"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_empty_maintainer_has_no_fix() -> None:
    [finding] = findings("FROM alpine\nMAINTAINER\n", NAME)
    assert finding.fixes == ()


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
