"""Merging consecutive RUN instructions into one, with ``&&`` or as a heredoc — shared by the
consecutive-run rule's fixes and the "combine RUNs" refactoring. See rules/consecutive_run.py for when
a merge means exactly what the separate RUNs meant."""

from __future__ import annotations

import itertools
import posixpath
import re
from collections.abc import Sequence

from tree_sitter import Node

from dockls.edits import (
    ShellPart,
    chain_after,
    indent_of,
    line_body,
    line_start,
    newline_of,
    syntax_directive,
    top_level_parts,
)
from dockls.model import Model, Run
from dockls.rule import Edit, Fix
from dockls.shell import STATEFUL_BUILTINS
from dockls.syntax import Dockerfile, Instruction
from dockls.text import Span

# Commands that start something which keeps running after they return.
DAEMON_STARTERS = frozenset({
    "service", "systemctl", "nohup", "setsid", "start-stop-daemon", "rc-service", "openrc", "daemonize",
})
# Parameter expansions and arithmetic that assign variables: ${x=1}, ${x:=1}, $((i++)), $((x+=1)) …
ASSIGNING_TOKENS = frozenset({"=", ":=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=", "++", "--"})
# Comments addressed to a tool (`# dockls ignore=…`, `# hadolint ignore=…`) apply to the instruction below.
_DIRECTIVE_COMMENT = re.compile(r"\b(ignore|disable)\s*=", re.IGNORECASE)
# `# syntax=` values that select Docker's Dockerfile frontend, and the version in its tag.
_DOCKERFILE_FRONTEND = re.compile(
    r"(?:docker\.io/)?docker/dockerfile(?:-upstream)?(?::(?P<tag>[^@\s]+))?(?P<digest>@\S+)?")
_FRONTEND_VERSION = re.compile(r"(\d+)(?:\.(\d+))?(?:\.\d+)?(-labs)?")
# The shell state of a subshell or a command substitution ends with it.
OWN_SHELL = frozenset({"subshell", "command_substitution", "process_substitution"})


def merge_runs(model: Model, group: list[Run]) -> tuple[Fix | None, str]:
    """The fix merging ``group`` into its first RUN, or why there is none."""
    text = model.text
    for position, run in enumerate(group):
        inst = run.instruction
        where = f"the RUN on line {inst.start_line + 1}"
        if run.opaque:
            return None, f"{where} does not run in a POSIX shell"
        if inst.heredocs:
            return None, f"{where} uses a heredoc"
        parts = top_level_parts(inst.args)
        if parts is None or run.shell_errors:
            return None, f"{where} is not valid shell"
        problem = background(parts) or _chain_problem(parts, first=position == 0) or (
            state_change(parts) if position < len(group) - 1 else None)
        if problem:
            return None, f"{where} {problem}"
    first = group[0].instruction
    after = chain_after(text, first, model.tree.escape, multiline=True)
    if after is None:
        return None, f"the RUN on line {first.start_line + 1} cannot be extended with `&&`"
    at, separator = after
    # The separator's line break: comment lines from between the RUNs go right after it.
    head, newline, tail = separator.partition(newline_of(text))
    indent = tail[: len(tail) - len(tail.lstrip())]
    merged: list[str] = []
    directives: list[str] = []
    for before, run in itertools.pairwise(group):
        inside = []
        for comment in _comment_lines(text, before, run):
            if _DIRECTIVE_COMMENT.search(comment):
                directives.append(indent_of(text, first.keyword_span.start) + comment + newline)
            else:
                inside.append(indent + comment + newline)
        body = text[run.instruction.args_span.start : run.instruction.args_span.end]
        merged.append(head + newline + "".join(inside) + tail + body)
    edits = [Edit(Span(at, group[-1].instruction.span.end), "".join(merged))]
    if directives:
        above = line_start(text, first.keyword_span.start)
        edits.insert(0, Edit(Span(above, above), "".join(directives)))
    return Fix(f"Merge the {len(group)} RUN instructions into one", tuple(edits)), ""


def heredocs_allowed(tree: Dockerfile) -> bool:
    """Whether the file's syntax directive selects a Dockerfile frontend with RUN heredocs: 1.4 or later
    (``docker/dockerfile:1``, ``:1.4``, ``:1.10.0``, ``:latest`` …) or the labs channel from 1.3."""
    directive = tree.directive("syntax")
    match = _DOCKERFILE_FRONTEND.fullmatch(directive.value.strip()) if directive is not None else None
    if match is None:
        return False
    if match.group("tag") is None:
        return match.group("digest") is None  # untagged is latest; a bare digest may pin any version
    tag = match.group("tag")
    if tag in ("latest", "labs", "master", "master-labs"):
        return True
    version = _FRONTEND_VERSION.fullmatch(tag)
    if version is None:
        return False
    major, minor, labs = int(version.group(1)), version.group(2), version.group(3)
    if major != 1 or minor is None:
        return major >= 1
    return int(minor) >= 4 or (labs is not None and int(minor) >= 3)


def merge_runs_heredoc(model: Model, group: list[Run], *, add_directive: bool = False) -> Fix | None:
    """The same merge as one heredoc RUN, one command per line, when the syntax directive allows it
    (or, with ``add_directive``, when the file has none: the fix then adds ``# syntax=docker/dockerfile:1``).

    BuildKit hands a heredoc to the shell without ``-e``: only the last line's status would count. So
    the commands stay chained with ``&&`` at the line ends, exactly as in the ``&&`` merge; ``set -e``
    would not do, as it ignores a failure on the left of ``&&`` and changes subshells and groups.
    """
    text = model.text
    # A CRLF file would hand the shell a "\r" at the end of every line of the heredoc.
    directive = syntax_directive(text, model.tree) if add_directive else None
    if not (heredocs_allowed(model.tree) or directive) or model.tree.escape != "\\" or "\r" in text:
        return None
    first = group[0].instruction
    indent = indent_of(text, first.keyword_span.start)
    lines: list[tuple[str, bool]] = []  # (line, whether it is a command, which may need `&&`)
    directives: list[str] = []
    for position, run in enumerate(group):
        for comment in _comment_lines(text, group[position - 1], run) if position else ():
            if _DIRECTIVE_COMMENT.search(comment):
                directives.append(indent + comment + "\n")
            else:
                lines.append((indent + comment, False))
        lines.extend((indent + command, True) for command in chained_commands(text, run.instruction))
    last = max(k for k, (_, is_command) in enumerate(lines) if is_command)
    body = "".join(f"{line} &&\n" if is_command and k < last else f"{line}\n"
                   for k, (line, is_command) in enumerate(lines))
    delimiter = heredoc_delimiter(body)
    # The terminator stays unindented: with `<<EOF` only a line that is exactly `EOF` ends the body.
    edits = [Edit(Span(first.args_span.start, group[-1].instruction.span.end), f"<<{delimiter}\n{body}{delimiter}")]
    if directives:
        above = line_start(text, first.keyword_span.start)
        edits.insert(0, Edit(Span(above, above), "".join(directives)))
    if directive is not None:
        edits.insert(0, directive)
    return Fix(f"Merge the {len(group)} RUN instructions into one heredoc RUN", tuple(edits))


def heredoc_delimiter(body: str) -> str:
    """A heredoc delimiter that no line of ``body`` could be mistaken for."""
    return next(name for name in ("EOF", "EOT", "SCRIPT", "END_OF_SCRIPT")
                if all(line.strip() != name for line in body.split("\n")))


def chained_commands(text: str, inst: Instruction) -> list[str]:
    """The RUN's shell text split at its top-level ``&&``, each piece as written — continuation lines
    kept — unless only the joined text means the same to the shell: a Dockerfile comment line or a
    quote inside the piece, or trailing blanks after a continuation's backslash."""
    body = line_body(inst)
    parts = top_level_parts(body.source) or ()
    pieces: list[list[ShellPart]] = [[]]
    for part in parts:
        if part.kind == "&&":
            pieces.append([])
        else:
            pieces[-1].append(part)
    commands = []
    for piece in filter(None, pieces):
        start, end = piece[0].start, piece[-1].end
        written = text[body.start_at(start) : body.end_at(end)]
        lines = written.split("\n")
        if len(lines) > 1 and ("'" in written or any(not line.endswith("\\") for line in lines[:-1])
                               or any(line.lstrip().startswith("#") for line in lines[1:])):
            written = body.source[start:end]
        commands.append(written)
    return commands


def _chain_problem(parts: Sequence[ShellPart], *, first: bool) -> str | None:
    """Whether ``prev && <this text>`` still fails when ``prev`` fails (and the text can be extended)."""
    if any(part.kind == "comment" for part in parts):
        return "ends with a comment"
    if not parts[-1].is_operand:
        return f"ends with `{parts[-1].kind}`"
    operators = {part.kind for part in parts if not part.is_operand}
    allowed = {"&&", "||", ";", "\n"} if first else {"&&"}
    extra = sorted(operators - allowed)
    if extra:
        shown = ", ".join("a line break" if op == "\n" else f"`{op}`" for op in extra)
        return f"has {shown} between its commands, so after `&&` a failure before it would be ignored"
    return None


def state_change(parts: Sequence[ShellPart]) -> str | None:
    """What in the text changes the shell's state for the commands after it, if anything."""
    stack = [part.node for part in parts if part.node is not None]
    while stack:
        node = stack.pop()
        if node.type in OWN_SHELL:
            continue
        reason = _stateful(node)
        if reason:
            return f"{reason}, which would carry over to the commands merged after it"
        stack.extend(node.children)
    return None


def _stateful(node: Node) -> str | None:
    kind = node.type
    if kind in ("declaration_command", "unset_command"):
        return f"runs `{_text(node.children[0])}`"
    if kind == "function_definition":
        return "defines a shell function"
    if kind == "variable_assignment" and node.parent is not None and node.parent.type != "command":
        return f"sets the variable `{_text(node.children[0])}`"
    if kind in ("expansion", "arithmetic_expansion") and _has_token(node, ASSIGNING_TOKENS):
        return f"assigns a variable in `{_text(node)}`"
    if kind == "command":
        words = _command_words(node)
        name = words[0] if words else ""
        if name in ("command", "builtin") and len(words) > 1:
            name = words[1]
        if name in STATEFUL_BUILTINS or (name == "printf" and "-v" in words):
            return f"runs `{name}`"
    return None


def background(parts: Sequence[ShellPart]) -> str | None:
    """Whether the text leaves a process running (anywhere, subshells included)."""
    stack = [part.node for part in parts if part.node is not None]
    while stack:
        node = stack.pop()
        if node.type == "&":
            return "starts a background job (`&`) that would keep running during the commands after it"
        if node.type == "command":
            words = _command_words(node)
            name = posixpath.basename(words[0]) if words else ""
            if name in DAEMON_STARTERS or "/init.d/" in (words[0] if words else ""):
                return f"starts a service with `{name}` that would keep running during the commands after it"
        stack.extend(node.children)
    return None


def _command_words(node: Node) -> list[str]:
    name = node.child_by_field_name("name")
    return [_text(name), *(_text(arg) for arg in node.children_by_field_name("argument"))] if name else []


def _has_token(node: Node, tokens: frozenset[str]) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if not current.is_named and current.type in tokens:
            return True
        stack.extend(current.children)
    return False


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _comment_lines(text: str, before: Run, after: Run) -> list[str]:
    """The comment lines between two RUNs, stripped."""
    gap = text[before.instruction.span.end : line_start(text, after.instruction.keyword_span.start)]
    return [line.strip() for line in gap.split("\n")[1:] if line.lstrip().startswith("#")]


