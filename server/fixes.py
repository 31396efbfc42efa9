"""Applying text edits, and the fix-all loop shared by ``--fix`` and ``source.fixAll.dockls``."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from dockls.rule import Edit, Finding, Fix
from dockls.syntax import parse

MAX_PASSES = 25


class OverlappingEdits(ValueError):
    pass


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (offsets refer to ``text``); insertions at one point keep order."""
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].span.start, item[1].span.end, item[0]))
    out: list[str] = []
    pos = 0
    for _, edit in ordered:
        if edit.span.start < pos:
            raise OverlappingEdits(f"edit at {edit.span} overlaps an earlier one")
        out.append(text[pos : edit.span.start])
        out.append(edit.new_text)
        pos = edit.span.end
    out.append(text[pos:])
    return "".join(out)


def _overlaps(a: Fix, taken: list[Edit]) -> bool:
    for edit in a.edits:
        for other in taken:
            if edit.span.start < other.span.end and other.span.start < edit.span.end:
                return True
            if edit.span.start == other.span.start or edit.span.end == other.span.end:
                return True  # touching insertions: order would be ambiguous, leave to a later pass
    return False


def safe_fixes(findings: Iterable[Finding], text: str | None = None, unsafe: bool = False) -> list[Fix]:
    """The first safe fix of each finding that can go into one pass: no two touch each other, and
    (given the text) no two edit the same instruction — two rules may offer different cures for one
    RUN (a cache mount, a cleanup command), and after one is applied the other rule is silent, so
    the second waits for the next pass's fresh analysis. More severe findings go first.

    With ``unsafe``, each finding's first fix is taken whether it is safe or not (``--unsafe-fixes``):
    still one fix per finding, never two alternatives of one."""
    starts = [inst.span.start for inst in parse(text).instructions] if text is not None else []
    chosen: list[Fix] = []
    taken: list[Edit] = []
    touched: set[int] = set()
    for finding in sorted(findings, key=lambda f: (-f.effective_severity.rank, f.span.start)):
        fix = next((f for f in finding.fixes if f.safe or unsafe), None)
        # A fix that only creates files changes nothing in this text (the adapters create them).
        if fix is None or not fix.edits or _overlaps(fix, taken):
            continue
        instructions = {bisect.bisect_right(starts, edit.span.start) - 1 for edit in fix.edits}
        if instructions & touched:
            continue
        chosen.append(fix)
        taken.extend(fix.edits)
        touched |= instructions
    return chosen


def fix_all(text: str, check: Callable[[str], list[Finding]], unsafe: bool = False) -> tuple[str, int]:
    """Apply safe fixes (with ``unsafe``, each finding's first fix) until none is left (or MAX_PASSES);
    returns the text and how many applied."""
    applied = 0
    for _ in range(MAX_PASSES):
        fixes = safe_fixes(check(text), text, unsafe)
        if not fixes:
            break
        text = apply_edits(text, [edit for fix in fixes for edit in fix.edits])
        applied += len(fixes)
    return text, applied
