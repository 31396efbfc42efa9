"""The outline of a Dockerfile: document symbols and folding ranges.

Symbols: parser directives and the instructions before the first FROM (global ARGs) at the top level,
then one symbol per stage holding its instructions. Every symbol's range contains its selection range
and its children's ranges, as LSP requires.

Folding ranges are whole lines: stages, instructions spanning several lines, heredoc bodies and blocks
of two or more comment lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dockls.model import Model, Stage
from dockls.syntax import Instruction
from dockls.text import LineIndex, Span

# Named after LSP's SymbolKind members; the adapter maps them.
SymbolKind = Literal["class", "function", "variable", "file", "property", "constant", "namespace",
                     "package", "key", "event", "string", "field"]
FoldKind = Literal["comment", "region"]

PREVIEW_LENGTH = 40
_KINDS: dict[str, SymbolKind] = {
    "RUN": "function", "CMD": "function", "ENTRYPOINT": "function", "HEALTHCHECK": "function",
    "SHELL": "function", "ARG": "variable", "ENV": "variable", "COPY": "file", "ADD": "file",
    "LABEL": "property", "EXPOSE": "constant", "WORKDIR": "namespace", "VOLUME": "package",
    "USER": "key", "STOPSIGNAL": "event", "ONBUILD": "event", "MAINTAINER": "string", "FROM": "class",
}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: SymbolKind
    span: Span  # the whole construct
    selection: Span  # what to reveal: the keyword, or the stage's name
    detail: str | None = None
    children: tuple[Symbol, ...] = ()


@dataclass(frozen=True)
class Fold:
    start_line: int
    end_line: int
    kind: FoldKind | None = None


def document_symbols(model: Model) -> list[Symbol]:
    tree = model.tree
    symbols = [Symbol(f"# {d.name}", "property", d.span, d.name_span, d.value) for d in tree.directives]
    first_from = model.stages[0].from_instruction if model.stages else None
    for inst in tree.instructions:
        if inst is first_from:
            break
        symbols.append(instruction_symbol(inst))
    symbols.extend(stage_symbol(model, stage) for stage in model.stages)
    return symbols


def stage_symbol(model: Model, stage: Stage) -> Symbol:
    inst = stage.from_instruction
    children = tuple(instruction_symbol(child) for child in stage.instructions)
    end = max([inst.span.end, *(child.span.end for child in children)])
    image = model.text[stage.image_span.start:stage.image_span.end] if stage.image_span else ""
    return Symbol(
        name=stage.name or f"stage {stage.index}",
        kind="class",
        span=Span(inst.span.start, end),
        selection=stage.name_span or inst.keyword_span,
        detail=image or None,
        children=children,
    )


def instruction_symbol(inst: Instruction) -> Symbol:
    command = inst.command
    name = inst.keyword or "?"
    if command is not inst:
        name += " " + (command.keyword or "?")
    preview = _preview(command.args)
    return Symbol(name=f"{name} {preview}" if preview else name, kind=_KINDS.get(command.keyword, "field"),
                  span=inst.span, selection=inst.keyword_span)


def _preview(args: str) -> str:
    text = _SPACES.sub(" ", args).strip()
    return text if len(text) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH - 1].rstrip() + "…"


def flatten(symbols: list[Symbol]) -> list[tuple[Symbol, str | None]]:
    """Every symbol with the name of the symbol containing it (for clients without hierarchy)."""
    flat: list[tuple[Symbol, str | None]] = []
    for symbol in symbols:
        flat.append((symbol, None))
        flat.extend((child, symbol.name) for child in symbol.children)
    return flat


def folding_ranges(model: Model, lines: LineIndex) -> list[Fold]:
    """Folds of ``model``'s text, which ``lines`` indexes; at most one per start line (the longest),
    since clients keep only one anyway."""
    text = model.text
    folds: list[Fold] = []

    def fold(start: int, end: int, kind: FoldKind | None = None) -> None:
        """Fold the lines of the characters ``text[start:end]``."""
        first, last = lines.line_of(start), lines.line_of(max(start, end - 1))
        if last > first:
            folds.append(Fold(first, last, kind))

    for index, stage in enumerate(model.stages):
        following = model.stages[index + 1].from_instruction if index + 1 < len(model.stages) else None
        boundary = len(text) if following is None else (
            following.comments[0].span.start if following.comments else following.span.start)
        last = lines.line_of(boundary) - (0 if following is None else 1)
        first = lines.line_of(stage.from_instruction.span.start)
        while last > first and not text[lines.line_starts[last]:lines.line_end(last)].strip():
            last -= 1
        if last > first:
            folds.append(Fold(first, last, "region"))
    for inst in model.tree.instructions:
        fold(inst.span.start, inst.span.end)
        for heredoc in inst.command.heredocs:
            end = heredoc.terminator_span.end if heredoc.terminator_span else heredoc.body_span.end
            fold(heredoc.body_span.start, end)
    block: list[Span] = []
    for comment in [*model.tree.comments, None]:
        if block and (comment is None or lines.line_of(comment.span.start) != lines.line_of(block[-1].start) + 1):
            fold(block[0].start, block[-1].end, "comment")
            block = []
        if comment is not None:
            block.append(comment.span)
    longest: dict[int, Fold] = {}
    for item in folds:
        kept = longest.get(item.start_line)
        if kept is None or item.end_line > kept.end_line:
            longest[item.start_line] = item
    return sorted(longest.values(), key=lambda item: item.start_line)
