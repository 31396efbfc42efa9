"""Refactorings: code actions that are not tied to a finding, for the instructions a selection (or the
cursor) touches. :func:`refactorings` is pure; the language server adapter is ``features/refactor.py``.

- **Combine RUNs** — two or more consecutive RUNs of one stage with the same flags (comment lines
  between them are fine): into one RUN chained with ``&& \\``, and as one heredoc RUN. The merge and its
  safety conditions are the consecutive-run rule's (see ``dockls.runs``); the heredoc form adds
  ``# syntax=docker/dockerfile:1`` to a file without a syntax directive (heredocs need Dockerfile 1.4).
- **Split a chain** — ``RUN a && b && c`` into one command per line (``&& \\`` continuations), and
  into separate RUN instructions (same flags) when no command but the last changes the shell's state
  (``cd``, ``export``, the other ``STATEFUL_BUILTINS``, assignments …) or starts a background process:
  a separate RUN starts with a fresh shell.
- **``&&`` chain ↔ heredoc script** — BuildKit runs a heredoc script without ``-e``: a failing line
  would not stop it, where ``&&`` stops the chain. So the chain becomes a script whose first line is
  ``set -e``, and a script becomes a chain only when its first line is exactly ``set -e``. ``set -e``
  and ``&&`` only agree for plain commands, one per line: ``set -e`` ignores a failure of a negated
  command (``! a``), is inherited by subshells and groups (``( a; b )`` would stop at ``a``) and
  is ignored inside ``if``/``while`` conditions. Both directions are offered only when every command is
  a plain command (pipelines, redirections and ``$( … )`` of a single command are fine) — and, for the
  heredoc, in an LF file with the ``\\`` escape, like the rule's heredoc merge.
- **Add a cache mount** — the cache-mount-missing rule's fix for the RUN (the cache folders per tool
  and user, ``sharing=locked`` for apt with docker-clean moved aside), offered even when the rule is
  turned off.
- **Pass a secret ARG as a build secret** — on a RUN that uses a secret-looking ``ARG`` declared
  without a default: ``--mount=type=secret,id=…,env=NAME`` (Dockerfile 1.10) on the RUNs that use it,
  and the ARG removed (``dockls.secrets.arg_to_secret_mount``). Not offered for anything it cannot do
  exactly (an ENV, an ARG with a default or used by other instructions).
- **``COPY --link``** — on COPY/ADD without ``--link``: the files go into a layer of their own that
  does not depend on the layers below, so a change of the base no longer invalidates the copy and the
  layer can be rebased. The destination is created as plain directories: symlinks in the destination
  path of the layers below are not followed (the title says it). Needs Dockerfile 1.4: not offered
  when the file pins an older frontend, adds the syntax directive when there is none.
- **Smaller base image** — on a FROM whose image the shipped data knows: each smaller variant of the
  same release line, with its amd64 download size, the saving and the date of the data. Not offered
  for references with a variable or pinned by digest (the digest pins the old variant).
- **Convert to multi-stage** — the fix of ``dockls.multistage`` when it finds the artefact.

Nothing is offered inside heredoc bodies or past the end of the text, and nothing here raises on bad
input (half-typed instructions simply have no refactoring).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from tree_sitter import Node

from dockls.caches import downloading_tool
from dockls.edits import ShellPart, add_flag, indent_of, line_body, newline_of, syntax_directive, top_level_parts
from dockls.engine import rule_by_key
from dockls.images import format_size, lookup, normalize, smaller_variants
from dockls.model import Model, Run, Stage
from dockls.multistage import multistage_fix
from dockls.rule import Edit, Finding, Fix
from dockls.runs import (
    background,
    chained_commands,
    heredoc_delimiter,
    heredocs_allowed,
    merge_runs,
    merge_runs_heredoc,
    state_change,
)
from dockls.secrets import arg_to_secret_mount, declaration_of, frontend_supports, is_secret_name, referenced_names
from dockls.syntax import Instruction
from dockls.text import Span

REWRITE = "refactor.rewrite"
EXTRACT = "refactor.extract"
SET_E = "set -e"
# Shell constructs in which `set -e` does not stop where `&&` would, or stops where `&&` would not.
_ERREXIT_SENSITIVE = frozenset({
    "negated_command", "subshell", "compound_statement", "if_statement", "while_statement", "for_statement",
    "c_style_for_statement", "case_statement", "function_definition", "list",
})
_CACHE_RULE = "cache-mount-missing"
# Whole-file answers, asked again on every cursor move over the same model (the editor's snapshot).
_cache_findings: WeakKeyDictionary[Model, list[Finding]] = WeakKeyDictionary()
_multistage_fixes: WeakKeyDictionary[Model, Fix | None] = WeakKeyDictionary()


@dataclass(frozen=True)
class Refactoring:
    title: str
    kind: str  # an LSP code action kind: refactor.rewrite, refactor.extract …
    edits: tuple[Edit, ...]


def refactorings(model: Model, span: Span) -> list[Refactoring]:
    """The refactorings for the instructions that ``span`` (a selection, or an empty span for the
    cursor) touches; inside heredoc bodies and past the end of the text there are none."""
    if span.start > len(model.text) or span.end < span.start:
        return []
    touched = [inst for inst in model.tree.instructions if _touches(inst, span)]
    found: list[Refactoring] = []
    if len(touched) == 1:
        inst = touched[0]
        run = next((run for run in model.runs if run.holder is inst), None)
        if run is not None:
            found.extend(_run_refactorings(model, run))
        elif inst.command.keyword in ("COPY", "ADD"):
            found.extend(_link(model, inst.command))
        elif inst.keyword == "FROM":
            stage = next((stage for stage in model.stages if stage.from_instruction is inst), None)
            if stage is not None:
                found.extend(_smaller_images(model, stage))
        found.extend(_multistage(model, inst))
    elif len(touched) > 1:
        found.extend(_combine(model, touched))
    return found


def _touches(inst: Instruction, span: Span) -> bool:
    """Whether ``span`` touches the instruction's own lines (not the bodies of its heredocs)."""
    heredocs = inst.command.heredocs
    end = heredocs[0].body_span.start - 1 if heredocs else inst.span.end
    return span.start <= end and inst.keyword_span.start <= span.end


def _run_refactorings(model: Model, run: Run) -> Iterator[Refactoring]:
    yield from _split(model, run)
    yield from _to_heredoc(model, run)
    yield from _to_chain(model, run)
    yield from _cache_mounts(model, run)
    yield from _secret_mounts(model, run)


# --------------------------------------------------------------------------- combining RUNs


def _combine(model: Model, touched: list[Instruction]) -> list[Refactoring]:
    by_holder = {id(run.holder): run for run in model.runs if run.holder is run.instruction}
    runs = [by_holder.get(id(inst)) for inst in touched]
    stage = model.stage_of(touched[0])
    if stage is None or any(run is None or run.stage is not stage or run.instruction.json for run in runs):
        return []
    group = [run for run in runs if run is not None]
    first = next(k for k, inst in enumerate(stage.instructions) if inst is touched[0])
    if stage.instructions[first : first + len(touched)] != touched or len(
            {tuple(sorted(flag.raw for flag in run.instruction.flags)) for run in group}) != 1:
        return []
    merged, _ = merge_runs(model, group)
    if merged is None:
        return []
    found = [Refactoring(f"Combine the {len(group)} RUN instructions with `&&`", REWRITE, merged.edits)]
    heredoc = merge_runs_heredoc(model, group, add_directive=True)
    if heredoc is not None:
        found.append(Refactoring(f"Combine the {len(group)} RUN instructions into one heredoc RUN", REWRITE,
                                 heredoc.edits))
    return found


# --------------------------------------------------------------------------- splitting a chain


def _chain(run: Run) -> list[ShellPart] | None:
    """The operands of a RUN line that is a plain ``&&`` chain, or None."""
    inst = run.instruction
    if inst.json or inst.heredocs or run.opaque or run.shell_errors:
        return None
    parts = top_level_parts(line_body(inst).source)
    if not parts or any(part.kind == "comment" for part in parts):
        return None
    operands, operators = list(parts[::2]), parts[1::2]
    if any(not part.is_operand for part in operands) or any(part.kind != "&&" for part in operators):
        return None
    return operands


def _split(model: Model, run: Run) -> Iterator[Refactoring]:
    operands = _chain(run)
    if operands is None or len(operands) < 2:
        return
    text, inst = model.text, run.instruction
    body = line_body(inst)
    start, end = body.start_at(operands[0].start), body.end_at(operands[-1].end)
    if any(line.lstrip().startswith("#") for line in text[start:end].split("\n")[1:]):
        return  # a Dockerfile comment line between the commands: it has no place in the result
    pieces = [text[body.start_at(part.start) : body.end_at(part.end)] for part in operands]
    gaps = [text[body.end_at(a.end) : body.start_at(b.start)] for a, b in itertools.pairwise(operands)]
    indent = indent_of(text, run.holder.keyword_span.start)
    if any("\n" not in gap for gap in gaps):
        separator = f" && {model.tree.escape}{newline_of(text)}{indent}    "
        yield Refactoring("Split the chain into one command per line", REWRITE,
                          (Edit(Span(start, end), separator.join(pieces)),))
    if run.holder is not inst or background(operands) or state_change(operands[:-1]):
        return  # the next RUN's fresh shell would lose what a command set up
    prefix = " ".join([text[inst.keyword_span.start : inst.keyword_span.end], *(flag.raw for flag in inst.flags)])
    instructions = (newline_of(text) + indent).join(f"{prefix} {piece}" for piece in pieces)
    yield Refactoring(f"Split into {len(pieces)} RUN instructions", EXTRACT,
                      (Edit(Span(inst.keyword_span.start, end), instructions),))


# --------------------------------------------------------------------------- && chain <-> heredoc


def _errexit_safe(part: ShellPart) -> bool:
    """Whether ``set -e`` stops after this command exactly when ``&&`` would (see the module doc)."""
    stack: list[Node] = [part.node] if part.node is not None else []
    while stack:
        node = stack.pop()
        if node.type in _ERREXIT_SENSITIVE:
            return False
        if node.type in ("command_substitution", "process_substitution") and node.named_child_count > 1:
            return False
        stack.extend(node.children)
    return part.node is not None


def _heredoc_possible(model: Model) -> tuple[bool, Edit | None]:
    """Whether a heredoc can be written, and the syntax directive to add for it."""
    directive = syntax_directive(model.text, model.tree)
    allowed = (heredocs_allowed(model.tree) or directive is not None) and model.tree.escape == "\\"
    return allowed and "\r" not in model.text, directive


def _to_heredoc(model: Model, run: Run) -> Iterator[Refactoring]:
    operands = _chain(run)
    possible, directive = _heredoc_possible(model)
    if (operands is None or len(operands) < 2 or not possible or run.holder is not run.instruction
            or not all(map(_errexit_safe, operands))):
        return  # (BuildKit takes no heredoc in an ONBUILD trigger)
    text, inst = model.text, run.instruction
    indent = indent_of(text, run.holder.keyword_span.start)
    script = "".join(f"{indent}{line}\n" for line in [SET_E, *chained_commands(text, inst)])
    delimiter = heredoc_delimiter(script)
    edits = [Edit(Span(inst.args_span.start, inst.span.end), f"<<{delimiter}\n{script}{delimiter}")]
    yield Refactoring("Convert to a heredoc script (with `set -e`)", REWRITE,
                      tuple([directive, *edits] if directive is not None else edits))


def _to_chain(model: Model, run: Run) -> Iterator[Refactoring]:
    inst, text = run.instruction, model.text
    if len(inst.heredocs) != 1 or inst.json or run.opaque or run.shell_errors or "\r" in text:
        return
    heredoc = inst.heredocs[0]
    marker = text[heredoc.marker_span.start : heredoc.marker_span.end]
    if heredoc.terminator_span is None or inst.args.strip() != marker:
        return  # the heredoc is not the script (``RUN python3 <<EOF`` feeds it to a program)
    first, _, rest = heredoc.content.partition("\n")
    if first.strip() != SET_E:
        return
    parts = top_level_parts(rest)
    if not parts or any(part.kind == "comment" for part in parts):
        return
    operands = [part for part in parts if part.is_operand]
    if any(part.kind != "\n" for part in parts if not part.is_operand) or not all(map(_errexit_safe, operands)):
        return
    commands = [rest[part.start : part.end] for part in operands]
    if any("\n" in command for command in commands):
        return
    indent = indent_of(text, run.holder.keyword_span.start)
    separator = f" && {model.tree.escape}{newline_of(text)}{indent}    "
    yield Refactoring("Convert the heredoc script to a `&&` chain", REWRITE,
                      (Edit(Span(heredoc.marker_span.start, inst.span.end), separator.join(commands)),))


# --------------------------------------------------------------------------- mounts


def _cache_mounts(model: Model, run: Run) -> Iterator[Refactoring]:
    if run.opaque or not any(downloading_tool(command) for command in run.commands):
        return  # the rule looks at the whole file: only ask it about a RUN that downloads packages
    rule = rule_by_key(_CACHE_RULE)
    if rule is None:
        return
    holder = run.holder.span
    findings = _cache_findings.get(model)
    if findings is None:
        findings = _cache_findings[model] = list(rule.check(model))
    for finding in findings:
        if holder.start <= finding.span.start and finding.span.end <= holder.end:
            for fix in finding.fixes:
                yield Refactoring(fix.title, REWRITE, fix.edits)


def _secret_mounts(model: Model, run: Run) -> Iterator[Refactoring]:
    stage, inst = run.stage, run.instruction
    if stage is None or run.holder is not inst:
        return
    for name in dict.fromkeys(referenced_names(model.text[inst.span.start : inst.span.end])):
        arg = declaration_of(stage, inst, name) if is_secret_name(name) else None
        fix = arg_to_secret_mount(model, arg, name) if arg is not None else None
        if fix is not None:
            yield Refactoring(fix.title, REWRITE, fix.edits)


# --------------------------------------------------------------------------- COPY --link


def _link(model: Model, command: Instruction) -> Iterator[Refactoring]:
    if command.flag("link") is not None or frontend_supports(model, 4) is False:
        return
    edits = [add_flag(command, "--link")]
    directive = syntax_directive(model.text, model.tree)
    yield Refactoring(f"Add --link to the {command.keyword} (an independent layer; symlinks in the "
                      "destination path are not followed)", REWRITE,
                      tuple([directive, *edits] if directive is not None else edits))


# --------------------------------------------------------------------------- base image and stages


def _multistage(model: Model, inst: Instruction) -> Iterator[Refactoring]:
    """The builder + runtime conversion, on the instructions of the last stage it rewrites."""
    if not model.stages or model.stage_of(inst) is not model.stages[-1]:
        return
    if model not in _multistage_fixes:
        _multistage_fixes[model] = multistage_fix(model)
    fix = _multistage_fixes[model]
    if fix is not None:
        yield Refactoring(fix.title, REWRITE, fix.edits)



def _smaller_images(model: Model, stage: Stage) -> Iterator[Refactoring]:
    span = stage.image_span
    if span is None or stage.parent is not None:
        return  # built FROM an earlier stage, not an image
    written = model.text[span.start : span.end]
    ref = normalize(written) if "$" not in written else None
    if ref is None or ref.digest is not None:
        return
    for alternative in smaller_variants(written):
        info = lookup(alternative.reference)
        if info is None or info.stale or alternative.delta_pct >= 0:
            continue
        as_of = f", as of {info.data_date}" if info.data_date else ""
        title = (f"Switch to {alternative.reference} ({format_size(alternative.compressed_bytes_amd64)} "
                 f"download, \u2212{-alternative.delta_pct}%{as_of})")
        yield Refactoring(title, REWRITE, (Edit(span, alternative.reference),))

