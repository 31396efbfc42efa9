"""Document symbols and folding ranges (dockls.symbols)."""

from __future__ import annotations

from pathlib import Path

from dockls.model import Model
from dockls.symbols import Fold, Symbol, document_symbols, flatten, folding_ranges
from dockls.text import LineIndex

MULTI = """\
# syntax=docker/dockerfile:1
ARG VERSION=3.12
FROM python:${VERSION}-slim AS builder
RUN pip install \\
    requests
COPY . /src

# the runtime
FROM builder
ENV A=1
ONBUILD RUN echo hi
"""


def symbols_of(text: str) -> list[Symbol]:
    return document_symbols(Model.from_text(text))


def folds_of(text: str) -> list[Fold]:
    return folding_ranges(Model.from_text(text), LineIndex(text))


def assert_well_formed(symbol: Symbol, text: str) -> None:
    """LSP's invariant: the range contains the selection range and every child's range."""
    assert symbol.name
    assert 0 <= symbol.span.start <= symbol.span.end <= len(text)
    assert symbol.span.covers(symbol.selection), symbol
    for child in symbol.children:
        assert symbol.span.covers(child.span), (symbol, child)
        assert_well_formed(child, text)


def test_stages_hold_their_instructions() -> None:
    found = symbols_of(MULTI)
    assert [(s.name, s.kind) for s in found] == [
        ("# syntax", "property"), ("ARG VERSION=3.12", "variable"), ("builder", "class"), ("stage 1", "class")]
    builder, runtime = found[2], found[3]
    assert builder.detail == "python:${VERSION}-slim"
    assert [(c.name, c.kind) for c in builder.children] == [
        ("RUN pip install requests", "function"), ("COPY . /src", "file")]
    assert MULTI[builder.selection.start:builder.selection.end] == "builder"
    assert runtime.detail == "builder"
    assert MULTI[runtime.selection.start:runtime.selection.end] == "FROM"
    assert [(c.name, c.kind) for c in runtime.children] == [
        ("ENV A=1", "variable"), ("ONBUILD RUN echo hi", "function")]
    run = builder.children[0]
    assert MULTI[run.selection.start:run.selection.end] == "RUN"
    assert MULTI[run.span.start:run.span.end] == "RUN pip install \\\n    requests"
    for symbol in found:
        assert_well_formed(symbol, MULTI)


def test_long_arguments_are_shortened_and_flat_list_names_containers() -> None:
    text = "FROM alpine AS a\nRUN " + "x" * 100 + "\n"
    found = symbols_of(text)
    run = found[0].children[0]
    assert run.name.endswith("…") and len(run.name) == len("RUN ") + 40
    assert [(s.name, container) for s, container in flatten(found)] == [("a", None), (run.name, "a")]


def test_half_typed_and_empty_files() -> None:
    assert symbols_of("") == []
    for text in ("FROM", "FRO", "RUN echo\nFROM ", "FROM a AS\n", "\\\n", "ONBUILD", "FROM a\nRUN <<EOF\n"):
        for symbol in symbols_of(text):
            assert_well_formed(symbol, text)
    lone = symbols_of("FROM")
    assert lone[0].name == "stage 0" and lone[0].detail is None


def test_wide_characters_crlf_and_backtick_escape() -> None:
    text = "# escape=`\r\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 AS 😀\r\nRUN echo 名前 `\r\n  done\r\n"
    found = symbols_of(text)
    assert [s.name for s in found] == ["# escape", "😀"]
    run = found[1].children[0]
    assert run.name == "RUN echo 名前 done"
    assert text[run.span.start:run.span.end] == "RUN echo 名前 `\r\n  done"


def test_folds_stages_continuations_heredocs_and_comment_blocks() -> None:
    text = (
        "# one\n# two\n"  # 0-1
        "FROM alpine AS a\n"  # 2
        "RUN <<EOF\n"  # 3
        "echo 1\n"  # 4
        "echo 2\n"  # 5
        "EOF\n"  # 6
        "\n"  # 7
        "# next\n"  # 8
        "FROM a\n"  # 9
        "RUN a \\\n"  # 10
        "  b\n"  # 11
        "\n\n"
    )
    assert folds_of(text) == [
        Fold(0, 1, "comment"),
        Fold(2, 6, "region"),
        Fold(3, 6),  # the RUN with its heredoc
        Fold(4, 6),  # the heredoc body and terminator
        Fold(9, 11, "region"),
        Fold(10, 11),
    ]


def test_single_lines_do_not_fold_and_one_fold_per_start_line() -> None:
    assert folds_of("FROM a\n# lone comment\nFROM b\n") == []
    assert folds_of("") == []
    # A multi-line FROM starting the stage: one fold, the stage's.
    assert folds_of("FROM \\\n  alpine\nRUN x\n") == [Fold(0, 2, "region")]


def test_folds_on_crlf_and_unterminated_heredoc() -> None:
    text = "FROM a\r\nRUN <<EOF\r\nx\r\ny\r\n"
    assert folds_of(text) == [Fold(0, 3, "region"), Fold(1, 3), Fold(2, 3)]


def test_whole_corpus(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        model = Model.from_text(text)
        for symbol in document_symbols(model):
            assert_well_formed(symbol, text)
        lines = LineIndex(text)
        starts = [fold.start_line for fold in folding_ranges(model, lines)]
        assert starts == sorted(set(starts)), path
        for fold in folding_ranges(model, lines):
            assert 0 <= fold.start_line < fold.end_line < len(lines.line_starts), (path, fold)
