"""``.dockerignore`` / ``.containerignore``: parsing and matching exactly as BuildKit does.

The pipeline mirrors the one a build runs:

1. **Reading** (BuildKit's ``dockerignore.ReadAll``): lines split at ``\\n`` (a trailing ``\\r`` is dropped),
   a UTF-8 BOM stripped from the first line, lines *starting* with ``#`` skipped (before trimming, so
   ``" #x"`` is a pattern), Go's ``TrimSpace``, blank lines skipped, a leading ``!`` split off and the rest
   trimmed again, ``filepath.Clean``, one leading ``/`` removed.
2. **Compiling** (``patternmatcher.New``): trim and clean again, ``!`` alone is an error, the pattern must be
   valid for Go's ``filepath.Match``; then each pattern becomes an exact, prefix (``foo/**``), suffix
   (``**/foo``) or regular-expression match. The expression is Go's RE2 syntax (the pattern's ``\\x`` escapes
   and ``[...]`` classes pass into it verbatim), so it is translated here to Python's ``re`` with RE2's
   meaning, and an expression RE2 rejects makes the pattern invalid, as it fails the build.
3. **Walking** (fsutil's ``filterFS.Walk``, which sends the context): paths are evaluated top-down, each
   directory handing its per-pattern results to its children (``MatchesUsingParentResults``); the last
   matching pattern wins. An excluded directory is pruned unless some ``!`` pattern could match below it
   (any ``!`` pattern with a wildcard, or one whose literal prefix lies inside the directory).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from dockls.text import Span

if TYPE_CHECKING:
    from dockls.buildcontext import BuildContext
    from dockls.model import Model

# Go's unicode.IsSpace, which strings.TrimSpace uses (Python's str.strip also strips \x1c-\x1f).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
_BOM = "\ufeff"
# fsutil prunes excluded directories only when no `!` pattern contains one of these (on Unix).
_WILDCARD_CHARS = frozenset("*[]?^\\")
# Characters patternmatcher escapes before handing the expression to Go's regexp.
_REGEX_ESCAPED = frozenset(".+()|{}$")
# A path with a "." or ".." element, which go_clean must remove.
_UNCLEAN = re.compile(r"(^|/)\.\.?(/|$)")


def go_clean(path: str) -> str:
    """Go's ``path/filepath.Clean`` on Unix (``posixpath.normpath`` keeps a leading ``//``; Go does not)."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


class _PatternError(Exception):
    """A pattern Go rejects; ``start``/``end`` index into the cleaned pattern."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


# --- filepath.Match syntax -------------------------------------------------------------------------------------


def _scan_chunk(pattern: str, start: int) -> tuple[int, int]:
    """Go's ``scanChunk``: skip leading stars, return the chunk's [begin, end) in ``pattern``."""
    while start < len(pattern) and pattern[start] == "*":
        start += 1
    in_range = False
    i = start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif ch == "[":
            in_range = True
        elif ch == "]":
            in_range = False
        elif ch == "*" and not in_range:
            break
        i += 1
    return start, i


def _check_class_char(pattern: str, i: int, end: int, class_start: int, after_dash: bool) -> int:
    """Go's ``getEsc`` within a chunk ending at ``end``: return the index after the character."""
    if i >= end:
        raise _PatternError("character class is not closed with `]`", class_start, end)
    if pattern[i] == "-":
        raise _PatternError("`-` must be escaped (`\\-`) at the start of a character class or range",
                            class_start, i + 1)
    if pattern[i] == "]":
        # (A `]` closes the class before this is reached unless it comes first or right after `-`.)
        message = "character range has no upper bound" if after_dash else "empty character class"
        raise _PatternError(message, class_start, i + 1)
    if pattern[i] == "\\":
        i += 1
        if i >= end:
            raise _PatternError("character class is not closed with `]`", class_start, end)
    i += 1
    if i >= end:
        raise _PatternError("character class is not closed with `]`", class_start, end)
    return i


def _check_chunk(pattern: str, i: int, end: int) -> None:
    """The syntax checks of Go's ``matchChunk`` (which ``filepath.Match`` applies to every chunk)."""
    while i < end:
        ch = pattern[i]
        if ch == "[":
            class_start = i
            i += 1
            if i < end and pattern[i] == "^":
                i += 1
            nrange = 0
            while True:
                if i < end and pattern[i] == "]" and nrange > 0:
                    i += 1
                    break
                i = _check_class_char(pattern, i, end, class_start, False)
                if pattern[i] == "-":
                    i = _check_class_char(pattern, i + 1, end, class_start, True)
                nrange += 1
        elif ch == "\\":
            if i + 1 >= end:
                raise _PatternError("a trailing `\\` escapes nothing", i, i + 1)
            i += 2
        else:
            i += 1


def _check_match_syntax(pattern: str) -> None:
    """Raise ``_PatternError`` where ``filepath.Match(pattern, ".")`` returns ``ErrBadPattern``."""
    i = 0
    while i < len(pattern):
        begin, end = _scan_chunk(pattern, i)
        _check_chunk(pattern, begin, end)
        i = end


# --- patternmatcher's expression, read with RE2's meaning ------------------------------------------------------

Ranges = list[tuple[int, int]]
_MAX_RUNE = 0x10FFFF
_POSIX_CLASSES: dict[str, Ranges] = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_PERL_CLASSES: dict[str, Ranges] = {
    "d": _POSIX_CLASSES["digit"],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": _POSIX_CLASSES["word"],
}
_C_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
# Go's one-letter Unicode classes (\pL); Go's C omits unassigned code points.
_UNICODE_GROUPS = {"C": ("Cc", "Cf", "Co", "Cs"), "L": ("L",), "M": ("M",), "N": ("N",), "P": ("P",),
                   "S": ("S",), "Z": ("Z",)}


def _complement(ranges: Ranges) -> Ranges:
    result: Ranges = []
    next_low = 0
    for low, high in sorted(ranges):
        if low > next_low:
            result.append((next_low, low - 1))
        next_low = max(next_low, high + 1)
    if next_low <= _MAX_RUNE:
        result.append((next_low, _MAX_RUNE))
    return result


@cache
def _unicode_group(letter: str) -> tuple[tuple[int, int], ...]:
    """Code-point ranges of a Unicode general category (computed once, only if a pattern uses ``\\pX``)."""
    prefixes = _UNICODE_GROUPS[letter]
    ranges: Ranges = []
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)).startswith(prefixes):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return tuple(ranges)


def _set_item(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _python_set(ranges: Ranges, negated: bool = False) -> str:
    if not ranges:
        return "[^\\x00-\\U0010ffff]" if not negated else "[\\x00-\\U0010ffff]"
    items = "".join(_set_item(lo) if lo == hi else f"{_set_item(lo)}-{_set_item(hi)}" for lo, hi in ranges)
    return f"[{'^' if negated else ''}{items}]"


class _Re2Translator:
    """Translates the RE2 expression patternmatcher builds into Python ``re`` syntax with the same meaning.

    ``origin[i]`` is the index in the pattern that produced expression character ``i``, so errors point
    at the pattern."""

    def __init__(self, expression: str, origin: list[int]) -> None:
        self.text = expression
        self.origin = origin
        self.i = 0

    def fail(self, message: str, start: int) -> _PatternError:
        """An error for the expression from ``start`` to what has been read, located in the pattern."""
        first = self.origin[min(start, len(self.origin) - 1)]
        last = self.origin[min(max(self.i, start + 1), len(self.origin)) - 1]
        return _PatternError(message, first, max(last + 1, first + 1))

    def translate(self) -> str:
        out: list[str] = []
        text = self.text
        while self.i < len(text):
            ch = text[self.i]
            if ch == "[":
                out.append(self.char_class())
            elif ch == "\\":
                out.append(self.escape_outside_class())
            elif ch == "^":
                out.append("\\A")
                self.i += 1
            elif ch == "$":
                out.append("\\Z")
                self.i += 1
            elif ch in ".*?()":
                out.append(ch)
                self.i += 1
            else:
                out.append(re.escape(ch))
                self.i += 1
        return "".join(out)

    def escape_outside_class(self) -> str:
        start = self.i
        letter = self.text[self.i + 1] if self.i + 1 < len(self.text) else ""
        if letter in ("A", "z", "b", "B"):
            self.i += 2
            return {"A": "\\A", "z": "\\Z", "b": "(?a:\\b)", "B": "(?a:\\B)"}[letter]
        if letter == "Q":
            end = self.text.find("\\E", self.i + 2)
            literal = self.text[self.i + 2:] if end < 0 else self.text[self.i + 2:end]
            self.i = len(self.text) if end < 0 else end + 2
            return re.escape(literal)
        if letter == "C":
            self.i += 2
            raise self.fail("`\\C` is not supported by Go's regular expressions", start)
        ranges = self.class_escape()
        if ranges is not None:
            return _python_set(ranges)
        return _python_set([(code := self.escape(), code)])

    def class_escape(self) -> Ranges | None:
        """``\\d``-style Perl classes and ``\\pL``-style Unicode classes, or None for other escapes."""
        start = self.i
        letter = self.text[self.i + 1] if self.i + 1 < len(self.text) else ""
        if letter.lower() in _PERL_CLASSES:
            self.i += 2
            ranges = _PERL_CLASSES[letter.lower()]
            return _complement(ranges) if letter.isupper() else list(ranges)
        if letter in ("p", "P"):
            name = self.text[self.i + 2] if self.i + 2 < len(self.text) else ""
            self.i += 3
            if name not in _UNICODE_GROUPS:
                raise self.fail(f"`\\{letter}{name}` is not a Unicode class Go knows", start)
            group = list(_unicode_group(name))
            return _complement(group) if letter == "P" else group
        return None

    def escape(self) -> int:
        """Go's ``parseEscape``: the code point of a single-character escape."""
        start = self.i
        text = self.text
        if self.i + 1 >= len(text):
            raise self.fail("a trailing `\\` escapes nothing", start)
        letter = text[self.i + 1]
        self.i += 2
        if ord(letter) < 0x80 and not letter.isalnum():
            return ord(letter)
        if letter in "1234567" and not (self.i < len(text) and text[self.i] in "01234567"):
            raise self.fail(f"`\\{letter}` is a back-reference, which Go's regular expressions do not support",
                            start)
        if letter in "01234567":
            value = int(letter)
            for _ in range(2):
                if self.i < len(text) and text[self.i] in "01234567":
                    value = value * 8 + int(text[self.i])
                    self.i += 1
            return value
        if letter == "x":
            digits = text[self.i:self.i + 2]
            if len(digits) == 2 and all(c in "0123456789abcdefABCDEF" for c in digits):
                self.i += 2
                return int(digits, 16)
            raise self.fail("`\\x` must be followed by two hexadecimal digits", start)
        if letter in _C_ESCAPES:
            return _C_ESCAPES[letter]
        raise self.fail(f"`\\{letter}` is not a valid escape in Go's regular expressions", start)

    def char_class(self) -> str:
        """RE2's ``parseClass`` with Perl flags: ``]`` first is literal, ``-`` anywhere, POSIX and Perl
        classes inside."""
        start = self.i
        text = self.text
        self.i += 1
        negated = self.i < len(text) and text[self.i] == "^"
        if negated:
            self.i += 1
        ranges: Ranges = []
        first = True
        while first or self.i >= len(text) or text[self.i] != "]":
            if self.i >= len(text):
                raise self.fail("character class is not closed with `]`", start)
            first = False
            if text.startswith("[:", self.i):
                close = text.find(":]", self.i + 2)
                if close >= 0:
                    name = text[self.i + 2:close]
                    self.i = close + 2
                    posix = _POSIX_CLASSES.get(name.removeprefix("^"))
                    if posix is None:
                        raise self.fail(f"`[:{name}:]` is not a POSIX character class", start)
                    ranges.extend(_complement(posix) if name.startswith("^") else posix)
                    continue
            if text[self.i] == "\\":
                escaped = self.class_escape()
                if escaped is not None:
                    ranges.extend(escaped)
                    continue
            low = self.class_char(start)
            high = low
            if self.i + 1 < len(text) and text[self.i] == "-" and text[self.i + 1] != "]":
                self.i += 1
                high = self.class_char(start)
                if high < low:
                    raise self.fail("character range is out of order", start)
            ranges.append((low, high))
        self.i += 1
        return _python_set(sorted(ranges), negated)

    def class_char(self, class_start: int) -> int:
        if self.i >= len(self.text):
            raise self.fail("character class is not closed with `]`", class_start)
        if self.text[self.i] == "\\":
            return self.escape()
        self.i += 1
        return ord(self.text[self.i - 1])


_REPEATABLE = frozenset({"[^/]*", "(.*/)?", ".*"})


def _compile(pattern: str) -> Callable[[str], object]:
    """patternmatcher's ``Pattern.compile`` (Unix separator): the matcher for one cleaned pattern."""
    expression: list[str] = ["^"]
    origin: list[int] = [0]
    kind = "exact"
    iteration = 0
    literal: list[str] = []  # the pattern characters read since the last wildcard, class or escape
    classes = False
    required = ""  # the longest such run: a path without it cannot match

    def end_literal() -> None:
        nonlocal required
        if len(literal) > len(required):
            required = "".join(literal)
        literal.clear()

    def emit(fragment: str, at: int, step: int = 0) -> None:
        """``step`` 1: the fragment's characters come from consecutive pattern characters."""
        if fragment in _REPEATABLE and expression[-1] == fragment:
            # `**/**/` and `**` mean what one of them means; repeated, they would make Python's
            # backtracking matcher (unlike Go's RE2) take exponential time.
            return
        expression.append(fragment)
        origin.extend(at + index * step for index in range(len(fragment)))

    i = 1 if pattern.startswith(_BOM) else 0  # Go's text/scanner skips a leading BOM
    while i < len(pattern):
        ch = pattern[i]
        at = i
        i += 1
        if ch == "[":
            classes = True  # what a class holds is not literal text: no run is taken from here on
        if not classes and ch not in "*?\\[]":  # a character patternmatcher matches as itself
            literal.append(ch)
        else:
            end_literal()
        if ch == "*":
            if i < len(pattern) and pattern[i] == "*":
                i += 1
                if i < len(pattern) and pattern[i] == "/":
                    i += 1
                if i >= len(pattern):
                    if kind == "exact":
                        kind = "prefix"
                    else:
                        emit(".*", at)
                        kind = "regexp"
                else:
                    emit("(.*/)?", at)
                    kind = "regexp"
                if iteration == 0:
                    kind = "suffix"
            else:
                emit("[^/]*", at)
                kind = "regexp"
        elif ch == "?":
            emit("[^/]", at)
            kind = "regexp"
        elif ch in _REGEX_ESCAPED:
            emit("\\" + ch, at)
        elif ch == "\\":
            if i < len(pattern):
                emit("\\" + pattern[i], at, step=1)
                i += 1
                kind = "regexp"
            else:
                emit("\\", at)
        elif ch in "[]":
            emit(ch, at)
            kind = "regexp"
        else:
            emit(ch, at)
        iteration += 1

    if kind == "exact":
        return pattern.__eq__
    if kind == "prefix":
        prefix = pattern[:-2]
        return lambda path: path.startswith(prefix)
    if kind == "suffix":
        suffix = pattern[2:]
        bare = suffix[1:] if suffix.startswith("/") else None
        return lambda path: path.endswith(suffix) or path == bare
    emit("$", len(pattern) - 1 if pattern else 0)
    end_literal()
    python = _Re2Translator("".join(expression), origin).translate()
    try:
        match = re.compile(python).match
    except re.error as error:  # RE2 rejects these too (e.g. a repeated repetition)
        raise _PatternError(f"not a valid expression for BuildKit: {error.msg}", 0, len(pattern)) from error
    # A substring test first: most paths fail it, at a fraction of the cost of the expression.
    return (lambda path: required in path and match(path)) if required else match


# --- the ignore file -------------------------------------------------------------------------------------------


def _never(path: str) -> bool:
    return False


@dataclass(eq=False)
class Pattern:
    """One pattern line. ``text`` is the cleaned pattern BuildKit matches with (without ``!``)."""

    text: str
    negated: bool
    span: Span
    line: int
    error: str | None = None
    error_span: Span | None = None
    _match: Callable[[str], object] = field(default=_never, repr=False)

    def matches(self, path: str) -> bool:
        """Whether this pattern alone matches ``path`` itself (not its parents); invalid patterns never do."""
        return bool(self._match(path))

    def matches_or_parent(self, path: str) -> bool:
        """Whether this pattern matches ``path`` or one of its parent directories."""
        if self.matches(path):
            return True
        parts = path.split("/")
        return any(self.matches("/".join(parts[:depth])) for depth in range(1, len(parts)))

    @property
    def walk_prefix(self) -> str:
        """The pattern without a trailing ``/**`` or ``/*``, as fsutil compares it with directories."""
        return self.text.removesuffix("/**").removesuffix("/*")


# (per-pattern "matched" flags handed down from the parent directory, excluded, index of deciding pattern)
_State = tuple[tuple[bool, ...], bool, int | None]


class IgnoreFile:
    """The patterns of one ignore file and BuildKit's decision for any context-relative path."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        valid = [(index, p) for index, p in enumerate(patterns) if p.error is None]
        self._matchers = [(index, p.negated, p._match) for index, p in valid]
        exceptions = [p for _, p in valid if p.negated]
        self._has_exceptions = bool(exceptions)
        self._exceptions_are_literal = all(not _WILDCARD_CHARS.intersection(p.walk_prefix) for p in exceptions)
        self._exception_prefixes = [p.walk_prefix + "/" for p in exceptions]
        self._dirs: dict[str, tuple[_State, bool, int | None]] = {}

    def _state(self, path: str, parent: tuple[bool, ...] | None) -> _State:
        """fsutil's ``MatchesUsingParentResults``: a pattern that matched the parent matches the child."""
        matched = False
        decider: int | None = None
        flags: list[bool] = []
        for position, (index, negated, match) in enumerate(self._matchers):
            hit = parent[position] if parent else False
            if not hit:
                if negated != matched:  # cannot change the outcome: not evaluated, not recorded
                    flags.append(False)
                    continue
                hit = bool(match(path))
            flags.append(hit)
            if hit:
                matched = not negated
                decider = index
        return tuple(flags), matched, decider

    def _directory(self, path: str) -> tuple[_State, bool, int | None]:
        """The walker's state for directory ``path``, whether the walk never gets there (an ancestor
        was pruned), and the pattern responsible for that. Computed top-down from the nearest known
        ancestor (iteratively: paths can be deeper than Python's recursion limit)."""
        known = self._dirs.get(path)
        if known is not None:
            return known
        parts = path.split("/")
        depth = len(parts) - 1
        while depth > 0 and "/".join(parts[:depth]) not in self._dirs:
            depth -= 1
        result = self._dirs["/".join(parts[:depth])] if depth else None
        for end in range(max(depth, 0) + 1, len(parts) + 1):
            current = "/".join(parts[:end])
            if result is None:
                result = (self._state(current, None), False, None)
            else:
                (flags, excluded, decider), unreachable, blocker = result
                if not unreachable and excluded and not self.may_reinclude_under(current.rpartition("/")[0]):
                    unreachable, blocker = True, decider
                result = (self._state(current, flags), unreachable, blocker)
            self._dirs[current] = result
        assert result is not None
        return result

    def _decide(self, path: str) -> tuple[bool, int | None]:
        path = path.strip("/")
        if "//" in path or _UNCLEAN.search(path):
            path = go_clean(path)
        if not path or path == "." or path.startswith("../") or path == "..":
            return False, None
        slash = path.rfind("/")
        if slash < 0:
            _, excluded, decider = self._state(path, None)
            return excluded, decider
        parent = path[:slash]
        (flags, parent_excluded, parent_decider), unreachable, blocker = self._directory(parent)
        if unreachable:
            return True, blocker
        if parent_excluded and not self.may_reinclude_under(parent):
            return True, parent_decider
        _, excluded, decider = self._state(path, flags)
        return excluded, decider

    def excludes(self, path: str) -> bool:
        """Whether BuildKit leaves ``path`` (context-relative, ``/``-separated) out of the context: the
        last pattern matching it or a parent directory is not a ``!`` exception, or a parent directory is
        excluded and pruned. For a directory this is about the directory itself; the walk still enters
        it when ``may_reinclude_under`` says so. The context root is never excluded."""
        return self._decide(path)[0]

    def deciding(self, path: str) -> Pattern | None:
        """The pattern that decides ``path``'s fate (an exception when it is re-included), or None when
        no pattern applies."""
        index = self._decide(path)[1]
        return None if index is None else self.patterns[index]

    def may_reinclude_under(self, dir: str) -> bool:
        """Whether a ``!`` pattern could re-include something below ``dir`` once ``dir`` is excluded —
        fsutil's rule for not pruning: any exception with a wildcard, or one whose literal prefix is
        inside ``dir``."""
        if not self._has_exceptions:
            return False
        if not self._exceptions_are_literal:
            return True
        dir_slash = dir.rstrip("/") + "/"
        return any(prefix.startswith(dir_slash) for prefix in self._exception_prefixes)


def _go_trim(text: str) -> tuple[str, int]:
    """Go's ``strings.TrimSpace``; returns the trimmed text and how many characters went from the left."""
    stripped = text.lstrip(_GO_SPACE)
    return stripped.rstrip(_GO_SPACE), len(text) - len(stripped)


def _parse_line(content: str, offset: int, line: int) -> Pattern | None:
    """One line (without its line break) starting at document ``offset``; None for comments and blanks."""
    if content.startswith("#"):
        return None
    written, lead = _go_trim(content)
    if not written:
        return None
    start = offset + lead
    span = Span(start, start + len(written))
    # ReadAll: split off `!`, trim, clean, drop one leading `/`.
    body = written
    body_start = 0
    negated = body[0] == "!"
    if negated:
        body, lead = _go_trim(body[1:])
        body_start = 1 + lead
    if body:
        body = go_clean(body)
        if len(body) > 1 and body[0] == "/":
            body = body[1:]
    # patternmatcher.New: trim, clean (the `!` included), split off `!` again.
    text, _ = _go_trim(("!" if negated else "") + body)
    text = go_clean(text)
    if text[0] == "!":
        if len(text) == 1:
            return Pattern(text="", negated=True, span=span, line=line,
                           error="`!` must be followed by a pattern", error_span=span)
        negated, text = True, text[1:]
    else:
        negated = False
    pattern = Pattern(text=text, negated=negated, span=span, line=line)
    try:
        _check_match_syntax(text)
        pattern._match = _compile(text)
    except _PatternError as error:
        pattern.error = error.message
        # Cleaning usually leaves the pattern as written (or only drops a `/` or `./`); point into it when
        # it can be found, otherwise at the whole pattern.
        found = written.find(text, body_start)
        if found >= 0:
            pattern.error_span = Span(span.start + found + error.start, span.start + found + error.end)
        else:
            pattern.error_span = span
    return pattern


def parse_ignore(text: str) -> IgnoreFile:
    """Parse an ignore file as BuildKit reads it. Never raises."""
    patterns: list[Pattern] = []
    offset = 0
    for line, raw in enumerate(text.split("\n")):
        content = raw[:-1] if raw.endswith("\r") else raw  # bufio.ScanLines drops one trailing \r
        skip = 1 if line == 0 and content.startswith(_BOM) else 0
        pattern = _parse_line(content[skip:], offset + skip, line)
        if pattern is not None:
            patterns.append(pattern)
        offset += len(raw) + 1
    return IgnoreFile(patterns)


@dataclass
class IgnoreModel:
    """What ignore-file rules receive: the document, its patterns, the build context it filters (None
    when the file is not on disk), and the Dockerfiles that use it."""

    text: str
    ignore: IgnoreFile
    context: BuildContext | None
    dockerfiles: list[Model]
