"""cd-instead-of-workdir (DKL037): cd in a RUN."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import findings

NAME = "cd-instead-of-workdir"


def test_reports_the_cd_command() -> None:
    text = "FROM debian:12-slim\nRUN cd /usr/src/app && make\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "cd /usr/src/app"
    assert finding.effective_severity is Severity.INFO
    assert "`cd /usr/src/app`" in finding.message and "WORKDIR" in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nRUN cd /tmp\n", id="alone"),
    pytest.param("FROM alpine\nRUN (cd sub && make)\n", id="subshell"),
    pytest.param("FROM alpine AS build\nRUN cd /src && make\nFROM scratch\n", id="builder stage"),
    pytest.param("FROM alpine\nRUN <<EOF\nset -e\ncd /src\nmake\nEOF\n", id="heredoc"),
    pytest.param("FROM alpine\nONBUILD RUN cd /src && make\n", id="ONBUILD"),
    pytest.param('FROM alpine\nRUN ["sh", "-c", "cd /src && make"]\n', id="exec form through sh"),
    pytest.param("FROM alpine\r\nRUN cd /src \\\r\n && make\r\n", id="CRLF"),
    pytest.param("FROM alpine\nRUN cd\n", id="without argument"),
])
def test_fires(text: str) -> None:
    assert len(findings(text, NAME)) == 1


def test_one_finding_per_cd() -> None:
    assert len(findings("FROM alpine\nRUN cd /a && make && cd /b && make\n", NAME)) == 2


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nWORKDIR /src\nRUN make\n", id="WORKDIR"),
    pytest.param("FROM alpine\nRUN echo cd /src\n", id="only mentioned"),
    pytest.param("FROM alpine\nRUN python3 <<EOF\ncd = 1\nEOF\n", id="python heredoc"),
    pytest.param('FROM mcr.microsoft.com/powershell\nSHELL ["pwsh", "-c"]\nRUN cd C:/app\n', id="PowerShell"),
    pytest.param("FROM alpine\n# dockls ignore=cd-instead-of-workdir\nRUN cd /src && make\n", id="suppressed"),
    pytest.param("FROM alpine\n# hadolint ignore=DL3003\nRUN cd /src && make\n", id="hadolint pragma"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    """Never raises on real files, and real files do use cd (there is no fix to check)."""
    assert sum(len(findings(path.read_text(errors="replace"), NAME)) for path in corpus) > 0
