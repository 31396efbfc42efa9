"""apt-lists-not-removed (DKL002): apt-get update without removing /var/lib/apt/lists in the same RUN."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import (
    apply_only_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "apt-lists-not-removed"


def fixed(text: str) -> str:
    """The text after the one finding's safe fix, checked for safety."""
    return apply_only_fix(text, NAME, safe=True)


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_update_command_with_its_cost() -> None:
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "apt-get update"
    assert finding.effective_severity is Severity.WARNING
    assert "16 MB" in finding.message
    assert "rm -rf /var/lib/apt/lists/*" in finding.message


@pytest.mark.parametrize("run", [
    "apt update && apt install -y curl",
    "apt-get -qq update && apt-get -y install curl",
    "apt-get -o Acquire::Retries=3 update",
    "aptitude update && aptitude install -y curl",
    "apt-get update && apt-get install -y curl && apt-get clean",  # clean leaves the lists
    "rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl",  # removed before
    "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/partial",
    "apt-get update && apt-get install -y curl && rm -rf /var/cache/apt/*",
])
def test_fires(run: str) -> None:
    assert len(findings(f"FROM ubuntu:24.04\nRUN {run}\n", NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
                 id="removed with /*"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists\n",
                 id="removed without /*"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y x && rm -fr /var/lib/apt/lists/* /tmp/*\n",
                 id="removed with other paths"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/*\n",
                 id="parent folder removed"),
    pytest.param("FROM debian\nRUN apt-get install -y curl\n", id="install without update"),
    pytest.param("FROM debian\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n",
                 id="cache mount on the lists"),
    pytest.param("FROM debian\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update\n",
                 id="cache mount on /var/lib/apt"),
    pytest.param("FROM debian\nRUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update\n",
                 id="tmpfs mount"),
    pytest.param("FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\n"
                 "FROM debian\nCOPY --from=build /out /out\n", id="builder stage not in the final image"),
    pytest.param("FROM alpine:3.20\nRUN apk update && apk add curl\n", id="alpine base"),
    pytest.param("FROM fedora\nRUN dnf install -y curl\n", id="fedora base"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-Command"]\nRUN apt-get update\n', id="non-POSIX shell"),
    pytest.param("FROM debian\n# dockls ignore=apt-lists-not-removed\nRUN apt-get update\n", id="suppressed"),
    pytest.param("# dockls global ignore=DKL002\nFROM debian\nRUN apt-get update\n", id="suppressed globally"),
    pytest.param("FROM debian\nRUN echo apt-get update\n", id="only mentioned"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_stages_the_final_image_is_built_from_are_checked() -> None:
    text = "FROM debian AS base\nRUN apt-get update && apt-get install -y curl\nFROM base\nCMD [\"curl\"]\n"
    assert len(findings(text, NAME)) == 1


def test_a_cache_mount_elsewhere_does_not_count() -> None:
    text = "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y x\n"
    assert len(findings(text, NAME)) == 1


def test_removing_the_lists_in_a_later_run_is_called_out() -> None:
    text = "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n"
    [finding] = findings(text, NAME)
    assert "later RUN (line 3) does not make the image smaller" in finding.message


# -- the fix ------------------------------------------------------------------------------------------


def test_appends_on_the_same_line() -> None:
    text = "FROM debian\nRUN apt-get update && apt-get install -y curl\n"
    assert fixed(text) == "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"


def test_appends_a_continuation_line_in_trailing_style() -> None:
    text = "FROM debian\nRUN apt-get update && \\\n    apt-get install -y \\\n        curl git\n"
    assert fixed(text) == ("FROM debian\nRUN apt-get update && \\\n    apt-get install -y \\\n        curl git && \\\n"
                           "    rm -rf /var/lib/apt/lists/*\n")


def test_appends_a_continuation_line_in_leading_style() -> None:
    text = "FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl\n"
    assert fixed(text) == ("FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl \\\n"
                           "    && rm -rf /var/lib/apt/lists/*\n")


def test_packages_on_continuation_lines_of_the_first_line_command() -> None:
    text = "FROM debian\nRUN apt-get update && apt-get install -y \\\n      curl \\\n      git\n"
    assert fixed(text) == ("FROM debian\nRUN apt-get update && apt-get install -y \\\n      curl \\\n      git && \\\n"
                           "    rm -rf /var/lib/apt/lists/*\n")


def test_keeps_flags_and_crlf_line_breaks() -> None:
    text = "FROM debian\r\nRUN --network=host apt-get update && \\\r\n    apt-get install -y curl\r\n"
    assert fixed(text) == ("FROM debian\r\nRUN --network=host apt-get update && \\\r\n"
                           "    apt-get install -y curl && \\\r\n    rm -rf /var/lib/apt/lists/*\r\n")


def test_onbuild_trigger_is_reported_and_fixed() -> None:
    text = "FROM debian\nONBUILD RUN apt-get update && apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert "ONBUILD" in finding.message
    assert fixed(text) == ("FROM debian\nONBUILD RUN apt-get update && apt-get install -y curl && "
                           "rm -rf /var/lib/apt/lists/*\n")


def test_heredoc_without_errexit_chains_to_the_last_command() -> None:
    # On a line of its own the rm would make the script succeed when the install failed.
    text = "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"
    assert fixed(text) == ("FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl && "
                           "rm -rf /var/lib/apt/lists/*\nEOF\n")


@pytest.mark.parametrize(("shell", "first_line"), [
    ("", "set -eux"), ("", "set -o errexit"), ('SHELL ["/bin/bash", "-eo", "pipefail", "-c"]\n', ""),
    ("", "#!/bin/sh -e"), ('SHELL ["/bin/bash", "-o", "errexit", "-c"]\n', ""),
])
def test_heredoc_with_errexit_gets_a_line_before_the_terminator(shell: str, first_line: str) -> None:
    body = f"{first_line}\n" if first_line else ""
    text = f"FROM debian\n{shell}RUN <<EOF\n{body}apt-get update\n  apt-get install -y curl\nEOF\n"
    assert fixed(text) == (f"FROM debian\n{shell}RUN <<EOF\n{body}apt-get update\n  apt-get install -y curl\n"
                           "  rm -rf /var/lib/apt/lists/*\nEOF\n")


def test_heredoc_with_errexit_switched_off_again_chains() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\napt-get update\nset +e\napt-get install -y curl\nEOF\n"
    assert fixed(text).endswith("apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nEOF\n")


@pytest.mark.parametrize("text", [
    pytest.param('FROM debian\nRUN ["apt-get", "update"]\n', id="exec form"),
    pytest.param('FROM debian\nRUN ["sh", "-c", "apt-get update && apt-get install -y curl"]\n', id="exec sh -c"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl # tools\n", id="trailing comment"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl &\n", id="background"),
    pytest.param("FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl # tools\nEOF\n",
                 id="heredoc ending with a comment"),
])
def test_reported_without_a_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


def test_fix_is_not_applied_when_a_later_run_installs_from_the_lists() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert not fix.safe
    assert "the RUN on line 3 uses these lists without its own update" in finding.message
    assert fix_all_rule(text, NAME) == text


def test_a_stage_built_from_this_one_also_counts_as_later() -> None:
    text = ("FROM debian AS base\nRUN apt-get update\nFROM base AS test\nRUN apt-cache policy curl\n"
            "FROM base\nCMD [\"sh\"]\n")
    [finding] = findings(text, NAME)
    assert not finding.fixes[0].safe


def test_a_later_run_with_its_own_update_is_no_obstacle() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get update && apt-get install -y curl\n"
    after = fix_all_rule(text, NAME)
    assert after == ("FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n"
                     "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n")
    assert_fix_is_safe(text, after, NAME)


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
