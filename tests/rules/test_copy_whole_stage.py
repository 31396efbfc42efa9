"""copy-whole-stage (DKL032): COPY --from=x / /."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import findings

NAME = "copy-whole-stage"


def test_reports_the_root_source() -> None:
    text = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=build / /\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "/"
    assert finding.effective_severity is Severity.WARNING
    assert finding.message.startswith("`COPY --from=build /` copies the whole filesystem of stage `build`")
    assert finding.fixes == ()


@pytest.mark.parametrize("copy", [
    "COPY --from=build / /", "COPY --from=build / /rootfs/", "COPY --from=build /. /", "COPY --from=build /* /",
    "COPY --from=build /etc / /target/", 'COPY --from=build ["/", "/"]', "COPY --chown=1 --from=build / /",
    "COPY --from=0 / /", "ONBUILD COPY --from=build / /",
])
def test_fires(copy: str) -> None:
    assert len(findings(f"FROM alpine:3.20 AS build\nFROM alpine:3.20\n{copy}\n", NAME)) == 1


def test_fires_with_crlf() -> None:
    assert len(findings("FROM alpine AS build\r\nFROM alpine\r\nCOPY --from=build / /\r\n", NAME)) == 1


def test_fires_in_a_stage_the_final_one_is_built_from() -> None:
    text = "FROM alpine AS build\nFROM alpine AS base\nCOPY --from=build / /\nFROM base\nRUN true\n"
    assert len(findings(text, NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine AS build\nFROM alpine\nCOPY --from=build /app /\n", id="a folder"),
    pytest.param("FROM alpine AS build\nFROM alpine\nCOPY / /\n", id="context root, no --from"),
    pytest.param("FROM alpine\nCOPY --from=tonistiigi/xx / /\n", id="artefact image"),
    pytest.param("FROM alpine AS build\nFROM alpine\nCOPY --from=build ./ /\n", id="relative"),
    pytest.param("FROM alpine AS build\nFROM alpine\nRUN cp -a / /x\n", id="not a COPY"),
    pytest.param("FROM alpine AS build\nFROM scratch AS out\nCOPY --from=build /app /app\n"
                 "FROM alpine\nCOPY --from=out / /\n", id="artefact stage FROM scratch"),
    pytest.param("FROM alpine AS build\nFROM alpine AS fat\nCOPY --from=build / /\nFROM alpine\n"
                 "COPY --from=fat /app /app\n", id="builder stage not in the final image"),
    pytest.param("FROM alpine AS build\nFROM alpine\n# dockls ignore=copy-whole-stage\nCOPY --from=build / /\n",
                 id="suppressed"),
    pytest.param("FROM alpine AS build\nFROM alpine\n# hadolint ignore=DL3067\nCOPY --from=build / /\n",
                 id="hadolint pragma"),
    pytest.param("FROM alpine AS build\nFROM alpine\nCOPY --from=build <<EOF /\nx\nEOF\n", id="heredoc"),
    pytest.param("FROM alpine AS build\nFROM alpine\nCOPY --from=\n", id="broken"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_never_raises_on_the_corpus(corpus: list[Path]) -> None:
    # No fix to check: the rule runs on every real-world file without raising, and finds some.
    assert sum(len(findings(path.read_text(errors="replace"), NAME)) for path in corpus) > 0
