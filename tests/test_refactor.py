"""Unit tests of dockls.refactor: which refactorings are offered where, the exact text they produce,
and that the result still parses (BuildKit and shell)."""

from __future__ import annotations

import itertools
import random
import subprocess
import time
from pathlib import Path

import dockerfile
import pytest

from dockls.fixes import apply_edits
from dockls.model import Model
from dockls.refactor import EXTRACT, REWRITE, Refactoring, refactorings
from dockls.text import Span
from tests.buildkit import buildkit_error
from tests.rules.helpers import shell_errors

SYNTAX = "# syntax=docker/dockerfile:1\n"


def at(text: str, needle: str, after: int = 0) -> Span:
    offset = text.index(needle) + after
    return Span(offset, offset)


def offered(text: str, span: Span) -> dict[str, Refactoring]:
    return {found.title: found for found in refactorings(Model.from_text(text), span)}


def applied(text: str, found: Refactoring) -> str:
    after = apply_edits(text, list(found.edits))
    dockerfile.parse_string(after)  # raises when BuildKit rejects the result
    assert shell_errors(after) <= shell_errors(text)
    return after


def only(text: str, span: Span, prefix: str) -> Refactoring:
    (found,) = [found for title, found in offered(text, span).items() if title.startswith(prefix)]
    return found


# Combining RUNs


def test_combine_selected_runs_with_and_and_as_heredoc() -> None:
    text = "FROM alpine:3.20\nRUN apk add git\n# then\nRUN git --version\n"
    selection = Span(text.index("RUN apk"), text.index("git --version"))
    found = offered(text, selection)
    chained = found["Combine the 2 RUN instructions with `&&`"]
    assert chained.kind == REWRITE
    assert applied(text, chained) == "FROM alpine:3.20\nRUN apk add git && \\\n    # then\n    git --version\n"
    heredoc = found["Combine the 2 RUN instructions into one heredoc RUN"]
    assert applied(text, heredoc) == (
        SYNTAX + "FROM alpine:3.20\nRUN <<EOF\napk add git &&\n# then\ngit --version\nEOF\n")


def test_combine_keeps_an_existing_syntax_directive() -> None:
    text = SYNTAX + "FROM alpine:3.20\nRUN a\nRUN b\n"
    heredoc = only(text, Span(text.index("RUN a"), len(text)), "Combine the 2 RUN instructions into one heredoc")
    assert applied(text, heredoc) == SYNTAX + "FROM alpine:3.20\nRUN <<EOF\na &&\nb\nEOF\n"


@pytest.mark.parametrize("text", [
    "FROM alpine\nRUN cd /x\nRUN make\n",  # the second RUN relies on a fresh working directory
    "FROM alpine\nRUN a\nENV X=1\nRUN b\n",  # something in between
    "FROM alpine\nRUN --network=none a\nRUN b\n",  # different flags
    "FROM alpine\nRUN a\nFROM alpine\nRUN b\n",  # two stages
    'FROM alpine\nRUN ["a"]\nRUN b\n',  # exec form
])
def test_no_combine(text: str) -> None:
    assert not [t for t in offered(text, Span(text.index("RUN"), len(text))) if t.startswith("Combine")]


# Splitting a chain


def test_split_chain_into_lines_and_into_runs() -> None:
    text = "FROM alpine\nRUN --network=none apk add a && apk add b && echo 😀名前\n"
    found = offered(text, at(text, "apk add b"))
    lines = found["Split the chain into one command per line"]
    assert applied(text, lines) == (
        "FROM alpine\nRUN --network=none apk add a && \\\n    apk add b && \\\n    echo 😀名前\n")
    runs = found["Split into 3 RUN instructions"]
    assert runs.kind == EXTRACT
    assert applied(text, runs) == (
        "FROM alpine\nRUN --network=none apk add a\nRUN --network=none apk add b\nRUN --network=none echo 😀名前\n")


def test_split_with_backtick_escape_and_crlf() -> None:
    text = '# escape=`\r\nFROM alpine\r\nSHELL ["/bin/sh", "-c"]\r\n\tRUN a && b\r\n'
    lines = only(text, at(text, "RUN"), "Split the chain into one command per line")
    assert applied(text, lines) == '# escape=`\r\nFROM alpine\r\nSHELL ["/bin/sh", "-c"]\r\n\tRUN a && `\r\n\t    b\r\n'


def test_nothing_for_windows_shells() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a && b\n"
    assert not [t for t in offered(text, at(text, "RUN")) if t.startswith(("Split", "Convert"))]


@pytest.mark.parametrize("first", ["cd /src", "export X=1", "X=1", "set -o pipefail", "service db start"])
def test_no_separate_runs_when_a_command_changes_the_shell(first: str) -> None:
    text = f"FROM alpine\nRUN {first} && make\n"
    titles = offered(text, at(text, "make"))
    assert "Split the chain into one command per line" in titles
    assert not [t for t in titles if t.startswith("Split into")]


def test_state_change_in_the_last_command_is_fine() -> None:
    text = "FROM alpine\nRUN make && cd /src\n"
    assert "Split into 2 RUN instructions" in offered(text, at(text, "make"))


@pytest.mark.parametrize("text", [
    "FROM alpine\nRUN a || b\n",
    "FROM alpine\nRUN a; b\n",
    "FROM alpine\nRUN a && \\\n    b\n",  # already one per line
])
def test_no_line_split(text: str) -> None:
    assert "Split the chain into one command per line" not in offered(text, at(text, "RUN"))


def test_already_split_chain_still_splits_into_runs() -> None:
    text = "FROM alpine\nRUN a && \\\n    b\n"
    assert applied(text, only(text, at(text, "RUN"), "Split into")) == "FROM alpine\nRUN a\nRUN b\n"


def test_no_split_across_a_comment_line() -> None:
    text = "FROM alpine\nRUN a && \\\n# note\n    b && c\n"
    assert not [t for t in offered(text, at(text, "RUN")) if t.startswith("Split")]


# && chain <-> heredoc


def test_chain_to_heredoc_adds_set_e_and_back() -> None:
    text = "FROM alpine\nRUN --network=none apk add git && \\\n    git --version | head -1\n"
    heredoc = only(text, at(text, "RUN"), "Convert to a heredoc script")
    script = applied(text, heredoc)
    assert script == (SYNTAX + "FROM alpine\nRUN --network=none <<EOF\nset -e\napk add git\n"
                      "git --version | head -1\nEOF\n")
    back = only(script, at(script, "RUN"), "Convert the heredoc script to a `&&` chain")
    assert applied(script, back) == SYNTAX + (
        "FROM alpine\nRUN --network=none apk add git && \\\n    git --version | head -1\n")


@pytest.mark.parametrize("chain", [
    "! grep x f && b",  # set -e ignores a negated command
    "(a; b) && c",  # set -e would stop the subshell at a
    "{ a; b; } && c",
    "if a; then b; fi && c",
    "x=$(a; b) && c",
])
def test_no_heredoc_where_set_e_differs(chain: str) -> None:
    text = f"{SYNTAX}FROM alpine\nRUN {chain}\n"
    assert not [t for t in offered(text, at(text, "RUN")) if t.startswith("Convert to a heredoc")]


@pytest.mark.parametrize("text", [
    "# syntax=docker/dockerfile:1.2\nFROM alpine\nRUN a && b\n",  # a frontend without heredocs
    "FROM alpine\r\nRUN a && b\r\n",  # CRLF
    '# escape=`\nFROM alpine\nSHELL ["/bin/sh", "-c"]\nRUN a && b\n',
])
def test_no_heredoc_without_a_capable_frontend_lf_or_backslash(text: str) -> None:
    assert not [t for t in offered(text, at(text, "RUN")) if t.startswith("Convert to a heredoc")]


@pytest.mark.parametrize("body", [
    "a\nb\n",  # no set -e: a failing a would not stop b
    "set -eux\na\nb\n",  # the options would be lost
    "set -e\na; b\n",
    "set -e\na || b\n",
    "set -e\n# note\na\n",
    "set -e\na \\\n  b\n",
    "set -e\n(a; b)\n",
])
def test_no_chain_from_heredoc(body: str) -> None:
    text = f"{SYNTAX}FROM alpine\nRUN <<EOF\n{body}EOF\n"
    assert not [t for t in offered(text, at(text, "RUN")) if t.startswith("Convert the heredoc")]


def test_no_chain_from_a_heredoc_fed_to_a_program() -> None:
    text = f"{SYNTAX}FROM python:3.12\nRUN python3 <<EOF\nset -e\nprint(1)\nEOF\n"
    assert not [t for t in offered(text, at(text, "RUN")) if t.startswith("Convert the heredoc")]


def test_nothing_inside_a_heredoc_body() -> None:
    text = f"{SYNTAX}FROM alpine\nRUN <<EOF\nset -e\na\nb\nEOF\n"
    assert offered(text, at(text, "a\nb")) == {}
    onbuild = f"{SYNTAX}FROM alpine\nONBUILD RUN <<EOF\napk add git\nEOF\n"
    assert offered(onbuild, at(onbuild, "apk")) == {}
    assert offered(onbuild, at(onbuild, "ONBUILD"))  # the cache mount, on the instruction line
    assert "Convert the heredoc script to a `&&` chain" in offered(text, at(text, "<<EOF"))


# Mounts


def test_cache_mount_for_a_package_manager_run() -> None:
    text = "FROM python:3.12-slim\nRUN pip install flask\n"
    found = [f for f in refactorings(Model.from_text(text), at(text, "pip")) if "cache" in f.title.lower()]
    assert found and found[0].kind == REWRITE
    assert applied(text, found[0]) == (
        SYNTAX + "FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n")


def test_apt_cache_mount_is_locked_and_moves_docker_clean() -> None:
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n"
    (found,) = [f for f in refactorings(Model.from_text(text), at(text, "RUN")) if "cache" in f.title.lower()]
    after = applied(text, found)
    assert "--mount=type=cache,target=/var/cache/apt,sharing=locked" in after
    assert "--mount=type=cache,target=/var/lib/apt,sharing=locked" in after
    assert "mv /etc/apt/apt.conf.d/docker-clean /tmp/" in after


def test_no_cache_mount_when_one_is_there() -> None:
    text = "FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"
    assert not [t for t in offered(text, at(text, "pip")) if "cache" in t.lower()]


def test_secret_arg_becomes_a_secret_mount() -> None:
    text = "FROM alpine\nARG NPM_TOKEN\nRUN echo \"$NPM_TOKEN\" > /dev/null && true\n"
    found = only(text, at(text, "RUN"), "Pass NPM_TOKEN as a build secret")
    assert applied(text, found) == (
        SYNTAX + "FROM alpine\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN "
        "echo \"$NPM_TOKEN\" > /dev/null && true\n")


def test_no_secret_mount_for_an_arg_with_a_default_or_not_secret() -> None:
    for text in ("FROM alpine\nARG NPM_TOKEN=x\nRUN echo $NPM_TOKEN\n",
                 "FROM alpine\nARG VERSION\nRUN echo $VERSION\n"):
        assert not [t for t in offered(text, at(text, "RUN")) if "secret" in t]


# COPY --link


def test_copy_link() -> None:
    text = "FROM alpine\nONBUILD COPY --chown=1:1 . /app\nADD x /y\n"
    found = only(text, at(text, "COPY"), "Add --link to the COPY")
    assert applied(text, found) == SYNTAX + "FROM alpine\nONBUILD COPY --chown=1:1 --link . /app\nADD x /y\n"
    assert "symlinks" in found.title
    assert applied(text, only(text, at(text, "ADD"), "Add --link to the ADD")).endswith("ADD --link x /y\n")


@pytest.mark.parametrize("text", [
    "FROM alpine\nCOPY --link . /app\n",
    "# syntax=docker/dockerfile:1.2\nFROM alpine\nCOPY . /app\n",
])
def test_no_copy_link(text: str) -> None:
    assert not [t for t in offered(text, at(text, "COPY")) if "--link" in t]


# Smaller base images


def test_smaller_variants_of_a_known_image() -> None:
    text = "FROM --platform=$BUILDPLATFORM python:3.12 AS app\nRUN true\n"
    found = {t: f for t, f in offered(text, at(text, "FROM")).items() if t.startswith("Switch to")}
    slim = next(f for t, f in found.items() if t.startswith("Switch to python:3.12-slim ("))
    assert "MB download, \u2212" in slim.title and "as of 20" in slim.title
    assert applied(text, slim) == "FROM --platform=$BUILDPLATFORM python:3.12-slim AS app\nRUN true\n"


@pytest.mark.parametrize("image", [
    "python:3.12@sha256:" + "a" * 64, "python:$VERSION", "example.invalid/unknown:1", "scratch",
])
def test_no_smaller_variant_for_pinned_variable_or_unknown_images(image: str) -> None:
    text = f"ARG VERSION=3.12\nFROM {image}\n"
    assert not [t for t in offered(text, at(text, "FROM")) if t.startswith("Switch to")]


def test_no_smaller_variant_for_a_stage_named_like_an_image() -> None:
    text = "FROM python:3.12 AS python\nFROM python\n"
    assert not [t for t in offered(text, at(text, "FROM python\n")) if t.startswith("Switch to")]


# ONBUILD and where the cursor is


def test_onbuild_run_splits_into_lines_only() -> None:
    text = f"{SYNTAX}FROM alpine\nONBUILD RUN apk add a && apk add b\n"
    titles = [t for t in offered(text, at(text, "ONBUILD")) if t.startswith(("Split", "Convert", "Combine"))]
    assert titles == ["Split the chain into one command per line"]
    found = only(text, at(text, "apk add b"), "Split the chain")
    assert applied(text, found) == f"{SYNTAX}FROM alpine\nONBUILD RUN apk add a && \\\n    apk add b\n"


def test_cursor_anywhere_on_the_instruction_lines() -> None:
    text = "FROM alpine\nRUN a && \\\n    b\n"
    for offset in (text.index("RUN"), text.index("b\n"), text.index("b\n") + 1):
        assert "Split into 2 RUN instructions" in offered(text, Span(offset, offset))
    assert not [t for t in offered(text, Span(0, 0)) if t.startswith("Split")]


# Multi-stage


def test_multistage_conversion_on_the_last_stage() -> None:
    text = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n'
    found = only(text, at(text, "CMD"), "Convert to a multi-stage build")
    assert found.kind == REWRITE
    after = applied(text, found)
    assert "FROM golang:1.22 AS build" in after and "COPY --from=build /app /app" in after


# Bad positions and odd input


@pytest.mark.parametrize("text", ["", "\n", "FRO", "FROM", "RUN", "RUN &&", "FROM alpine\nRUN a &&", "RUN <<EOF\n"])
def test_half_typed_and_empty_documents(text: str) -> None:
    for offset in range(len(text) + 2):
        for found in refactorings(Model.from_text(text), Span(offset, offset)):
            for edit in found.edits:
                assert 0 <= edit.span.start <= edit.span.end <= len(text)


def test_past_the_end_and_reversed_spans() -> None:
    text = "FROM alpine\nRUN a && b\n"
    assert refactorings(Model.from_text(text), Span(len(text) + 5, len(text) + 5)) == []
    assert refactorings(Model.from_text(text), Span(20, 15)) == []


# Real-world files


def _sample_spans(model: Model) -> list[Span]:
    spans = [Span(inst.keyword_span.start, inst.keyword_span.start) for inst in model.tree.instructions
             if inst.command.keyword in ("RUN", "COPY", "ADD", "FROM")]
    runs = [run.holder for run in model.runs if run.holder is run.instruction]
    spans.extend(Span(a.keyword_span.start, b.keyword_span.start) for a, b in itertools.pairwise(runs))
    return spans


def test_corpus_refactorings_keep_files_buildable(corpus: list[Path]) -> None:
    """Every refactoring offered at each RUN/COPY/FROM and each pair of consecutive RUNs of a sample of
    the corpus files BuildKit accepts leaves a file BuildKit accepts, with no more shell errors."""
    deadline = time.monotonic() + 25
    for path in random.Random(5).sample(corpus, len(corpus)):
        if time.monotonic() > deadline:
            break
        text = path.read_text(encoding="utf-8", errors="replace")
        if buildkit_error(text) is not None:
            continue
        model = Model.from_text(text)
        errors = shell_errors(text)
        for span in _sample_spans(model):
            for found in refactorings(model, span):
                after = apply_edits(text, list(found.edits))
                error = buildkit_error(after)
                assert error is None, f"{path.name}: {found.title}: {error}"
                assert shell_errors(after) <= errors, f"{path.name}: {found.title}"


def test_corpus_offsets_never_raise(corpus: list[Path]) -> None:
    """Line starts and ends and every 13th offset of every corpus file: no error, spans in the text."""
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        model = Model.from_text(text)
        starts = [0, *(k + 1 for k, ch in enumerate(text) if ch == "\n")]
        offsets = sorted({*starts, *(s - 1 for s in starts[1:]), *range(0, len(text) + 1, 13)})
        for offset in offsets:
            for found in refactorings(model, Span(offset, offset)):
                assert all(0 <= e.span.start <= e.span.end <= len(text) for e in found.edits)


def test_heredoc_script_fails_like_the_chain(tmp_path: Path) -> None:
    """The `set -e` heredoc stops at the first failing command, as the `&&` chain does."""
    text = "FROM alpine\nRUN false && touch /after\n"
    script = applied(text, only(text, at(text, "RUN"), "Convert to a heredoc script"))
    body = script.split("<<EOF\n", 1)[1].split("EOF\n", 1)[0].replace("/after", str(tmp_path / "after"))
    result = subprocess.run(["sh", "-c", body], check=False)
    assert result.returncode != 0 and not (tmp_path / "after").exists()
