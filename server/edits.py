"""Building blocks for fixes: text edits that keep a Dockerfile well-formed.

Fixes stay in their rule modules; what several rules need to do to a file lives here.
"""

from __future__ import annotations

import bisect
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node

from dockls.rule import Edit
from dockls.shell import ShellCommand, Word, syntax_tree
from dockls.syntax import Dockerfile, Flag, Heredoc, Instruction
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


def add_flag(inst: Instruction, flag: str) -> Edit:
    """Add a builder flag such as ``--mount=type=cache,target=/x`` after the flags ``inst`` already has."""
    at = inst.flags[-1].span.end if inst.flags else inst.keyword_span.end
    return Edit(Span(at, at), " " + flag)


def insert_word_after(text: str, inst: Instruction, word: Word, new_word: str) -> Edit | None:
    """Add ``new_word`` (a plain option like ``--no-cache``, no quoting needed) right after ``word`` of
    a RUN: a word of its shell text, or a new string of its exec form. None inside a JSON-encoded
    ``sh -c`` script that has escapes, where offsets into the script are not exact."""
    at = word.span.end
    if not inst.json:
        return Edit(Span(at, at), " " + new_word)
    if word.span in inst.value_spans:
        return Edit(Span(at, at), ", " + json.dumps(new_word))
    holder = next((s for s in inst.value_spans if s.start <= word.span.start and word.span.end <= s.end), None)
    if holder is None or "\\" in text[holder.start : holder.end]:
        return None
    return Edit(Span(at, at), " " + new_word)


# --------------------------------------------------------------------------- the shell text of a RUN

# "\n" stands for the line break that separates two statements (tree-sitter has no token for it).
OPERATORS = frozenset({"&&", "||", ";", "&", "\n"})
_SEPARATORS = frozenset({";", "\n"})


@dataclass(frozen=True)
class ShellPart:
    """One piece of a script's top level, with and-or lists flattened: an operand (a command, pipeline,
    subshell, compound command …), an operator between operands, or a comment."""

    kind: str  # the operand's tree-sitter node type, the operator, or "comment"
    start: int  # code-point indices into the script
    end: int
    node: Node | None  # None for an implied line break

    @property
    def is_operand(self) -> bool:
        return self.kind not in OPERATORS and self.kind != "comment"


@lru_cache(maxsize=1024)  # rules ask for the same RUN bodies again on every keystroke
def top_level_parts(source: str) -> tuple[ShellPart, ...] | None:
    """The top level of the shell script ``source``, or None when it does not parse cleanly."""
    tree = syntax_tree(source)
    if tree.root_node.has_error:
        return None
    index = _char_index(source)
    parts: list[ShellPart] = []

    def add(node: Node) -> None:
        if node.type == "list":
            for child in node.children:
                add(child)
            return
        part = ShellPart(node.type, index(node.start_byte), index(node.end_byte), node)
        if part.is_operand:
            last = next((k for k in range(len(parts) - 1, -1, -1) if parts[k].kind != "comment"), None)
            if last is not None and parts[last].is_operand:
                parts.insert(last + 1, ShellPart("\n", parts[last].end, parts[last].end, None))
        parts.append(part)

    for child in tree.root_node.children:
        add(child)
    return tuple(parts)


def _char_index(source: str) -> Callable[[int], int]:
    """Maps a UTF-8 byte offset into ``source`` to its code-point index."""
    if source.isascii():
        return lambda byte: byte
    starts = list(itertools.accumulate((len(ch.encode("utf-8", "surrogatepass")) for ch in source), initial=0))
    return lambda byte: bisect.bisect_left(starts, byte)


@dataclass(frozen=True)
class ShellBody:
    """Shell text a RUN hands to its shell — the instruction line after the flags, or one heredoc body —
    with the way back from an index into it to the document."""

    source: str
    to_document: Callable[[int], int]

    def start_at(self, index: int) -> int:
        """The document offset of the character at ``index``."""
        return self.to_document(index)

    def end_at(self, index: int) -> int:
        """The document offset right after the character before ``index`` (an exclusive end)."""
        return self.to_document(index - 1) + 1 if index > 0 else self.to_document(0)

    def span(self, part: ShellPart) -> Span:
        return Span(self.start_at(part.start), self.end_at(part.end))


def line_body(inst: Instruction) -> ShellBody:
    line, first = inst.line, inst.args_index
    return ShellBody(inst.args, lambda i: line.offset(first + i))


def heredoc_body(heredoc: Heredoc) -> ShellBody:
    start = heredoc.body_span.start
    return ShellBody(heredoc.content, lambda i: start + i)


def body_holding(inst: Instruction, offset: int) -> ShellBody:
    """The heredoc body of ``inst`` holding ``offset``, else its instruction line."""
    for heredoc in inst.heredocs:
        if offset in heredoc.body_span:
            return heredoc_body(heredoc)
    return line_body(inst)


def chain_after(text: str, inst: Instruction, escape: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """Where one more ``&&``-chained command can follow the shell text on ``inst``'s line, and what goes
    before it: ``" && "`` when the text is one line (and not ``multiline``), else a continuation in the
    style the instruction already uses — ``&& \\`` ending a line or ``\\`` then ``&&`` starting the next.
    None when the text cannot simply be extended: exec form, heredocs, a parse error, or a text that
    ends with a comment, ``;`` or ``&``."""
    if inst.json or inst.heredocs:
        return None
    body = line_body(inst)
    parts = top_level_parts(body.source)
    if not parts or not parts[-1].is_operand:
        return None
    end = body.end_at(parts[-1].end)
    if not multiline and "\n" not in text[inst.args_span.start : inst.args_span.end]:
        return end, " && "
    newline = newline_of(text)
    operand_at = body.start_at(parts[-1].start)
    if line_start(text, operand_at) == line_start(text, inst.keyword_span.start):
        return end, f" && {escape}{newline}{indent_of(text, inst.keyword_span.start)}    "
    indent = indent_of(text, operand_at)
    if text.startswith(("&&", "||"), line_start(text, operand_at) + len(indent)):
        return end, f" {escape}{newline}{indent}&& "
    return end, f" && {escape}{newline}{indent}"


def append_to_heredoc(text: str, heredoc: Heredoc, shell: tuple[str, ...], command: str) -> Edit | None:
    """Run ``command`` at the end of a heredoc script, without changing what makes the script fail:
    on a line of its own when errexit is on (``set -e``, a ``-e`` shell or shebang), else chained
    with ``&&`` to the last statement, so that the script's exit status still comes from it."""
    if heredoc.terminator_span is None:
        return None
    body = heredoc_body(heredoc)
    parts = top_level_parts(body.source)
    operands = [part for part in parts or () if part.is_operand]
    if parts is None or not operands:
        return None
    if _errexit(shell, heredoc.content, operands):
        indent = indent_of(text, body.start_at(operands[-1].start))
        at = heredoc.terminator_span.start
        return Edit(Span(at, at), indent + command + newline_of(text))
    last = parts[-1]
    if not last.is_operand or (last.node is not None and _holds(last.node, "heredoc_redirect")):
        return None
    end = body.end_at(last.end)
    return Edit(Span(end, end), " && " + command)


def _errexit(shell: tuple[str, ...], script: str, operands: list[ShellPart]) -> bool:
    """Whether the script ends with errexit on: from its shebang's or the SHELL's options, then the
    top-level ``set`` commands."""
    first = script.split("\n", 1)[0]
    on = _errexit_after(first[2:].split()[1:] if first.startswith("#!") else list(shell[1:]), False)
    for operand in operands:
        node = operand.node
        if node is not None and node.type == "command" and _node_text(node.child_by_field_name("name")) == "set":
            on = _errexit_after([_node_text(child) for child in node.children_by_field_name("argument")], on)
    return on


def _errexit_after(options: list[str], on: bool) -> bool:
    """Errexit after shell options such as ``-eux``, ``+e``, ``-o errexit``, ``+o errexit``."""
    for option, following in zip(options, [*options[1:], ""]):
        for sign, state in (("-", True), ("+", False)):
            letters = option[1:]
            if option.startswith(sign) and (
                    (letters.isalpha() and "e" in letters)
                    or (letters == "o" and following == "errexit")):
                on = state
    return on


def _node_text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _holds(node: Node, node_type: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == node_type:
            return True
        stack.extend(current.children)
    return False


def remove_command(text: str, inst: Instruction, command: ShellCommand) -> Edit | None:
    """Delete ``command`` from a RUN with the operator that joins it to its neighbours. Only a whole
    operand of an ``&&``-only chain, or a whole statement, is removed — so that what remains means what
    it meant — and never the last command, a comment, or across a Dockerfile comment line."""
    if inst.json:
        return None
    body = body_holding(inst, command.span.start)
    parts = top_level_parts(body.source)
    if parts is None:
        return None
    seq = [part for part in parts if part.kind != "comment"]
    k = next((i for i, part in enumerate(seq) if part.kind == "command" and body.span(part) == command.span), None)
    if k is None:
        return None
    first = last = k
    while first >= 2 and seq[first - 1].kind in ("&&", "||"):
        first -= 2
    while last + 2 < len(seq) and seq[last + 1].kind in ("&&", "||"):
        last += 2
    if any(seq[i].kind == "||" for i in range(first + 1, last, 2)) or (
            last + 1 < len(seq) and seq[last + 1].kind == "&"):
        return None
    part = seq[k]
    if k < last:  # `command && next…`
        start, end = part.start, seq[k + 2].start
        span = Span(body.start_at(start), body.start_at(end))
    elif k > first:  # `…previous && command`
        start, end = seq[k - 2].end, part.end
        span = Span(body.end_at(start), body.end_at(end))
    elif k + 2 < len(seq) and seq[k + 1].kind in _SEPARATORS:  # a statement with more after it
        start, end = part.start, seq[k + 2].start
        span = Span(body.start_at(start), body.start_at(end))
    elif k >= 2 and seq[k - 1].kind in _SEPARATORS:  # the last statement
        start, end = seq[k - 2].end, part.end
        span = Span(body.end_at(start), body.end_at(end))
    else:
        return None
    if any(p.kind == "comment" and start <= p.start < end for p in parts):
        return None
    removed = text[span.start : span.end]
    if any(line.lstrip().startswith("#") for line in removed.split("\n")[1:]):
        return None
    return Edit(span, "")


SYNTAX_DIRECTIVE = "# syntax=docker/dockerfile:1"


def syntax_directive(text: str, tree: Dockerfile) -> Edit | None:
    """An edit adding ``# syntax=docker/dockerfile:1`` as the first line when the file has no syntax
    directive (needed by older builders for ``--mount``, heredocs …); None when it has one."""
    if tree.directive("syntax") is not None:
        return None
    at = 1 if text.startswith("\ufeff") else 0
    return Edit(Span(at, at), SYNTAX_DIRECTIVE + newline_of(text))


def replace_word(text: str, inst: Instruction, word: Word, new_word: str) -> Edit | None:
    """Replace an unquoted ``word`` of a RUN (``apt`` → ``apt-get``; ``/usr/bin/apt`` keeps its folder)
    by ``new_word`` (a plain word, no quoting needed): in its shell text, or as an exec-form string.
    None for a quoted or escaped word, and inside a JSON-encoded ``sh -c`` script that has escapes."""
    if inst.json and word.span in inst.value_spans:
        return Edit(word.span, json.dumps(new_word)) if text[word.span.start : word.span.end] == json.dumps(
            word.text) else None
    if word.raw != word.text or text[word.span.start : word.span.end] != word.raw:
        return None
    if inst.json:
        holder = next((s for s in inst.value_spans if s.start <= word.span.start and word.span.end <= s.end), None)
        if holder is None or "\\" in text[holder.start : holder.end]:
            return None
    return Edit(word.span, new_word)


def append_to_run(text: str, inst: Instruction, shell: tuple[str, ...], escape: str, offset: int,
                  command: str) -> Edit | None:
    """Run ``command`` at the end of the shell script of a RUN that holds ``offset`` (a command of it):
    the last line of its heredoc script (see :func:`append_to_heredoc`), or ``&&``-chained to the end of
    its instruction line (see :func:`chain_after`). None for the exec form, a heredoc that is not the
    RUN's last, and text that cannot simply be extended."""
    if inst.json:
        return None
    heredoc = next((h for h in inst.heredocs if offset in h.body_span), None)
    if heredoc is not None:
        return append_to_heredoc(text, heredoc, shell, command) if heredoc is inst.heredocs[-1] else None
    after = chain_after(text, inst, escape)
    if after is None:
        return None
    at, separator = after
    return Edit(Span(at, at), separator + command)


def remove_word(text: str, inst: Instruction, word: Word, escape: str = "\\") -> Edit | None:
    """Delete an unquoted ``word`` of a RUN (an option such as ``--no-cache-dir``): in its shell text
    with the blanks before it — the whole line when the word is alone on a continuation line — or as a
    string of its exec form with the comma before it. None for a quoted or escaped word, the exec form's
    first string, and inside a JSON-encoded ``sh -c`` script that has escapes."""
    if inst.json and word.span in inst.value_spans:
        k = inst.value_spans.index(word.span)
        if k == 0 or text[word.span.start : word.span.end] != json.dumps(word.text):
            return None
        return Edit(Span(inst.value_spans[k - 1].end, word.span.end), "")
    if word.raw != word.text or text[word.span.start : word.span.end] != word.raw:
        return None
    if inst.json:
        holder = next((s for s in inst.value_spans if s.start <= word.span.start and word.span.end <= s.end), None)
        if holder is None or "\\" in text[holder.start : holder.end]:
            return None
    start, end = word.span.start, word.span.end
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    rest = end
    while rest < len(text) and text[rest] in " \t":
        rest += 1
    if start == line_start(text, start) and text.startswith(escape, rest):  # alone on a continued line
        newline = rest + len(escape)
        for line_break in ("\r\n", "\n"):
            if text.startswith(line_break, newline):
                return Edit(Span(start, newline + len(line_break)), "")
    return Edit(Span(start, end), "")


def remove_flag(text: str, flag: Flag) -> Edit:
    """Delete an instruction's flag (``--platform=…``) with the blanks after it."""
    end = flag.span.end
    while end < len(text) and text[end] in " \t":
        end += 1
    return Edit(Span(flag.span.start, end), "")
