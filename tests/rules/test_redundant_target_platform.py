"""redundant-target-platform (DKL029): FROM --platform=$TARGETPLATFORM is the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import (
    apply_only_fix,
    assert_corpus_fixes_are_safe,
    findings,
    fix_all_rule,
)

NAME = "redundant-target-platform"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=True)


@pytest.mark.parametrize("value", ["$TARGETPLATFORM", "${TARGETPLATFORM}"])
def test_reports_and_removes_the_flag(value: str) -> None:
    text = f"FROM --platform={value} alpine:3.20\nRUN apk add --no-cache git\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == f"--platform={value}"
    assert finding.effective_severity is Severity.INFO
    assert "is redundant" in finding.message
    assert fixed(text) == "FROM alpine:3.20\nRUN apk add --no-cache git\n"


def test_multi_stage_only_the_redundant_stage() -> None:
    text = ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build -o /app .\n"
            "FROM --platform=$TARGETPLATFORM gcr.io/distroless/static AS final\nCOPY --from=build /app /app\n")
    [finding] = findings(text, NAME)
    assert finding.span.start == text.index("--platform=$TARGETPLATFORM")
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build -o /app .\n"
                           "FROM gcr.io/distroless/static AS final\nCOPY --from=build /app /app\n")


def test_crlf() -> None:
    text = "FROM --platform=$TARGETPLATFORM alpine:3.20\r\nRUN echo hi\r\n"
    assert fixed(text) == "FROM alpine:3.20\r\nRUN echo hi\r\n"


def test_continued_from_line() -> None:
    text = "FROM --platform=$TARGETPLATFORM \\\n    alpine:3.20 AS base\nRUN echo hi\n"
    assert fixed(text) == "FROM \\\n    alpine:3.20 AS base\nRUN echo hi\n"


def test_fix_all_over_several_stages() -> None:
    text = "FROM --platform=$TARGETPLATFORM alpine AS a\nFROM --platform=${TARGETPLATFORM} alpine AS b\n"
    assert len(findings(text, NAME)) == 2
    assert fix_all_rule(text, NAME) == "FROM alpine AS a\nFROM alpine AS b\n"


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine:3.20\nRUN echo $TARGETPLATFORM\n", id="no flag"),
    pytest.param("FROM --platform=$BUILDPLATFORM golang:1.23\n", id="BUILDPLATFORM"),
    pytest.param("FROM --platform=linux/amd64 alpine\n", id="constant"),
    pytest.param("FROM --platform=${TARGETPLATFORM:-linux/amd64} alpine\n", id="with a default"),
    pytest.param("FROM alpine\nRUN echo --platform=$TARGETPLATFORM\n", id="RUN shell text"),
    pytest.param("FROM alpine\nRUN <<EOF\necho --platform=$TARGETPLATFORM\nEOF\n", id="heredoc RUN"),
    pytest.param("FROM alpine\nONBUILD RUN echo --platform=$TARGETPLATFORM\n", id="ONBUILD"),
    pytest.param('FROM alpine\nRUN ["echo", "--platform=$TARGETPLATFORM"]\n', id="exec form"),
    pytest.param("# dockls ignore=redundant-target-platform\nFROM --platform=$TARGETPLATFORM alpine\n",
                 id="suppressed"),
    pytest.param("# hadolint ignore=DL3065\nFROM --platform=$TARGETPLATFORM alpine\n", id="hadolint pragma"),
    pytest.param("# check=skip=RedundantTargetPlatform\nFROM --platform=$TARGETPLATFORM alpine\n",
                 id="BuildKit check skip"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
