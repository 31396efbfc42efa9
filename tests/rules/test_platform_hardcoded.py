"""platform-hardcoded (DKL028): FROM --platform with a constant value."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import (
    apply_only_fix,
    assert_corpus_fixes_are_safe,
    assert_each_corpus_fix_is_valid,
    findings,
    fix_all_rule,
)

NAME = "platform-hardcoded"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


def test_reports_the_constant_and_offers_to_remove_it() -> None:
    text = "FROM --platform=linux/amd64 node:22-slim\nRUN npm ci\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "--platform=linux/amd64"
    assert finding.effective_severity is Severity.WARNING
    assert finding.message.startswith("`--platform=linux/amd64` pins this stage to linux/amd64")
    assert fixed(text) == "FROM node:22-slim\nRUN npm ci\n"
    assert fix_all_rule(text, NAME) == text  # unsafe: --fix leaves it


def test_multi_stage() -> None:
    text = ("FROM --platform=linux/arm64 golang:1.23 AS build\nRUN go build -o /app .\n"
            "FROM --platform=$TARGETPLATFORM alpine\nCOPY --from=build /app /app\n")
    [finding] = findings(text, NAME)
    assert "linux/arm64" in finding.message
    assert fixed(text) == ("FROM golang:1.23 AS build\nRUN go build -o /app .\n"
                           "FROM --platform=$TARGETPLATFORM alpine\nCOPY --from=build /app /app\n")


def test_crlf() -> None:
    assert fixed("FROM --platform=linux/amd64 alpine\r\nRUN true\r\n") == "FROM alpine\r\nRUN true\r\n"


def test_quoted_value() -> None:
    text = 'FROM --platform="linux/amd64" alpine AS base\n'
    assert fixed(text) == "FROM alpine AS base\n"


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\n", id="no flag"),
    pytest.param("FROM --platform=$BUILDPLATFORM golang\n", id="BUILDPLATFORM"),
    pytest.param("FROM --platform=${TARGETPLATFORM} alpine\n", id="TARGETPLATFORM"),
    pytest.param("ARG PLATFORM=linux/amd64\nFROM --platform=$PLATFORM alpine\n", id="ARG, set per build"),
    pytest.param("FROM --platform=linux/amd64 alpine AS build_amd64\n"
                 "FROM --platform=linux/arm64 alpine AS build_arm64\nFROM build_${TARGETARCH}\n",
                 id="stage named for its platform"),
    pytest.param("FROM --platform=linux/arm64/v8 alpine AS base-v8\n", id="named for its variant"),
    pytest.param("FROM alpine\nRUN docker pull --platform=linux/amd64 alpine\n", id="RUN shell text"),
    pytest.param("FROM alpine\nRUN <<EOF\ndocker run --platform=linux/amd64 alpine\nEOF\n", id="heredoc RUN"),
    pytest.param("FROM alpine\nONBUILD RUN docker pull --platform=linux/amd64 x\n", id="ONBUILD"),
    pytest.param('FROM alpine\nRUN ["docker", "pull", "--platform=linux/amd64", "x"]\n', id="exec form"),
    pytest.param("# dockls ignore=DKL028\nFROM --platform=linux/amd64 alpine\n", id="suppressed"),
    pytest.param("# hadolint ignore=DL3029\nFROM --platform=linux/amd64 alpine\n", id="hadolint pragma"),
    pytest.param("# check=skip=FromPlatformFlagConstDisallowed\nFROM --platform=linux/amd64 alpine\n",
                 id="BuildKit check skip"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    # The fix is unsafe, so --fix changes nothing; each offered fix on its own must keep the file valid
    # (the corpus has no constant --platform outside a stage named for it, so this may apply none).
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0
