"""apt-use-apt-get (DKL014): apt, the interactive front end, in a RUN."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import (
    apply_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "apt-use-apt-get"


def fixed(text: str) -> str:
    """The text after ``--fix`` (every safe fix), checked for safety."""
    found = findings(text, NAME)
    assert found and all(fix.safe for finding in found for fix in finding.fixes)
    after = fix_all_rule(text, NAME)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_each_apt_command() -> None:
    text = "FROM ubuntu:24.04\nRUN apt update && apt install -y curl\n"
    update, install = findings(text, NAME)
    assert text[update.span.start : update.span.end] == "apt update"
    assert text[install.span.start : install.span.end] == "apt install -y curl"
    assert install.effective_severity is Severity.WARNING
    assert "stable CLI interface" in install.message and "`apt-get install`" in install.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl\n", id="apt-get"),
    pytest.param("FROM debian\nRUN apt-cache policy curl\n", id="apt-cache"),
    pytest.param("FROM debian\nRUN apt --version\n", id="no subcommand"),
    pytest.param("FROM debian\nRUN echo apt install curl\n", id="only mentioned"),
    pytest.param("FROM debian\nRUN aptitude install -y curl\n", id="aptitude"),
    pytest.param("FROM alpine\nRUN apk add curl\n", id="alpine base"),
    pytest.param("FROM debian\n# dockls ignore=apt-use-apt-get\nRUN apt install -y curl\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3027\nRUN apt install -y curl\n", id="hadolint pragma"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-c"]\nRUN apt install -y curl\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_builder_stages_are_checked_too() -> None:
    text = "FROM debian AS build\nRUN apt install -y gcc\nFROM scratch\nCOPY --from=build /out /\n"
    assert len(findings(text, NAME)) == 1


def test_a_cache_mount_does_not_matter() -> None:
    text = "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt install -y curl\n"
    assert fixed(text) == "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y curl\n"


# -- the fix ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("run", "expected"), [
    ("apt update && apt install -y curl", "apt-get update && apt-get install -y curl"),
    ("apt remove -y curl && apt autoremove -y && apt clean",
     "apt-get remove -y curl && apt-get autoremove -y && apt-get clean"),
    ("apt upgrade -y", "apt-get upgrade --with-new-pkgs -y"),
    ("apt full-upgrade -y", "apt-get dist-upgrade -y"),
    ("apt reinstall -y ca-certificates", "apt-get install --reinstall -y ca-certificates"),
    ("apt autopurge -y", "apt-get autoremove --purge -y"),
    ("apt -qq -o Acquire::Retries=3 install -y curl", "apt-get -qq -o Acquire::Retries=3 install -y curl"),
    ("/usr/bin/apt install -y curl", "/usr/bin/apt-get install -y curl"),
    ("DEBIAN_FRONTEND=noninteractive apt install -y tzdata",
     "DEBIAN_FRONTEND=noninteractive apt-get install -y tzdata"),
])
def test_replaces_apt(run: str, expected: str) -> None:
    assert fixed(f"FROM debian\nRUN {run}\n") == f"FROM debian\nRUN {expected}\n"


def test_continuation_lines_and_crlf() -> None:
    text = "FROM debian\r\nRUN apt update \\\r\n && apt install -y \\\r\n    curl\r\n"
    assert fixed(text) == "FROM debian\r\nRUN apt-get update \\\r\n && apt-get install -y \\\r\n    curl\r\n"


def test_heredoc() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\napt update\napt install -y curl\nEOF\n"
    assert fixed(text) == "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n"


def test_exec_form() -> None:
    text = 'FROM debian\nRUN ["apt", "upgrade", "-y"]\n'
    assert fixed(text) == 'FROM debian\nRUN ["apt-get", "upgrade", "--with-new-pkgs", "-y"]\n'


def test_exec_form_shell_script() -> None:
    text = 'FROM debian\nRUN ["sh", "-c", "apt update && apt install -y curl"]\n'
    assert fixed(text) == 'FROM debian\nRUN ["sh", "-c", "apt-get update && apt-get install -y curl"]\n'


def test_onbuild_trigger() -> None:
    text = "FROM debian\nONBUILD RUN apt install -y curl\n"
    assert fixed(text) == "FROM debian\nONBUILD RUN apt-get install -y curl\n"


@pytest.mark.parametrize(("run", "expected"), [
    ("apt show curl", "apt-cache show curl"),
    ("apt search --names-only curl", "apt-cache search --names-only curl"),
    ("apt policy curl", "apt-cache policy curl"),
])
def test_query_commands_get_an_unsafe_fix(run: str, expected: str) -> None:
    text = f"FROM debian\nRUN {run}\n"
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert not fix.safe  # apt-cache formats its output differently
    assert apply_fix(text, fix) == f"FROM debian\nRUN {expected}\n"


@pytest.mark.parametrize("run", ["apt list --installed", "apt edit-sources"])
def test_subcommands_without_equivalent_get_no_fix(run: str) -> None:
    [finding] = findings(f"FROM debian\nRUN {run}\n", NAME)
    assert finding.fixes == ()


def test_quoted_apt_is_not_rewritten() -> None:
    [finding] = findings("FROM debian\nRUN 'apt' install -y curl\n", NAME)
    assert finding.fixes == ()


def test_without_docker_clean_apt_get_would_keep_the_packages() -> None:
    # The cache-mount recipe deletes docker-clean; without a cache mount apt-get would then keep the
    # downloaded .deb files that apt deletes.
    text = "FROM debian\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt install -y curl\n"
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert not fix.safe
    assert "docker-clean" in finding.message
    mounted = ("FROM debian\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
               "RUN --mount=type=cache,target=/var/cache/apt apt install -y curl\n")
    assert all(fix.safe for finding in findings(mounted, NAME) for fix in finding.fixes)
    not_downloading = "FROM debian\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt update\n"
    assert all(fix.safe for finding in findings(not_downloading, NAME) for fix in finding.fixes)


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
