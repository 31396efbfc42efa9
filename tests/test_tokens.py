"""Semantic tokens (dockls.tokens), checked through an independent decoder of LSP's encoding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dockls.model import Model
from dockls.text import LineIndex
from dockls.tokens import TOKEN_MODIFIERS, TOKEN_TYPES, Token, encode, semantic_tokens
from tests.lsp_client import absolute_tokens


def tokens_of(text: str) -> list[Token]:
    return semantic_tokens(Model.from_text(text), LineIndex(text))


def typed(text: str) -> list[tuple[str, str]]:
    return [(text[t.span.start:t.span.end], t.type) for t in tokens_of(text)]


def decode(text: str, data: list[int], encoding: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """LSP's relative encoding back to (token text, type, modifiers), with Python's codecs counting
    the units (not dockls.text)."""
    lines = re.split(r"\r\n|\r|\n", text)
    codec = {"utf-16": "utf-16-le", "utf-8": "utf-8"}[encoding]
    width = 2 if encoding == "utf-16" else 1
    found = []
    for line, character, length, kind, modifiers in absolute_tokens(data):
        encoded = lines[line].encode(codec)
        piece = encoded[character * width:(character + length) * width].decode(codec)
        assert len(piece.encode(codec)) == length * width  # never cuts a character in half
        found.append((piece, kind, modifiers))
    return found


def assert_well_formed(tokens: list[Token], text: str) -> None:
    lines = LineIndex(text)
    previous_end = 0
    for token in tokens:
        assert previous_end <= token.span.start < token.span.end <= len(text), token
        assert lines.line_of(token.span.start) == lines.line_of(token.span.end - 1), token
        assert not set(text[token.span.start:token.span.end]) & {"\r", "\n"}, token
        assert token.type in TOKEN_TYPES and set(token.modifiers) <= set(TOKEN_MODIFIERS)
        previous_end = token.span.end


def test_instructions_flags_and_options() -> None:
    text = "FROM alpine:3.20 AS build\nRUN --mount=type=cache,target=/root/.cache pip install x\n"
    assert typed(text) == [
        ("FROM", "keyword"), ("alpine:3.20", "type"), ("AS", "keyword"), ("build", "class"),
        ("RUN", "keyword"), ("--mount", "parameter"), ("type", "property"), ("cache", "string"),
        ("target", "property"), ("/root/.cache", "string"),
    ]
    assert tokens_of(text)[3].modifiers == ("declaration",)


def test_stage_references_are_classes_images_types() -> None:
    text = ("FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\n"
            "COPY --from=build /a /b\nCOPY --from=nginx:1 /c /d\nRUN --mount=from=test,target=/t true\n")
    assert typed(text) == [
        ("FROM", "keyword"), ("golang:1.22", "type"), ("AS", "keyword"), ("build", "class"),
        ("FROM", "keyword"), ("build", "class"), ("AS", "keyword"), ("test", "class"),
        ("FROM", "keyword"), ("scratch", "type"),
        ("COPY", "keyword"), ("--from", "parameter"), ("build", "class"),
        ("COPY", "keyword"), ("--from", "parameter"), ("nginx:1", "type"),
        ("RUN", "keyword"), ("--mount", "parameter"), ("from", "property"), ("test", "class"),
        ("target", "property"), ("/t", "string"),
    ]


def test_variables_win_over_strings_and_images() -> None:
    text = 'ARG V=1\nFROM node:${V}-slim\nCMD ["echo", "$HOME/x"]\nENV PATH=/a:$PATH\n'
    assert typed(text) == [
        ("ARG", "keyword"), ("V", "variable"), ("FROM", "keyword"), ("node:", "type"), ("${V}", "variable"),
        ("-slim", "type"), ("CMD", "keyword"), ('"echo"', "string"), ('"', "string"), ("$HOME", "variable"),
        ('/x"', "string"), ("ENV", "keyword"), ("PATH", "variable"), ("$PATH", "variable"),
    ]


def test_comments_directives_and_heredocs() -> None:
    text = "# syntax=docker/dockerfile:1\n# note\nFROM a\nRUN <<EOF\necho $X\nEOF\nCOPY <<'END' /f\n$Y\nEND\n"
    assert typed(text) == [
        ("# syntax=docker/dockerfile:1", "macro"), ("# note", "comment"), ("FROM", "keyword"), ("a", "type"),
        ("RUN", "keyword"), ("<<EOF", "operator"), ("$X", "variable"), ("EOF", "operator"),
        ("COPY", "keyword"), ("<<'END'", "operator"), ("END", "operator"),  # quoted: nothing expands
    ]


def test_onbuild_and_multi_line_tokens_are_split() -> None:
    text = 'FROM a\nONBUILD COPY --from=x . /\nCMD ["a", \\\n  "b"]\n'
    found = typed(text)
    assert found[2:6] == [("ONBUILD", "keyword"), ("COPY", "keyword"), ("--from", "parameter"), ("x", "type")]
    assert found[-3:] == [("CMD", "keyword"), ('"a"', "string"), ('"b"', "string")]
    assert_well_formed(tokens_of(text), text)


def test_multi_line_flag_value_is_split_per_line() -> None:
    text = "FROM a\nRUN --mount=type=cache,`\n  target=/x true\n"
    text = "# escape=`\n" + text
    assert_well_formed(tokens_of(text), text)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_encoding_with_emoji_cjk_tabs_and_crlf(encoding: str) -> None:
    text = "FROM a AS 😀\r\n\tLABEL 名前=\"😀\" x=$Y\r\nENV 😀=1 Z=$😀\r\nRUN echo 🎉 $名 ${Z} \\\r\n 😀 $Z\r\n"
    tokens = tokens_of(text)
    assert_well_formed(tokens, text)
    lines = LineIndex(text)
    decoded = decode(text, encode(tokens, lines, encoding), encoding)  # type: ignore[arg-type]
    assert decoded == [(text[t.span.start:t.span.end], t.type, t.modifiers) for t in tokens]
    assert ("${Z}", "variable", ()) in decoded and ("$Z", "variable", ()) in decoded
    assert ("x", "property", ("declaration",)) in decoded


def test_backtick_escape_and_half_typed_files() -> None:
    for text in ("", "FROM", "FROM a AS", "RUN --mount=", "RUN --mount=type", "COPY --from=", "ARG",
                 "ENV =", "CMD [\"a", "# escape=`\nRUN a `\n", "RUN <<EOF\n$X", "\\", "ONBUILD", "ONBUILD RUN"):
        tokens = tokens_of(text)
        assert_well_formed(tokens, text)
        decode(text, encode(tokens, LineIndex(text), "utf-16"), "utf-16")
    assert typed("RUN --mount=") == [("RUN", "keyword"), ("--mount", "parameter")]


def test_whole_corpus(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        tokens = tokens_of(text)
        assert_well_formed(tokens, text)
        decoded = decode(text, encode(tokens, LineIndex(text), "utf-16"), "utf-16")
        assert [piece for piece, _, _ in decoded] == [text[t.span.start:t.span.end] for t in tokens], path
