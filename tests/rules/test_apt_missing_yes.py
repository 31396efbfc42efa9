"""apt-missing-yes (DKL013): apt-get commands that may ask for confirmation, without -y."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings

NAME = "apt-missing-yes"


def fixed(text: str) -> str:
    """The text after every finding's safe fix, each checked for safety."""
    found = findings(text, NAME)
    assert found
    for finding in reversed(found):  # later edits first: earlier offsets stay valid
        [fix] = finding.fixes
        assert fix.safe
        after = apply_fix(text, fix)
        assert_fix_is_safe(text, after, NAME)
        text = after
    assert findings(text, NAME) == []
    return text


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_command_and_why_the_build_fails() -> None:
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install curl\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "apt-get install curl"
    assert finding.effective_severity is Severity.WARNING
    assert "Abort." in finding.message and "-y" in finding.message


@pytest.mark.parametrize("run", [
    "apt-get install curl",
    "apt-get install -q curl",  # quiet level 1 still asks
    "apt-get install --force-yes curl",  # not an answer
    "apt-get --yes=false install curl",
    "apt-get remove curl",
    "apt-get purge curl",
    "apt-get autoremove",
    "apt-get upgrade",
    "apt-get dist-upgrade",
    "apt-get build-dep curl",
    "apt install curl",  # hadolint's DL3014 only looks at apt-get
    "echo y && apt-get install curl",  # not piped
    "yes | tee log && apt-get install curl",  # piped elsewhere
])
def test_fires(run: str) -> None:
    assert len(findings(f"FROM debian\nRUN {run}\n", NAME)) == 1


def test_names_the_prompt_for_removals_and_upgrades() -> None:
    [remove] = findings("FROM debian\nRUN apt-get remove curl\n", NAME)
    assert "always asks" in remove.message
    [upgrade] = findings("FROM debian\nRUN apt-get upgrade\n", NAME)
    assert "anything to upgrade" in upgrade.message


def test_debian_frontend_is_explained() -> None:
    [finding] = findings("FROM debian\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt-get install curl\n", NAME)
    assert "debconf" in finding.message
    [prefixed] = findings("FROM debian\nRUN DEBIAN_FRONTEND=noninteractive apt-get install curl\n", NAME)
    assert "debconf" in prefixed.message


def test_builder_stages_are_checked_too() -> None:
    text = "FROM debian AS build\nRUN apt-get install gcc\nFROM scratch\nCOPY --from=build /out /\n"
    assert len(findings(text, NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get install -y curl\n", id="-y"),
    pytest.param("FROM debian\nRUN apt-get -y install curl\n", id="-y before"),
    pytest.param("FROM debian\nRUN apt-get install --yes curl\n", id="--yes"),
    pytest.param("FROM debian\nRUN apt-get install --assume-yes curl\n", id="--assume-yes"),
    pytest.param("FROM debian\nRUN apt-get -qy install curl\n", id="-qy"),
    pytest.param("FROM debian\nRUN apt-get -yq install curl\n", id="-yq"),
    pytest.param("FROM debian\nRUN apt-get -qq install curl\n", id="-qq implies yes"),
    pytest.param("FROM debian\nRUN apt-get -q -q install curl\n", id="-q -q"),
    pytest.param("FROM debian\nRUN apt-get -q=2 install curl\n", id="-q=2"),
    pytest.param("FROM debian\nRUN apt-get --quiet=2 install curl\n", id="--quiet=2"),
    pytest.param("FROM debian\nRUN apt-get -o APT::Get::Assume-Yes=true install curl\n", id="-o Assume-Yes"),
    pytest.param("FROM debian\nRUN apt-get -o quiet=2 install curl\n", id="-o quiet=2"),
    pytest.param("FROM debian\nRUN apt-get --assume-no install curl\n", id="--assume-no"),
    pytest.param("FROM debian\nRUN apt-get -s install curl\n", id="simulation"),
    pytest.param("FROM debian\nRUN yes | apt-get install curl\n", id="yes |"),
    pytest.param("FROM debian\nRUN echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90yes\n"
                 "RUN apt-get install curl\n", id="apt.conf snippet"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get clean && apt-get check\n", id="no prompt"),
    pytest.param("FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y curl\n",
                 id="cache mount"),
    pytest.param("FROM alpine\nRUN apk add curl\n", id="alpine base"),
    pytest.param("FROM debian\n# dockls ignore=apt-missing-yes\nRUN apt-get install curl\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3014\nRUN apt-get install curl\n", id="hadolint pragma"),
    pytest.param("FROM debian\nRUN echo apt-get install curl\n", id="only mentioned"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-c"]\nRUN apt-get install curl\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


# -- the fix ------------------------------------------------------------------------------------------


def test_adds_y_after_the_subcommand() -> None:
    text = "FROM debian\nRUN apt-get update && apt-get install --no-install-recommends curl\n"
    assert fixed(text) == "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"


def test_fixes_every_command_of_the_run() -> None:
    text = "FROM debian\nRUN apt-get upgrade && apt-get install curl && apt-get autoremove\n"
    assert fixed(text) == "FROM debian\nRUN apt-get upgrade -y && apt-get install -y curl && apt-get autoremove -y\n"


def test_continuation_lines_and_crlf() -> None:
    text = "FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install \\\r\n      curl\r\n"
    assert fixed(text) == "FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install -y \\\r\n      curl\r\n"


def test_heredoc() -> None:
    text = "FROM debian\nRUN <<EOF\napt-get update\napt-get install curl\nEOF\n"
    assert fixed(text) == "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"


def test_exec_form_gets_a_new_string() -> None:
    text = 'FROM debian\nRUN ["apt-get", "install", "curl"]\n'
    assert fixed(text) == 'FROM debian\nRUN ["apt-get", "install", "-y", "curl"]\n'


def test_onbuild_trigger() -> None:
    text = "FROM debian\nONBUILD RUN apt-get install curl\n"
    assert fixed(text) == "FROM debian\nONBUILD RUN apt-get install -y curl\n"


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The corpus (like hadolint's DL3014 there) has no apt-get prompt left unanswered: nothing to fix.
    assert assert_corpus_fixes_are_safe(corpus, NAME) >= 0
