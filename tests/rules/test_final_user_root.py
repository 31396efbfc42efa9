"""final-user-root (DKL036): the final image runs as root."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "final-user-root"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)  # files and ports may need root: a code action only


def test_no_user_reports_the_final_from() -> None:
    text = "FROM debian:bookworm-slim AS build\nRUN make\nFROM debian:bookworm-slim\nCOPY --from=build /out /\n"
    [finding] = findings(text, NAME)
    assert finding.span.start == text.index("FROM debian:bookworm-slim\n")
    assert "no `USER`" in finding.message and "root" in finding.message and finding.fixes == ()


def test_user_root_reports_the_user() -> None:
    text = "FROM ubuntu:24.04\nUSER root\nCMD [\"app\"]\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "USER"
    assert "`USER root`" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM ubuntu\nUSER app\nUSER root\n", id="last USER is root"),
    pytest.param("FROM ubuntu\nUSER 0\n", id="UID 0"),
    pytest.param("FROM ubuntu\nUSER root:root\n", id="root:group"),
    pytest.param("FROM ubuntu\nUSER 0:1000\n", id="0:group"),
    pytest.param("FROM ubuntu AS base\nUSER root\nFROM base\nRUN make\n", id="inherited from the parent stage"),
    pytest.param("FROM scratch\nCOPY app /\n", id="scratch"),
    pytest.param("FROM ubuntu\nONBUILD USER app\n", id="ONBUILD USER applies to child images only"),
    pytest.param("FROM ubuntu\r\nRUN make\r\n", id="CRLF"),
    pytest.param("FROM ubuntu\nRUN <<EOF\nuseradd app\nEOF\n", id="heredoc RUN, no USER"),
    pytest.param("FROM gcr.io/distroless/static-debian12\nCOPY app /\n", id="distroless root tag"),
    pytest.param("FROM cgr.dev/chainguard/python:latest-dev\n", id="chainguard -dev tag"),
])
def test_fires(text: str) -> None:
    assert len(findings(text, NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM ubuntu\nUSER app\n", id="non-root USER"),
    pytest.param("FROM ubuntu\nUSER root\nRUN make\nUSER 10001:10001\n", id="root then non-root"),
    pytest.param("FROM ubuntu AS base\nUSER app\nFROM base\nRUN make\n", id="inherited non-root USER"),
    pytest.param("FROM ubuntu AS build\nUSER root\nFROM ubuntu\nUSER app\n", id="root only in a builder stage"),
    pytest.param("FROM ubuntu\nUSER $APP_USER\n", id="USER from a variable"),
    pytest.param("ARG BASE\nFROM $BASE\n", id="unknown base image"),
    pytest.param("FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /\n", id="distroless nonroot"),
    pytest.param("FROM gcr.io/distroless/base-debian12:debug-nonroot\n", id="distroless debug-nonroot"),
    pytest.param("FROM cgr.dev/chainguard/static:latest\n", id="chainguard"),
    pytest.param("FROM nginxinc/nginx-unprivileged:1.27\n", id="nginx-unprivileged"),
    pytest.param("FROM mcr.microsoft.com/windows/servercore:ltsc2022\n", id="windows"),
    pytest.param("FROM ubuntu\n# dockls ignore=final-user-root\nUSER root\n", id="suppressed"),
    pytest.param("FROM ubuntu\n# hadolint ignore=DL3002\nUSER root\n", id="hadolint pragma"),
    pytest.param("", id="empty file"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_fix_node_appends_user_node() -> None:
    text = 'FROM node:22-slim\nWORKDIR /app\nCOPY --chown=node:node . .\nCMD ["node", "server.js"]\n'
    assert fixed(text) == text + "USER node\n"


def test_fix_after_user_root_keeps_earlier_runs_as_root() -> None:
    text = "FROM node:22\r\nUSER root\r\nRUN apt-get update\r\n"
    assert fixed(text) == "FROM node:22\r\nUSER root\r\nRUN apt-get update\r\nUSER node\r\n"


def test_fix_distroless_without_trailing_newline() -> None:
    text = "FROM gcr.io/distroless/static-debian12\nCOPY app /"
    assert fixed(text) == "FROM gcr.io/distroless/static-debian12\nCOPY app /\nUSER nonroot"


def test_fix_goes_to_the_final_stage() -> None:
    text = "FROM node:22 AS base\nRUN npm ci\nFROM base\nCOPY . .\n"
    assert fixed(text) == text + "USER node\n"


def test_scratch_suggests_a_numeric_user() -> None:
    [finding] = findings("FROM scratch\nCOPY app /\n", NAME)
    assert "USER 65532:65532" in finding.message


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0


def test_no_user_is_info_and_an_explicit_root_user_a_warning() -> None:
    [missing] = findings("FROM debian:bookworm\nRUN true\n", NAME)
    assert missing.effective_severity is Severity.INFO
    [explicit] = findings("FROM debian:bookworm\nUSER root\n", NAME)
    assert explicit.effective_severity is Severity.WARNING
