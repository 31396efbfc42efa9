"""apk-cache-kept (DKL004): apk add without --no-cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings

NAME = "apk-cache-kept"


def fixed(text: str) -> str:
    """The text after the (shared) fix of the RUN's findings, checked for safety."""
    found = findings(text, NAME)
    assert found
    fix = found[0].fixes[0]
    assert fix.safe
    assert all(finding.fixes == (fix,) for finding in found)
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_apk_add_command() -> None:
    text = "FROM alpine:3.20\nRUN apk add curl git\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "apk add curl git"
    assert finding.effective_severity is Severity.WARNING
    assert "/var/cache/apk" in finding.message and "--no-cache" in finding.message


@pytest.mark.parametrize("run", [
    "apk add curl", "apk --update add curl", "apk add -U curl", "apk -X https://mirror add curl",
    "apk add --virtual .build-deps gcc musl-dev", "/sbin/apk add curl", "apk update && apk add curl",
])
def test_fires(run: str) -> None:
    assert len(findings(f"FROM alpine\nRUN {run}\n", NAME)) == 1


def test_one_finding_per_apk_add() -> None:
    assert len(findings("FROM alpine\nRUN apk add a && apk add --no-cache b && apk add c\n", NAME)) == 2


def test_deleting_the_cache_in_the_same_run_is_only_informational() -> None:
    [finding] = findings("FROM alpine\nRUN apk add curl && rm -rf /var/cache/apk/*\n", NAME)
    assert finding.effective_severity is Severity.INFO
    assert "not larger" in finding.message


def test_deleting_the_cache_before_installing_does_not_help() -> None:
    [finding] = findings("FROM alpine\nRUN rm -rf /var/cache/apk/* && apk add curl\n", NAME)
    assert finding.effective_severity is Severity.WARNING


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nRUN apk add --no-cache curl\n", id="--no-cache"),
    pytest.param("FROM alpine\nRUN apk --no-cache add curl\n", id="--no-cache before the applet"),
    pytest.param("FROM alpine\nRUN apk add --no-network --virtual .rundeps so:libz.so.1\n", id="--no-network"),
    pytest.param("FROM alpine\nRUN apk update && apk upgrade && apk del curl && apk info\n", id="no apk add"),
    pytest.param("FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n", id="cache mount"),
    pytest.param("FROM alpine\nRUN --mount=type=cache,target=/etc/apk/cache apk add curl\n",
                 id="package cache mount"),
    pytest.param("FROM alpine\nRUN --mount=type=tmpfs,target=/var/cache/apk apk add curl\n", id="tmpfs mount"),
    pytest.param("FROM alpine AS build\nRUN apk add gcc\nFROM scratch\nCOPY --from=build /out /\n",
                 id="builder stage not in the final image"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl\n", id="debian base"),
    pytest.param("FROM alpine\n# dockls ignore=apk-cache-kept\nRUN apk add curl\n", id="suppressed"),
    pytest.param("FROM alpine\nRUN echo apk add curl\n", id="only mentioned"),
    pytest.param('FROM alpine\nSHELL ["pwsh", "-c"]\nRUN apk add curl\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_the_final_stages_parent_is_checked() -> None:
    assert len(findings("FROM alpine AS base\nRUN apk add curl\nFROM base\nCMD [\"sh\"]\n", NAME)) == 1


# -- the fix ------------------------------------------------------------------------------------------


def test_adds_no_cache_after_add() -> None:
    assert fixed("FROM alpine\nRUN apk add --virtual .deps curl\n") == (
        "FROM alpine\nRUN apk add --no-cache --virtual .deps curl\n")


def test_drops_the_update_and_the_cache_removal() -> None:
    text = "FROM alpine\nRUN apk update && apk add curl && rm -rf /var/cache/apk/*\n"
    assert fixed(text) == "FROM alpine\nRUN apk add --no-cache curl\n"


def test_drops_them_across_continuation_lines_in_trailing_style() -> None:
    text = "FROM alpine\nRUN apk update && \\\n    apk add curl && \\\n    rm -rf /var/cache/apk/* && \\\n    curl -V\n"
    assert fixed(text) == "FROM alpine\nRUN apk add --no-cache curl && \\\n    curl -V\n"


def test_drops_them_across_continuation_lines_in_leading_style() -> None:
    text = "FROM alpine\nRUN apk update \\\n    && apk add \\\n       curl git \\\n    && rm -rf /var/cache/apk/*\n"
    assert fixed(text) == "FROM alpine\nRUN apk add --no-cache \\\n       curl git\n"


def test_keeps_other_paths_of_the_rm() -> None:
    text = "FROM alpine\nRUN apk add curl && rm -rf /var/cache/apk/* /tmp/*\n"
    assert fixed(text) == "FROM alpine\nRUN apk add --no-cache curl && rm -rf /tmp/*\n"


def test_adds_no_cache_to_every_apk_add_of_the_run() -> None:
    text = "FROM alpine\nRUN apk update && apk add a && apk add --no-cache b && apk add c\n"
    assert fixed(text) == "FROM alpine\nRUN apk add --no-cache a && apk add --no-cache b && apk add --no-cache c\n"


def test_keeps_the_update_when_another_apk_command_needs_it() -> None:
    text = "FROM alpine\nRUN apk update && apk upgrade && apk add curl && rm -rf /var/cache/apk/*\n"
    assert fixed(text) == ("FROM alpine\nRUN apk update && apk upgrade && apk add --no-cache curl && "
                           "rm -rf /var/cache/apk/*\n")


@pytest.mark.parametrize("run", [
    "apk update || true && apk add curl && rm -rf /var/cache/apk/*",  # `||`: removal would change the chain
    "apk update 2>/dev/null && apk add curl && rm -rf /var/cache/apk/*",  # a redirected command
])
def test_keeps_an_update_it_cannot_remove_cleanly(run: str) -> None:
    after = fixed(f"FROM alpine\nRUN {run}\n")
    assert "apk update" in after and "rm -rf /var/cache/apk/*" in after and "apk add --no-cache curl" in after


def test_keeps_comment_lines_inside_the_run() -> None:
    text = "FROM alpine\nRUN apk update && \\\n    # tools\n    apk add curl\n"
    assert fixed(text) == "FROM alpine\nRUN apk update && \\\n    # tools\n    apk add --no-cache curl\n"


def test_heredoc_lines_go_whole() -> None:
    text = "FROM alpine\nRUN <<EOF\nset -e\napk update\napk add curl\nrm -rf /var/cache/apk/*\nEOF\n"
    assert fixed(text) == "FROM alpine\nRUN <<EOF\nset -e\napk add --no-cache curl\nEOF\n"


def test_exec_form_gets_a_new_string() -> None:
    text = 'FROM alpine\nRUN ["apk", "add", "curl"]\n'
    assert fixed(text) == 'FROM alpine\nRUN ["apk", "add", "--no-cache", "curl"]\n'


def test_exec_form_shell_script_only_gets_the_option() -> None:
    text = 'FROM alpine\nRUN ["sh", "-c", "apk update && apk add curl"]\n'
    assert fixed(text) == 'FROM alpine\nRUN ["sh", "-c", "apk update && apk add --no-cache curl"]\n'


def test_onbuild_trigger() -> None:
    text = "FROM alpine\nONBUILD RUN apk update && apk add curl\n"
    assert fixed(text) == "FROM alpine\nONBUILD RUN apk add --no-cache curl\n"


def test_crlf() -> None:
    text = "FROM alpine\r\nRUN apk update && \\\r\n    apk add curl\r\n"
    assert fixed(text) == "FROM alpine\r\nRUN apk add --no-cache curl\r\n"


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
