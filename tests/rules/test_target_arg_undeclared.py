"""target-arg-undeclared (DKL026): a platform variable used in a stage that does not declare it."""

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

NAME = "target-arg-undeclared"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


def test_reports_a_use_in_a_run_and_declares_it() -> None:
    text = ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\n"
            "RUN GOOS=linux GOARCH=$TARGETARCH go build -o /out/app .\n")
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "$TARGETARCH"
    assert finding.effective_severity is Severity.WARNING
    assert finding.message.startswith("$TARGETARCH is not declared in stage build, so it is empty here:")
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\n"
                           "RUN GOOS=linux GOARCH=$TARGETARCH go build -o /out/app .\n")
    assert fix_all_rule(text, NAME) == text  # unsafe: --fix leaves it


def test_one_finding_per_name_with_the_other_uses_related() -> None:
    text = "FROM alpine\nCOPY bin/app-${TARGETARCH} /app\nRUN echo $TARGETARCH\nWORKDIR /opt/$TARGETOS\n"
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["${TARGETARCH", "$TARGETOS"]
    assert "(and 1 more use in this stage)" in found[0].message
    [related] = found[0].related
    assert related.span.start == text.index("$TARGETARCH\nWORKDIR")


def test_multi_stage_each_stage_needs_its_own_arg() -> None:
    text = ("FROM alpine AS a\nARG TARGETARCH\nRUN echo $TARGETARCH\n"
            "FROM alpine AS b\nRUN echo $TARGETARCH\n")
    [finding] = findings(text, NAME)
    assert "stage b" in finding.message
    assert fixed(text) == ("FROM alpine AS a\nARG TARGETARCH\nRUN echo $TARGETARCH\n"
                           "FROM alpine AS b\nARG TARGETARCH\nRUN echo $TARGETARCH\n")


def test_global_arg_is_not_visible_in_the_stage() -> None:
    text = "ARG TARGETPLATFORM\nFROM --platform=$TARGETPLATFORM alpine\nRUN echo ${TARGETPLATFORM}\n"
    assert fixed(text) == ("ARG TARGETPLATFORM\nFROM --platform=$TARGETPLATFORM alpine\nARG TARGETPLATFORM\n"
                           "RUN echo ${TARGETPLATFORM}\n")


def test_declared_after_the_use() -> None:
    text = "FROM alpine\nRUN echo $BUILDARCH\nARG BUILDARCH\nRUN echo $BUILDARCH\n"
    [finding] = findings(text, NAME)
    assert finding.span.start == text.index("$BUILDARCH")


def test_heredoc_run() -> None:
    text = "FROM golang:1.23\nRUN <<EOF\nGOARCH=${TARGETARCH} go build .\nEOF\n"
    assert fixed(text) == "FROM golang:1.23\nARG TARGETARCH\nRUN <<EOF\nGOARCH=${TARGETARCH} go build .\nEOF\n"


def test_exec_form_through_a_shell() -> None:
    text = 'FROM alpine\nRUN ["/bin/sh", "-c", "echo $TARGETVARIANT"]\n'
    assert fixed(text) == 'FROM alpine\nARG TARGETVARIANT\nRUN ["/bin/sh", "-c", "echo $TARGETVARIANT"]\n'


def test_crlf() -> None:
    text = "FROM alpine\r\nRUN echo $TARGETOS\r\n"
    assert fixed(text) == "FROM alpine\r\nARG TARGETOS\r\nRUN echo $TARGETOS\r\n"


def test_arg_default_and_mount_flag() -> None:
    text = "FROM alpine\nARG ARCH=${TARGETARCH}\nRUN --mount=type=cache,id=c-$TARGETARCH,target=/c true\n"
    [finding] = findings(text, NAME)
    assert "(and 1 more use" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nARG TARGETARCH\nRUN echo $TARGETARCH\n", id="declared"),
    pytest.param("FROM alpine\nARG TARGETOS TARGETARCH\nCOPY app-$TARGETOS-$TARGETARCH /app\n", id="declared together"),
    pytest.param("FROM --platform=$BUILDPLATFORM golang\n", id="in FROM only"),
    pytest.param("FROM alpine\nENV TARGETARCH=amd64\nRUN echo $TARGETARCH\n", id="set by ENV"),
    pytest.param("FROM alpine AS base\nENV TARGETARCH=amd64\nFROM base\nRUN echo $TARGETARCH\n",
                 id="ENV inherited from the parent stage"),
    pytest.param("FROM alpine\nRUN TARGETARCH=$(uname -m) && echo $TARGETARCH\n", id="assigned by the RUN"),
    pytest.param("FROM alpine\nRUN for TARGETOS in linux darwin; do echo $TARGETOS; done\n", id="loop variable"),
    pytest.param("FROM alpine\nRUN echo \\$TARGETARCH\n", id="escaped"),
    pytest.param("FROM alpine\nCMD echo $TARGETARCH\n", id="CMD runs in the container"),
    pytest.param('FROM alpine\nENTRYPOINT ["sh", "-c", "echo $TARGETARCH"]\n', id="ENTRYPOINT"),
    pytest.param("FROM alpine\nONBUILD RUN echo $TARGETARCH\n", id="ONBUILD"),
    pytest.param('FROM alpine\nRUN ["echo", "$TARGETARCH"]\n', id="exec form without a shell"),
    pytest.param('FROM alpine\nSHELL ["pwsh", "-Command"]\nRUN echo $TARGETARCH\n', id="PowerShell"),
    pytest.param("FROM alpine\nRUN echo $TARGETARCHITECTURE\n", id="another name"),
    pytest.param("FROM alpine\n# dockls ignore=target-arg-undeclared\nRUN echo $TARGETARCH\n", id="suppressed"),
    pytest.param("# dockls global ignore=DKL026\nFROM alpine\nRUN echo $TARGETARCH\n", id="suppressed globally"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    # The fix is unsafe, so --fix changes nothing; each offered fix on its own must keep the file valid
    # (the corpus may have no undeclared use, in which case none is applied).
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0
