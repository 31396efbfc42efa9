"""Suppressions: the comments that silence a rule on one instruction or in a whole file, and the code
actions that write them.

- ``# dockls ignore=<id-or-name>,…`` in the comment block right above an instruction silences those rules
  on that instruction; ``# dockls global ignore=…`` on any comment line silences them in the whole file.
- hadolint's ``# hadolint ignore=DL3008`` and ``# hadolint global ignore=…`` silence our rules whose
  ``Rule.hadolint`` names that id.
- BuildKit's ``# check=skip=JSONArgsRecommended,…`` (or ``all``) directive silences our rules whose
  ``Rule.buildkit`` names that check.

Keys are case-insensitive. A finding belongs to the last instruction starting at or before it, so a
finding anywhere in a multi-line RUN, its heredocs or an ONBUILD trigger is silenced above its first line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dockls.edits import line_start, newline_of
from dockls.rule import Edit, Finding, Fix, Rule
from dockls.syntax import Comment, Dockerfile, Instruction, parse
from dockls.text import Span

_PRAGMA_RE = re.compile(r"^(dockls|hadolint)\s+(global\s+)?ignore\s*=\s*([\w\-, ]+)", re.IGNORECASE)


@dataclass(frozen=True)
class _Pragma:
    """One ``# dockls ignore=…`` or ``# hadolint [global] ignore=…`` comment."""

    tool: str  # "dockls" or "hadolint"
    is_global: bool
    keys: frozenset[str]  # lower-case
    list_end: int  # document offset right after the last key, where one more goes
    list_ends_with_comma: bool

    def extended(self, name: str) -> Edit:
        separator = " " if self.list_ends_with_comma else ", "
        return Edit(Span(self.list_end, self.list_end), (separator if self.keys else "") + name)


def _pragmas(text: str, comments: Iterable[Comment]) -> list[_Pragma]:
    pragmas: list[_Pragma] = []
    for comment in comments:
        match = _PRAGMA_RE.match(comment.text)
        if match is None:
            continue
        # ``Comment.text`` is what follows the ``#``, stripped: find where it starts in the document.
        after_hash = text[comment.span.start + 1 : comment.span.end]
        text_start = comment.span.end - len(after_hash.lstrip())
        listed = match.group(3).rstrip()
        keys = frozenset(k.strip().lower() for k in listed.split(",") if k.strip())
        pragmas.append(_Pragma(match.group(1).lower(), bool(match.group(2)), keys,
                               text_start + match.start(3) + len(listed), listed.endswith(",")))
    return pragmas


def _keys(pragmas: Iterable[_Pragma], *, is_global: bool) -> frozenset[str]:
    return frozenset(key for pragma in pragmas if pragma.is_global == is_global for key in pragma.keys)


def _buildkit_skips(tree: Dockerfile) -> frozenset[str]:
    """Checks skipped by BuildKit's ``# check=skip=A,B;error=true`` directive, lower-case."""
    directive = tree.directive("check")
    skips: set[str] = set()
    for item in directive.value.split(";") if directive else ():
        key, _, value = item.partition("=")
        if key.strip().lower() == "skip":
            skips.update(v.strip().lower() for v in value.split(",") if v.strip())
    return frozenset(skips)


def _names(rule: Rule, keys: frozenset[str]) -> bool:
    """Whether ``keys`` name ``rule``: by its id, its name, or an equivalent hadolint id."""
    return rule.id.lower() in keys or rule.name in keys or any(h.lower() in keys for h in rule.hadolint)


def _holder_index(instructions: Sequence[Instruction], offset: int) -> int:
    """The index of the instruction a finding at ``offset`` belongs to (the last one starting at or before
    it), or -1 before the first instruction."""
    return bisect.bisect_right(instructions, offset, key=lambda inst: inst.span.start) - 1


@dataclass(frozen=True)
class Suppressions:
    """What the pragmas and the ``check`` directive of one file silence."""

    instructions: Sequence[Instruction]
    in_file: frozenset[str]  # keys of the global pragmas
    buildkit_skips: frozenset[str]
    per_instruction: dict[int, frozenset[str]]  # keys of the pragmas above an instruction, by its index

    @classmethod
    def of(cls, tree: Dockerfile) -> Suppressions:
        per_instruction: dict[int, frozenset[str]] = {}
        for index, inst in enumerate(tree.instructions):
            if inst.comments and (keys := _keys(_pragmas(tree.text, inst.comments), is_global=False)):
                per_instruction[index] = keys
        return cls(tree.instructions, _keys(_pragmas(tree.text, tree.comments), is_global=True),
                   _buildkit_skips(tree), per_instruction)

    def suppresses(self, finding: Finding) -> bool:
        rule = finding.rule
        if _names(rule, self.in_file):
            return True
        if rule.buildkit and ("all" in self.buildkit_skips
                              or any(check.lower() in self.buildkit_skips for check in rule.buildkit)):
            return True
        holder = _holder_index(self.instructions, finding.span.start)
        return holder in self.per_instruction and _names(rule, self.per_instruction[holder])


def ignore_here(text: str, tree: Dockerfile, finding: Finding) -> Fix | None:
    """A code action that silences the finding's rule on the instruction holding it: one more name on the
    ``# dockls ignore=…`` line of the instruction's comment block, else a new such line right above the
    instruction, indented like it. None for a finding before the first instruction."""
    holder = _holder_index(tree.instructions, finding.span.start)
    if holder < 0:
        return None
    inst = tree.instructions[holder]
    name = finding.rule.name
    title = f"Ignore {name} for this instruction"
    local = [p for p in _pragmas(text, inst.comments) if p.tool == "dockls" and not p.is_global]
    if local:
        return Fix(title, (local[-1].extended(name),), safe=False)
    # The instruction's first physical line; its keyword may come later, after an empty continued line.
    first = inst.line.sources[0]
    start = line_start(text, first)
    if start == 0 and text.startswith("\ufeff"):
        start = 1
    pragma = f"{text[start:first]}# dockls ignore={name}{newline_of(text)}"
    return Fix(title, (Edit(Span(start, start), pragma),), safe=False)


def ignore_in_file(text: str, tree: Dockerfile, finding: Finding) -> Fix:
    """A code action that silences the finding's rule in the whole file: one more name on its
    ``# dockls global ignore=…`` line, else a new such line after the parser directives (a comment above
    them would make them ordinary comments)."""
    name = finding.rule.name
    title = f"Ignore {name} in this file"
    found = [p for p in _pragmas(text, tree.comments) if p.tool == "dockls" and p.is_global]
    if found:
        return Fix(title, (found[0].extended(name),), safe=False)
    bom = 1 if text.startswith("\ufeff") else 0
    at = _after_directives(text, bom)
    pragma = f"# dockls global ignore={name}"
    if at == len(text) > bom and not text.endswith("\n"):  # a directive ends the file
        edit = Edit(Span(at, at), newline_of(text) + pragma)
    else:
        edit = Edit(Span(at, at), pragma + newline_of(text))
    return Fix(title, (edit,), safe=False)


def _after_directives(text: str, start: int) -> int:
    """The start of the first line after the parser directives, which start at ``start`` (after a byte
    order mark). Each line is parsed on its own, so that a repeated directive, which BuildKit rejects,
    counts as one too."""
    at = start
    while at < len(text):
        end = text.find("\n", at)
        following = len(text) if end < 0 else end + 1
        if not parse(text[at:following]).directives:
            break
        at = following
    return at
