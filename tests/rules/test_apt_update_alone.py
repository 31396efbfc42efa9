"""apt-update-alone (DKL008): an index refresh in a RUN without the install, moved into the install RUN."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.engine import analyze
from dockls.fixes import fix_all
from dockls.rule import Fix, Severity
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings, fix_all_rule

NAME = "apt-update-alone"


def only_fix(text: str) -> Fix:
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    return fix


def fixed(text: str) -> str:
    """The text after the one finding's safe fix, checked for safety; the rule is silent on it."""
    fix = only_fix(text)
    assert fix.safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


def fix_everything(text: str) -> str:
    """What `dockls --fix` does with every rule; a second run changes nothing."""
    once = fix_all(text, lambda t: analyze(t).findings)[0]
    assert fix_all(once, lambda t: analyze(t).findings)[0] == once
    return once


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_refresh_and_the_install_it_goes_stale_for() -> None:
    text = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "RUN apt-get update"
    assert finding.effective_severity is Severity.WARNING
    assert finding.message.startswith("`apt-get update` runs without an install in its RUN")
    assert "install RUN on line 3" in finding.message and "404 Not Found" in finding.message
    [related] = finding.related
    assert related.span.start == text.index("RUN apt-get install")
    assert fixed(text) == ("FROM debian:bookworm\n"
                           "RUN apt-get update && apt-get install -y --no-install-recommends curl\n")


@pytest.mark.parametrize(("refresh", "install", "shown"), [
    ("apt update", "apt install -y curl", "`apt update`"),
    ("apt-get -qq update", "apt-get -y install curl", "`apt-get update`"),
    ("aptitude update", "aptitude install -y curl", "`aptitude update`"),
    ("apt-get update", "apt-get -y upgrade", "`apt-get update`"),
    ("apt-get update", "apt-cache policy curl", "`apt-get update`"),
    ("apk update", "apk add curl", "`apk update`"),
    ("dnf makecache", "dnf install -y curl", "`dnf makecache`"),
    ("yum makecache", "yum install -y curl", "`yum makecache`"),
    ("microdnf makecache", "microdnf install curl", "`microdnf makecache`"),
    ("zypper --non-interactive refresh", "zypper -n install curl", "`zypper refresh`"),
])
def test_fires_for_each_package_manager(refresh: str, install: str, shown: str) -> None:
    text = f"FROM x\nRUN {refresh}\nRUN {install}\n"
    [finding] = findings(text, NAME)
    assert finding.message.startswith(shown)
    assert fixed(text) == f"FROM x\nRUN {refresh} && {install}\n"


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl\n", id="same RUN"),
    pytest.param("FROM debian\nRUN apt-get update; apt-get install -y curl\n", id="same RUN with ;"),
    pytest.param("FROM debian\nRUN apt-get update && apt-cache policy curl\nRUN apt-get install -y curl\n",
                 id="the index is read in the same RUN"),
    pytest.param("FROM debian\nRUN apt-get update\nRUN echo done\n", id="nothing uses the index later"),
    pytest.param("FROM debian\nRUN apt-get update\nRUN apk add curl\n", id="another package manager"),
    pytest.param("FROM debian AS a\nRUN apt-get update\nFROM debian\nRUN apt-get install -y curl\n",
                 id="the install is in an unrelated stage"),
    pytest.param("FROM alpine\nRUN apk add --no-cache curl\n", id="no refresh"),
    pytest.param("FROM debian\nRUN echo apt-get update\nRUN apt-get install -y curl\n", id="only mentioned"),
    pytest.param("FROM debian\n# dockls ignore=apt-update-alone\nRUN apt-get update\nRUN apt-get install -y x\n",
                 id="suppressed"),
    pytest.param("# dockls global ignore=DKL008\nFROM debian\nRUN apt-get update\nRUN apt-get install -y x\n",
                 id="suppressed globally"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-Command"]\nRUN apt-get update\nRUN apt-get install -y x\n',
                 id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_hadolint_has_no_equivalent_so_its_pragmas_do_not_apply() -> None:
    # DL3009 (lists not removed) is apt-lists-not-removed's equivalent, not this rule's.
    text = "FROM debian\n# hadolint ignore=DL3009,DL3059\nRUN apt-get update\nRUN apt-get install -y curl\n"
    assert len(findings(text, NAME)) == 1


def test_a_stage_built_from_this_one_that_installs_is_reported_without_a_fix() -> None:
    text = "FROM debian AS base\nRUN apt-get update\nFROM base\nRUN apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert "install RUN on line 4 (in a stage built FROM this one)" in finding.message
    assert finding.fixes == ()


def test_builder_stages_are_checked() -> None:
    text = ("FROM debian AS build\nRUN apt-get update\nRUN apt-get install -y gcc\n"
            "FROM scratch\nCOPY --from=build /out /out\n")
    assert fixed(text) == ("FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\n"
                           "FROM scratch\nCOPY --from=build /out /out\n")


def test_a_refresh_repeated_by_the_install_run_is_removed() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get update && apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert "refreshes the index again" in finding.message
    assert fixed(text) == "FROM debian\nRUN apt-get update && apt-get install -y curl\n"


def test_apk_add_no_cache_makes_the_refresh_useless() -> None:
    text = "FROM alpine:3.20\nRUN apk update\nRUN apk add --no-cache curl\n"
    [finding] = findings(text, NAME)
    assert "`apk add --no-cache`, which fetches fresh indexes itself" in finding.message
    assert fixed(text) == "FROM alpine:3.20\nRUN apk update && apk add --no-cache curl\n"


# -- the fix ------------------------------------------------------------------------------------------


def test_the_refresh_keeps_its_assignments_options_and_redirections() -> None:
    text = "FROM debian\nRUN DEBIAN_FRONTEND=noninteractive apt-get -qq update > /dev/null\nRUN apt-get install -y x\n"
    assert fixed(text) == ("FROM debian\nRUN DEBIAN_FRONTEND=noninteractive apt-get -qq update > /dev/null && "
                           "apt-get install -y x\n")


def test_a_run_left_with_harmless_commands_goes_and_its_comments_stay() -> None:
    text = "FROM debian\n# refresh the index\nRUN set -eux; \\\n    apt-get update\nRUN apt-get install -y curl\n"
    assert fixed(text) == "FROM debian\n# refresh the index\nRUN apt-get update && apt-get install -y curl\n"


def test_other_commands_stay_in_their_run() -> None:
    text = ("FROM debian\nRUN echo 'deb http://deb.debian.org/debian bookworm-backports main' "
            "> /etc/apt/sources.list.d/backports.list && \\\n    apt-get update\nRUN apt-get install -y curl\n")
    assert fixed(text) == ("FROM debian\nRUN echo 'deb http://deb.debian.org/debian bookworm-backports main' "
                           "> /etc/apt/sources.list.d/backports.list\nRUN apt-get update && apt-get install -y curl\n")


def test_multi_line_install_runs_are_prefixed_on_their_first_line() -> None:
    text = ("FROM debian\nRUN apt-get update\n"
            "RUN apt-get install -y \\\n      curl \\\n   && rm -rf /var/lib/apt/lists/*\n")
    assert fixed(text) == ("FROM debian\nRUN apt-get update && apt-get install -y \\\n      curl \\\n"
                           "   && rm -rf /var/lib/apt/lists/*\n")


@pytest.mark.parametrize(("shell", "install", "merged"), [
    pytest.param("", "apt-get install -y curl; echo done", "apt-get update && { apt-get install -y curl; echo done; }",
                 id="grouped after &&"),
    pytest.param("", "apt-get install -y curl || true", "apt-get update && { apt-get install -y curl || true; }",
                 id="|| grouped"),
    pytest.param("", "apt-get install -y curl;", "apt-get update && { apt-get install -y curl; }",
                 id="trailing ;"),
    pytest.param("", "set -eux; apt-get install -y curl; rm -rf /var/lib/apt/lists/*",
                 "set -eux; apt-get update; apt-get install -y curl; rm -rf /var/lib/apt/lists/*",
                 id="after a leading set -e"),
    pytest.param('SHELL ["/bin/bash", "-eo", "pipefail", "-c"]\n', "apt-get install -y curl; echo done",
                 "apt-get update; apt-get install -y curl; echo done", id="SHELL with -e"),
])
def test_the_refresh_still_stops_the_build_when_it_fails(shell: str, install: str, merged: str) -> None:
    text = f"FROM debian\n{shell}RUN apt-get update\nRUN {install}\n"
    assert fixed(text) == f"FROM debian\n{shell}RUN {merged}\n"


def test_inert_instructions_in_between_are_fine() -> None:
    text = "FROM debian\nRUN apt-get update\nLABEL a=b\nWORKDIR /app\n# now install\nRUN apt-get install -y curl\n"
    assert fixed(text) == ("FROM debian\nLABEL a=b\nWORKDIR /app\n# now install\n"
                           "RUN apt-get update && apt-get install -y curl\n")


@pytest.mark.parametrize(("between", "reason"), [
    ("COPY sources.list /etc/apt/sources.list\n", "the COPY on line 3 comes in between"),
    ("ENV http_proxy=http://proxy:3128\n", "the ENV on line 3 comes in between"),
    ("USER app\n", "the USER on line 3 comes in between"),
    ("RUN ./add-repositories.sh\n", "the RUN on line 3 runs in between and may use the index"),
])
def test_what_comes_in_between_may_make_the_fix_unsafe(between: str, reason: str) -> None:
    text = f"FROM debian\nRUN apt-get update\n{between}RUN apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert f"(not fixed automatically: {reason}" in finding.message
    [fix] = finding.fixes
    assert not fix.safe
    assert fix_all_rule(text, NAME) == text
    assert apply_fix(text, fix) == f"FROM debian\n{between}RUN apt-get update && apt-get install -y curl\n"


@pytest.mark.parametrize(("before", "shown"), [
    ("export http_proxy=http://proxy:3128", "export"), ("umask 002", "umask"), ("APT_CONFIG=/x", "APT_CONFIG"),
    (". /etc/profile", "."),
])
def test_state_set_before_the_refresh_makes_the_fix_unsafe(before: str, shown: str) -> None:
    text = f"FROM debian\nRUN {before} && apt-get update\nRUN apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert f"`{shown}` before it in its RUN would no longer apply to it" in finding.message
    assert not finding.fixes[0].safe


def test_a_semicolon_before_the_refresh_needs_errexit() -> None:
    # `cp a b; apt-get update` ignores a failing cp; without the refresh, cp's status would be the RUN's.
    text = "FROM debian\nRUN cp a b; apt-get update\nRUN apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert "without `set -e` the command before it would then decide whether its RUN fails" in finding.message
    assert not finding.fixes[0].safe
    text = "FROM debian\nRUN set -eux; cp a b; apt-get update\nRUN apt-get install -y curl\n"
    assert fixed(text) == "FROM debian\nRUN set -eux; cp a b\nRUN apt-get update && apt-get install -y curl\n"
    text = 'FROM debian\nSHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nRUN cp a b; apt-get update\nRUN make\n'
    assert findings(text, NAME) == []  # make is no install
    text = 'FROM debian\nSHELL ["/bin/bash", "-e", "-c"]\nRUN cp a b; apt-get update\nRUN apt-get install -y x\n'
    assert only_fix(text).safe


@pytest.mark.parametrize(("text", "reason"), [
    ("FROM debian\nRUN apt-get update || true\nRUN apt-get install -y curl\n",
     "the refresh is not the last command of its RUN"),
    ("FROM debian\nRUN apt-get update && echo ok\nRUN apt-get install -y curl\n",
     "the refresh is not the last command of its RUN"),
    ("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl # the client\n", "ends with a comment"),
    ("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl &\n", "a background job"),
    ("FROM debian\nRUN apt-get update\nRUN alias ll='ls -l'; apt-get install -y curl\n", "defines an alias"),
    ('FROM debian\nRUN apt-get update\nRUN ["apt-get", "install", "-y", "curl"]\n', "not a plain shell command line"),
    ("FROM debian\nRUN apt-get update\nRUN <<EOF\napt-get install -y curl\nEOF\n", "not a plain shell command line"),
])
def test_no_fix_where_merging_would_change_what_fails(text: str, reason: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()
    assert "(no automatic fix: " in finding.message
    assert reason in finding.message


def test_flags_must_match() -> None:
    mount = "--mount=type=cache,target=/var/cache/apt,sharing=locked"
    text = f"FROM debian\nRUN {mount} apt-get update\nRUN {mount} apt-get install -y curl\n"
    assert fixed(text) == f"FROM debian\nRUN {mount} apt-get update && apt-get install -y curl\n"
    # A mount elsewhere on the install RUN does not change what the refresh writes.
    text = "FROM debian\nRUN apt-get update\nRUN --mount=type=bind,source=debs,target=/debs apt-get install -y curl\n"
    assert only_fix(text).safe
    text = "FROM debian\nRUN apt-get update\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get install -y curl\n"
    assert "mounts /var/lib/apt/lists" in findings(text, NAME)[0].message
    assert not only_fix(text).safe
    text = "FROM debian\nRUN --network=host apt-get update\nRUN apt-get install -y curl\n"
    assert not only_fix(text).safe
    text = "FROM debian\nRUN apt-get update\nRUN --network=none apt-get install -y curl\n"
    assert not only_fix(text).safe


def test_heredoc_refresh_run_is_deleted() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\napt-get update\nEOF\nRUN apt-get install -y curl\n"
    assert fixed(text) == "FROM debian\nRUN apt-get update && apt-get install -y curl\n"


def test_exec_form_refresh_run_is_deleted() -> None:
    text = 'FROM debian\nRUN ["apt-get", "-q", "update"]\nRUN apt-get install -y curl\n'
    assert fixed(text) == "FROM debian\nRUN apt-get -q update && apt-get install -y curl\n"


def test_onbuild_triggers_pair_with_the_next_onbuild_run() -> None:
    text = "FROM debian\nONBUILD RUN apt-get update\nRUN echo here\nONBUILD RUN apt-get install -y curl\n"
    assert fixed(text) == "FROM debian\nRUN echo here\nONBUILD RUN apt-get update && apt-get install -y curl\n"
    text = "FROM debian\nONBUILD RUN apt-get update\nONBUILD COPY x /x\nONBUILD RUN apt-get install -y curl\n"
    assert not only_fix(text).safe


def test_crlf_files_keep_their_line_breaks() -> None:
    text = "FROM debian\r\nRUN set -e; apt-get update\r\nRUN apt-get install -y \\\r\n    curl\r\n"
    assert fixed(text) == "FROM debian\r\nRUN apt-get update && apt-get install -y \\\r\n    curl\r\n"


# -- together with the other rules -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(
        "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl && "
        "rm -rf /var/lib/apt/lists/*\n",
        id="consecutive RUNs in the final stage: merged once, lists removed"),
    pytest.param(
        "FROM debian:bookworm\nRUN apt-get update\nWORKDIR /app\nRUN apt-get install -y --no-install-recommends \\\n"
        "      curl \\\n      git\nCOPY . .\n",
        "FROM debian:bookworm\nWORKDIR /app\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n"
        "      curl \\\n      git && \\\n    rm -rf /var/lib/apt/lists/*\nCOPY . .\n",
        id="WORKDIR in between, continuation lines"),
    pytest.param(
        "FROM debian:bookworm\nRUN set -eux; apt-get update\n"
        "RUN set -eux; apt-get install -y --no-install-recommends curl; rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:bookworm\nRUN set -eux; apt-get update; apt-get install -y --no-install-recommends curl; "
        "rm -rf /var/lib/apt/lists/*\n",
        id="set -eux style"),
    pytest.param(
        "FROM debian AS build\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends gcc\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /usr/bin/gcc /usr/bin/gcc\n",
        "# syntax=docker/dockerfile:1\nFROM debian AS build\n"
        "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,"
        "sharing=locked [ ! -e /etc/apt/apt.conf.d/docker-clean ] || mv /etc/apt/apt.conf.d/docker-clean /tmp/ && "
        "apt-get update && apt-get install -y --no-install-recommends gcc && "
        "{ [ ! -e /tmp/docker-clean ] || mv /tmp/docker-clean /etc/apt/apt.conf.d/; }\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /usr/bin/gcc /usr/bin/gcc\n",
        id="builder stage: merged first, then cache mounts (cache-mount-missing)"),
    pytest.param(
        "FROM alpine:3.20\nRUN apk update\nRUN apk add curl\n",
        "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
        id="alpine: apk-cache-kept's --no-cache makes the update pointless; no cache mount on top"),
])
def test_all_rules_together_converge(text: str, expected: str) -> None:
    # Every rule's safe fixes, in whatever order `--fix` picks them: the refresh ends up in the install
    # RUN once, the result stays valid, and a second run changes nothing.
    after = fix_everything(text)
    assert after == expected
    assert_fix_is_safe(text, after, NAME)


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
