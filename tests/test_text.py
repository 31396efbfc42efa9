"""Offsets ↔ LSP positions in every encoding, with CRLF, tabs, emoji and CJK."""

from __future__ import annotations

import pytest

from dockls.text import LineIndex, Span

TEXT = "FROM a\r\n\tRUN echo 😀 日本 x\r\nLABEL k=\"é\"\nlast"


@pytest.mark.parametrize(
    ("needle", "utf16", "utf8", "utf32"),
    [
        ("FROM", (0, 0), (0, 0), (0, 0)),
        ("RUN", (1, 1), (1, 1), (1, 1)),  # a tab is one unit in every encoding
        ("😀", (1, 10), (1, 10), (1, 10)),
        ("日本", (1, 13), (1, 15), (1, 12)),  # after the emoji: 2 UTF-16 units, 4 UTF-8 bytes
        (" x", (1, 15), (1, 21), (1, 14)),
        ("é", (2, 9), (2, 9), (2, 9)),
        ("\"\n", (2, 10), (2, 11), (2, 10)),
        ("last", (3, 0), (3, 0), (3, 0)),
    ],
)
def test_position_and_back(needle: str, utf16: tuple[int, int], utf8: tuple[int, int],
                           utf32: tuple[int, int]) -> None:
    index = LineIndex(TEXT)
    offset = TEXT.index(needle)
    for encoding, expected in (("utf-16", utf16), ("utf-8", utf8), ("utf-32", utf32)):
        assert index.position(offset, encoding) == expected, encoding  # type: ignore[arg-type]
        assert index.offset(*expected, encoding) == offset, encoding  # type: ignore[arg-type]


def test_line_breaks_crlf_lf_and_lone_cr() -> None:
    index = LineIndex("a\r\nb\nc\rd")
    assert index.line_starts == [0, 3, 5, 7]
    assert index.line_end(0) == 1
    assert index.position(8) == (3, 1)


def test_positions_past_the_end_clamp() -> None:
    index = LineIndex("ab\ncd")
    assert index.offset(0, 99) == 2  # end of line 0, before the line break
    assert index.offset(9, 0) == 5
    assert index.offset(-1, 0) == 0
    assert index.position(99) == (1, 2)


def test_offset_inside_a_surrogate_pair_rounds_up() -> None:
    index = LineIndex("😀x")
    assert index.offset(0, 1) == 1  # the middle of the emoji is no code-point boundary
    assert index.offset(0, 2) == 1


def test_empty_text() -> None:
    index = LineIndex("")
    assert index.position(0) == (0, 0)
    assert index.offset(0, 0) == 0


def test_span_helpers() -> None:
    assert 3 in Span(3, 5) and 5 not in Span(3, 5)
    assert Span(0, 10).covers(Span(2, 3)) and not Span(2, 3).covers(Span(0, 10))
