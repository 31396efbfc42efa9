"""add-instead-of-copy (DKL034): ADD of local files or folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import (
    apply_fix,
    assert_corpus_fixes_are_safe,
    assert_each_corpus_fix_is_valid,
    assert_fix_is_safe,
    findings,
)

NAME = "add-instead-of-copy"


def fixed(text: str, *, safe: bool = True) -> str:
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert fix.safe is safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


def test_reports_the_keyword() -> None:
    text = "FROM python:3.12-slim\nADD requirements.txt src/ /app/\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "ADD"
    assert "requirements.txt, src/" in finding.message and "COPY" in finding.message


@pytest.mark.parametrize("add", [
    "ADD app.py /app/", "ADD . /app", "ADD src/ /app/src/", "ADD --chown=app:app conf.yml /etc/",
    "ADD bundle.zip /opt/", 'ADD ["a b.txt", "/x/"]', "add file.txt /",
])
def test_fires(add: str) -> None:
    assert len(findings(f"FROM debian\n{add}\n", NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nADD rootfs.tar.gz /\n", id="archive"),
    pytest.param("FROM debian\nADD rootfs.tar.zst /\n", id="zstd archive"),
    pytest.param("FROM debian\nADD data.tgz /\n", id="tgz"),
    pytest.param("FROM debian\nADD https://example.com/tool /usr/bin/tool\n", id="URL"),
    pytest.param("FROM debian\nADD git@github.com:moby/buildkit.git /src\n", id="git over ssh"),
    pytest.param("FROM debian\nADD https://github.com/moby/buildkit.git#v0.14.0 /src\n", id="git over https"),
    pytest.param("FROM debian\nADD $FILE /\n", id="variable source"),
    pytest.param("FROM debian\nADD --unpack=false data.bin /\n", id="--unpack"),
    pytest.param("FROM debian\nCOPY app.py /app/\n", id="COPY"),
    pytest.param("FROM debian\nADD app.py\n", id="no destination"),
    pytest.param("FROM debian\n# dockls ignore=add-instead-of-copy\nADD app.py /app/\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3020\nADD app.py /app/\n", id="hadolint pragma"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_every_stage_is_reported() -> None:
    text = "FROM debian AS build\nADD main.go /src/\nFROM scratch\nADD run.sh /\n"
    assert len(findings(text, NAME)) == 2


def test_fix_keeps_flags() -> None:
    assert fixed("FROM debian\nADD --chown=app:app --chmod=644 app.py /app/\n") == (
        "FROM debian\nCOPY --chown=app:app --chmod=644 app.py /app/\n")


def test_fix_exec_form_with_crlf() -> None:
    text = 'FROM debian\r\nADD ["app.py", "conf/", "/app/"]\r\n'
    assert fixed(text) == 'FROM debian\r\nCOPY ["app.py", "conf/", "/app/"]\r\n'


def test_fix_onbuild() -> None:
    assert fixed("FROM debian\nONBUILD ADD . /app\n") == "FROM debian\nONBUILD COPY . /app\n"


def test_fix_heredoc_source() -> None:
    text = "FROM debian\nADD <<EOF /etc/app.conf\nkey=value\nEOF\n"
    assert fixed(text) == "FROM debian\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\n"


def test_fix_lower_case_keyword() -> None:
    assert fixed("FROM debian\nadd app.py /app/\n") == "FROM debian\nCOPY app.py /app/\n"


@pytest.mark.parametrize("source", ["bin/tool", "*.whl.part", "data"])
def test_fix_is_unsafe_where_the_file_may_be_a_tar_archive(source: str) -> None:
    text = f"FROM debian\nADD {source} /opt/\n"
    assert fixed(text, safe=False) == f"FROM debian\nCOPY {source} /opt/\n"


def test_no_fix_for_flags_copy_does_not_know() -> None:
    [finding] = findings("FROM debian\nADD --keep-git-dir=true app.py /app/\n", NAME)
    assert finding.fixes == ()


def test_corpus(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
