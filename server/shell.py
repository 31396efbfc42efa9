"""Shell bodies → simple commands with their words and exact document ranges (tree-sitter-bash)."""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property, lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser, Tree

from dockls.text import Span

POSIX_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"})
# Builtins whose effect outlives the command: the commands after it in the same shell see it.
STATEFUL_BUILTINS = frozenset({
    "cd", "pushd", "popd", "export", "set", "unset", "umask", "shopt", "source", ".", "alias", "unalias",
    "eval", "exec", "exit", "return", "trap", "ulimit", "readonly", "local", "declare", "typeset", "let",
    "read", "mapfile", "readarray", "getopts", "shift", "hash", "enable",
})


@dataclass(frozen=True)
class Word:
    text: str  # the value with plain quoting removed ('a b' → a b); expansions kept verbatim
    raw: str
    span: Span


@dataclass(frozen=True)
class ShellCommand:
    words: tuple[Word, ...]  # the command name first; leading VAR=value assignments excluded
    assignments: tuple[str, ...]
    span: Span

    @cached_property
    def name(self) -> str:
        """The program's base name: ``/usr/bin/pip3`` → ``pip3``."""
        return posixpath.basename(self.words[0].text) if self.words else ""

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    def has(self, *options: str) -> bool:
        return any(word.text in options for word in self.args)


@dataclass(frozen=True)
class Script:
    commands: tuple[ShellCommand, ...]
    has_errors: bool  # tree-sitter found a syntax error somewhere
    complete: bool = True  # False: the parse took too long and was given up (no commands, no errors)


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw.count(raw[0]) == 2:
        return raw[1:-1]
    if "\\" not in raw and "'" not in raw and '"' not in raw:
        return raw
    out, quote, i = [], "", 0
    while i < len(raw):
        ch = raw[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                out.append(ch)
        elif ch == "\\" and i + 1 < len(raw):
            i += 1
            out.append(raw[i])
        elif ch in "'\"" and (not quote or quote == ch):
            quote = "" if quote else ch
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def syntax_tree(source: str) -> Tree:
    """tree-sitter-bash's concrete syntax tree of ``source``; node offsets are UTF-8 byte offsets."""
    return _parser().parse(source.encode("utf-8", "surrogatepass"))


# A command as found in the source, with source-relative (start, end) character indices.
_RelWord = tuple[str, str, int, int]  # text, raw, start, end
_RelCommand = tuple[tuple[_RelWord, ...], tuple[str, ...], int, int]  # words, assignments, start, end


def first_operand(words: Sequence[Word], value_options: AbstractSet[str]) -> Word | None:
    """The first word that is not an option nor an option's value: the subcommand of ``apt-get -o X=Y
    -y install …`` (``value_options`` are the options that take the next word as their value)."""
    takes_value = False
    for word in words:
        if takes_value:
            takes_value = False
        elif word.text in value_options:
            takes_value = True
        elif not word.text.startswith("-"):
            return word
    return None


def parse_script(source: str, to_document: Callable[[int], int]) -> Script:
    """Parse ``source`` as a POSIX shell script; ``to_document`` maps an index of ``source`` to the
    document offset it came from."""

    def span(start: int, end: int) -> Span:
        if end <= start:
            at = to_document(start)
            return Span(at, at)
        return Span(to_document(start), to_document(end - 1) + 1)

    relative, has_errors, complete = _parse_relative(source)
    commands = tuple(
        ShellCommand(
            tuple(Word(text, raw, span(start, end)) for text, raw, start, end in words),
            assignments,
            span(start, end),
        )
        for words, assignments, start, end in relative
    )
    return Script(commands, has_errors, complete)


# tree-sitter-bash's error recovery is quadratic on some garbage (100 KB of "|" takes half a minute):
# a longer script's parse is given up after this many seconds. Real scripts of that size take a few
# milliseconds, and a short one is parsed without the (slower) cancellable interface.
PARSE_SECONDS = 0.5
_CANCELLABLE_FROM = 2048  # bytes


def _parse_tree(data: bytes) -> Tree | None:
    """tree-sitter's tree of a script, or None when it took longer than :data:`PARSE_SECONDS`."""
    if len(data) < _CANCELLABLE_FROM:
        return _parser().parse(data)
    deadline = time.monotonic() + PARSE_SECONDS
    try:
        return _parser().parse(lambda at, _point: data[at:at + 65536],
                               progress_callback=lambda *_state: time.monotonic() > deadline)
    except ValueError:  # what tree-sitter raises for a parse its callback cancelled
        return None


@lru_cache(maxsize=8192)
def _parse_relative(source: str) -> tuple[tuple[_RelCommand, ...], bool, bool]:
    """The commands of a script in source coordinates. Cached: between two keystrokes in an editor
    almost every RUN body is unchanged."""
    data = source.encode("utf-8", "surrogatepass")
    if source.isascii():
        def char_index(byte: int) -> int:
            return byte
    else:
        byte_to_char = [0] * (len(data) + 1)
        pos = 0
        for index, ch in enumerate(source):
            width = len(ch.encode("utf-8", "surrogatepass"))
            for k in range(width):
                byte_to_char[pos + k] = index
            pos += width
        byte_to_char[len(data)] = len(source)

        def char_index(byte: int) -> int:
            return byte_to_char[byte]

    tree = _parse_tree(data)
    if tree is None:
        return (), False, False
    commands = tuple(_command(node, source, char_index) for node in _command_nodes(tree.root_node))
    return commands, tree.root_node.has_error, True


def _command_nodes(root: Node) -> list[Node]:
    stack = [root]
    found: list[Node] = []
    while stack:
        node = stack.pop()
        if node.type == "command":
            found.append(node)
        stack.extend(node.children)
    return sorted(found, key=lambda n: n.start_byte)


def _command(node: Node, source: str, char_index: Callable[[int], int]) -> _RelCommand:
    words: list[_RelWord] = []
    assignments: list[str] = []
    for child in node.children:
        start, end = char_index(child.start_byte), char_index(child.end_byte)
        if child.type == "variable_assignment" and not words:
            assignments.append(source[start:end])
        elif child.type == "command_name" or (
            words and child.is_named and not child.type.endswith("redirect") and child.type != "comment"
        ):
            raw = source[start:end]
            words.append((_unquote(raw), raw, start, end))
    return tuple(words), tuple(assignments), char_index(node.start_byte), char_index(node.end_byte)


def words_command(words: list[tuple[str, Span]]) -> ShellCommand:
    """A command given as a list of words already split (exec-form RUN)."""
    items = tuple(Word(value, value, where) for value, where in words)
    whole = Span(items[0].span.start, items[-1].span.end) if items else Span(0, 0)
    return ShellCommand(items, (), whole)
