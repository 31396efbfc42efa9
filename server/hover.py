"""Hover: what the token under the cursor is, from the model and the shipped knowledge.

``hover(model, offset, findings)`` answers for a code-point offset with the exact span of the token
and a markdown text: base images (sizes, smaller variants, lifecycle, registry page), stage names,
instruction keywords and flags (``--mount`` types and options included), ``$VAR`` references (where
they are declared and their value there), parser directives, and the diagnostics at that place.
Everything is computed from the model of one text: no I/O, nothing guessed about unknown images —
except a whole-context ``COPY .``, which shows what the model's build context sends
(``dockls.contexthover``, from the cached walk of the context).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dockls import images
from dockls.contexthover import copy_hover
from dockls.images import DOCKER_HUB, ImageRef
from dockls.instructions import (
    DIRECTIVES,
    FLAG_DOCS,
    INSTRUCTION_DOCS,
    INSTRUCTIONS,
    MOUNT_DEFAULT_TYPE,
    MOUNT_DOCS,
    MOUNT_TYPES,
    Reference,
)
from dockls.links import registry_page
from dockls.model import BRACED_WORD, PLATFORM_ARGS, PROXY_ARGS, Model, Scope, Stage, expand
from dockls.rule import Finding
from dockls.syntax import Directive, Flag, FlagOption, Instruction
from dockls.text import Span

SEPARATOR = "\n\n---\n\n"
# The platforms the data set has readings for, in the order they are shown.
SIZE_PLATFORMS = ("linux/amd64", "linux/arm64/v8")
VARIABLES_URL = "https://docs.docker.com/reference/dockerfile/#environment-replacement"
# Instructions whose exec form is run as is: no variable is substituted in it.
_EXEC_AS_IS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>" + BRACED_WORD + r")\}"
                       r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


@dataclass(frozen=True)
class HoverResult:
    span: Span
    markdown: str


def hover(model: Model, offset: int, findings: Sequence[Finding] = ()) -> HoverResult | None:
    """The hover at ``offset`` of the model's text: the diagnostics there first, then the token's."""
    if not 0 <= offset <= len(model.text):
        return None
    token = token_hover(model, offset)
    here = [finding for finding in findings if _finding_covers(finding, offset)]
    if not here:
        return token
    parts = [finding_markdown(finding) for finding in here]
    if token is not None:
        parts.append(token.markdown)
    span = token.span if token is not None else min((f.span for f in here), key=lambda s: s.end - s.start)
    return HoverResult(span, SEPARATOR.join(parts))


def token_hover(model: Model, offset: int) -> HoverResult | None:
    """The hover of the token at ``offset``, without diagnostics; None between tokens."""
    for directive in model.tree.directives:
        span = Span(directive.name_span.start, directive.value_span.end)
        if offset in span:
            return HoverResult(span, directive_markdown(directive))
    instructions = model.tree.instructions
    index = bisect.bisect_right([inst.span.start for inst in instructions], offset) - 1
    if index < 0:
        return None
    holder = instructions[index]
    if offset >= holder.span.end:
        return None
    target = holder
    if holder.sub is not None and offset >= holder.sub.keyword_span.start:
        target = holder.sub
    if any(offset in heredoc.body_span or (heredoc.terminator_span is not None and offset in heredoc.terminator_span)
           for heredoc in target.heredocs):
        return None
    return _instruction_hover(model, holder, target, offset)


# --------------------------------------------------------------------------- instructions and flags


def _instruction_hover(model: Model, holder: Instruction, target: Instruction, offset: int) -> HoverResult | None:
    if model.context is not None and target.keyword in ("COPY", "ADD"):
        copied = copy_hover(model, offset)  # `COPY .`: what the build context sends
        if copied is not None:
            keyword = keyword_markdown(target.keyword) if copied.span == target.keyword_span else None
            return HoverResult(copied.span, SEPARATOR.join(part for part in (copied.markdown, keyword) if part))
    for inst in (holder, target) if holder is not target else (target,):
        if offset in inst.keyword_span:
            text = keyword_markdown(inst.keyword)
            return HoverResult(inst.keyword_span, text) if text is not None else None
    for flag in target.flags:
        if offset in flag.span:
            return _flag_hover(model, holder, target, flag, offset)
    variable = _variable_at(target, offset, model.tree.escape)
    if variable is not None and target.keyword != "FROM":
        return HoverResult(variable[0], variable_markdown(model, holder, variable[1], variable[2]))
    if target.keyword == "FROM" and target is holder:
        return _from_hover(model, holder, offset, variable)
    return None


def keyword_markdown(keyword: str) -> str | None:
    spec = INSTRUCTIONS.get(keyword)
    if spec is None:
        return None
    reference = INSTRUCTION_DOCS.get(keyword)
    lines = [f"**{keyword}** — {spec.description}"]
    if reference is not None:
        lines += [reference.details, _docs_link(keyword, reference)]
    return "\n\n".join(line for line in lines if line)


def flag_markdown(keyword: str, name: str) -> str | None:
    instruction = INSTRUCTIONS.get(keyword)
    spec = instruction.flag(name) if instruction is not None else None
    if spec is None:
        return None
    lines = [f"**{keyword} --{name}** — {spec.description}"]
    if spec.values:
        lines.append("Values: " + ", ".join(_code(value) for value in spec.values))
    if spec.labs:
        lines.append("Needs the labs syntax: `# syntax=docker/dockerfile:1-labs`.")
    reference = FLAG_DOCS.get((keyword, name))
    if reference is not None:
        lines += [reference.details, _docs_link(f"{keyword} --{name}", reference)]
    return "\n\n".join(line for line in lines if line)


def mount_type_markdown(type_name: str) -> str | None:
    mount = MOUNT_TYPES.get(type_name)
    if mount is None:
        return None
    options = "\n".join(
        f"- {' / '.join(_code(name) for name in option.names)} — {option.description}"
        for option in mount.options if option.key != "type")
    reference = MOUNT_DOCS[type_name]
    lines = [f"**RUN --mount type={type_name}** — {mount.description}", reference.details,
             f"Options:\n{options}", _docs_link(f"RUN --mount=type={type_name}", reference)]
    return "\n\n".join(line for line in lines if line)


def mount_option_markdown(type_name: str, key: str) -> str | None:
    mount = MOUNT_TYPES.get(type_name)
    option = mount.option(key) if mount is not None else None
    if mount is None or option is None:
        return None
    names = " / ".join(_code(name) for name in option.names)
    lines = [f"**{names}** (option of a `{type_name}` mount) — {option.description}"]
    if option.values:
        lines.append("Values: " + ", ".join(_code(value) for value in option.values))
    lines.append(_docs_link(f"RUN --mount=type={type_name}", MOUNT_DOCS[type_name]))
    return "\n\n".join(lines)


def _flag_hover(model: Model, holder: Instruction, target: Instruction, flag: Flag,
                offset: int) -> HoverResult | None:
    value_span = flag.value_span
    name_span = Span(flag.span.start, value_span.start - 1) if value_span is not None else flag.span
    if value_span is not None and offset >= value_span.start:
        variable = _variable_at(target, offset, model.tree.escape)
        if variable is not None:
            return HoverResult(variable[0], variable_markdown(model, holder, variable[1], variable[2]))
        if flag.name == "mount" and target.keyword == "RUN":
            return _mount_option_hover(model, flag, offset)
        if flag.name == "from" and target.keyword == "COPY" and flag.value:
            return _source_hover(model, flag.value, value_span)
    text = flag_markdown(target.keyword, flag.name)
    if text is None:
        return None
    return HoverResult(name_span if offset in name_span else flag.span, text)


def _mount_option_hover(model: Model, flag: Flag, offset: int) -> HoverResult | None:
    option: FlagOption | None = next((item for item in flag.options if offset in item.span), None)
    if option is None:
        return None
    type_name = (flag.option("type") or MOUNT_DEFAULT_TYPE).lower()
    if option.key == "type":
        text = mount_type_markdown((option.value or "").lower())
        return HoverResult(option.span, text) if text is not None else None
    if option.key == "from" and option.value:
        source = _source_hover(model, option.value, option.span)
        if source is not None:
            return source
    text = mount_option_markdown(type_name, option.key)
    return HoverResult(option.span, text) if text is not None else None


def _source_hover(model: Model, reference: str, span: Span) -> HoverResult | None:
    """``--from=`` of COPY and of a mount: a stage, or else an image."""
    stage = model.stage_named(reference)
    if stage is not None:
        return HoverResult(span, stage_markdown(stage))
    text = image_markdown(reference)
    return HoverResult(span, text) if text is not None else None


def _from_hover(model: Model, inst: Instruction, offset: int,
                variable: tuple[Span, str, str] | None) -> HoverResult | None:
    stage = model.stage_of(inst)
    if stage is None:
        return None
    if stage.name_span is not None and offset in stage.name_span:
        return HoverResult(stage.name_span, stage_markdown(stage))
    image_span = stage.image_span
    if image_span is None or offset not in image_span:
        return None
    if variable is not None and variable[0] != image_span:
        return HoverResult(variable[0], variable_markdown(model, inst, variable[1], variable[2]))
    if stage.parent is not None:
        return HoverResult(image_span, stage_markdown(stage.parent))
    raw = inst.value[0] if inst.value else ""
    written = f"Written as {_code(raw)}." if raw != stage.image else ""
    if not stage.image_known:
        unknown = f"{_code(raw)} depends on a build argument without a default: the image is only known at build time."
        return HoverResult(image_span, unknown)
    platform_flag = inst.flag("platform")
    platform, platform_known = expand(platform_flag.value, model.global_args) if platform_flag and platform_flag.value \
        else ("", False)
    text = image_markdown(stage.image, platform if platform_known else None)
    if text is None:
        return None
    at_build = (f"The platform ({_code(platform_flag.value)}) is only known at build time."
                if platform_flag and platform_flag.value and not platform_known else "")
    return HoverResult(image_span, "\n\n".join(part for part in (text, written, at_build) if part))


# --------------------------------------------------------------------------- images and stages


def image_markdown(reference: str, platform: str | None = None) -> str | None:
    """Sizes, smaller variants, lifecycle and the registry page of an image; None if it is no reference."""
    ref = images.normalize(reference)
    if ref is None:
        return None
    lines = [f"**{_code(reference)}**"]
    info = images.lookup(reference)
    if info is not None:
        if info.resolved:
            lines[0] += f" ({info.resolved} when read)"
        lines += _size_lines(reference, platform)
        provenance = f"As of {info.data_date}" if info.data_date else f"As of {images.as_of()}"
        source = f"{info.source} {_code(info.source_path)}" if info.source_path else info.source
        lines.append(f"{provenance}, source: {source}" + (" (an old reading)" if info.stale else ""))
        if info.source_path is None and info.notes:  # a special entry: its note says what the figure is
            lines.append(info.notes)
        if info.alternatives:
            lines.append("Smaller variants:\n" + "\n".join(
                f"- {alternative.reference} — {images.format_size(alternative.compressed_bytes_amd64)}, "
                f"{_percent(alternative.delta_pct)}" for alternative in info.alternatives))
    elif ref.repository != "scratch":
        lines.append(f"No size data for this tag in dockls' data set (as of {images.as_of()}).")
    lifecycle = images.lifecycle(reference)
    if lifecycle is not None:
        if lifecycle.eol is not None or (lifecycle.eol_scheduled and lifecycle.is_eol(date.today())):
            lines.append(f"⚠️ **End of life** since {lifecycle.eol or lifecycle.eol_scheduled}")
        elif lifecycle.eol_scheduled is not None:
            lines.append(f"End of life scheduled for {lifecycle.eol_scheduled}")
        if lifecycle.deprecated is not None:
            lines.append(f"⚠️ **Deprecated**: {lifecycle.deprecated}")
        if lifecycle.note and (lifecycle.eol or lifecycle.deprecated or info is None):
            lines.append(lifecycle.note)
    url = registry_page(ref)
    if url is not None:
        lines.append(f"[{_registry_name(ref)}]({url})")
    return "\n\n".join(lines)


def _size_lines(reference: str, platform: str | None) -> list[str]:
    wanted = images.lookup(reference, platform) if platform is not None else None
    platforms = list(SIZE_PLATFORMS)
    if wanted is not None and wanted.platform not in platforms:
        platforms.insert(0, wanted.platform)
    sizes: list[str] = []
    on_disk = None
    for name in platforms:
        info = images.lookup(reference, name)
        if info is None:
            continue
        if info.compressed_bytes is not None:
            size = images.format_size(info.compressed_bytes)
            chosen = wanted is not None and wanted.platform == name
            sizes.append(f"**{size}** ({name})" if chosen or (wanted is None and not sizes) else f"{size} ({name})")
        on_disk = on_disk or info.on_disk_bytes
    lines = ["Download: " + " · ".join(sizes)] if sizes else []
    if platform is not None and wanted is None:
        lines.append(f"No reading for the platform {_code(platform)}.")
    if on_disk is not None:
        lines.append(f"On disk: {images.format_size(on_disk)} (linux/amd64)")
    return lines


def _registry_name(ref: ImageRef) -> str:
    names = {DOCKER_HUB: "Docker Hub", "ghcr.io": "GitHub Container Registry", "gcr.io": "Google Container Registry",
             "quay.io": "Quay", "mcr.microsoft.com": "Microsoft Artifact Registry"}
    return f"Open on {names.get(ref.registry.lower(), ref.registry)}"


def stage_markdown(stage: Stage) -> str:
    inst = stage.from_instruction
    title = f"**Stage {_code(stage.name)}**" if stage.name else f"**Stage {stage.index}**"
    lines = [f"{title} (stage {stage.index}), line {inst.start_line + 1}: {_code(_one_line(inst))}"]
    if stage.parent is not None:
        parent = stage.parent
        lines.append(f"Built FROM stage {_code(parent.label)} (line {parent.from_instruction.start_line + 1})")
    elif stage.image and stage.image_known:
        info = images.lookup(stage.image)
        size = ""
        if info is not None and info.compressed_bytes is not None:
            size = f": {images.format_size(info.compressed_bytes)} download ({info.platform}), as of " \
                   f"{info.data_date or images.as_of()}"
        lines.append(f"Base image {_code(stage.image)}{size}")
    return "\n\n".join(lines)


def _one_line(inst: Instruction) -> str:
    text = " ".join(inst.line.text.split())
    return text if len(text) <= 120 else text[:119] + "…"


# --------------------------------------------------------------------------- variables


@dataclass(frozen=True)
class _Declaration:
    kind: str  # "ARG" or "ENV"
    instruction: Instruction
    stage: Stage | None  # None: a global ARG
    value: str | None  # None: only known at build time
    global_value: _Declaration | None = None  # the global ARG a stage's ``ARG NAME`` takes its value from


def _variable_at(inst: Instruction, offset: int, escape: str) -> tuple[Span, str, str] | None:
    """The ``$VAR`` / ``${VAR…}`` reference at ``offset`` on the instruction's line: span, name, modifier."""
    line = inst.line
    text = line.text
    for match in _VARIABLE.finditer(text):
        span = line.span(match.start(), match.end())
        if span.start > offset:
            break
        if offset not in span or (match.start() > 0 and text[match.start() - 1] == escape):
            continue
        if inst.json and inst.keyword in _EXEC_AS_IS and inst.args_span.covers(span):
            return None
        return span, match.group("braced") or match.group("plain"), match.group("modifier") or ""
    return None


def variable_markdown(model: Model, holder: Instruction, name: str, modifier: str) -> str:
    """Where ``name`` is declared as seen from ``holder``, and its value there."""
    in_from = holder.keyword == "FROM"
    visible, global_args = _declarations(model, holder)
    declaration = visible.get(name)
    hidden = global_args.get(name) if declaration is None and not in_from else None
    lines = [f"**{_code('$' + name)}**"]
    if declaration is not None:
        lines.append(_declaration_text(declaration))
    elif name in PLATFORM_ARGS:
        lines.append("Predefined platform argument, set by the builder for each build "
                     "(e.g. `linux/amd64`, `amd64`).")
        if not in_from:
            lines.append(f"Not declared in this stage: add `ARG {name}` to the stage to use it here "
                         "(it is empty otherwise).")
    elif name in PROXY_ARGS:
        lines.append("Predefined proxy argument: set at build time with `--build-arg`, "
                     "and left out of the image history.")
    elif hidden is not None:
        lines.append(f"A global ARG (line {hidden.instruction.start_line + 1}) declares it, but this stage does not: "
                     f"add `ARG {name}` to the stage to use it here (it is empty otherwise).")
    elif in_from:
        lines.append("Not declared: no global `ARG` before this line, so BuildKit substitutes an empty string.")
    else:
        lines.append("Not declared with `ARG` or `ENV` before this line in this Dockerfile "
                     "(it may come from the base image's environment, or from the shell).")
    if modifier:
        lines.append(_modifier_text(modifier))
    lines.append(f"[Dockerfile reference: variables]({VARIABLES_URL})")
    return "\n\n".join(lines)


def _declaration_text(declaration: _Declaration) -> str:
    inst = declaration.instruction
    where = "global" if declaration.stage is None else f"in stage {_code(declaration.stage.label)}"
    text = f"{declaration.kind}, {where}, line {inst.start_line + 1}: {_code(_one_line(inst))}"
    source = declaration.global_value
    if source is not None:
        text += f"\n\nTakes the value of the global ARG (line {source.instruction.start_line + 1})."
    if declaration.value is None:
        return text + "\n\nValue: set at build time (`--build-arg`); empty otherwise."
    value = f"Value here: {_code(declaration.value)}" if declaration.value else "Value here: empty"
    if declaration.kind == "ARG":
        value += " (the default; `--build-arg` overrides it)"
    return f"{text}\n\n{value}"


def _modifier_text(modifier: str) -> str:
    for operator, meaning in ((":-", "when unset or empty, the default"), ("-", "when unset, the default"),
                              (":+", "when set and not empty, the alternative"), ("+", "when set, the alternative"),
                              (":?", "when unset or empty, the build fails with"), ("?", "when unset, the build "
                                                                                         "fails with")):
        if modifier.startswith(operator):
            return f"`{operator}`: {meaning} {_code(modifier[len(operator):])}"
    return f"Modifier {_code(modifier)}"


def _declarations(model: Model, holder: Instruction) -> tuple[dict[str, _Declaration], dict[str, _Declaration]]:
    """The ARG and ENV declarations in force at ``holder`` (before it), as BuildKit scopes them, and the
    global ARGs."""
    global_args: dict[str, _Declaration] = {}
    global_values: Scope = dict(model.global_args)
    stage_env: dict[int, dict[str, _Declaration]] = {}
    stage_args: dict[str, _Declaration] = {}
    env: dict[str, _Declaration] = {}
    stage: Stage | None = None
    for inst in model.tree.instructions:
        if inst is holder:
            break
        if inst.keyword == "FROM":
            stage = model.stage_of(inst)
            if stage is not None:
                stage_env[stage.index] = env = dict(stage_env.get(stage.parent.index, {})) if stage.parent else {}
                stage_args = {}
            continue
        if stage is None:
            if inst.keyword == "ARG":
                for name, declared, default in _arg_items(inst):
                    value = expand(default, global_values)[0] if declared else global_values.get(name)
                    global_values[name] = value
                    global_args[name] = _Declaration("ARG", inst, None, value)
            continue
        scope: Scope = {**{n: d.value for n, d in stage_args.items()}, **{n: d.value for n, d in env.items()}}
        if inst.keyword == "ARG":
            for name, declared, default in _arg_items(inst):
                if declared:
                    stage_args[name] = _Declaration("ARG", inst, stage, expand(default, scope)[0])
                else:
                    source = global_args.get(name)
                    stage_args[name] = _Declaration("ARG", inst, stage, source.value if source else None,
                                                    source)
        elif inst.keyword == "ENV":
            for key, value in zip(inst.value[::2], inst.value[1::2]):
                env[key] = _Declaration("ENV", inst, stage, expand(_unquote(value), scope)[0])
    if holder.keyword == "FROM" or stage is None:
        return global_args, global_args
    return {**stage_args, **env}, global_args


def _arg_items(inst: Instruction) -> list[tuple[str, bool, str]]:
    items: list[tuple[str, bool, str]] = []
    for word in inst.value:
        name, eq, default = word.partition("=")
        items.append((name, bool(eq), _unquote(default)))
    return items


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# --------------------------------------------------------------------------- directives and findings


def directive_markdown(directive: Directive) -> str:
    spec = DIRECTIVES[directive.name]
    lines = [f"**# {directive.name}** — {spec.description}", spec.reference.details]
    if directive.name == "check":
        lines += _check_lines(directive.value)
    lines.append(_docs_link(f"# {directive.name}", spec.reference))
    return "\n\n".join(line for line in lines if line)


def _check_lines(value: str) -> list[str]:
    lines: list[str] = []
    for item in value.split(";"):
        key, _, setting = item.partition("=")
        key = key.strip().lower()
        if key == "skip":
            skipped = [name.strip() for name in setting.split(",") if name.strip()]
            if [name.lower() for name in skipped] == ["all"]:
                lines.append("Here: every check is skipped.")
            elif skipped:
                lines.append("Here: skips " + ", ".join(_code(name) for name in skipped)
                             + " (and the dockls rules equivalent to them).")
        elif key == "error":
            fails = setting.strip().lower() == "true"
            lines.append("Here: check warnings fail the build." if fails else "Here: check warnings do not fail "
                                                                              "the build.")
    return lines


def finding_markdown(finding: Finding) -> str:
    rule = finding.rule
    lines = [f"**{rule.id} {rule.name}** ({finding.effective_severity.value}): {finding.message}",
             f"{rule.summary}."]
    why = why_it_matters(rule.doc)
    if why:
        lines.append(f"**Why it matters:** {why}")
    for fix in finding.fixes:
        kind = "safe, applied by `--fix`" if fix.safe else "unsafe: review it, offered as a code action only"
        lines.append(f"**Fix:** {fix.title} ({kind})")
    lines.append(f"[{rule.name} documentation]({rule.url})")
    return "\n\n".join(lines)


@functools.lru_cache(maxsize=256)
def why_it_matters(doc: str) -> str:
    """The first paragraph of the rule documentation's "Why is this bad?" section, on one line."""
    _, found, rest = doc.partition("## Why is this bad?")
    if not found:
        return ""
    section = rest.split("\n## ", 1)[0].strip()
    return " ".join(section.split("\n\n", 1)[0].split())


def _finding_covers(finding: Finding, offset: int) -> bool:
    span = finding.span
    return offset in span or span.start == span.end == offset


# --------------------------------------------------------------------------- formatting


def plaintext(markdown: str) -> str:
    """The hover text for clients that only show plain text: links spelled out, emphasis dropped."""
    text = _MARKDOWN_LINK.sub(lambda match: f"{match.group(1)}: {match.group(2)}", markdown)
    return text.replace("**", "").replace("`", "").replace(SEPARATOR, "\n\n")


def _docs_link(title: str, reference: Reference) -> str:
    return f"[Dockerfile reference: {title}]({reference.url})"


def _code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _percent(delta: int) -> str:
    return f"{delta:+d}%".replace("-", "\N{MINUS SIGN}")
