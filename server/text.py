"""Character offsets ↔ LSP positions.

Everything inside dockls addresses text by code-point offset into the document string. Only the
adapters convert to (line, character) pairs, counted in the position encoding the client negotiated
(UTF-16 code units by default, UTF-8 bytes or UTF-32 code points on request). Lines end at ``\\n``,
``\\r\\n`` or a lone ``\\r``, as LSP defines them.
"""

from __future__ import annotations

import bisect
import re
from typing import Literal, NamedTuple

Encoding = Literal["utf-16", "utf-8", "utf-32"]

_LINE_BREAK = re.compile(r"\r\n?|\n")


class Span(NamedTuple):
    """A half-open range ``[start, end)`` of code-point offsets into a document (a tuple: cheap to make,
    and there are many)."""

    start: int
    end: int

    def __contains__(self, offset: object) -> bool:
        if not isinstance(offset, int):
            return False
        return self.start <= offset < self.end

    def covers(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


def _units(ch: str, encoding: Encoding) -> int:
    code = ord(ch)
    if encoding == "utf-16":
        return 2 if code > 0xFFFF else 1
    if encoding == "utf-8":
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 1


class LineIndex:
    """Maps offsets to positions and back for one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        # A regular expression rather than a character loop: 6x faster, and built on every edit.
        self.line_starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def line_end(self, line: int) -> int:
        """Offset of the end of ``line``'s content, before its line break."""
        if line + 1 < len(self.line_starts):
            end = self.line_starts[line + 1]
            while end > self.line_starts[line] and self.text[end - 1] in "\r\n":
                end -= 1
            return end
        return len(self.text)

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self.line_starts[line]
        if encoding == "utf-32":
            return line, offset - start
        return line, sum(_units(ch, encoding) for ch in self.text[start:offset])

    def offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The offset of a position; positions past a line's end clamp to that end (as LSP says)."""
        if line < 0:
            return 0
        if line >= len(self.line_starts):
            return len(self.text)
        start, end = self.line_starts[line], self.line_end(line)
        if encoding == "utf-32":
            return min(start + max(character, 0), end)
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            units += _units(self.text[i], encoding)
        return end
