"""build-deps-kept (DKL011): compilers and -dev packages installed in a final-image stage and never removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Finding, Fix
from dockls.rules.build_deps_kept import is_build_package
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings, fix_all_rule

NAME = "build-deps-kept"


def only(text: str) -> Finding:
    [finding] = findings(text, NAME)
    return finding


def code_action(text: str) -> Fix:
    """The finding's one fix: never applied by --fix."""
    [fix] = only(text).fixes
    assert not fix.safe
    assert fix_all_rule(text, NAME) == text
    return fix


def applied(text: str, fix: Fix) -> str:
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_install_and_its_build_packages() -> None:
    text = ("FROM python:3.12-slim\n"
            "RUN apt-get update && apt-get install -y gcc libpq-dev curl && pip install psycopg2\n")
    finding = only(text)
    assert text[finding.span.start : finding.span.end] == "apt-get install -y gcc libpq-dev curl"
    assert "`apt-get install` installs build tools (gcc, libpq-dev) that stay in the final image" in finding.message
    assert "separate stage" in finding.message


@pytest.mark.parametrize("name", [
    "gcc", "g++", "gcc-12", "clang", "clang-15", "make", "cmake", "build-essential", "build-base", "musl-dev",
    "libc6-dev", "linux-headers", "python3-dev", "libpq-dev", "openssl-devel", "gcc-c++", "pkg-config",
])
def test_build_packages(name: str) -> None:
    assert is_build_package(name)


@pytest.mark.parametrize("name", ["curl", "udev", "libpq5", "python3", "git", "devscripts", "makedev", "gcc-doc-base"])
def test_other_packages(name: str) -> None:
    assert not is_build_package(name)


@pytest.mark.parametrize("run", [
    "apk add --no-cache gcc musl-dev && pip install x",
    "apt-get install -y build-essential",
    "apt install -y python3-dev",
    "dnf install -y gcc python3-devel",
    "yum install -y gcc-c++ make",
    "microdnf install -y gcc",
    "zypper --non-interactive install gcc",
    "apk add --virtual .build-deps gcc && make",
    "apt-get install -y gcc && apt-get purge -y make",
    "--mount=type=cache,target=/var/cache/apt apt-get install -y gcc",
])
def test_fires(run: str) -> None:
    assert len(findings(f"FROM debian\nRUN {run}\n", NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nRUN apk add --virtual .build-deps gcc musl-dev && make && apk del .build-deps\n",
                 id="apk virtual removed"),
    pytest.param("FROM alpine\nRUN apk add gcc && make && apk del gcc\n", id="apk del by name"),
    pytest.param("FROM debian\nRUN apt-get install -y gcc libpq-dev && make && "
                 "apt-get purge -y --auto-remove gcc libpq-dev\n", id="apt purge"),
    pytest.param("FROM debian\nRUN buildDeps='gcc make' && apt-get install -y gcc make && make && "
                 "apt-get purge -y $buildDeps\n", id="purge of a shell variable"),
    pytest.param("FROM debian\nRUN savedAptMark=\"$(apt-mark showmanual)\"; apt-get install -y gcc; make; "
                 "apt-mark auto '.*' > /dev/null; apt-mark manual $savedAptMark; "
                 "apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n",
                 id="official images' apt-mark pattern"),
    pytest.param("FROM fedora\nRUN dnf install -y gcc && make && dnf remove -y gcc\n", id="dnf remove"),
    pytest.param("FROM debian\nRUN apt-get install -y curl libpq5\n", id="runtime packages"),
    pytest.param("FROM debian AS build\nRUN apt-get install -y gcc && make\nFROM debian\nCOPY --from=build /out /out\n",
                 id="builder stage"),
    pytest.param("FROM debian\n# dockls ignore=build-deps-kept\nRUN apt-get install -y gcc\n", id="suppressed"),
    pytest.param("FROM debian\nRUN echo apt-get install -y gcc\n", id="only mentioned"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-Command"]\nRUN apt-get install -y gcc\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_stages_the_final_image_is_built_from_are_checked() -> None:
    text = "FROM debian AS base\nRUN apt-get install -y gcc\nFROM base\nCMD [\"sh\"]\n"
    assert len(findings(text, NAME)) == 1


def test_packages_from_env_variables() -> None:
    text = 'FROM debian\nENV BUILD_DEPS="gcc make"\nRUN apt-get install -y $BUILD_DEPS curl && make\n'
    finding = only(text)
    assert "(gcc, make)" in finding.message
    assert applied(text, finding.fixes[0]).endswith("&& make && apt-get purge -y --auto-remove gcc make\n")


def test_installed_for_a_later_run_has_no_fix() -> None:
    text = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\n" \
           "RUN pip install psycopg2\n"
    finding = only(text)
    assert finding.fixes == ()
    assert "nothing is built with them later in this RUN" in finding.message
    assert "install, build and remove them in one RUN" in finding.message


def test_a_later_removal_is_called_out() -> None:
    text = "FROM debian\nRUN apt-get install -y gcc\nRUN make\nRUN apt-get purge -y gcc\n"
    finding = only(text)
    assert "removing them in the RUN on line 4 does not help" in finding.message
    [related] = finding.related
    assert related.span.start == text.index("RUN apt-get purge")


def test_development_tools_group() -> None:
    finding = only('FROM fedora\nRUN dnf groupinstall -y "Development Tools" && make\n')
    assert "(Development Tools)" in finding.message
    assert finding.fixes == ()


# -- the fix ------------------------------------------------------------------------------------------


def test_apk_build_packages_go_under_a_virtual_package() -> None:
    text = "FROM python:3.12-alpine\nRUN apk add --no-cache gcc musl-dev && pip install --no-cache-dir psycopg2\n"
    assert applied(text, code_action(text)) == (
        "FROM python:3.12-alpine\nRUN apk add --virtual .build-deps --no-cache gcc musl-dev && "
        "pip install --no-cache-dir psycopg2 && apk del .build-deps\n")


def test_apk_mixed_install_gets_a_second_add() -> None:
    text = ("FROM python:3.12-alpine\nRUN apk add --no-cache \\\n        postgresql-libs \\\n        gcc \\\n"
            "        musl-dev && \\\n    pip install --no-cache-dir psycopg2\n")
    assert applied(text, code_action(text)) == (
        "FROM python:3.12-alpine\nRUN apk add --no-cache \\\n        postgresql-libs && apk add --no-cache --virtual "
        ".build-deps gcc musl-dev && \\\n    pip install --no-cache-dir psycopg2 && \\\n    apk del .build-deps\n")


def test_apk_virtual_package_without_its_del() -> None:
    text = "FROM alpine\nRUN apk add --virtual .deps gcc && make\n"
    assert applied(text, code_action(text)) == "FROM alpine\nRUN apk add --virtual .deps gcc && make && apk del .deps\n"


def test_apk_virtual_name_already_taken() -> None:
    text = ("FROM alpine\nRUN apk add --virtual .build-deps autoconf && apk add gcc && make && apk del .build-deps\n")
    assert applied(text, code_action(text)) == (
        "FROM alpine\nRUN apk add --virtual .build-deps autoconf && apk add --virtual .build-deps-2 gcc && make && "
        "apk del .build-deps && apk del .build-deps-2\n")


def test_apt_purge_at_the_end_in_the_runs_style() -> None:
    text = ("FROM python:3.12-slim\nRUN apt-get update \\\n"
            "    && apt-get install -y --no-install-recommends gcc libpq-dev \\\n"
            "    && pip install --no-cache-dir psycopg2 \\\n    && rm -rf /var/lib/apt/lists/*\n")
    assert applied(text, code_action(text)) == (
        "FROM python:3.12-slim\nRUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends gcc libpq-dev \\\n"
        "    && pip install --no-cache-dir psycopg2 \\\n    && rm -rf /var/lib/apt/lists/* \\\n"
        "    && apt-get purge -y --auto-remove gcc libpq-dev\n")


def test_several_installs_of_one_run_are_purged_together() -> None:
    text = "FROM debian\nRUN apt-get install -y gcc && apt-get install -y libpq-dev && make\n"
    first, second = findings(text, NAME)
    assert first.fixes == second.fixes
    assert applied(text, first.fixes[0]) == ("FROM debian\nRUN apt-get install -y gcc && "
                                             "apt-get install -y libpq-dev && "
                                             "make && apt-get purge -y --auto-remove gcc libpq-dev\n")


@pytest.mark.parametrize(("install", "removal"), [
    ("dnf install -y gcc python3-devel", "dnf remove -y gcc python3-devel"),
    ("yum install -y gcc", "yum remove -y gcc"),
    ("microdnf install -y gcc", "microdnf remove -y gcc"),
    ("zypper -n install gcc", "zypper --non-interactive remove --clean-deps gcc"),
])
def test_other_distributions(install: str, removal: str) -> None:
    text = f"FROM fedora\nRUN {install} && pip install x\n"
    assert applied(text, code_action(text)) == f"FROM fedora\nRUN {install} && pip install x && {removal}\n"


def test_heredoc_run() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\napt-get install -y gcc\nmake\nEOF\n"
    assert applied(text, code_action(text)) == ("FROM debian\nRUN <<EOF\nset -e\napt-get install -y gcc\nmake\n"
                                                "apt-get purge -y --auto-remove gcc\nEOF\n")


def test_onbuild_run() -> None:
    text = "FROM debian\nONBUILD RUN apt-get install -y gcc && make\n"
    assert applied(text, code_action(text)) == ("FROM debian\nONBUILD RUN apt-get install -y gcc && make && "
                                                "apt-get purge -y --auto-remove gcc\n")


def test_exec_form_has_no_fix() -> None:
    text = 'FROM debian\nRUN ["sh", "-c", "apt-get install -y gcc && make"]\n'
    assert only(text).fixes == ()


def test_keeps_crlf_line_breaks() -> None:
    text = "FROM alpine\r\nRUN apk add gcc musl-dev && \\\r\n    make\r\n"
    assert applied(text, code_action(text)) == ("FROM alpine\r\n"
                                                "RUN apk add --virtual .build-deps gcc musl-dev && \\\r\n"
                                                "    make && \\\r\n    apk del .build-deps\r\n")


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # Every fix of this rule is a code action: --fix changes nothing, and checking never fails.
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
