"""sudo-in-run (DKL046): sudo in RUN."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import (
    apply_fix,
    assert_corpus_fixes_are_safe,
    assert_each_corpus_fix_is_valid,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "sudo-in-run"


def test_reports_each_sudo_command() -> None:
    text = "FROM debian\nUSER root\nRUN sudo apt-get update && sudo apt-get install -y curl\n"
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["sudo apt-get update", "sudo apt-get install -y curl"]
    assert "already runs as root" in found[0].message


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("FROM debian\nUSER root\nRUN sudo apt-get update && sudo apt-get install -y curl\n",
                 "FROM debian\nUSER root\nRUN apt-get update && apt-get install -y curl\n", id="chain"),
    pytest.param("FROM debian\nUSER app\nUSER 0:0\nRUN /usr/bin/sudo make install\n",
                 "FROM debian\nUSER app\nUSER 0:0\nRUN make install\n", id="USER 0:0, full path"),
    pytest.param('FROM debian\nUSER root\nRUN ["sudo", "apt-get", "update"]\n',
                 'FROM debian\nUSER root\nRUN ["apt-get", "update"]\n', id="exec form"),
    pytest.param("FROM debian\nUSER root\nRUN <<EOF\nsudo apt-get update\nEOF\n",
                 "FROM debian\nUSER root\nRUN <<EOF\napt-get update\nEOF\n", id="heredoc"),
    pytest.param("FROM debian AS base\nUSER root\nFROM base\nRUN sudo make\n",
                 "FROM debian AS base\nUSER root\nFROM base\nRUN make\n", id="USER from the parent stage"),
    pytest.param("FROM debian\r\nUSER root\r\nRUN set -e; \\\r\n    sudo make\r\n",
                 "FROM debian\r\nUSER root\r\nRUN set -e; \\\r\n    make\r\n", id="CRLF, continued"),
])
def test_safe_fix(text: str, expected: str) -> None:
    assert fix_all_rule(text, NAME) == expected
    assert_fix_is_safe(text, expected, NAME)
    assert findings(expected, NAME) == []


def test_without_user_the_fix_is_unsafe() -> None:
    text = "FROM debian\nRUN sudo apt-get update\n"
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert not fix.safe  # the base image's default user is unknown
    after = apply_fix(text, fix)
    assert after == "FROM debian\nRUN apt-get update\n"
    assert_fix_is_safe(text, after, NAME)


@pytest.mark.parametrize(("text", "words"), [
    pytest.param("FROM debian\nUSER app\nRUN sudo make install\n", "non-root", id="non-root user"),
    pytest.param("FROM debian\nUSER $APP_USER\nRUN sudo make install\n", "non-root", id="user from a variable"),
    pytest.param("FROM debian\nUSER root\nRUN sudo -u app make\n", "already runs as root", id="sudo with options"),
    pytest.param("FROM debian\nUSER root\nONBUILD RUN sudo make\n", "ONBUILD", id="ONBUILD"),
    pytest.param("FROM debian\nUSER root\nRUN sudo\n", "already runs as root", id="sudo alone"),
    pytest.param("FROM debian AS a\nUSER root\nFROM debian AS b\nUSER app\nRUN sudo make\n", "non-root",
                 id="other stage's USER"),
])
def test_fires_without_fix(text: str, words: str) -> None:
    [finding] = findings(text, NAME)
    assert words in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get install -y sudo\n", id="installing sudo"),
    pytest.param("FROM debian\nRUN echo sudo\n", id="only mentioned"),
    pytest.param("FROM debian\nRUN gosu app true\n", id="gosu"),
    pytest.param('FROM mcr.microsoft.com/windows\nSHELL ["pwsh", "-c"]\nRUN sudo x\n', id="non-POSIX shell"),
    pytest.param("FROM debian\n# dockls ignore=sudo-in-run\nRUN sudo make\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3004\nRUN sudo make\n", id="hadolint pragma"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    # the corpus installs sudo and edits sudoers but runs no `sudo` command: this only shows the rule
    # never raises on real files
    assert assert_corpus_fixes_are_safe(corpus, NAME) >= 0
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0
