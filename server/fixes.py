"""Applying text edits, and the fix-all loop shared by ``--fix`` and ``source.fixAll.dockls``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from dockls.rule import Edit, Finding, Fix

MAX_PASSES = 10


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


def safe_fixes(findings: Iterable[Finding]) -> list[Fix]:
    """The first safe fix of each finding, keeping only those that do not touch each other."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    for finding in findings:
        fix = next((f for f in finding.fixes if f.safe), None)
        if fix is None or _overlaps(fix, taken):
            continue
        chosen.append(fix)
        taken.extend(fix.edits)
    return chosen


def fix_all(text: str, check: Callable[[str], list[Finding]]) -> tuple[str, int]:
    """Apply safe fixes until none is left (or MAX_PASSES); returns the text and how many applied."""
    applied = 0
    for _ in range(MAX_PASSES):
        fixes = safe_fixes(check(text))
        if not fixes:
            break
        text = apply_edits(text, [edit for fix in fixes for edit in fix.edits])
        applied += len(fixes)
    return text, applied
