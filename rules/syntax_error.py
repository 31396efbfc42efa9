"""## What it does
Reports what BuildKit would reject, at the exact place and with what is wrong:

- what its parser rejects or warns about: unterminated heredocs, JSON (exec) forms that are not arrays
  of strings, `ENV`/`LABEL` without `=`, instructions without arguments, repeated or invalid parser
  directives, and files that are binary, empty or too large to analyse;
- unknown instructions, with the instruction you probably meant (`COPPY` → `COPY`);
- flags the instruction does not define (`COPY --chwon`, with `--chown` suggested; flag names are
  case-sensitive), flags given twice, flags that need a value written without one (`COPY --from`,
  and `--mount type=cache` with a space instead of `=`), boolean flags with other values than
  `true`/`false`, and values outside the accepted set for `RUN --network` (`default`, `none`, `host`)
  and `RUN --security` (`sandbox`, `insecure`);
- `RUN --mount` values BuildKit refuses: an unknown `type`, an unknown option key, a key the mount type
  does not allow (`size` on a cache mount), an option without its `=value`, and invalid `sharing`,
  `ro`/`rw`/`required`, `uid`/`gid` and `mode` values; a key that has no effect on the type (`id` on a
  bind mount) is a warning;
- an unterminated quote in the words BuildKit expands (`ENV`, `ARG`, `LABEL`, `COPY`/`ADD` sources and
  destination, `WORKDIR`, `USER`, `VOLUME`, `EXPOSE`, `STOPSIGNAL`, the `FROM` image): the build stops
  with "unexpected end of statement while looking for matching double-quote";
- as a warning, an unterminated quote in the shell form of `RUN` (the build fails when the shell
  runs it), `CMD` and `ENTRYPOINT` (the container fails to start), when a plain quote scan and
  tree-sitter-bash agree that the quote is never closed.

Values that contain a variable (`--platform=$BUILDPLATFORM`, `--mount=type=cache,id=$CACHE_ID`) are
not judged: only the build knows them. Flags of an `ONBUILD` trigger are checked as a warning: they
fail the builds `FROM` this image, not this one; `STOPSIGNAL` ignores flags (a warning too).

Where the mistake is a near miss, a fix replaces the keyword, the flag name, the mount option key or
the value with the suggestion, or writes the value after `=`. These fixes are offered as code actions
only, never applied by `--fix`: they turn a failing build into one that does something, which only you
can confirm is what you meant.

## Why is this bad?
The build fails before a single layer is produced, usually far from the editor where the mistake was
made, and BuildKit reports only the first mistake. Every other rule also works best on a file that
parses.

## Example
```dockerfile
FROM alpine
COPPY --chwon=app:app . /app
RUN --mount=type=cahce,target=/root/.cache pip install -r /app/requirements.txt
ENV GREETING="hello
```

## Use instead
```dockerfile
FROM alpine
COPY --chown=app:app . /app
RUN --mount=type=cache,target=/root/.cache pip install -r /app/requirements.txt
ENV GREETING="hello"
```

## Stages
All stages.

## References
- [Dockerfile reference](https://docs.docker.com/reference/dockerfile/)
- [RUN --mount](https://docs.docker.com/reference/dockerfile/#run---mount)
- [Parser directives](https://docs.docker.com/reference/dockerfile/#parser-directives)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.instructions import (
    GO_BOOLEANS,
    INSTRUCTIONS,
    MOUNT_DEFAULT_TYPE,
    MOUNT_KEYS,
    MOUNT_TYPES,
    MountOption,
    MountType,
    suggestion,
)
from dockls.model import DEFAULT_SHELL, Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import POSIX_SHELLS, parse_script
from dockls.syntax import Dockerfile, Flag, Instruction, parse_words
from dockls.text import Span

# BuildKit splits arguments at these characters only (not at every Unicode space).
_WORD_RE = re.compile(r"[^\t\v\f\r ]+")
_SPACES_RE = re.compile(r"[\t\v\f\r ]+")
_HEREDOC_WORD_RE = re.compile(r"^\d*<<-?[^<]+$")
_QUOTE_NAMES = {'"': "double", "'": "single"}


def check(model: Model) -> Iterator[Finding]:
    tree = model.tree
    unknown = {inst.keyword_span: inst for inst in tree.walk() if inst.keyword not in INSTRUCTIONS}
    for problem in tree.problems:
        severity = Severity.WARNING if problem.severity == "warning" else None
        inst = unknown.get(problem.span)
        if inst is not None and problem.message.startswith("unknown instruction: "):
            yield _unknown_instruction(problem.message, inst)
        else:
            yield Finding(RULE, problem.span, problem.message, severity=severity)
    for inst in tree.instructions:
        yield from _flags(tree.text, inst, in_trigger=False)
        if inst.sub is not None:
            yield from _flags(tree.text, inst.sub, in_trigger=True)
        yield from _expanded_quotes(tree, inst)
    yield from _shell_quotes(model)


def _finding(span: Span, message: str, *fixes: Fix, warning: bool = False) -> Finding:
    return Finding(RULE, span, message, fixes, severity=Severity.WARNING if warning else None)


def _replace(span: Span, new_text: str) -> Fix:
    return Fix(f"Replace with {new_text}", (Edit(span, new_text),), safe=False)


def _closest(word: str, candidates: tuple[str, ...]) -> str | None:
    """The candidate ``word`` means: the same in another case, or a near miss."""
    for candidate in candidates:
        if candidate.lower() == word.lower() and candidate != word:
            return candidate
    return suggestion(word, candidates)


def _did_you_mean(found: str | None, prefix: str = "") -> str:
    return f"; did you mean {prefix}{found}?" if found else ""


# --------------------------------------------------------------------------- instructions


def _unknown_instruction(message: str, inst: Instruction) -> Finding:
    keyword = suggestion(inst.keyword, tuple(INSTRUCTIONS))
    if keyword is None:
        return _finding(inst.keyword_span, message)
    return _finding(inst.keyword_span, f"{message}{_did_you_mean(keyword)}", _replace(inst.keyword_span, keyword))


# --------------------------------------------------------------------------- flags


@dataclass(frozen=True)
class _Written:
    """Where the parts of a flag are in the document; ``exact`` when the text there is the flag as
    BuildKit reads it (no quotes, escapes or line continuations inside), so parts can be pointed at
    and replaced."""

    name: str  # as written, case kept, without dashes
    name_span: Span  # ``--name``, or the whole flag when not exact
    value_span: Span  # the value, or the whole flag when not exact or without value
    exact: bool


def _written(text: str, flag: Flag) -> _Written:
    name = flag.raw[2:].partition("=")[0]
    head = "--" + name
    exact = text[flag.span.start:flag.span.end] == flag.raw
    if not exact:
        return _Written(name, flag.span, flag.value_span or flag.span, False)
    name_span = Span(flag.span.start, flag.span.start + len(head))
    return _Written(name, name_span, flag.value_span or flag.span, True)


def _flags(text: str, inst: Instruction, in_trigger: bool) -> Iterator[Finding]:
    spec = INSTRUCTIONS.get(inst.keyword)
    if spec is None or not inst.flags:
        return
    if not spec.checks_flags:
        for flag in inst.flags:
            yield _finding(flag.span, f"{inst.keyword} ignores flags: {flag.raw} has no effect", warning=True)
        return
    defined = spec.flags
    takes_none = f"{inst.keyword} takes no flags"
    if inst.keyword == "HEALTHCHECK" and inst.value[:1] and inst.value[0].upper() == "NONE":
        defined, takes_none = (), "HEALTHCHECK NONE takes no flags"
    names = tuple(flag_spec.name for flag_spec in defined)
    seen: set[str] = set()
    for flag in inst.flags:
        written = _written(text, flag)
        flag_spec = next((f for f in defined if f.name == written.name), None)
        if flag_spec is None:
            yield _unknown_flag(written, names, takes_none, in_trigger)
            continue
        if written.name in seen and flag_spec.kind != "repeatable":
            yield _finding(written.name_span, f"duplicate flag --{written.name}: it may be given only once",
                           warning=in_trigger)
        seen.add(written.name)
        if flag.value is None:
            if flag_spec.needs_value:
                yield _missing_value(text, inst, flag, written, in_trigger)
            continue
        if flag_spec.name == "mount":
            yield from _mount(written, flag.value, in_trigger)
        elif "$" in flag.value:
            continue  # known at build time only
        elif flag_spec.kind == "bool" and flag.value.lower() not in ("true", "false"):
            shown = "nothing after '='" if flag.value == "" else repr(flag.value)
            yield _finding(written.value_span if flag.value else flag.span,
                           f"--{written.name} takes true or false (or no value), not {shown}", warning=in_trigger)
        elif flag_spec.values and flag.value not in flag_spec.values:
            yield _bad_value(f"--{written.name}", flag.value, flag_spec.values, written.value_span,
                             written.exact and flag.value != "", in_trigger)


def _unknown_flag(written: _Written, names: tuple[str, ...], takes_none: str, in_trigger: bool) -> Finding:
    message = f"unknown flag: --{written.name}"
    if not names:
        return _finding(written.name_span, f"{message}; {takes_none}", warning=in_trigger)
    near = _closest(written.name, names)
    if near is not None and near.lower() == written.name.lower():
        message += " (flag names are case-sensitive)"
    fixes = (_replace(written.name_span, f"--{near}"),) if near is not None and written.exact else ()
    return _finding(written.name_span, f"{message}{_did_you_mean(near, '--')}", *fixes, warning=in_trigger)


def _missing_value(text: str, inst: Instruction, flag: Flag, written: _Written, in_trigger: bool) -> Finding:
    """``--from`` alone. When the value follows after a space (``--mount type=cache,…``), BuildKit
    takes it for the first argument; joining it with ``=`` is offered when arguments remain."""
    name = f"--{written.name}"
    message = f"flag {name} needs a value: {name}=…"
    gap = Span(flag.span.end, inst.args_span.start)  # only blanks when the arguments follow this flag
    words = _WORD_RE.findall(inst.args)
    # What the instruction needs left once the first word becomes the value: COPY and ADD two paths.
    needed = 2 if inst.keyword in ("COPY", "ADD") else 1
    if (written.exact and len(words) > needed and gap.end > gap.start
            and text[gap.start:gap.end].strip(" \t") == "" and not words[0].startswith(("[", "<<"))
            and (written.name != "mount" or "=" in words[0])):
        joined = f"{name}={words[0]}"
        message = f"flag {name} needs its value after '=', not after a space: {joined}"
        return _finding(flag.span, message, Fix(f"Write {joined}", (Edit(gap, "="),), safe=False),
                        warning=in_trigger)
    return _finding(flag.span, message, warning=in_trigger)


def _bad_value(what: str, value: str, accepted: tuple[str, ...], span: Span, replaceable: bool,
               in_trigger: bool) -> Finding:
    near = _closest(value, accepted) if value else None
    expected = ", ".join(accepted[:-1]) + f" or {accepted[-1]}"
    message = f"invalid value for {what}: {value!r} (expected {expected}){_did_you_mean(near)}"
    fixes = (_replace(span, near),) if near is not None and replaceable else ()
    return _finding(span, message, *fixes, warning=in_trigger)


# --------------------------------------------------------------------------- RUN --mount


@dataclass(frozen=True)
class _Field:
    """One ``key[=value]`` item of a --mount value (CSV, as BuildKit reads it)."""

    key: str  # lower-cased, as BuildKit compares it
    value: str | None
    span: Span  # the item
    key_span: Span
    value_span: Span
    exact: bool  # the spans are the key and the value themselves, so they can be replaced


def _csv_fields(value: str) -> list[tuple[str, int, int, bool]]:
    """The comma-separated fields of ``value`` with their ranges and whether each was quoted
    (``"…"``, with ``""`` for a quote inside), like Go's CSV reader. Malformed quoting yields the
    raw text of the field, which is then judged as written."""
    fields: list[tuple[str, int, int, bool]] = []
    i, n = 0, len(value)
    while True:
        start = i
        if i < n and value[i] == '"':
            out: list[str] = []
            i += 1
            while i < n and not (value[i] == '"' and value[i + 1:i + 2] != '"'):
                out.append(value[i])
                i += 2 if value[i] == '"' else 1
            closed = i < n
            i = min(i + 1, n)
            if closed and (i == n or value[i] == ","):
                fields.append(("".join(out), start, i, True))
            else:
                end = value.find(",", i)
                i = n if end < 0 else end
                fields.append((value[start:i], start, i, False))
        else:
            end = value.find(",", i)
            i = n if end < 0 else end
            fields.append((value[start:i], start, i, False))
        if i >= n:
            return fields
        i += 1


def _mount_fields(written: _Written, value: str) -> list[_Field]:
    base = written.value_span.start
    fields = []
    for content, start, end, quoted in _csv_fields(value):
        if not content:
            continue
        key, eq, item_value = content.partition("=")
        if not written.exact:
            span = written.value_span
            fields.append(_Field(key.lower(), item_value if eq else None, span, span, span, False))
            continue
        span = Span(base + start, base + end)
        exact = not quoted
        key_span = Span(span.start, span.start + len(key)) if exact else span
        value_span = Span(key_span.end + 1, span.end) if exact and eq else span
        fields.append(_Field(key.lower(), item_value if eq else None, span, key_span, value_span, exact))
    return fields


def _mount(written: _Written, value: str, in_trigger: bool) -> Iterator[Finding]:
    fields = _mount_fields(written, value)
    type_name = MOUNT_DEFAULT_TYPE
    for item in fields:
        if item.key == "type" and item.value is not None:
            type_name = item.value.lower()
    mount_type = MOUNT_TYPES.get(type_name)
    for item in fields:
        if item.key == "type":
            if item.value is not None and "$" not in item.value and mount_type is None:
                yield _bad_value("--mount type", item.value, tuple(MOUNT_TYPES), item.value_span, item.exact,
                                 in_trigger)
            elif item.value is None:
                yield _finding(item.span, "--mount option 'type' needs a value: type=…", warning=in_trigger)
            continue
        if item.key not in MOUNT_KEYS:
            yield _unknown_key(item, mount_type, in_trigger)
            continue
        option = _option(item.key, mount_type)
        if mount_type is not None:  # None for a variable type too: only the build knows its rules
            if item.key in mount_type.rejected:
                yield _finding(item.span, f"--mount option '{item.key}' is not allowed on a {type_name} mount",
                               warning=in_trigger)
                continue
            if mount_type.option(item.key) is None:
                yield _finding(item.span, f"--mount option '{item.key}' has no effect on a {type_name} mount",
                               warning=True)
                continue
        if item.value is None:
            if option.kind != "bool":
                yield _finding(item.span, f"--mount option '{item.key}' needs a value: {item.key}=…",
                               warning=in_trigger)
            continue
        if "$" not in item.value:
            yield from _option_value(item, option, in_trigger)


def _option(key: str, mount_type: MountType | None) -> MountOption:
    """The option ``key`` names, preferably as the mount type defines it."""
    found = mount_type.option(key) if mount_type is not None else None
    if found is None:
        found = next(o for t in MOUNT_TYPES.values() if (o := t.option(key)) is not None)
    return found


def _unknown_key(item: _Field, mount_type: MountType | None, in_trigger: bool) -> Finding:
    keys = mount_type.keys if mount_type is not None else tuple(sorted(MOUNT_KEYS))
    near = suggestion(item.key, keys)
    message = f"unknown --mount option '{item.key}'{_did_you_mean(near)}"
    fixes = (_replace(item.key_span, near),) if near is not None and item.exact else ()
    return _finding(item.key_span, message, *fixes, warning=in_trigger)


def _option_value(item: _Field, option: MountOption, in_trigger: bool) -> Iterator[Finding]:
    value = item.value or ""
    what = f"--mount option {item.key}"
    if option.values and value.lower() not in option.values:
        yield _bad_value(what, value, option.values, item.value_span, item.exact, in_trigger)
    elif option.kind == "bool" and value not in GO_BOOLEANS:
        yield _finding(item.value_span, f"invalid value for {what}: {value!r} (expected true or false)",
                       warning=in_trigger)
    elif option.kind == "decimal" and not (re.fullmatch(r"[0-9]+", value) and int(value) < 2**32):
        yield _finding(item.value_span, f"invalid value for {what}: {value!r} (expected a numeric id)",
                       warning=in_trigger)
    elif option.kind == "octal" and not (re.fullmatch(r"[0-7]+", value) and int(value, 8) < 2**32):
        yield _finding(item.value_span, f"invalid value for {what}: {value!r} (expected an octal mode like 0755)",
                       warning=in_trigger)


# --------------------------------------------------------------------------- quotes BuildKit expands


class _Unterminated(Exception):
    def __init__(self, quote: str, at: int) -> None:
        super().__init__(quote, at)
        self.quote, self.at = quote, at


class _OtherLexError(Exception):
    """BuildKit fails on something else than a quote (``${`` without ``}`` …): not reported here."""


class _Lexer:
    """BuildKit's word lexer (``frontend/dockerfile/shell/lex.go``), reduced to finding where it stops
    on an unterminated quote: same quote, escape and ``$`` rules, no expansion."""

    def __init__(self, word: str, escape: str) -> None:
        self.word, self.escape, self.pos = word, escape, 0

    def peek(self) -> str:
        return self.word[self.pos] if self.pos < len(self.word) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def until(self, stop: str) -> None:
        """processStopOn: the word up to ``stop`` (up to the end when ``stop`` is empty)."""
        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return
            if ch == "$":
                self.dollar()
            elif ch == "'":
                self.single_quote()
            elif ch == '"':
                self.double_quote()
            elif self.next() == self.escape:
                self.next()
        if stop:
            raise _OtherLexError

    def single_quote(self) -> None:
        start = self.pos
        self.next()
        while (ch := self.next()) != "'":
            if not ch:
                raise _Unterminated("'", start)

    def double_quote(self) -> None:
        start = self.pos
        self.next()
        while (ch := self.peek()) != '"':
            if not ch:
                raise _Unterminated('"', start)
            if ch == "$":
                self.dollar()
            elif self.next() == self.escape and self.peek() in ('"', "$", self.escape):
                self.next()
        self.next()

    def dollar(self) -> None:
        self.next()
        if self.peek() != "{":
            self.name()
            return
        self.next()
        if self.peek() in ("", "{", "}", ":"):
            raise _OtherLexError
        self.name()
        modifier = self.next()
        if modifier == "}":
            return
        if modifier == ":":
            modifier = self.next()
            self.nested("}")
        elif modifier in ("+", "-", "?", "#", "%"):
            self.nested("}")
        elif modifier == "/":
            self.nested("/")
            self.nested("}")
        if modifier not in ("+", "-", "?", "#", "%", "/"):
            raise _OtherLexError

    def nested(self, stop: str) -> None:
        """A word inside ``${…}``: any failure that reaches the end is BuildKit's "missing '}'"."""
        try:
            self.until(stop)
        except _Unterminated as error:
            raise _OtherLexError from error

    def name(self) -> None:
        ch = self.peek()
        if ch.isdigit():
            while self.peek().isdigit():
                self.next()
        elif ch and ch in "@*#?-$!0":
            self.next()
        else:
            while (ch := self.peek()) and (ch.isalnum() or ch == "_"):
                self.next()


def _unterminated_in_word(word: str, escape: str) -> tuple[str, int] | None:
    """The quote and its index where BuildKit's lexer stops on ``word``, if it stops on a quote."""
    if "'" not in word and '"' not in word:
        return None
    try:
        _Lexer(word, escape).until("")
    except _Unterminated as error:
        return error.quote, error.at
    except _OtherLexError:
        return None
    return None


def _expanded_words(tree: Dockerfile, inst: Instruction) -> Iterator[tuple[int, int]]:
    """(start, end) in ``inst.args`` of each word BuildKit runs through its lexer to expand variables."""
    args, keyword = inst.args, inst.keyword
    if keyword in ("ENV", "LABEL", "ARG"):
        words = parse_words(args, tree.escape)
        if keyword != "ARG" and words and "=" not in words[0][0]:
            gap = _SPACES_RE.search(args)  # the legacy `ENV NAME value` form: the rest is the value
            if gap is not None:
                yield 0, gap.start()
                yield gap.end(), len(args)
            return
        for word, start, end in words:
            key, eq, _ = word.partition("=")
            if eq:
                yield start, start + len(key)
                yield start + len(key) + 1, end
            elif keyword == "ARG":
                yield start, end
    elif keyword in ("WORKDIR", "USER", "STOPSIGNAL"):
        yield 0, len(args)
    elif keyword in ("COPY", "ADD", "VOLUME", "EXPOSE", "FROM") and not inst.json:
        for match in _WORD_RE.finditer(args):
            if not (inst.heredocs and _HEREDOC_WORD_RE.match(match.group())):
                yield match.start(), match.end()
            if keyword == "FROM":
                return


def _expanded_quotes(tree: Dockerfile, inst: Instruction) -> Iterator[Finding]:
    if inst.keyword not in INSTRUCTIONS or ("'" not in inst.args and '"' not in inst.args):
        return
    for start, end in _expanded_words(tree, inst):
        found = _unterminated_in_word(inst.args[start:end], tree.escape)
        if found is None:
            continue
        quote, at = found
        span = inst.line.span(inst.args_index + start + at, inst.args_index + end)
        kind = _QUOTE_NAMES[quote]
        message = (f"unterminated {kind} quote: BuildKit stops with \"unexpected end of statement while looking "
                   f"for matching {kind}-quote\"")
        if inst.keyword in ("COPY", "ADD", "VOLUME") and quote in inst.args[end:]:
            message += (f"; {inst.keyword} splits its arguments at spaces before it reads quotes: "
                        "use the JSON form for a path with spaces")
        yield _finding(span, message)
        return  # BuildKit stops there; a later quote is often this one's other half


# --------------------------------------------------------------------------- quotes in shell commands


def _unterminated_in_shell(script: str) -> tuple[str, int] | None:
    """A POSIX shell quote scan: the quote (and its index) that is still open at the end, honouring
    backslash escapes, single, double and ``$'…'`` quotes and ``#`` comments."""
    i, n = 0, len(script)
    word_start = True
    while i < n:
        ch = script[i]
        if ch == "\\":
            i += 2
        elif ch == "'" or (ch == "$" and script[i + 1:i + 2] == "'"):
            ansi = ch == "$"
            j = i + (2 if ansi else 1)
            while j < n and script[j] != "'":
                j += 2 if ansi and script[j] == "\\" else 1
            if j >= n:
                return "'", i + (1 if ansi else 0)
            i = j + 1
        elif ch == '"':
            j = i + 1
            while j < n and script[j] != '"':
                j += 2 if script[j] == "\\" else 1
            if j >= n:
                return '"', i
            i = j + 1
        elif ch == "#" and word_start:
            newline = script.find("\n", i)
            i = n if newline < 0 else newline
        else:
            i += 1
        word_start = ch in " \t\n;&|()"
    return None


def _shells(model: Model) -> dict[int, tuple[str, ...]]:
    """The SHELL in force at each CMD and ENTRYPOINT, by ``id`` of the instruction."""
    shells: dict[int, tuple[str, ...]] = {}
    shell: tuple[str, ...] = DEFAULT_SHELL
    for inst in model.tree.instructions:
        if inst.keyword == "FROM":
            stage = model.stage_of(inst)
            shell = stage.parent.shell if stage is not None and stage.parent is not None else DEFAULT_SHELL
        elif inst.keyword == "SHELL" and inst.json and inst.value:
            shell = tuple(inst.value)
        elif inst.keyword in ("CMD", "ENTRYPOINT"):
            shells[id(inst)] = shell
    return shells


def _is_posix(shell: tuple[str, ...], escape: str) -> bool:
    # A backtick escape means a Windows image, whose default shell is cmd.
    return posixpath.basename(shell[0]) in POSIX_SHELLS and not (shell is DEFAULT_SHELL and escape == "`")


def _shell_quotes(model: Model) -> Iterator[Finding]:
    checked: list[tuple[Instruction, str]] = []
    for run in model.runs:
        if run.holder is run.instruction and not run.opaque and not run.instruction.json and run.shell_errors:
            checked.append((run.instruction, "the build will fail"))
    shells = _shells(model)
    for inst in model.tree.instructions:
        shell = shells.get(id(inst))
        if (shell is not None and not inst.json and inst.args and _is_posix(shell, model.tree.escape)
                and parse_script(inst.args, lambda i: 0).has_errors):
            checked.append((inst, "the container will fail to start"))
    for inst, consequence in checked:
        found = _unterminated_in_shell(inst.args)
        if found is None:
            continue
        quote, at = found
        span = inst.line.span(inst.args_index + at, inst.args_index + len(inst.args))
        yield _finding(span, f"unterminated {_QUOTE_NAMES[quote]} quote in the shell command: {consequence}",
                       warning=True)


RULE = Rule(
    id="DKL000",
    name="syntax-error",
    summary="The Dockerfile does not parse the way BuildKit needs it to",
    severity=Severity.ERROR,
    category="syntax",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
