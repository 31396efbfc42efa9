"""consecutive-run (DKL001): consecutive RUNs in a final stage, merged with `&&` when that is safe."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import dockerfile
import pytest

from tests.rules.helpers import (
    apply_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
    shell_errors,
)

NAME = "consecutive-run"


def only_fix(text: str) -> str:
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert fix.safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    return after


def no_fix_reason(text: str) -> str:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()
    match = re.search(r"no automatic fix: (.*)\)$", finding.message)
    assert match, finding.message
    return match.group(1)


def buildkit_runs(text: str) -> list[str]:
    """BuildKit's command text of each RUN, whitespace runs collapsed."""
    return [" ".join(" ".join(cmd.value).split()) for cmd in dockerfile.parse_string(text) if cmd.cmd == "RUN"]


# -- what it reports ---------------------------------------------------------------------------------


def test_two_runs_give_one_finding_on_the_second_run() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "RUN"
    assert finding.span.start == text.index("RUN apt-get install")
    assert "2 consecutive RUN instructions (lines 2-3)" in finding.message


def test_a_group_of_three_is_one_finding_from_the_second_to_the_last_run() -> None:
    text = "FROM debian\nRUN a\nRUN b\nRUN c\nWORKDIR /x\nRUN d\nRUN e\n"
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["RUN b\nRUN", "RUN"]
    assert "3 consecutive" in found[0].message
    assert "lines 6-7" in found[1].message


def test_runs_that_already_chain_commands_are_reported_too() -> None:
    text = "FROM debian\nRUN a && b\nRUN c && d\n"
    assert len(findings(text, NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN a\n", id="single RUN"),
    pytest.param("FROM debian\nRUN a\nENV X=1\nRUN b\n", id="another instruction between"),
    pytest.param("FROM debian\nRUN --mount=type=cache,target=/root/.cache a\nRUN b\n", id="different mounts"),
    pytest.param("FROM debian\nRUN --network=none a\nRUN --network=host b\n", id="different network"),
    pytest.param("FROM debian\nRUN --security=insecure a\nRUN b\n", id="different security"),
    pytest.param('FROM debian\nRUN ["a"]\nRUN ["b"]\n', id="exec form"),
    pytest.param("FROM debian\nRUN a\nONBUILD RUN b\n", id="ONBUILD RUN"),
    pytest.param("FROM debian\nONBUILD RUN a\nONBUILD RUN b\n", id="two ONBUILD RUNs"),
    pytest.param("FROM debian AS build\nRUN a\nRUN b\nFROM debian\nCOPY --from=build /x /x\n",
                 id="builder stage not in the final image"),
    pytest.param("FROM debian\nRUN a\nFROM debian\nRUN b\n", id="RUNs in different stages"),
    pytest.param("FROM debian\nRUN a\n# dockls ignore=consecutive-run\nRUN b\n", id="suppressed"),
    pytest.param("FROM debian\nRUN a\n# dockls ignore=DKL001\nRUN b\n", id="suppressed by id"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_stages_the_final_image_is_built_from_are_checked() -> None:
    text = "FROM debian AS base\nRUN a\nRUN b\nFROM base\nCMD [\"x\"]\n"
    assert len(findings(text, NAME)) == 1


def test_same_flags_are_grouped_and_kept() -> None:
    text = ("FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n"
            "RUN --mount=type=cache,target=/var/cache/apt apt-get install -y curl\n")
    assert only_fix(text) == ("FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update && \\\n"
                              "    apt-get install -y curl\n")


# -- the fix ------------------------------------------------------------------------------------------


def test_merges_single_line_runs_with_continuations() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nRUN echo done\n"
    after = only_fix(text)
    assert after == ("FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n"
                     "    echo done\n")
    assert buildkit_runs(after) == ["apt-get update && apt-get install -y curl && echo done"]


def test_keeps_each_runs_own_continuation_lines() -> None:
    text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y \\\n      curl \\\n      git\n"
    assert only_fix(text) == ("FROM debian\nRUN apt-get update && \\\n    apt-get install -y \\\n"
                              "      curl \\\n      git\n")


def test_follows_a_leading_and_style() -> None:
    text = "FROM debian\nRUN a \\\n    && b\nRUN c\n"
    assert only_fix(text) == "FROM debian\nRUN a \\\n    && b \\\n    && c\n"


def test_comments_between_stay_inside_the_merged_run_and_blank_lines_go() -> None:
    text = "FROM debian\n# update\nRUN apt-get update\n\n# install curl\n\nRUN apt-get install -y curl\n"
    after = only_fix(text)
    assert after == ("FROM debian\n# update\nRUN apt-get update && \\\n    # install curl\n"
                     "    apt-get install -y curl\n")
    assert buildkit_runs(after) == ["apt-get update && apt-get install -y curl"]


def test_suppression_comments_between_move_above_the_merged_run() -> None:
    text = "FROM debian\nRUN a\n# hadolint ignore=DL3008\nRUN b\n"
    assert only_fix(text) == "FROM debian\n# hadolint ignore=DL3008\nRUN a && \\\n    b\n"


def test_keeps_the_indentation_of_the_first_run() -> None:
    text = "FROM debian\n  RUN a\n  RUN b\n"
    assert only_fix(text) == "FROM debian\n  RUN a && \\\n      b\n"


def test_the_first_run_may_use_or_and_semicolons() -> None:
    # `a || true && b` is `(a || true) && b`; `x; y && b` runs b when y succeeds: as before.
    text = "FROM debian\nRUN a || true\nRUN x; y\n"
    assert no_fix_reason(text).startswith("the RUN on line 3 has `;`")
    text = "FROM debian\nRUN x; y\nRUN a || true\n"
    assert no_fix_reason(text).startswith("the RUN on line 3 has `||`")
    text = "FROM debian\nRUN x; y || z\nRUN b\n"
    assert only_fix(text) == "FROM debian\nRUN x; y || z && \\\n    b\n"


def test_uses_the_escape_directive() -> None:
    text = "# escape=`\nFROM debian\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a\nRUN b\n"
    assert only_fix(text) == "# escape=`\nFROM debian\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a && `\n    b\n"


def test_crlf_files_keep_their_line_breaks() -> None:
    text = "FROM debian\r\nRUN a\r\n# why\r\nRUN b\r\n"
    assert only_fix(text) == "FROM debian\r\nRUN a && \\\r\n    # why\r\n    b\r\n"


def test_last_run_at_the_end_of_the_file_without_a_line_break() -> None:
    text = "FROM debian\nRUN a\nRUN b"
    assert only_fix(text) == "FROM debian\nRUN a && \\\n    b"


def test_fix_all_merges_and_is_idempotent() -> None:
    text = "FROM debian\nRUN a\nRUN b\nUSER x\nRUN c\nRUN d\n"
    after = fix_all_rule(text, NAME)
    assert after == "FROM debian\nRUN a && \\\n    b\nUSER x\nRUN c && \\\n    d\n"
    assert fix_all_rule(after, NAME) == after


# -- when merging would change behaviour: reported without a fix ----------------------------------------


@pytest.mark.parametrize(("first", "word"), [
    ("cd /src", "`cd`"), ("export A=1", "`export`"), ("set -eux", "`set`"), ("umask 077", "`umask`"),
    (". /etc/profile", "`.`"), ("source /env", "`source`"), ("alias ll=ls", "`alias`"),
    ("unset A", "`unset`"), ("pushd /x", "`pushd`"), ("shopt -s globstar", "`shopt`"),
    ("exit 0", "`exit`"), ("exec true", "`exec`"), ("trap 'rm x' EXIT", "`trap`"),
    ("A=1", "`A`"), ("f() { :; }", "function"), ("echo ${A:=1}", "assigns"), ("command cd /x", "`cd`"),
])
def test_state_changes_in_an_earlier_run_prevent_the_fix(first: str, word: str) -> None:
    reason = no_fix_reason(f"FROM debian\nRUN {first}\nRUN make\n")
    assert reason.startswith("the RUN on line 2")
    assert word in reason


def test_state_changes_in_the_last_run_or_inside_a_subshell_are_fine() -> None:
    assert only_fix("FROM debian\nRUN make\nRUN cd /x\n") == "FROM debian\nRUN make && \\\n    cd /x\n"
    text = "FROM debian\nRUN (cd /src && make) && echo $(cd /x; pwd)\nRUN make install\n"
    assert only_fix(text).endswith("echo $(cd /x; pwd) && \\\n    make install\n")


@pytest.mark.parametrize("first", ["sleep 9 &", "(serve &)", "service mysql start", "nohup serve",
                                   "/etc/init.d/mysql start"])
def test_processes_left_running_prevent_the_fix(first: str) -> None:
    assert "keep running" in no_fix_reason(f"FROM debian\nRUN {first}\nRUN make\n")


@pytest.mark.parametrize("later", ["a || b", "a; b", "a & b"])
def test_later_runs_must_be_plain_and_chains(later: str) -> None:
    # `prev && a || b` would run b when prev failed.
    assert no_fix_reason(f"FROM debian\nRUN prev\nRUN {later}\n").startswith("the RUN on line 3")


def test_comments_in_the_shell_text_prevent_the_fix() -> None:
    assert "comment" in no_fix_reason("FROM debian\nRUN a # note\nRUN b\n")


def test_heredoc_runs_are_grouped_without_a_fix() -> None:
    text = "FROM debian\nRUN <<EOF\necho a\nEOF\nRUN echo b\n"
    assert "heredoc" in no_fix_reason(text)


def test_windows_files_are_reported_without_a_fix() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir\nRUN echo hi\n"
    assert "POSIX" in no_fix_reason(text)
    text = 'FROM debian\nSHELL ["pwsh", "-Command"]\nRUN Get-Item a\nRUN Get-Item b\n'
    assert "POSIX" in no_fix_reason(text)


def test_invalid_shell_prevents_the_fix() -> None:
    assert "not valid shell" in no_fix_reason("FROM debian\nRUN a && (b\nRUN c\n")


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0


# -- the heredoc form, when the syntax directive allows heredocs -------------------------------------------


SYNTAX = "# syntax=docker/dockerfile:1\n"


def heredoc_fix(text: str) -> str:
    """The text after the second (heredoc) fix, checked: BuildKit reads one RUN with that heredoc, the
    shell parses it, the rule is silent, and the `&&` merge stays the first fix."""
    [finding] = findings(text, NAME)
    chained, heredoc = finding.fixes
    assert chained.title.endswith("into one") and heredoc.title.endswith("into one heredoc RUN")
    after = apply_fix(text, heredoc)
    [run] = [cmd for cmd in dockerfile.parse_string(after) if cmd.cmd == "RUN"]
    assert run.heredocs and run.value[0].startswith("<<")
    assert shell_errors(after) == 0
    assert findings(after, NAME) == []
    assert fix_all_rule(text, NAME) == apply_fix(text, chained)
    return after


def heredoc_script(text: str) -> str:
    """What the shell gets from the file's one heredoc RUN."""
    [run] = [cmd for cmd in dockerfile.parse_string(text) if cmd.cmd == "RUN"]
    return str(run.heredocs[0].content)


def test_heredoc_merge_puts_one_command_per_line_chained_with_and() -> None:
    text = (SYNTAX + "FROM debian\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && \\\n"
            "    rm -rf /var/lib/apt/lists/*\n")
    assert heredoc_fix(text) == (SYNTAX + "FROM debian\nRUN <<EOF\napt-get update &&\n"
                                 "apt-get install -y --no-install-recommends curl &&\n"
                                 "rm -rf /var/lib/apt/lists/*\nEOF\n")


def test_heredoc_merge_fails_like_the_runs_it_replaces(tmp_path: Path) -> None:
    # BuildKit runs the body without -e: the `&&` at the line ends are what stops it after a failure.
    text = SYNTAX + f"FROM debian\nRUN touch {tmp_path}/first\nRUN false\nRUN touch {tmp_path}/never\n"
    script = heredoc_script(heredoc_fix(text))
    result = subprocess.run(["sh", "-c", script], check=False)
    assert result.returncode != 0
    assert (tmp_path / "first").exists() and not (tmp_path / "never").exists()


def test_heredoc_merge_keeps_flags_continuations_and_comments() -> None:
    text = (SYNTAX + "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n"
            "# the packages\n# hadolint ignore=DL3008\n"
            "RUN --mount=type=cache,target=/var/cache/apt apt-get install -y \\\n      curl \\\n      git\n")
    assert heredoc_fix(text) == (SYNTAX + "FROM debian\n# hadolint ignore=DL3008\n"
                                 "RUN --mount=type=cache,target=/var/cache/apt <<EOF\napt-get update &&\n"
                                 "# the packages\napt-get install -y \\\n      curl \\\n      git\nEOF\n")


def test_heredoc_merge_joins_a_command_only_where_its_lines_would_mean_something_else() -> None:
    # A quote across lines keeps the backslash inside '…' in a heredoc; a Dockerfile comment line
    # inside a continuation would become a shell comment.
    text = SYNTAX + "FROM debian\nRUN echo 'a \\\n  b'\nRUN make \\\n# all of it\n  all\n"
    assert heredoc_fix(text) == SYNTAX + "FROM debian\nRUN <<EOF\necho 'a   b' &&\nmake   all\nEOF\n"


def test_heredoc_merge_keeps_the_operators_of_the_first_run() -> None:
    text = SYNTAX + "FROM debian\n  RUN a || b; c\n  RUN d && e\n"
    assert heredoc_fix(text) == SYNTAX + "FROM debian\n  RUN <<EOF\n  a || b; c &&\n  d &&\n  e\nEOF\n"


def test_heredoc_merge_picks_a_delimiter_no_line_uses() -> None:
    text = SYNTAX + "FROM debian\nRUN a\nRUN echo \\\nEOF\n"
    assert heredoc_fix(text) == SYNTAX + "FROM debian\nRUN <<EOT\na &&\necho \\\nEOF\nEOT\n"


@pytest.mark.parametrize(("syntax", "allowed"), [
    ("docker/dockerfile:1", True), ("docker/dockerfile:1.4", True), ("docker/dockerfile:1.10.0", True),
    ("docker/dockerfile:1-labs", True), ("docker/dockerfile:1.3-labs", True), ("docker/dockerfile:1.3.0-labs", True),
    ("docker.io/docker/dockerfile:1.7", True), ("docker/dockerfile-upstream:master", True),
    ("docker/dockerfile", True), ("docker/dockerfile:latest", True), ("docker/dockerfile:2", True),
    ("docker/dockerfile:1.7@sha256:" + "a" * 64, True),
    ("docker/dockerfile:1.3", False), ("docker/dockerfile:1.2", False), ("docker/dockerfile:1.0-experimental", False),
    ("docker/dockerfile:1.2-labs", False), ("docker/dockerfile@sha256:" + "a" * 64, False),
    ("example.com/frontend:1", False),
])
def test_the_syntax_directive_decides(syntax: str, allowed: bool) -> None:
    text = f"# syntax={syntax}\nFROM debian\nRUN a\nRUN b\n"
    [finding] = findings(text, NAME)
    assert len(finding.fixes) == (2 if allowed else 1)


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN a\nRUN b\n", id="no syntax directive"),
    pytest.param(SYNTAX.replace("\n", "\r\n") + "FROM debian\r\nRUN a\r\nRUN b\r\n", id="CRLF"),
    pytest.param(SYNTAX + "# escape=`\nFROM debian\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a\nRUN b\n", id="backtick escape"),
])
def test_no_heredoc_merge(text: str) -> None:
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert fix.safe


def test_no_heredoc_merge_where_the_and_merge_is_refused() -> None:
    assert "`cd`" in no_fix_reason(SYNTAX + "FROM debian\nRUN cd /x\nRUN make\n")


def test_heredoc_merges_over_the_corpus_stay_valid(corpus: list[Path]) -> None:
    offered = 0
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        for finding in findings(text, NAME):
            if len(finding.fixes) < 2:
                continue
            offered += 1
            after = apply_fix(text, finding.fixes[1])
            dockerfile.parse_string(after)
            assert shell_errors(after) <= shell_errors(text), path.name
    assert offered > 0
