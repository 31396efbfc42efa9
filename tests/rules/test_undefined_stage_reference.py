"""undefined-stage-reference (DKL045): --from names no earlier stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import apply_fix, assert_each_corpus_fix_is_valid, assert_fix_is_safe, findings

NAME = "undefined-stage-reference"
BUILD = "FROM golang:1.23 AS builder\nRUN go build -o /out/app .\n"


def test_near_miss_of_a_stage_name() -> None:
    text = BUILD + "FROM scratch\nCOPY --from=bulder /out/app /app\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "bulder"
    assert "`builder`" in finding.message and "docker.io/library/bulder" in finding.message
    [fix] = finding.fixes
    assert not fix.safe  # a guess
    after = apply_fix(text, fix)
    assert after == BUILD + "FROM scratch\nCOPY --from=builder /out/app /app\n"
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []


def test_near_miss_in_a_mount() -> None:
    text = BUILD + "FROM debian\r\nRUN --mount=type=bind,from=buildr,target=/src cp /src/app /app\r\n"
    [finding] = findings(text, NAME)
    after = apply_fix(text, finding.fixes[0])
    assert after == BUILD + "FROM debian\r\nRUN --mount=type=bind,from=builder,target=/src cp /src/app /app\r\n"
    assert_fix_is_safe(text, after, NAME)


@pytest.mark.parametrize(("text", "words"), [
    pytest.param("FROM debian\nCOPY --from=assets /a /b\nFROM node AS assets\n", "defined later", id="later stage"),
    pytest.param("FROM debian AS app\nCOPY --from=app /a /b\n", "is this stage", id="itself"),
    pytest.param("FROM debian\nCOPY --from=1 /a /b\nFROM debian\n", "not an earlier stage", id="later index"),
    pytest.param("FROM debian\nCOPY --from=0 /a /b\n", "not an earlier stage", id="own index"),
    pytest.param("FROM a AS builder\nFROM b AS bilder2\nFROM c\nCOPY --from=bilder /x /y\n", "or",
                 id="two candidates"),
])
def test_fires_without_fix(text: str, words: str) -> None:
    [finding] = findings(text, NAME)
    assert words in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param(BUILD + "FROM scratch\nCOPY --from=builder /out/app /app\n", id="earlier stage"),
    pytest.param(BUILD + "FROM scratch\nCOPY --from=Builder /out/app /app\n", id="any case"),
    pytest.param(BUILD + "FROM scratch\nCOPY --from=0 /out/app /app\n", id="earlier index"),
    pytest.param(BUILD + "FROM scratch\nCOPY --from=busybox /bin/sh /sh\n", id="image from Docker Hub"),
    pytest.param("FROM a AS code\nFROM b\nCOPY --from=node /usr/local/bin/node /node\n", id="known image near a stage"),
    pytest.param(BUILD + "FROM scratch\nCOPY --from=nginx:latest /etc/nginx /etc/nginx\n", id="tagged image"),
    pytest.param(BUILD + "FROM scratch\nCOPY --from=ghcr.io/o/bulder /x /y\n", id="registry"),
    pytest.param(BUILD + "ARG SRC=builder\nFROM scratch\nCOPY --from=${SRC} /x /y\n", id="variable"),
    pytest.param(BUILD + "FROM scratch\nONBUILD COPY --from=bulder /x /y\n", id="ONBUILD: the child's stages"),
    pytest.param(BUILD + "FROM scratch\nCOPY [\"--from=builder\", \"/x\", \"/y\"]\n", id="exec form"),
    pytest.param(BUILD + "FROM scratch\nRUN <<EOF\ncp --from=bulder\nEOF\n", id="heredoc RUN text"),
    pytest.param(BUILD + "FROM scratch\n# dockls ignore=undefined-stage-reference\nCOPY --from=bulder /x /y\n",
                 id="suppressed"),
    pytest.param(BUILD + "FROM scratch\n# hadolint ignore=DL3022\nCOPY --from=bulder /x /y\n", id="hadolint pragma"),
    pytest.param("FROM a AS app\nFROM b\nCOPY --from=abc /x /y\n", id="short names: one edit at most"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_bad_input_does_not_crash() -> None:
    for text in ["COPY --from=x /a /b\n", "FROM a\nCOPY --from /a /b\n", "FROM a\nCOPY --from= /a /b\n",
                 "FROM a\nRUN --mount=from true\n"]:
        findings(text, NAME)


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0  # real files rarely misspell stage names
