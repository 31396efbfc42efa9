"""add-url-without-checksum (DKL035): ADD of a URL without --checksum."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import findings

NAME = "add-url-without-checksum"
URL = "https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64"


def test_reports_the_url() -> None:
    text = f"FROM debian\nADD {URL} /usr/local/bin/gosu\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == URL
    assert "--checksum=sha256:" in finding.message and finding.fixes == ()


def test_plain_http_says_so() -> None:
    [finding] = findings("FROM debian\nADD http://example.com/a.tgz /opt/\n", NAME)
    assert "plain http" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param(f"FROM debian\nADD {URL} /x\n", id="https"),
    pytest.param(f"FROM debian AS build\nADD {URL} /x\nFROM scratch\nCOPY --from=build /x /\n", id="builder stage"),
    pytest.param(f'FROM debian\nADD ["{URL}", "/x"]\n', id="exec form"),
    pytest.param(f"FROM debian\nONBUILD ADD {URL} /x\n", id="ONBUILD"),
    pytest.param(f"FROM debian\r\nADD --chmod=755 {URL} \\\r\n    /x\r\n", id="CRLF, continuation"),
    pytest.param("FROM debian\nADD https://example.com/$VERSION/tool /x\n", id="variable in the path"),
])
def test_fires(text: str) -> None:
    assert len(findings(text, NAME)) == 1


def test_one_finding_per_url() -> None:
    assert len(findings(f"FROM debian\nADD {URL} http://example.com/b /opt/\n", NAME)) == 2


@pytest.mark.parametrize("text", [
    pytest.param(f"FROM debian\nADD --checksum=sha256:{'0' * 64} {URL} /x\n", id="--checksum"),
    pytest.param("FROM debian\nADD https://github.com/moby/buildkit.git#v0.14.0 /src\n", id="git source"),
    pytest.param("FROM debian\nADD git@github.com:moby/buildkit.git /src\n", id="git over ssh"),
    pytest.param("FROM debian\nADD $URL /x\n", id="URL from a variable"),
    pytest.param("FROM debian\nADD app.tar.gz /opt/\n", id="local archive"),
    pytest.param(f"FROM debian\nRUN curl -fsSLo /x {URL}\n", id="curl in RUN"),
    pytest.param(f"FROM debian\nADD {URL}\n", id="no destination: the URL is the destination"),
    pytest.param(f"FROM debian\n# dockls ignore=add-url-without-checksum\nADD {URL} /x\n", id="suppressed"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    reported = sum(len(findings(path.read_bytes().decode("utf-8", errors="replace"), NAME)) for path in corpus)
    assert reported > 0
