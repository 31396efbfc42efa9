"""apt-install-recommends (DKL012): apt-get install without --no-install-recommends."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "apt-install-recommends"


def fixed(text: str) -> str:
    """The text after the one finding's (unsafe) fix, checked for safety."""
    return apply_only_fix(text, NAME, safe=False)  # it changes which packages the image gets


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_install_command_with_its_cost() -> None:
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y git\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "apt-get install -y git"
    assert finding.effective_severity is Severity.WARNING
    assert "6.5 MB" in finding.message and "ca-certificates" in finding.message


@pytest.mark.parametrize("run", [
    "apt-get install -y git",
    "apt-get -y install git",
    "apt-get -qq -o Dpkg::Options::=--force-confold install git",
    "apt install -y git",  # hadolint's DL3015 only looks at apt-get
    "/usr/bin/apt-get install -y git",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y git",
    "apt-get install -y -o APT::Install-Recommends=true git",
    "apt-get install -y --no-install-suggests git",
    "apt-get install -y --no-install-recommends=no git",
])
def test_fires(run: str) -> None:
    assert len(findings(f"FROM ubuntu:24.04\nRUN {run}\n", NAME)) == 1


def test_one_finding_per_install() -> None:
    text = ("FROM debian\nRUN apt-get install -y a && apt-get install -y --no-install-recommends b && "
            "apt-get install -y c\n")
    assert len(findings(text, NAME)) == 2


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get install -y --no-install-recommends git\n", id="flag"),
    pytest.param("FROM debian\nRUN apt-get --no-install-recommends -y install git\n", id="flag before install"),
    pytest.param("FROM debian\nRUN apt-get install -y -o APT::Install-Recommends=false git\n", id="-o false"),
    pytest.param("FROM debian\nRUN apt-get install -y -o APT::Install-Recommends=0 git\n", id="-o 0"),
    pytest.param("FROM debian\nRUN apt-get install -y -oapt::install-recommends=no git\n", id="-o joined, any case"),
    pytest.param("FROM debian\nRUN apt-get install -y --option=APT::Install-Recommends=off git\n", id="--option="),
    pytest.param("FROM debian\nRUN apt-get install -y --install-recommends=false git\n",
                 id="--install-recommends=false"),
    pytest.param("FROM debian\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norec\n"
                 "RUN apt-get install -y git\n", id="apt.conf snippet in an earlier RUN"),
    pytest.param("FROM debian\nRUN echo 'APT::Install-Recommends \"0\";' > /etc/apt/apt.conf.d/99x && "
                 "apt-get install -y git\n", id="apt.conf snippet earlier in the RUN"),
    pytest.param("FROM debian\nCOPY <<EOF /etc/apt/apt.conf.d/99norec\nAPT {\n  Install-Recommends \"false\";\n};\n"
                 "EOF\nRUN apt-get install -y git\n", id="nested apt.conf in a COPY heredoc"),
    pytest.param("FROM debian AS base\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/x\n"
                 "FROM base\nRUN apt-get install -y git\n", id="snippet in the parent stage"),
    pytest.param("FROM debian\nRUN apt-get install -s git\n", id="simulation"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get upgrade -y\n", id="no install"),
    pytest.param("FROM debian AS build\nRUN apt-get install -y gcc\nFROM scratch\nCOPY --from=build /out /\n",
                 id="builder stage not in the final image"),
    pytest.param("FROM fedora\nRUN dnf install -y git\n", id="fedora base"),
    pytest.param("FROM debian\n# dockls ignore=apt-install-recommends\nRUN apt-get install -y git\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3015\nRUN apt-get install -y git\n", id="hadolint pragma"),
    pytest.param("FROM debian\nRUN echo apt-get install git\n", id="only mentioned"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-c"]\nRUN apt-get install -y git\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_the_last_apt_conf_line_wins() -> None:
    text = ("FROM debian\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/a && "
            "echo 'APT::Install-Recommends \"true\";' > /etc/apt/apt.conf.d/b\nRUN apt-get install -y git\n")
    assert len(findings(text, NAME)) == 1


def test_a_snippet_written_after_the_install_does_not_count() -> None:
    text = "FROM debian\nRUN apt-get install -y git\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/x\n"
    assert len(findings(text, NAME)) == 1


def test_a_snippet_in_a_sibling_stage_does_not_count() -> None:
    text = ("FROM debian AS other\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/x\n"
            "FROM debian\nRUN apt-get install -y git\n")
    assert len(findings(text, NAME)) == 1


def test_the_final_stages_parent_is_checked() -> None:
    text = "FROM debian AS base\nRUN apt-get install -y git\nFROM base\nCMD [\"git\"]\n"
    assert len(findings(text, NAME)) == 1


# -- the fix ------------------------------------------------------------------------------------------


def test_adds_the_flag_after_install() -> None:
    text = "FROM debian\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n"
    assert fixed(text) == ("FROM debian\nRUN apt-get update && apt-get install --no-install-recommends -y git && "
                           "rm -rf /var/lib/apt/lists/*\n")


def test_continuation_lines_and_crlf() -> None:
    text = "FROM debian\r\nRUN apt-get update \\\r\n && apt-get -y install \\\r\n    git\r\n"
    assert fixed(text) == ("FROM debian\r\nRUN apt-get update \\\r\n && apt-get -y install --no-install-recommends "
                           "\\\r\n    git\r\n")


def test_heredoc() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y git\nEOF\n"
    assert fixed(text) == ("FROM debian\nRUN <<EOF\nset -e\napt-get update\n"
                           "apt-get install --no-install-recommends -y git\nEOF\n")


def test_exec_form_gets_a_new_string() -> None:
    text = 'FROM debian\nRUN ["apt-get", "install", "-y", "git"]\n'
    assert fixed(text) == 'FROM debian\nRUN ["apt-get", "install", "--no-install-recommends", "-y", "git"]\n'


def test_onbuild_trigger() -> None:
    text = "FROM debian\nONBUILD RUN apt-get install -y git\n"
    assert fixed(text) == "FROM debian\nONBUILD RUN apt-get install --no-install-recommends -y git\n"


def test_cache_mounts_do_not_matter() -> None:
    text = "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get install -y git\n"
    assert fixed(text) == ("FROM debian\nRUN --mount=type=cache,target=/var/cache/apt "
                           "apt-get install --no-install-recommends -y git\n")


# -- real-world files ---------------------------------------------------------------------------------


def test_fixes_keep_corpus_files_valid(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
