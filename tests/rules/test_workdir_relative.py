"""workdir-relative (DKL042): WORKDIR with a relative path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import apply_fix, apply_only_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings

NAME = "workdir-relative"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=True)


def test_reports_the_path() -> None:
    text = "FROM debian:12\nWORKDIR app\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "app"
    assert "base image" in finding.message
    assert finding.fixes == ()  # the base image's directory is unknown here


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("FROM debian\nWORKDIR /srv\nWORKDIR app\n", "FROM debian\nWORKDIR /srv\nWORKDIR /srv/app\n",
                 id="after an absolute WORKDIR"),
    pytest.param("FROM debian\nWORKDIR /srv/a\nWORKDIR ../b/./c/\n", "FROM debian\nWORKDIR /srv/a\nWORKDIR /srv/b/c\n",
                 id="dots resolved as BuildKit does"),
    pytest.param('FROM debian\nWORKDIR /srv\nWORKDIR "app"\n', "FROM debian\nWORKDIR /srv\nWORKDIR /srv/app\n",
                 id="quoted"),
    pytest.param("FROM debian AS base\nWORKDIR /srv\nFROM base\nWORKDIR app\n",
                 "FROM debian AS base\nWORKDIR /srv\nFROM base\nWORKDIR /srv/app\n", id="from the parent stage"),
    pytest.param("FROM debian\r\nWORKDIR /srv\r\nWORKDIR app\r\n",
                 "FROM debian\r\nWORKDIR /srv\r\nWORKDIR /srv/app\r\n", id="CRLF"),
])
def test_fix(text: str, expected: str) -> None:
    assert fixed(text) == expected


def test_chained_relative_paths_are_fixed_in_turn() -> None:
    text = "FROM debian\nWORKDIR /srv\nWORKDIR a\nWORKDIR b\n"
    assert len(findings(text, NAME)) == 2
    after = "FROM debian\nWORKDIR /srv\nWORKDIR /srv/a\nWORKDIR /srv/a/b\n"
    assert [apply_fix(text, f.fixes[0]) for f in findings(text, NAME)] == [
        "FROM debian\nWORKDIR /srv\nWORKDIR /srv/a\nWORKDIR b\n",
        "FROM debian\nWORKDIR /srv\nWORKDIR a\nWORKDIR /srv/a/b\n",
    ]
    assert_fix_is_safe(text, after, NAME)


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nWORKDIR app\n", id="no absolute WORKDIR before"),
    pytest.param("FROM debian AS a\nWORKDIR /srv\nFROM debian\nWORKDIR app\n", id="other stage's WORKDIR"),
    pytest.param("FROM debian\nWORKDIR /srv\nONBUILD WORKDIR app\n", id="ONBUILD trigger"),
    pytest.param("FROM debian\nARG D=/srv\nWORKDIR $D\nWORKDIR app\n", id="after a variable"),
    pytest.param("FROM debian\nWORKDIR /srv\nWORKDIR my$X\n", id="variable inside"),
])
def test_fires_without_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nWORKDIR /app\n", id="absolute"),
    pytest.param('FROM debian\nWORKDIR "/app"\n', id="quoted absolute"),
    pytest.param("FROM debian\nWORKDIR $HOME/app\n", id="variable"),
    pytest.param("FROM debian\nWORKDIR ${APP_HOME}\n", id="braced variable"),
    pytest.param("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nWORKDIR C:\\app\n", id="windows"),
    pytest.param("FROM debian\nWORKDIR C:/app\n", id="windows forward slashes"),
    pytest.param("FROM debian\nRUN mkdir app && cd app\n", id="no WORKDIR"),
    pytest.param("FROM debian\n# dockls ignore=workdir-relative\nWORKDIR app\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3000\nWORKDIR app\n", id="hadolint pragma"),
    pytest.param("# check=skip=WorkdirRelativePath\nFROM debian\nWORKDIR app\n", id="BuildKit check skip"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_onbuild_is_reported() -> None:
    text = "FROM debian\nONBUILD WORKDIR app\n"
    [finding] = findings(text, NAME)
    assert "ONBUILD" in finding.message


def test_bad_input_does_not_crash() -> None:
    for text in ["WORKDIR app\n", "FROM a\nWORKDIR\n", "FROM a\nONBUILD WORKDIR\n", "FROM a\nWORKDIR \"\n"]:
        findings(text, NAME)


def test_corpus(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
