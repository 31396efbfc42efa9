"""Building blocks for fixes: text edits that keep a Dockerfile well-formed.

Fixes stay in their rule modules; what several rules need to do to a file lives here.
"""

from __future__ import annotations

from dockls.rule import Edit
from dockls.syntax import Instruction
from dockls.text import Span


def newline_of(text: str) -> str:
    """The file's line break: CRLF when its first line break is CRLF."""
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset of the line break after ``offset`` (or the end of the text)."""
    at = text.find("\n", offset)
    if at < 0:
        return len(text)
    return at - 1 if at > 0 and text[at - 1] == "\r" else at


def instruction_lines(text: str, inst: Instruction) -> Span:
    """The whole lines an instruction occupies, its comment block above and its line break included."""
    start = line_start(text, inst.comments[0].span.start if inst.comments else inst.span.start)
    end = text.find("\n", inst.span.end)
    return Span(start, len(text) if end < 0 else end + 1)


def insert_before(text: str, inst: Instruction, lines: str) -> Edit:
    """Insert ``lines`` (each ending with a line break) on their own lines before ``inst``."""
    at = line_start(text, inst.comments[0].span.start if inst.comments else inst.span.start)
    return Edit(Span(at, at), lines)


def insert_after(text: str, inst: Instruction, lines: str) -> Edit:
    """Insert ``lines`` (each ending with a line break) right after ``inst``'s last line."""
    end = text.find("\n", inst.span.end)
    if end < 0:
        return Edit(Span(len(text), len(text)), newline_of(text) + lines.rstrip("\r\n"))
    return Edit(Span(end + 1, end + 1), lines)


def delete_instruction(text: str, inst: Instruction) -> Edit:
    return Edit(instruction_lines(text, inst), "")


def continuation(text: str, escape: str = "\\", indent: str = "    ") -> str:
    """What goes between two chained commands split over lines: `` \\`` + line break + indent."""
    return f" {escape}{newline_of(text)}{indent}"


def indent_of(text: str, offset: int) -> str:
    """The leading whitespace of the line holding ``offset``."""
    start = line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]
