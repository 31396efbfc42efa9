"""Completion proposals at an offset of a Dockerfile.

The context is read from the text of the logical line before the cursor (continuations joined, so a
flag or a word started on an earlier line still counts), which is what a half-typed line has: ``RU``,
``COPY --f``, ``RUN --mount=type=ca``, ``FROM pyth``, ``${TA``. The syntax tree only tells where the
cursor is (an instruction, a heredoc body, a comment, the directive header) and the model what is
known there (stages, ARG/ENV in scope, the commands of a RUN).

Nothing is proposed past the end of the text, inside heredoc bodies, or in comments other than parser
directives in the header.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Literal

from dockls import caches, images
from dockls.instructions import INSTRUCTIONS, MOUNT_DEFAULT_TYPE, MOUNT_TYPES, InstructionSpec, MountType
from dockls.model import PLATFORM_ARGS, PROXY_ARGS, Model, Run, Stage, expand
from dockls.snippets import TEMPLATES, render, to_snippet
from dockls.syntax import Instruction, LogicalLine
from dockls.text import Span

ProposalKind = Literal["keyword", "flag", "value", "variable", "image", "stage", "directive", "template", "folder"]


@dataclass(frozen=True)
class Proposal:
    label: str
    kind: ProposalKind
    span: Span  # the text the proposal replaces
    insert_text: str  # plain text, placeholders filled with their defaults
    snippet: str | None = None  # LSP snippet syntax, when the proposal has placeholders
    detail: str = ""
    documentation: str = ""  # markdown
    sort_key: str = ""
    filter_text: str | None = None  # when the client should match the typed text against something else


# Arguments inserted after an instruction keyword by a snippet-capable client.
_ARGUMENTS: dict[str, str] = {
    "ADD": "{{1:source}} {{2:destination}}",
    "ARG": "{{1:NAME}}",
    "CMD": '["{{1:executable}}"{{2}}]',
    "COPY": "{{1:source}} {{2:destination}}",
    "ENTRYPOINT": '["{{1:executable}}"{{2}}]',
    "ENV": "{{1:NAME}}={{2:value}}",
    "EXPOSE": "{{1:8080}}",
    "FROM": "{{1:image}}",
    "HEALTHCHECK": "CMD {{1:command}}",
    "LABEL": '{{1:key}}="{{2:value}}"',
    "RUN": "{{1:command}}",
    "SHELL": '["{{1:/bin/bash}}", "-o", "pipefail", "-c"]',
    "STOPSIGNAL": "{{1:SIGTERM}}",
    "USER": "{{1:user}}",
    "VOLUME": '["{{1:/data}}"]',
    "WORKDIR": "{{1:/app}}",
}
# MAINTAINER is deprecated: never proposed. Before the first FROM only ARG and FROM are allowed.
_PROPOSED_KEYWORDS = tuple(name for name in INSTRUCTIONS if name != "MAINTAINER")
_BEFORE_FROM = ("ARG", "FROM")
_NOT_TRIGGERS = frozenset({"ONBUILD", "FROM", "MAINTAINER"})
_DIRECTIVES: tuple[tuple[str, str, str], ...] = (
    ("syntax", "# syntax=docker/dockerfile:1",
     "Pin the Dockerfile frontend to the latest stable 1.x: new Dockerfile features without a BuildKit upgrade."),
    ("escape", "# escape=`", "Use the backtick as escape character (Windows paths keep their backslashes)."),
    ("check", "# check=error=true", "Fail the build when a build check reports a problem."),
    ("check", "# check=skip=", "Skip the named build checks (comma-separated)."),
)
_PLATFORMS: tuple[tuple[str, str], ...] = (
    ("$BUILDPLATFORM", "the platform of the builder: compile natively, cross-compile for $TARGETPLATFORM"),
    ("$TARGETPLATFORM", "the platform being built (the default)"),
    ("linux/amd64", "a fixed platform: x86-64"),
    ("linux/arm64", "a fixed platform: 64-bit ARM"),
)
_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGWINCH")
_WORD_END = re.compile(r"[^\s,=\"']*")
_NAME_END = re.compile(r"[A-Za-z0-9_]*")
_VARIABLE = re.compile(r"\$(\{?)([A-Za-z_][A-Za-z0-9_]*)?$")
_DIRECTIVE_LINE = re.compile(r"^\ufeff?[\t\v\f\r ]*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=")


def complete(source: Model | str, offset: int) -> list[Proposal]:
    """Proposals at ``offset`` (a code-point offset into the text), best first within each kind."""
    model = source if isinstance(source, Model) else Model.from_text(source)
    text = model.text
    if not 0 <= offset <= len(text) or _in_heredoc(model, offset):
        return []
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start:offset]
    stripped = before.lstrip(" \t\ufeff")
    if stripped.startswith("#"):
        return _directives(model, offset, line_start, line_end) if _in_header(model, line_start) else []
    holder = _instruction_at(model, offset)
    if holder is None:
        if stripped or text[offset:line_end].strip() or _continues(model, line_start):
            return []
        return _empty_line(model, offset, line_start)
    index = _logical_index(holder.line, offset)
    if index is None:
        return []
    return _in_instruction(model, holder, holder.line.text[:index], offset, trigger=False)


# --------------------------------------------------------------------------- where the cursor is


def _in_heredoc(model: Model, offset: int) -> bool:
    for inst in model.tree.walk():
        for heredoc in inst.heredocs:
            end = heredoc.terminator_span.end if heredoc.terminator_span else len(model.text)
            if heredoc.body_span.start <= offset <= end:
                return True
    return False


def _instruction_at(model: Model, offset: int) -> Instruction | None:
    for inst in model.tree.instructions:
        if inst.keyword_span.start <= offset <= inst.span.end:
            return inst
        if inst.span.start > offset:
            break
    return None


def _logical_index(line: LogicalLine, offset: int) -> int | None:
    """The index in ``line.text`` of the document ``offset``; None where the line has no text there
    (after a continuation character, on a comment line between continued lines)."""
    for piece in range(len(line.starts) - 1, -1, -1):
        if line.sources[piece] <= offset:
            index = line.starts[piece] + offset - line.sources[piece]
            end = line.starts[piece + 1] if piece + 1 < len(line.starts) else len(line.text)
            return index if index <= end else None
    return None


def _continues(model: Model, line_start: int) -> bool:
    """Whether the line at ``line_start`` continues an instruction (the one before ends with the escape)."""
    before = model.text[:line_start].rstrip("\r\n")
    last = before[before.rfind("\n") + 1:].rstrip(" \t\r")
    return last.endswith(model.tree.escape) and not last.lstrip().startswith("#")


def _in_header(model: Model, line_start: int) -> bool:
    """Whether a parser directive on the line at ``line_start`` would still count: every line before it
    is one (BuildKit stops looking at the first other line, blank lines included)."""
    if line_start == 0:
        return True
    return all(_DIRECTIVE_LINE.match(line) for line in model.text[:line_start - 1].split("\n"))


def _has_from_before(model: Model, offset: int) -> bool:
    return any(stage.from_instruction.span.start < offset for stage in model.stages)


# --------------------------------------------------------------------------- lines without an instruction


def _empty_line(model: Model, offset: int, line_start: int) -> list[Proposal]:
    here = Span(offset, offset)
    proposals: list[Proposal] = []
    if not model.tree.instructions:
        proposals.extend(_templates(model, here))
    if _in_header(model, line_start):
        line_end = model.text.find("\n", offset)
        proposals.extend(_directives(model, offset, line_start, len(model.text) if line_end < 0 else line_end))
    names = _BEFORE_FROM if not _has_from_before(model, offset) else _PROPOSED_KEYWORDS
    proposals.extend(_keywords(names, here))
    return proposals


def _templates(model: Model, span: Span) -> list[Proposal]:
    has_syntax = model.tree.directive("syntax") is not None
    proposals = []
    for position, template in enumerate(TEMPLATES.values()):
        body = template.body
        if has_syntax:  # the file already pins a frontend: keep one directive
            body = body.split("\n", 1)[1]
        proposals.append(Proposal(
            label=f"multi-stage: {template.name}", kind="template", span=span, insert_text=render(body),
            snippet=to_snippet(body), detail=template.title, documentation=template.description,
            sort_key=f"0{position:02d}", filter_text=template.name,
        ))
    return proposals


def _directives(model: Model, offset: int, line_start: int, line_end: int) -> list[Proposal]:
    """Directives not yet given, replacing the comment being typed (from its ``#``) or inserted at the
    cursor on a blank line."""
    line = model.text[line_start:line_end].rstrip("\r")
    present = {directive.name for directive in model.tree.directives
               if not line_start <= directive.span.start < line_start + len(line)}
    hash_at = line.find("#")
    span = Span(line_start + hash_at, line_start + len(line)) if hash_at >= 0 else Span(offset, offset)
    return [Proposal(label=text, kind="directive", span=span, insert_text=text, detail="parser directive",
                     documentation=doc, sort_key=f"1{position}", filter_text=text)
            for position, (name, text, doc) in enumerate(_DIRECTIVES) if name not in present]


def _keywords(names: tuple[str, ...] | list[str], span: Span) -> list[Proposal]:
    proposals = []
    for name in names:
        spec = INSTRUCTIONS[name]
        arguments = _ARGUMENTS.get(name)
        proposals.append(Proposal(
            label=name, kind="keyword", span=span, insert_text=f"{name} ",
            snippet=f"{name} {to_snippet(arguments)}" if arguments else None, detail=spec.description,
            documentation=f"[Dockerfile reference](https://docs.docker.com/reference/dockerfile/#{name.lower()})",
            sort_key=f"2{name}",
        ))
    return proposals


# --------------------------------------------------------------------------- inside an instruction


def _in_instruction(model: Model, holder: Instruction, prefix: str, offset: int, trigger: bool) -> list[Proposal]:
    """``prefix`` is the logical line from the keyword (of the trigger, for ONBUILD) to the cursor."""
    text = model.text
    match = re.match(r"(\S*)(\s*)", prefix)
    assert match is not None  # the pattern matches any string
    word, space = match.group(1), match.group(2)
    if not space:
        span = Span(_start(text, offset, word), offset + _length(_NAME_END, text, offset))
        if trigger:
            return _keywords([name for name in _PROPOSED_KEYWORDS if name not in _NOT_TRIGGERS], span)
        names = _BEFORE_FROM if not _has_from_before(model, offset) else _PROPOSED_KEYWORDS
        return _keywords(names, span)
    keyword = word.upper()
    rest = prefix[match.end():]
    if keyword == "ONBUILD" and not trigger:
        return _in_instruction(model, holder, rest, offset, trigger=True)
    spec = INSTRUCTIONS.get(keyword)
    if spec is None:
        return []
    token = "" if not rest or rest[-1].isspace() else rest.rsplit(None, 1)[-1]
    words = rest[: len(rest) - len(token)].split()
    flags_done = any(not item.startswith("--") for item in words)
    token_span = Span(_start(text, offset, token), offset + _length(_WORD_END, text, offset))

    variable = _VARIABLE.search(token)
    if variable and not _escaped(token, variable.start(), model.tree.escape):
        return _variables(model, holder, variable, offset)
    if not flags_done and token.startswith("-"):
        name, eq, value = token[2:].partition("=")
        if eq:
            return _flag_values(model, holder, keyword, name, value, offset)
        return _flags(spec, words, token_span)
    proposals: list[Proposal] = []
    if not flags_done and not token:
        proposals.extend(_flags(spec, words, token_span))
    first_argument = next((i for i, item in enumerate(words) if not item.startswith("--")), len(words))
    proposals.extend(_arguments(model, holder, keyword, len(words) - first_argument, token_span))
    return proposals


def _start(text: str, offset: int, typed: str) -> int:
    """Where ``typed``, the end of the logical line, starts in the document; the cursor itself when a
    continuation splits it (the replaced range must stay on the cursor's line)."""
    start = offset - len(typed)
    return start if start >= 0 and text[start:offset] == typed else offset


def _length(pattern: re.Pattern[str], text: str, offset: int) -> int:
    """How many characters from ``offset`` on belong to the word the cursor is in."""
    match = pattern.match(text, offset)
    return match.end() - offset if match else 0


def _escaped(token: str, index: int, escape: str) -> bool:
    return index > 0 and token[index - 1] == escape


def _flags(spec: InstructionSpec, words: list[str], span: Span) -> list[Proposal]:
    given = {item[2:].partition("=")[0] for item in words if item.startswith("--")}
    proposals = []
    for position, flag in enumerate(spec.flags):
        if flag.name in given and flag.kind != "repeatable":
            continue
        insert = f"--{flag.name}=" if flag.needs_value else f"--{flag.name}"
        proposals.append(Proposal(
            label=f"--{flag.name}", kind="flag", span=span, insert_text=insert,
            detail=flag.description + (" (needs `# syntax=docker/dockerfile:1-labs`)" if flag.labs else ""),
            sort_key=f"3{position:02d}",
        ))
    return proposals


def _arguments(model: Model, holder: Instruction, keyword: str, index: int, span: Span) -> list[Proposal]:
    if keyword == "FROM":
        if index == 0:
            return _stages(model, holder, span) + _images(span)
        if index == 1:
            return [Proposal(label="AS", kind="keyword", span=span, insert_text="AS ",
                             detail="name this stage", sort_key="0")]
        return []
    if keyword == "ARG" and index == 0:
        return [Proposal(label=name, kind="variable", span=span, insert_text=name,
                         detail="predefined platform ARG: declare it to use it in this stage", sort_key=f"4{name}")
                for name in PLATFORM_ARGS]
    if keyword == "HEALTHCHECK" and index == 0:
        return [Proposal(label="CMD", kind="keyword", span=span, insert_text="CMD ", snippet="CMD ${1:command}",
                         detail="the command that checks the container", sort_key="0"),
                Proposal(label="NONE", kind="keyword", span=span, insert_text="NONE",
                         detail="disable the health check inherited from the base image", sort_key="1")]
    if keyword == "STOPSIGNAL" and index == 0:
        return [Proposal(label=signal, kind="value", span=span, insert_text=signal, sort_key=f"{position}")
                for position, signal in enumerate(_SIGNALS)]
    return []


def _stages(model: Model, holder: Instruction, span: Span) -> list[Proposal]:
    """Stages defined before ``holder`` other than its own."""
    current = model.stage_of(holder)
    proposals = []
    for stage in model.stages:
        if stage.from_instruction.span.start >= holder.span.start:
            break
        if stage is current:
            continue
        label = stage.name or str(stage.index)
        proposals.append(Proposal(
            label=label, kind="stage", span=span, insert_text=label,
            detail=f"stage {stage.index}: FROM {stage.image or '?'}", sort_key=f"0{stage.index:04d}",
        ))
    return proposals


@functools.cache
def _image_catalogue() -> tuple[Proposal, ...]:
    """Every image the data set knows with a current reading, smallest first within a family."""
    found = []
    for reference in images.references():
        info = images.lookup(reference)
        if info is None or info.stale or info.deprecated or images.is_eol(reference):
            continue
        size = info.compressed_bytes
        if size is not None and info.data_date:
            detail = f"{images.format_size(size)} download, as of {info.data_date}"
        elif size is not None:
            detail = f"{images.format_size(size)} download"
        elif info.on_disk_bytes is not None:
            detail = f"about {images.format_size(info.on_disk_bytes)} on disk (vendor figure)"
        else:
            detail = ""
        family = info.family or reference.split(":", 1)[0]
        found.append(Proposal(
            label=reference, kind="image", span=Span(0, 0), insert_text=reference, detail=detail,
            documentation=_image_doc(info), sort_key=f"1{family}\x00{size or 0:015d}\x00{reference}",
        ))
    return tuple(found)


def _image_doc(info: images.ImageInfo) -> str:
    lines = []
    if info.variant or info.family:
        lines.append(f"**{info.family or info.reference}** — {info.variant or 'image'}")
    if info.resolved:
        lines.append(f"Resolved to `{info.resolved}` when read.")
    if info.notes:
        lines.append(info.notes)
    if info.alternatives:
        smaller = ", ".join(f"`{item.reference}` ({item.delta_pct:+d}%)" for item in info.alternatives)
        lines.append(f"Smaller: {smaller}")
    source = info.source + (f", {info.source_path}" if info.source_path else "")
    lines.append(f"Source: {source}" + (f" @ {info.source_commit[:7]}" if info.source_commit else ""))
    return "\n\n".join(lines)


def _images(span: Span) -> list[Proposal]:
    return [replace(proposal, span=span) for proposal in _image_catalogue()]


# --------------------------------------------------------------------------- flag values


def _flag_values(model: Model, holder: Instruction, keyword: str, name: str, value: str,
                 offset: int) -> list[Proposal]:
    span = Span(_start(model.text, offset, value), offset + _length(_WORD_END, model.text, offset))
    spec = INSTRUCTIONS[keyword].flag(name)
    if spec is None:
        return []
    if name == "mount":
        return _mount(model, holder, value, offset)
    if name == "from":
        return _stages(model, holder, span)
    if name == "platform":
        return [Proposal(label=platform, kind="value", span=span, insert_text=platform, detail=detail,
                         sort_key=str(position)) for position, (platform, detail) in enumerate(_PLATFORMS)]
    return [Proposal(label=item, kind="value", span=span, insert_text=item, sort_key=str(position))
            for position, item in enumerate(spec.values)]


def _mount(model: Model, holder: Instruction, value: str, offset: int) -> list[Proposal]:
    items = value.split(",")
    current, earlier = items[-1], items[:-1]
    options = dict(item.partition("=")[::2] for item in earlier)
    mount_type = MOUNT_TYPES.get(options.get("type", MOUNT_DEFAULT_TYPE).lower())
    if mount_type is None:
        return []
    key, eq, partial = current.partition("=")
    if not eq:
        return _mount_keys(mount_type, options, Span(_start(model.text, offset, current), offset))
    span = Span(_start(model.text, offset, partial), offset)
    if key == "type":
        return [Proposal(label=name, kind="value", span=span, insert_text=name, detail=mount.description,
                         sort_key=f"{position}")
                for position, (name, mount) in enumerate(MOUNT_TYPES.items())]
    option = mount_type.option(key)
    if option is None:
        return []
    if mount_type.name == "cache" and option.key == "target":
        return _cache_targets(model, holder, options, span)
    if option.key == "from":
        return _stages(model, holder, span)
    values = option.values or (("true", "false") if option.kind == "bool" else ())
    return [Proposal(label=item, kind="value", span=span, insert_text=item, sort_key=str(position))
            for position, item in enumerate(values)]


def _mount_keys(mount_type: MountType, options: dict[str, str], span: Span) -> list[Proposal]:
    proposals = []
    for position, option in enumerate(mount_type.options):
        if any(name in options for name in option.names):
            continue
        insert = option.key if option.kind == "bool" else f"{option.key}="
        proposals.append(Proposal(label=option.key, kind="value", span=span, insert_text=insert,
                                  detail=option.description, sort_key=f"{position:02d}"))
    return proposals


def _cache_targets(model: Model, holder: Instruction, options: dict[str, str], span: Span) -> list[Proposal]:
    """The cache folders of the package tools the RUN runs, for its user and environment."""
    run = _run_of(model, holder)
    if run is None:
        return []
    context = caches.Context.of(model, run)
    proposals: dict[str, Proposal] = {}
    for command in run.commands:
        tool = caches.downloading_tool(command)
        if tool is None:
            continue
        folders = caches.cache_dirs(tool, command, context)
        if not folders or any(folder.startswith(caches.UNKNOWN_HOME) for folder in folders):
            continue
        extra = _extra_options(tool, context, options)
        for folder in folders:
            proposals.setdefault(folder, Proposal(
                label=folder, kind="folder", span=span, insert_text=folder + extra,
                detail=f"{tool.name}'s cache" + (f" ({extra[1:]})" if extra else ""), sort_key=f"1{folder}"))
        if len(folders) > 1:
            rest = "".join(f" --mount=type=cache,target={folder}{_extra_options(tool, context, {})}"
                           for folder in folders[1:])
            label = " + ".join(folders)
            proposals.setdefault(label, Proposal(
                label=label, kind="folder", span=span, insert_text=folders[0] + extra + rest,
                detail=f"{tool.name}'s caches, one mount each", sort_key=f"0{label}", filter_text=folders[0]))
    return sorted(proposals.values(), key=lambda proposal: proposal.sort_key)


def _extra_options(tool: caches.Tool, context: caches.Context, given: dict[str, str]) -> str:
    extra = [option for option in tool.mount_options.split(",") if option and option.split("=")[0] not in given]
    if not context.root and context.uid and "uid" not in given:
        uid, _, gid = context.uid.partition(":")
        extra += [f"uid={uid}", f"gid={gid or uid}"]
    return "".join("," + option for option in extra)


def _run_of(model: Model, holder: Instruction) -> Run | None:
    for run in model.runs:
        if run.holder is holder:
            return run
    return None


# --------------------------------------------------------------------------- variables


def _variables(model: Model, holder: Instruction, variable: re.Match[str], offset: int) -> list[Proposal]:
    braced = bool(variable.group(1))
    typed = variable.group(2) or ""
    span = Span(_start(model.text, offset, typed), offset + _length(_NAME_END, model.text, offset))
    closed = model.text.startswith("}", span.end)
    proposals = []
    for name, (detail, rank) in _visible(model, holder).items():
        insert = name + ("}" if braced and not closed else "")
        proposals.append(Proposal(label=name, kind="variable", span=span, insert_text=insert, detail=detail,
                                  sort_key=f"{rank}{name}", filter_text=name))
    return proposals


def _visible(model: Model, holder: Instruction) -> dict[str, tuple[str, int]]:
    """The variables usable at ``holder``: name → (description, rank: 0 declared, 1 predefined)."""
    found: dict[str, tuple[str, int]] = {}
    global_scope: dict[str, str | None] = {}
    for inst in model.tree.instructions:
        if inst.keyword == "FROM" or inst.span.start >= holder.span.start:
            break
        if inst.keyword == "ARG":
            for word in inst.value:
                name, eq, default = word.partition("=")
                global_scope[name] = expand(default, global_scope)[0] if eq else None
    stage = model.stage_of(holder)
    if stage is None or holder.keyword == "FROM":
        for name, value in global_scope.items():
            found[name] = (_describe("global ARG", value), 0)
        for name in PLATFORM_ARGS:
            found.setdefault(name, ("predefined platform ARG", 1))
        return found
    for name, value in _inherited_env(stage).items():
        found[name] = (_describe("ENV (from the parent stage)", value), 0)
    for inst in stage.instructions:
        if inst.span.start >= holder.span.start:
            break
        if inst.keyword == "ARG":
            for word in inst.value:
                name, eq, default = word.partition("=")
                value = default if eq else global_scope.get(name)
                found[name] = (_describe("ARG", value), 0)
        elif inst.keyword == "ENV":
            for name, value in zip(inst.value[::2], inst.value[1::2]):
                found[name] = (_describe("ENV", value), 0)
    for name in PLATFORM_ARGS:
        found.setdefault(name, (f"predefined platform ARG: needs `ARG {name}` in this stage", 1))
    if holder.command.keyword == "RUN":
        for name in PROXY_ARGS:
            found.setdefault(name, ("predefined proxy ARG, set in RUN's environment when given", 1))
    return found


def _inherited_env(stage: Stage) -> dict[str, str | None]:
    return dict(stage.parent.env) if stage.parent is not None else {}


def _describe(origin: str, value: str | None) -> str:
    return f"{origin} = {value}" if value else origin
