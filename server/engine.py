"""The engine: discover rules, run them over the model, apply suppressions and configuration.

Both adapters (``dockls.lsp`` and ``dockls.cli``) call :func:`analyze` and nothing else to get findings.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import dockls.rules
from dockls.ignorefile import IgnoreModel, parse_ignore
from dockls.model import Model
from dockls.rule import Finding, Rule, Severity
from dockls.suppressions import Suppressions
from dockls.syntax import Dockerfile, Problem, parse
from dockls.text import LineIndex, Span

if TYPE_CHECKING:
    from dockls.buildcontext import BuildContext

log = logging.getLogger("dockls")

# Larger inputs (over 10,000 typical lines) are not Dockerfiles anyone writes by hand; analysing them
# fully would only stall an editor.
MAX_CHARS = 500_000

_reported_failures: set[str] = set()


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule module in ``dockls.rules``, ordered by id."""
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(dockls.rules.__path__):
        module = importlib.import_module(f"dockls.rules.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


def rule_by_key(key: str) -> Rule | None:
    key = key.strip().lower()
    return next((r for r in all_rules() if key in (r.id.lower(), r.name)), None)


@dataclass(frozen=True)
class Config:
    """Which rules run and at which severity; keys are rule ids or names."""

    ignore: frozenset[str] = frozenset()
    severities: dict[str, Severity | None] = field(default_factory=dict)  # None turns a rule off

    @cached_property
    def _ignored(self) -> frozenset[str]:
        return frozenset(key.lower() for key in self.ignore)

    def enabled(self, rule: Rule) -> bool:
        if rule.id.lower() in self._ignored or rule.name in self._ignored:
            return False
        return all(self.severities.get(k, rule.severity) is not None for k in (rule.id, rule.name))

    def severity(self, rule: Rule) -> Severity | None:
        for key in (rule.name, rule.id):
            if key in self.severities:
                return self.severities[key]
        return None


@dataclass
class Analysis:
    text: str
    tree: Dockerfile
    model: Model
    findings: list[Finding]

    @property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)


def _run_rule(rule: Rule, model: object) -> list[Finding]:
    try:
        return list(rule.check(model))
    except Exception:
        key = rule.id
        if key not in _reported_failures:
            _reported_failures.add(key)
            log.exception("rule %s (%s) failed and was skipped", rule.id, rule.name)
        return []


def analyze(text: str, config: Config | None = None, rules: Iterable[Rule] | None = None,
            context: BuildContext | None = None) -> Analysis:
    """Parse, model and check one Dockerfile text (``context``: its build context on disk, when it is
    a file there). Never raises for any input."""
    config = config or Config()
    truncated = len(text) > MAX_CHARS
    # Cut at a line break so that no half line becomes a bogus instruction.
    tree = parse(text[: text.rfind("\n", 0, MAX_CHARS) + 1 or MAX_CHARS] if truncated else text)
    if truncated:
        end = len(tree.text)
        tree.problems.append(Problem(Span(end, end), f"file larger than {MAX_CHARS:,} characters: "
                                     "only the syntax of its beginning was checked", "warning"))
    # A huge file is not modelled (no shell parsing): only the syntax rule runs on it.
    model = Model(replace(tree, instructions=[]) if truncated else tree, context)
    if truncated:
        # Only the syntax rule runs on the first MAX_CHARS characters of a huge file.
        rules = [r for r in all_rules() if r.category == "syntax"]
    selected = [r for r in (rules if rules is not None else all_rules())
                if r.target == "dockerfile" and config.enabled(r)]
    suppressions = Suppressions.of(tree)
    findings = [f for f in _findings(selected, model, config) if not suppressions.suppresses(f)]
    return Analysis(text, tree, model, findings)


@dataclass
class IgnoreAnalysis:
    text: str
    model: IgnoreModel
    findings: list[Finding]


def analyze_ignore(text: str, config: Config | None = None, rules: Iterable[Rule] | None = None,
                   context: BuildContext | None = None, dockerfiles: Sequence[Model] = ()) -> IgnoreAnalysis:
    """Check one ``.dockerignore`` text (``context``: the build context it filters, when known;
    ``dockerfiles``: the Dockerfiles that use it). Never raises for any input."""
    config = config or Config()
    model = IgnoreModel(text, parse_ignore(text), context, list(dockerfiles))
    selected = [r for r in (rules if rules is not None else all_rules())
                if r.target == "dockerignore" and config.enabled(r)]
    return IgnoreAnalysis(text, model, _findings(selected, model, config))


def _findings(rules: Iterable[Rule], model: object, config: Config) -> list[Finding]:
    """The rules' findings on a Dockerfile's or an ignore file's model, configured, in text order."""
    findings: list[Finding] = []
    for rule in rules:
        severity = config.severity(rule)
        findings.extend(replace(f, severity=severity) if severity else f for f in _run_rule(rule, model))
    findings.sort(key=lambda f: (f.span.start, f.rule.id))
    return findings
