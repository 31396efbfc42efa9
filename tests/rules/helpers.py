"""Helpers for rule tests: run one rule, apply its fixes, and check the result stays valid."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import dockerfile

from dockls.buildcontext import BuildContext
from dockls.engine import analyze, rule_by_key
from dockls.fixes import apply_edits, fix_all
from dockls.ignorefile import IgnoreModel, parse_ignore
from dockls.model import Model
from dockls.rule import Finding, Fix, Rule
from tests.buildkit import buildkit_error


def findings(text: str, rule: str) -> list[Finding]:
    """The findings of one rule (by name or id) on ``text``."""
    found = rule_by_key(rule)
    assert found is not None, f"no rule {rule}"
    return analyze(text, rules=[found]).findings


def ignore_findings(rule: Rule, text: str, context: BuildContext | None = None, *dockerfiles: str) -> list[Finding]:
    """An ignore-file rule's findings on ``text`` (with the build context it filters and the Dockerfiles
    that use it), the rule called directly, so that an exception fails the test (the engine would log
    and skip it)."""
    models = [Model.from_text(d) for d in dockerfiles]
    return list(rule.check(IgnoreModel(text, parse_ignore(text), context, models)))


def flagged_text(text: str, found: Iterable[Finding]) -> list[str]:
    """The text each finding points at."""
    return [text[f.span.start:f.span.end] for f in found]


def apply_fix(text: str, fix: Fix) -> str:
    return apply_edits(text, fix.edits)


def shell_errors(text: str) -> int:
    """How many RUNs have shell text tree-sitter-bash cannot parse (a fix must not add any)."""
    return sum(run.shell_errors for run in Model.from_text(text).runs)


def fix_all_rule(text: str, rule: str) -> str:
    """Apply the safe fixes of one rule until it has none left (what ``--fix`` does)."""
    return fix_all(text, lambda t: findings(t, rule))[0]


def assert_fix_is_safe(before: str, after: str, rule: str) -> None:
    """BuildKit still accepts ``after``, no RUN body stopped parsing as shell, the rule fires less
    often on ``after``, and fixing the whole file twice gives the same text as fixing it once."""
    dockerfile.parse_string(after)  # raises dockerfile.GoParseError when BuildKit rejects the file
    assert shell_errors(after) <= shell_errors(before)
    if after != before:  # the fix cured what it was for: the rule has fewer findings left
        assert len(findings(after, rule)) < len(findings(before, rule)), "the rule still fires as often"
    once = fix_all_rule(before, rule)
    dockerfile.parse_string(once)
    assert fix_all_rule(once, rule) == once


def assert_corpus_fixes_are_safe(corpus: list[Path], rule: str) -> int:
    """Over every real-world file: the rule never raises, and on each file BuildKit accepts, fixing it
    keeps the file valid (BuildKit, shell) and a second pass changes nothing. Returns how many files
    the rule changed."""
    changed = 0
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="replace")  # surrogates would crash BuildKit's parser
        findings(text, rule)  # must not raise, whether BuildKit accepts the file or not
        if buildkit_error(text) is not None:
            continue
        once = fix_all_rule(text, rule)
        if once == text:
            continue
        changed += 1
        error = buildkit_error(once)
        assert error is None, f"{path.name}: BuildKit rejects the fixed file: {error}"
        assert shell_errors(once) <= shell_errors(text), f"{path.name}: the fix broke a RUN's shell"
        assert fix_all_rule(once, rule) == once, f"{path.name}: a second pass changes the file"
    return changed


def assert_each_corpus_fix_is_valid(corpus: list[Path], rule: str) -> int:
    """For rules whose fixes are unsafe (``--fix`` never applies them): apply every fix of every finding
    on its own to each corpus file BuildKit accepts; the result must stay valid and lose that finding.
    Returns how many fixes were applied."""
    applied = 0
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="replace")  # surrogates would crash BuildKit's parser
        found = findings(text, rule)
        if buildkit_error(text) is not None:
            continue
        for finding in found:
            for fix in finding.fixes:
                after = apply_fix(text, fix)
                dockerfile.parse_string(after)
                assert shell_errors(after) <= shell_errors(text), path.name
                assert len(findings(after, rule)) < len(found), path.name
                applied += 1
    return applied


def apply_only_fix(text: str, rule: str, *, safe: bool) -> str:
    """The text after the fix of the rule's only finding, which has exactly one fix of the given
    safety; checked with ``assert_fix_is_safe``, and the rule is silent on the result."""
    [finding] = findings(text, rule)
    [fix] = finding.fixes
    assert fix.safe is safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, rule)
    assert findings(after, rule) == []
    return after
