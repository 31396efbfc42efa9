"""Lossless, error-tolerant Dockerfile parser with exact offsets.

The algorithm follows BuildKit's ``frontend/dockerfile/parser`` step by step (line scanning, parser
directives, continuation lines, heredocs, builder flags, the per-instruction argument parsers) so that
our instruction list, flags, values and heredocs agree with BuildKit's; on top of that every node keeps
the code-point offsets of what it was read from. Where BuildKit would stop with an error we record a
:class:`Problem` and carry on, so a half-typed file still yields a full tree.
See ``docs/decisions/0001-parser.md`` for why the parser is our own.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from dockls.text import Span

KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)
HEREDOC_INSTRUCTIONS = frozenset({"ADD", "COPY", "RUN"})
DIRECTIVE_NAMES = frozenset({"syntax", "escape", "check"})

_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_WHITESPACE_RE = re.compile(r"[\t\v\f\r ]+")
# BuildKit: the escape token at the end of a line continues it, unless it is itself escaped.
_CONTINUATION = {
    token: re.compile(rf"(?<!{re.escape(token)}){re.escape(token)}[ \t]*$") for token in "\\`"
}
_HEREDOC_RE = re.compile(r"^(\d*)<<(-?)([^<]*)$")
# Go's unicode.IsSpace.
_GO_SPACES = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_GO_SPACE = frozenset(_GO_SPACES)


@dataclass(frozen=True)
class Problem:
    """Something BuildKit would reject or warn about, with the exact range."""

    span: Span
    message: str
    severity: str = "error"  # "error" | "warning"


@dataclass(frozen=True)
class Comment:
    span: Span
    text: str  # without the leading '#', stripped


@dataclass(frozen=True)
class Directive:
    """A parser directive in the file header: ``# syntax=…``, ``# escape=…``, ``# check=…``."""

    name: str
    value: str
    span: Span
    name_span: Span
    value_span: Span


@dataclass(frozen=True)
class FlagOption:
    """One ``key=value`` item of a comma-separated flag value, as in ``--mount=type=cache,target=/x``."""

    key: str
    value: str | None
    span: Span


@dataclass(frozen=True)
class Flag:
    name: str  # "mount", without dashes
    value: str | None  # None for a bare ``--link``
    raw: str  # the word as BuildKit reports it, e.g. "--mount=type=cache,target=/x"
    span: Span
    value_span: Span | None
    options: tuple[FlagOption, ...] = ()

    def option(self, key: str) -> str | None:
        for item in self.options:
            if item.key == key:
                return item.value
        return None


@dataclass(frozen=True)
class Heredoc:
    name: str
    chomp: bool  # ``<<-``: leading tabs are stripped
    expand: bool  # False when the delimiter is quoted
    fd: int
    content: str  # as BuildKit has it: each body line followed by "\n"
    marker_span: Span  # the ``<<EOF`` word on the instruction line
    body_span: Span  # the body lines, without the terminator line
    terminator_span: Span | None  # None when unterminated


@dataclass
class LogicalLine:
    """The instruction line as BuildKit sees it (continuations joined, comment lines dropped), with a
    map from each logical index back to the document offset it came from."""

    text: str
    starts: list[int]  # logical start of each piece
    sources: list[int]  # document offset of each piece

    def offset(self, index: int) -> int:
        if len(self.starts) == 1:
            return self.sources[0] + index
        if not self.starts:
            return 0
        k = max(0, bisect.bisect_right(self.starts, index) - 1)
        return self.sources[k] + (index - self.starts[k])

    def span(self, start: int, end: int) -> Span:
        if end <= start:
            at = self.offset(start)
            return Span(at, at)
        return Span(self.offset(start), self.offset(end - 1) + 1)


@dataclass
class Instruction:
    keyword: str  # upper-case, as written otherwise (unknown keywords kept)
    keyword_span: Span
    span: Span  # from the keyword to the end of the last line (heredoc terminators included)
    start_line: int  # 0-based physical lines, as BuildKit counts them ("\n" separated)
    end_line: int
    line: LogicalLine
    flags: list[Flag]
    args: str  # the argument text after the flags, trimmed, as BuildKit passes it on
    args_span: Span
    args_index: int  # where ``args`` starts in ``line.text``
    json: bool  # exec form
    value: list[str]  # BuildKit's parsed value list
    heredocs: list[Heredoc] = field(default_factory=list)
    sub: Instruction | None = None  # the triggered instruction of ONBUILD
    comments: list[Comment] = field(default_factory=list)  # the comment block right above
    # Offsets into ``args`` of each value item for JSON and whitespace-split forms.
    value_spans: list[Span] = field(default_factory=list)

    @property
    def command(self) -> Instruction:
        """The instruction that actually runs: the ONBUILD trigger or the instruction itself."""
        return self.sub if self.sub is not None else self

    def flag(self, name: str) -> Flag | None:
        for item in self.flags:
            if item.name == name:
                return item
        return None

    def flags_named(self, name: str) -> list[Flag]:
        return [item for item in self.flags if item.name == name]


@dataclass
class Dockerfile:
    text: str
    instructions: list[Instruction]
    directives: list[Directive]
    comments: list[Comment]
    problems: list[Problem]
    escape: str

    def directive(self, name: str) -> Directive | None:
        for item in self.directives:
            if item.name == name:
                return item
        return None

    def walk(self) -> Iterator[Instruction]:
        """Every instruction, ONBUILD triggers included after their ONBUILD."""
        for inst in self.instructions:
            yield inst
            if inst.sub is not None:
                yield inst.sub


# --------------------------------------------------------------------------- word scanners


def _is_space(ch: str) -> bool:
    return ch in _GO_SPACE


def _extract_flags(args: str) -> tuple[int, list[tuple[str, int, int]]]:
    """BuildKit's extractBuilderFlags: leading ``--name[=value]`` words.

    Returns the index where the remaining arguments start and each flag as (processed word,
    start, end) with indices into ``args``.
    """
    words: list[tuple[str, int, int]] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase, word, quote, blank_ok, start = in_spaces, "", "", False, 0
    pos, n = 0, len(args)
    while pos <= n:
        ch = args[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if _is_space(ch):
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or args[pos + 1] != "-":
                return pos, words
            phase, start = in_word, pos
        if phase in (in_word, in_quote) and pos == n:
            if word != "--" and (blank_ok or word):
                words.append((word, start, pos))
            break
        if phase == in_word:
            if _is_space(ch):
                phase = in_spaces
                if word == "--":
                    return pos, words
                if blank_ok or word:
                    words.append((word, start, pos))
                word, blank_ok = "", False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, in_quote
                pos += 1
                continue
            if ch == "\\":
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = args[pos]
            word += ch
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == "\\":
            if pos + 1 == n:
                phase = in_word
                pos += 1
                continue
            pos += 1
            ch = args[pos]
        word += ch
        pos += 1
    return n, words


def parse_words(rest: str, escape: str) -> list[tuple[str, int, int]]:
    """BuildKit's parseWords: whitespace-separated words, quotes kept, with their indices."""
    words: list[tuple[str, int, int]] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase, word, quote, blank_ok, start = in_spaces, "", "", False, 0
    pos, n = 0, len(rest)
    while pos <= n:
        ch = rest[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if _is_space(ch):
                pos += 1
                continue
            phase, start = in_word, pos
        if phase in (in_word, in_quote) and pos == n:
            if blank_ok or word:
                words.append((word, start, pos))
            break
        if phase == in_word:
            if _is_space(ch):
                phase = in_spaces
                if blank_ok or word:
                    words.append((word, start, pos))
                word, blank_ok = "", False
                pos += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, in_quote
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                word += ch
                pos += 1
                ch = rest[pos]
            word += ch
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
        if ch == escape and quote != "'":
            if pos + 1 == n:
                phase = in_word
                pos += 1
                continue
            pos += 1
            word += ch
            ch = rest[pos]
        word += ch
        pos += 1
    return words


def _shell_words(line: str) -> list[tuple[str, int]]:
    """Whitespace-separated words honouring quotes and backslashes, raw (BuildKit's lexer in
    RawQuotes/RawEscapes mode, which is what it uses to find heredoc markers)."""
    words: list[tuple[str, int]] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        start, quote = i, ""
        while i < n:
            ch = line[i]
            if quote:
                if ch == "\\" and quote == '"' and i + 1 < n:
                    i += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < n:
                i += 2
                continue
            elif ch in " \t\r\n":
                break
            i += 1
        words.append((line[start:i], start))
    return words


def _unquote_heredoc_name(raw: str) -> tuple[str, bool]:
    out, quoted, quote, i = [], False, "", 0
    while i < len(raw):
        ch = raw[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(raw):
                i += 1
                out.append(raw[i])
            else:
                out.append(ch)
        elif ch in "'\"":
            quote, quoted = ch, True
        elif ch == "\\" and i + 1 < len(raw):
            quoted = True
            i += 1
            out.append(raw[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out), quoted


def _split_options(value: str, base: int) -> tuple[FlagOption, ...]:
    """Comma-separated ``key=value`` items (CSV with double quotes, as BuildKit reads --mount)."""
    options: list[FlagOption] = []
    start, quote = 0, False
    for i in range(len(value) + 1):
        if i < len(value) and value[i] == '"':
            quote = not quote
        if i == len(value) or (value[i] == "," and not quote):
            item = value[start:i]
            if item.strip():
                key, eq, val = item.partition("=")
                options.append(
                    FlagOption(
                        key.strip().lower(),
                        val.strip().strip('"') if eq else None,
                        Span(base + start, base + i),
                    )
                )
            start = i + 1
    return tuple(options)


# --------------------------------------------------------------------------- the parser


@dataclass
class _PhysLine:
    start: int  # offset of the first character
    text: str  # without "\n"; a trailing "\r" kept

    @property
    def content(self) -> str:  # BuildKit's trimNewline
        return self.text.rstrip("\r\n")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[_PhysLine] = []
        pos = 0
        for piece in text.split("\n"):
            self.lines.append(_PhysLine(pos, piece))
            pos += len(piece) + 1
        if text.endswith("\n"):
            self.lines.pop()
        self.escape = "\\"
        self.directives: list[Directive] = []
        self.directives_done = False
        self.comments: list[Comment] = []
        self.problems: list[Problem] = []
        self.instructions: list[Instruction] = []

    # -- line helpers ------------------------------------------------------------------------

    def _continuation_re(self) -> re.Pattern[str]:
        return _CONTINUATION[self.escape]

    @staticmethod
    def _lstrip(s: str) -> tuple[str, int]:
        stripped = s.lstrip(_GO_SPACES)
        return stripped, len(s) - len(stripped)

    def _is_comment(self, raw: str) -> bool:
        return self._lstrip(raw.rstrip("\r\n"))[0].startswith("#")

    def _directive(self, line: _PhysLine, content: str, offset: int) -> None:
        if self.directives_done:
            return
        match = _DIRECTIVE_RE.match(content)
        if not match or match.group(1).lower() not in DIRECTIVE_NAMES:
            self.directives_done = True
            return
        name = match.group(1).lower()
        span = Span(line.start + offset, line.start + offset + len(content))
        value_span = Span(span.start + match.start(2), span.start + match.end(2))
        if any(d.name == name for d in self.directives):
            self.problems.append(Problem(span, f"only one {name} parser directive can be used"))
            return
        directive = Directive(
            name,
            match.group(2),
            span,
            Span(span.start + match.start(1), span.start + match.end(1)),
            value_span,
        )
        self.directives.append(directive)
        if name == "escape":
            if directive.value in ("\\", "`"):
                self.escape = directive.value
            else:
                self.problems.append(
                    Problem(value_span, f"invalid escape token '{directive.value}' does not match ` or \\")
                )

    def _process(self, index: int, strip_left: bool) -> tuple[str, int]:
        """BuildKit's processLine: the content (comments dropped) and its offset in the line."""
        line = self.lines[index]
        content = line.content
        offset = 0
        if index == 0 and content.startswith("\ufeff"):
            content, offset = content[1:], 1
        if strip_left:
            content, skipped = self._lstrip(content)
            offset += skipped
        self._directive(line, content, offset)
        if self._lstrip(content)[0].startswith("#"):
            return "", offset
        return content, offset

    # -- main loop ---------------------------------------------------------------------------

    def parse(self) -> Dockerfile:
        i, n = 0, len(self.lines)
        pending_comments: list[Comment] = []
        while i < n:
            phys = self.lines[i]
            bom = 1 if i == 0 and phys.content.startswith("\ufeff") else 0  # BuildKit drops it first
            if self._is_comment(phys.text[bom:]):
                body, skipped = self._lstrip(phys.content[bom:])
                comment = Comment(
                    Span(phys.start + bom + skipped, phys.start + len(phys.content)), body[1:].strip()
                )
                self.comments.append(comment)
                pending_comments.append(comment)
            elif not phys.content.strip():
                pending_comments = []
            content, offset = self._process(i, strip_left=True)
            i += 1
            start_line = i - 1
            cont_re = self._continuation_re()
            match = cont_re.search(content)
            ended = match is None
            if match:
                content = content[: match.start()]
            if ended and not content:
                continue
            line = LogicalLine(content, [0], [phys.start + offset])
            last_content = start_line
            while not ended and i < n:
                raw = self.lines[i]
                piece, piece_offset = self._process(i, strip_left=False)
                i += 1
                if self._is_comment(raw.text):
                    continue
                if not self._lstrip(piece)[0]:
                    continue
                last_content = i - 1
                match = cont_re.search(piece)
                ended = match is None
                if match:
                    piece = piece[: match.start()]
                line.starts.append(len(line.text))
                line.sources.append(raw.start + piece_offset)
                line.text += piece
            inst = self._reused_instruction(line, start_line, i - 1)
            inst.comments = pending_comments
            pending_comments = []
            last = self.lines[last_content]
            inst.span = Span(inst.keyword_span.start, last.start + len(last.content))
            i = self._heredocs(inst, line, i)
            self.instructions.append(inst)
        if not self.instructions:
            self.problems.append(Problem(Span(0, 0), "file with no instructions"))
        return Dockerfile(
            self.text, self.instructions, self.directives, self.comments, self.problems, self.escape
        )

    def _reused_instruction(self, line: LogicalLine, start_line: int, end_line: int) -> Instruction:
        """``_instruction``, from a cache of position-free templates: in an editor, an edit changes one
        instruction and every other one is parsed again only to be moved."""
        base = line.sources[0]
        template, problems = _template(line.text, tuple(line.starts), tuple(s - base for s in line.sources),
                                       self.escape)
        self.problems.extend(Problem(_moved(p.span, base), p.message, p.severity) for p in problems)
        return _moved_instruction(template, base, line, start_line, end_line)

    def _heredocs(self, inst: Instruction, line: LogicalLine, i: int) -> int:
        target = inst.command
        if target.keyword not in HEREDOC_INSTRUCTIONS or target.json or "<<" not in line.text:
            return i
        for word, start in _shell_words(line.text):
            match = _HEREDOC_RE.match(word)
            if not match or not match.group(3):
                continue
            name, quoted = _unquote_heredoc_name(match.group(3))
            chomp = match.group(2) == "-"
            body_start = self.lines[i].start if i < len(self.lines) else len(self.text)
            body: list[str] = []
            terminator: Span | None = None
            while i < len(self.lines):
                phys = self.lines[i]
                i += 1
                candidate = phys.content.lstrip("\t") if chomp else phys.content
                if candidate == name:
                    terminator = Span(phys.start, phys.start + len(phys.content))
                    break
                body.append(phys.text + "\n")
            body_end = terminator.start if terminator else len(self.text)
            marker = line.span(start, start + len(word))
            if terminator is None:
                self.problems.append(Problem(marker, f"unterminated heredoc: no line '{name}' ends it"))
            heredoc = Heredoc(
                name,
                chomp,
                not quoted,
                int(match.group(1) or 0),
                "".join(body),
                marker,
                Span(body_start, max(body_start, body_end)),
                terminator,
            )
            target.heredocs.append(heredoc)
            inst.end_line = i - 1
            inst.span = Span(inst.span.start, terminator.end if terminator else len(self.text))
        return i

    def _instruction(self, line: LogicalLine, start_line: int, end_line: int) -> Instruction:
        text = line.text
        stripped, lead = self._lstrip(text)
        match = re.match(r"[^\t\v\f\r ]+", stripped)
        keyword_len = match.end() if match else 0
        keyword = stripped[:keyword_len]
        kw_span = line.span(lead, lead + keyword_len)
        inst = Instruction(
            keyword=keyword.upper(),
            keyword_span=kw_span,
            span=kw_span,
            start_line=start_line,
            end_line=end_line,
            line=line,
            flags=[],
            args="",
            args_span=Span(kw_span.end, kw_span.end),
            args_index=lead + keyword_len,
            json=False,
            value=[],
        )
        rest_match = _WHITESPACE_RE.match(text, lead + keyword_len)
        if rest_match is None:
            self._arguments(inst, "", lead + keyword_len)
            return inst
        rest_start = rest_match.end()
        rest = text[rest_start:]
        flag_end, flag_words = _extract_flags(rest)
        for word, start, end in flag_words:
            inst.flags.append(self._flag(word, rest_start + start, rest_start + end, line))
        args_raw = rest[flag_end:] if flag_words or flag_end else rest
        args_stripped, skipped = self._lstrip(args_raw)
        args = args_stripped.rstrip(_GO_SPACES)
        self._arguments(inst, args, rest_start + flag_end + skipped)
        return inst

    def _flag(self, word: str, start: int, end: int, line: LogicalLine) -> Flag:
        raw_text = line.text[start:end]
        body = word[2:]
        name, eq, value = body.partition("=")
        value_span: Span | None = None
        options: tuple[FlagOption, ...] = ()
        if eq:
            raw_eq = raw_text.find("=")
            value_span = line.span(start + raw_eq + 1, end)
            if "=" in value:
                raw_value = raw_text[raw_eq + 1 :]
                # Map option offsets through the logical line (flags may span continuations).
                options = tuple(
                    FlagOption(o.key, o.value, line.span(start + raw_eq + 1 + o.span.start,
                                                         start + raw_eq + 1 + o.span.end))
                    for o in _split_options(raw_value, 0)
                )
        return Flag(name.lower(), value if eq else None, word, line.span(start, end), value_span, options)

    def _arguments(self, inst: Instruction, args: str, args_start: int) -> None:
        line = inst.line
        inst.args = args
        inst.args_index = args_start
        inst.args_span = line.span(args_start, args_start + len(args))
        keyword = inst.keyword
        if keyword not in KNOWN_INSTRUCTIONS:
            inst.value = [""]
            shown = inst.keyword if len(inst.keyword) <= 40 else inst.keyword[:40] + "…"
            self.problems.append(Problem(inst.keyword_span, f"unknown instruction: {shown}"))
            return
        if not args:
            if keyword not in ("ONBUILD",):
                self.problems.append(
                    Problem(inst.keyword_span, f"{keyword} requires at least one argument", "error")
                )
            return
        if keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL"):
            self._maybe_json(inst, args, args_start, to_list=False)
        elif keyword in ("ADD", "COPY", "VOLUME"):
            self._maybe_json(inst, args, args_start, to_list=True)
        elif keyword in ("FROM", "EXPOSE"):
            self._whitespace_list(inst, args, args_start)
        elif keyword in ("ENV", "LABEL"):
            self._name_values(inst, args, args_start)
        elif keyword == "ARG":
            for word, start, end in parse_words(args, self.escape):
                inst.value.append(word)
                inst.value_spans.append(line.span(args_start + start, args_start + end))
        elif keyword == "HEALTHCHECK":
            match = re.match(r"\S+", args)
            assert match is not None  # args is stripped and non-empty
            inst.value.append(match.group())
            inst.value_spans.append(line.span(args_start, args_start + match.end()))
            rest_match = re.compile(r"\s*").match(args, match.end())
            cmd_start = rest_match.end() if rest_match else match.end()
            if cmd_start < len(args):
                self._maybe_json(inst, args[cmd_start:], args_start + cmd_start, to_list=False)
        elif keyword == "ONBUILD":
            sub = self._instruction(_tail(line, args_start, args), inst.start_line, inst.end_line)
            inst.sub = sub
            if sub.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
                self.problems.append(Problem(sub.keyword_span, f"{sub.keyword} isn't allowed as an ONBUILD trigger"))
        else:  # MAINTAINER, STOPSIGNAL, USER, WORKDIR
            inst.value.append(args)
            inst.value_spans.append(inst.args_span)

    def _maybe_json(self, inst: Instruction, args: str, args_start: int, to_list: bool) -> None:
        if args.startswith("["):
            try:
                parsed = json.loads(args, parse_constant=_reject_constant)
            except (ValueError, RecursionError):  # arrays nested too deeply for Python: not JSON, as
                parsed = None                      # beyond Go's own limit of 10,000 levels
            if isinstance(parsed, list):
                if all(isinstance(item, str) for item in parsed):
                    inst.json = True
                    inst.value.extend(parsed)
                    inst.value_spans.extend(_json_string_spans(args, args_start, inst.line))
                    return
                self.problems.append(
                    Problem(inst.args_span, "when using JSON array syntax, arrays must be comprised of strings only")
                )
                return
        if to_list:
            self._whitespace_list(inst, args, args_start)
        else:
            inst.value.append(args)
            inst.value_spans.append(inst.line.span(args_start, args_start + len(args)))

    def _whitespace_list(self, inst: Instruction, args: str, args_start: int) -> None:
        pos = 0
        for piece in _WHITESPACE_RE.split(args):
            at = args.index(piece, pos) if piece else pos
            inst.value.append(piece)
            inst.value_spans.append(inst.line.span(args_start + at, args_start + at + len(piece)))
            pos = at + len(piece)

    def _name_values(self, inst: Instruction, args: str, args_start: int) -> None:
        words = parse_words(args, self.escape)
        if not words:
            return
        line = inst.line
        if "=" not in words[0][0]:
            parts = _WHITESPACE_RE.split(args, maxsplit=1)
            if len(parts) < 2:
                self.problems.append(Problem(inst.args_span, f"{inst.keyword} must have two arguments"))
                return
            inst.value.extend(parts)
            inst.value_spans.append(line.span(args_start, args_start + len(parts[0])))
            value_at = len(args) - len(parts[1])
            inst.value_spans.append(line.span(args_start + value_at, args_start + len(args)))
            return
        for word, start, end in words:
            if "=" not in word:
                self.problems.append(
                    Problem(
                        line.span(args_start + start, args_start + end),
                        f"Syntax error - can't find = in {word!r}. Must be of the form: name=value",
                    )
                )
                continue
            key, _, value = word.partition("=")
            inst.value.extend((key, value))
            inst.value_spans.append(line.span(args_start + start, args_start + start + len(key)))
            inst.value_spans.append(line.span(args_start + start + len(key) + 1, args_start + end))


def _tail(line: LogicalLine, start: int, text: str) -> LogicalLine:
    """The part of a logical line from index ``start`` on (``text``), as a logical line of its own."""
    starts: list[int] = []
    sources: list[int] = []
    ends = [*line.starts[1:], len(line.text)]
    for piece_start, piece_end, source in zip(line.starts, ends, line.sources):
        if piece_end > start:
            starts.append(max(0, piece_start - start))
            sources.append(source + max(0, start - piece_start))
    return LogicalLine(text, starts, sources)


@lru_cache(maxsize=4096)
def _template(text: str, starts: tuple[int, ...], sources: tuple[int, ...],
              escape: str) -> tuple[Instruction, tuple[Problem, ...]]:
    """An instruction parsed as if its line began at offset 0, with the problems it has."""
    parser = _Parser("")
    parser.escape = escape
    inst = parser._instruction(LogicalLine(text, list(starts), list(sources)), 0, 0)
    return inst, tuple(parser.problems)


def _moved(span: Span, delta: int) -> Span:
    return Span(span.start + delta, span.end + delta)


def _moved_flag(flag: Flag, delta: int) -> Flag:
    return Flag(
        flag.name,
        flag.value,
        flag.raw,
        _moved(flag.span, delta),
        _moved(flag.value_span, delta) if flag.value_span else None,
        tuple(FlagOption(o.key, o.value, _moved(o.span, delta)) for o in flag.options),
    )


def _moved_instruction(template: Instruction, delta: int, line: LogicalLine, start_line: int,
                       end_line: int) -> Instruction:
    """A fresh copy of a template instruction, ``delta`` characters further into the document."""
    inst = Instruction(
        keyword=template.keyword,
        keyword_span=_moved(template.keyword_span, delta),
        span=_moved(template.span, delta),
        start_line=start_line,
        end_line=end_line,
        line=line,
        flags=[_moved_flag(flag, delta) for flag in template.flags],
        args=template.args,
        args_span=_moved(template.args_span, delta),
        args_index=template.args_index,
        json=template.json,
        value=list(template.value),
        value_spans=[_moved(span, delta) for span in template.value_spans],
    )
    if template.sub is not None:
        sub_line = _tail(line, template.args_index, template.args)
        inst.sub = _moved_instruction(template.sub, delta, sub_line, start_line, end_line)
    return inst


def _reject_constant(name: str) -> None:
    raise ValueError(f"invalid JSON constant {name}")


def _json_string_spans(args: str, args_start: int, line: LogicalLine) -> list[Span]:
    """Spans of the string literals of a JSON array (the quotes included)."""
    spans: list[Span] = []
    i = 0
    while i < len(args):
        if args[i] == '"':
            start = i
            i += 1
            while i < len(args) and args[i] != '"':
                i += 2 if args[i] == "\\" else 1
            spans.append(line.span(args_start + start, args_start + i + 1))
        i += 1
    return spans


def _binary_offset(text: str) -> int | None:
    """Where a text shows it is binary data rather than a Dockerfile: a NUL character, or a beginning
    in which more than 5% of the characters are control characters or undecodable bytes (U+FFFD)."""
    if "\x00" in text:
        return text.index("\x00")
    sample = text[:4096]
    odd = _ODD_CHARACTERS.findall(sample)
    if len(odd) >= 8 and len(odd) > len(sample) // 20:
        first = _ODD_CHARACTERS.search(sample)
        return first.start() if first else None
    return None


# Control characters other than whitespace, and the replacement character of undecodable bytes.
_ODD_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


def parse(text: str) -> Dockerfile:
    """Parse a Dockerfile. Never raises on any input string. Binary data yields one problem and no
    instructions, rather than a diagnostic for every line of noise."""
    binary_at = _binary_offset(text)
    if binary_at is not None:
        problem = Problem(Span(binary_at, binary_at + 1), "binary content: this does not look like a Dockerfile")
        return Dockerfile(text, [], [], [], [problem], "\\")
    return _Parser(text).parse()
