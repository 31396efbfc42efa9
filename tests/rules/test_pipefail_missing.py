"""pipefail-missing (DKL040): a RUN with a pipe whose shell runs without -o pipefail."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import findings

NAME = "pipefail-missing"


def test_reports_the_pipeline() -> None:
    text = "FROM debian:12-slim\nRUN apt-get update && curl -fsSL https://x.example/i.sh | sh\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "curl -fsSL https://x.example/i.sh | sh"
    assert finding.effective_severity is Severity.WARNING
    assert "/bin/sh -c" in finding.message and "pipefail" in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN curl -s x | tar xz\n", id="pipe"),
    pytest.param("FROM debian\nRUN a |& b\n", id="pipe with stderr"),
    pytest.param("FROM debian\nRUN if true; then a | b; fi\n", id="nested"),
    pytest.param("FROM debian\nRUN a | b && c | d\n", id="one finding per RUN"),
    pytest.param("FROM debian AS build\nRUN a | b\nFROM scratch\n", id="builder stage"),
    pytest.param("FROM debian\nRUN <<EOF\nset -e\ncurl x | sh\nEOF\n", id="heredoc"),
    pytest.param("FROM debian\nONBUILD RUN a | b\n", id="ONBUILD"),
    pytest.param("FROM debian\r\nRUN a \\\r\n  | b\r\n", id="CRLF"),
    pytest.param('FROM debian\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM debian\nRUN a | b\n',
                 id="SHELL of an unrelated stage"),
    pytest.param("FROM debian\nRUN a | b && set -o pipefail\n", id="set after the pipe"),
    pytest.param('FROM debian\nSHELL ["/bin/bash", "-c"]\nRUN a | b\n', id="bash without pipefail"),
    pytest.param("FROM debian\nRUN echo ü | b\n", id="non-ASCII"),
])
def test_fires(text: str) -> None:
    assert len(findings(text, NAME)) == 1


def test_span_in_heredoc() -> None:
    text = "FROM debian\nRUN <<EOF\necho ü\ncurl x | sh\nEOF\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "curl x | sh"


@pytest.mark.parametrize("text", [
    pytest.param('FROM debian\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\n', id="SHELL"),
    pytest.param('FROM debian\nSHELL ["/bin/bash", "-euxo", "pipefail", "-c"]\nRUN a | b\n', id="combined options"),
    pytest.param('FROM alpine AS base\nSHELL ["/bin/ash", "-o", "pipefail", "-c"]\nFROM base\nRUN a | b\n',
                 id="SHELL of the parent stage"),
    pytest.param("FROM debian\nRUN set -euo pipefail && a | b\n", id="set in the RUN"),
    pytest.param("FROM debian\nRUN <<EOF\nset -o errexit -o pipefail\na | b\nEOF\n", id="set in a heredoc"),
    pytest.param("FROM debian\nRUN a || b\n", id="or, not a pipe"),
    pytest.param("FROM debian\nRUN echo 'a | b'\n", id="quoted"),
    pytest.param('FROM debian\nRUN ["sh", "-c", "a | b"]\n', id="exec form"),
    pytest.param("FROM debian\nRUN python3 <<EOF\nprint(1 | 2)\nEOF\n", id="python heredoc"),
    pytest.param('FROM mcr.microsoft.com/powershell\nSHELL ["pwsh", "-c"]\nRUN a | b\n', id="PowerShell"),
    pytest.param('FROM mcr.microsoft.com/powershell AS base\nSHELL ["pwsh", "-c"]\nFROM base\nRUN a | b\n',
                 id="PowerShell of the parent stage"),
    pytest.param("FROM debian\n# dockls ignore=pipefail-missing\nRUN a | b\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL4006\nRUN a | b\n", id="hadolint pragma"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_dash_rejects_pipefail_which_is_why_there_is_no_fix() -> None:
    """The documented reason: Debian's /bin/sh (dash 0.5.12) fails on `set -o pipefail`."""
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "dash"], capture_output=True,
                                 text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("dash is not installed")
    if not version.startswith("0.5.12"):
        pytest.skip(f"dash {version}")
    result = subprocess.run(["dash", "-c", "set -o pipefail"], capture_output=True, text=True, timeout=10)
    assert result.returncode != 0 and "pipefail" in result.stderr


def test_corpus(corpus: list[Path]) -> None:
    """Never raises on real files, and real files do pipe without pipefail (there is no fix to check)."""
    assert sum(len(findings(path.read_text(errors="replace"), NAME)) for path in corpus) > 0
