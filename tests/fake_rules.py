"""Two small test rules for the adapters' tests (CLI, reporters): predictable findings, one with a safe
fix and one with an unsafe fix, so that those tests pin the adapters and not what real rules say."""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.syntax import KNOWN_INSTRUCTIONS


def _check_keyword_case(model: Model) -> Iterator[Finding]:
    text = model.tree.text
    for inst in model.tree.instructions:
        written = text[inst.keyword_span.start : inst.keyword_span.end]
        if inst.keyword in KNOWN_INSTRUCTIONS and written != inst.keyword:
            fix = Fix("Upper-case the keyword", (Edit(inst.keyword_span, inst.keyword),))
            yield KEYWORD_CASE.finding(inst.keyword_span, f"{written} should be written {inst.keyword}", fix)


KEYWORD_CASE = Rule("DKT001", "test-keyword-case", "Keywords are upper-case", Severity.WARNING, "style",
                    FixAvailability.SAFE, _check_keyword_case, doc="## What it does\nChecks keyword case.")


def maintainer_rule(message: str) -> Rule:
    """A rule that flags each MAINTAINER with ``message`` and offers to delete it (unsafe)."""

    def check(model: Model) -> Iterator[Finding]:
        for inst in model.tree.instructions:
            if inst.keyword == "MAINTAINER":
                yield rule.finding(inst.span, message, Fix("Delete MAINTAINER", (Edit(inst.span, ""),), safe=False))

    rule = Rule("DKT002", "test-maintainer", "MAINTAINER is deprecated", Severity.INFO, "style",
                FixAvailability.UNSAFE, check)
    return rule
