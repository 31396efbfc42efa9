"""Semantic tokens: what each part of a Dockerfile is, for highlighting beyond a TextMate grammar.

Tokens are collected per construct with a priority (a variable inside a JSON string or a flag value
wins over the string), then cut so that none overlap, split at line breaks (LSP tokens cannot span
lines) and sorted. :func:`encode` turns them into LSP's relative integer encoding.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Protocol

from dockls.model import BRACED_WORD, Model
from dockls.syntax import Flag, Instruction
from dockls.text import Encoding, LineIndex, Span

# The legend: indices into these tuples are what the encoding carries.
TOKEN_TYPES = ("keyword", "parameter", "property", "string", "variable", "type", "class", "comment", "macro",
               "operator")
TOKEN_MODIFIERS = ("declaration",)

# BuildKit's variable forms: $NAME, ${NAME}, ${NAME:-word} … (the whole ${…} is the token).
_VARIABLE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*(?::?[-+?]" + BRACED_WORD + r")?\}|[A-Za-z_][A-Za-z0-9_]*)")
_STAGE_FLAGS = ("from",)
# Priorities: where tokens overlap, the higher one keeps its characters.
_BASE, _TOP = 0, 1


@dataclass(frozen=True)
class Token:
    span: Span
    type: str
    modifiers: tuple[str, ...] = ()


def semantic_tokens(model: Model, lines: LineIndex) -> list[Token]:
    """Non-overlapping single-line tokens of ``model``'s text (indexed by ``lines``), in text order."""
    text = model.text
    layers: list[tuple[int, Token]] = []

    def add(span: Span | None, kind: str, priority: int = _BASE, *modifiers: str) -> None:
        if span is not None and 0 <= span.start < span.end <= len(text):
            layers.append((priority, Token(span, kind, modifiers)))

    tree = model.tree
    directive_spans = {d.span for d in tree.directives}
    for directive in tree.directives:
        add(directive.span, "macro")
    for comment in tree.comments:
        if comment.span not in directive_spans:
            add(comment.span, "comment")
    for inst in tree.instructions:
        _instruction(model, inst, add)
        if inst.sub is not None:
            _instruction(model, inst.sub, add)
    return _single_lines(_without_overlaps(layers), lines)


def _instruction(model: Model, inst: Instruction, add: _Adder) -> None:
    text = model.text
    add(inst.keyword_span, "keyword")
    for flag in inst.flags:
        _flag(model, flag, add)
    if inst.keyword == "FROM":
        spans = inst.value_spans
        if spans:
            stage = model.stage_of(inst)
            is_stage = stage is not None and stage.parent is not None
            add(spans[0], "class" if is_stage else "type")
        if len(spans) >= 3 and inst.value[1].lower() == "as":
            add(spans[1], "keyword")
            add(spans[2], "class", _BASE, "declaration")
    elif inst.json:
        for span in inst.value_spans:
            add(span, "string")
    elif inst.keyword in ("ENV", "LABEL") and len(inst.value_spans) == len(inst.value):
        for span in inst.value_spans[::2]:
            add(span, "variable" if inst.keyword == "ENV" else "property", _BASE, "declaration")
    elif inst.keyword == "ARG":
        for span in inst.value_spans:
            name_end = text.find("=", span.start, span.end)
            add(Span(span.start, name_end if name_end >= 0 else span.end), "variable", _BASE, "declaration")
    for heredoc in inst.heredocs:
        add(heredoc.marker_span, "operator")
        add(heredoc.terminator_span, "operator")
        if heredoc.expand:
            _variables(text, heredoc.body_span, add)
    # Only the instruction line: heredoc bodies were handled above, quoted ones have no variables.
    line_end = inst.args_span.end if inst.sub is None else inst.sub.keyword_span.start
    _variables(text, Span(inst.keyword_span.end, line_end), add)


def _flag(model: Model, flag: Flag, add: _Adder) -> None:
    text = model.text
    add(Span(flag.span.start, min(flag.span.end, flag.span.start + 2 + len(flag.name))), "parameter")
    if flag.value_span is None:
        return
    if not flag.options:
        value = flag.value or ""
        if flag.name in _STAGE_FLAGS:
            add(flag.value_span, "class" if model.stage_named(value) is not None else "type")
        else:
            add(flag.value_span, "string")
        return
    for option in flag.options:
        equals = text.find("=", option.span.start, option.span.end)
        key_end = equals if equals >= 0 else option.span.end
        add(Span(option.span.start, key_end), "property")
        if equals >= 0:
            value_span = Span(equals + 1, option.span.end)
            if option.key == "from":
                add(value_span, "class" if model.stage_named(option.value or "") is not None else "type")
            else:
                add(value_span, "string")


def _variables(text: str, region: Span, add: _Adder) -> None:
    for match in _VARIABLE.finditer(text, region.start, region.end):
        add(Span(match.start(), match.end()), "variable", _TOP)


class _Adder(Protocol):
    """The signature of ``add`` in :func:`semantic_tokens`."""

    def __call__(self, span: Span | None, kind: str, priority: int = ..., *modifiers: str) -> None: ...


def _without_overlaps(layers: list[tuple[int, Token]]) -> list[Token]:
    """Higher priorities first; each token keeps only the pieces not already taken (equal priorities:
    the earlier token wins)."""
    starts: list[int] = []  # the taken intervals, sorted and disjoint
    ends: list[int] = []
    result: list[Token] = []
    for _, token in sorted(layers, key=lambda item: -item[0]):
        start, end = token.span
        before = bisect.bisect_right(starts, start) - 1
        if before >= 0 and ends[before] > start:
            start = ends[before]
        index = bisect.bisect_left(starts, start)
        pieces: list[Span] = []
        while start < end:
            if index < len(starts) and starts[index] < end:
                if starts[index] > start:
                    pieces.append(Span(start, starts[index]))
                start = max(start, ends[index])
                index += 1
            else:
                pieces.append(Span(start, end))
                break
        for piece in pieces:
            at = bisect.bisect_left(starts, piece.start)
            starts.insert(at, piece.start)
            ends.insert(at, piece.end)
            result.append(Token(piece, token.type, token.modifiers))
    return sorted(result, key=lambda token: token.span.start)


def _single_lines(tokens: list[Token], lines: LineIndex) -> list[Token]:
    split: list[Token] = []
    for token in tokens:
        start, end = token.span
        first, last = lines.line_of(start), lines.line_of(end - 1)
        if first == last and lines.text[end - 1] not in "\r\n":
            split.append(token)
            continue
        for line in range(first, last + 1):
            piece = Span(max(start, lines.line_starts[line]), min(end, lines.line_end(line)))
            # Skip line breaks and the indentation of continuation lines.
            while piece.start < piece.end and lines.text[piece.start] in " \t":
                piece = Span(piece.start + 1, piece.end)
            if piece.start < piece.end:
                split.append(Token(piece, token.type, token.modifiers))
    return split


def encode(tokens: list[Token], lines: LineIndex, encoding: Encoding) -> list[int]:
    """LSP's relative encoding of single-line tokens in text order: per token, the line delta, the
    start delta (from the previous token's start when on the same line), the length, the type index
    and the modifier bits — characters counted in ``encoding``."""
    types = {name: index for index, name in enumerate(TOKEN_TYPES)}
    modifier_bits = {name: 1 << index for index, name in enumerate(TOKEN_MODIFIERS)}
    text = lines.text
    data: list[int] = []
    previous_line = previous_start = previous_character = 0
    for token in tokens:
        start, end = token.span
        line = lines.line_of(start)
        if line == previous_line:  # measure from the previous token: each character is counted once
            delta = _width(text[previous_start:start], encoding)
            character = previous_character + delta
        else:
            delta = character = _width(text[lines.line_starts[line]:start], encoding)
        data += [line - previous_line, delta, _width(text[start:end], encoding), types[token.type],
                 sum(modifier_bits[name] for name in token.modifiers)]
        previous_line, previous_start, previous_character = line, start, character
    return data


def _width(piece: str, encoding: Encoding) -> int:
    if encoding == "utf-32" or piece.isascii():
        return len(piece)
    if encoding == "utf-8":
        return len(piece.encode("utf-8", "surrogatepass"))
    return len(piece.encode("utf-16-le", "surrogatepass")) // 2
