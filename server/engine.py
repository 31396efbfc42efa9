"""The engine: discover rules, run them over the model, apply suppressions and configuration.

Both adapters (``dockls.lsp`` and ``dockls.cli``) call :func:`analyze` and nothing else to get findings.
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import dockls.rules
from dockls.budget import Budget, BudgetExceeded
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

# Seconds one rule may take on one file before it is cut off (its findings are dropped, the other
# rules' are kept): far above what any rule takes on a 3,000-line file, so only a runaway hits it.
RULE_BUDGET = 2.0

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


def prepare_process() -> None:
    """For a process that analyses text after text (the language server, the CLI): import every rule
    now, and keep the cyclic garbage collector out of the way. What is alive now (libraries, rules)
    lives as long as the process, so it is frozen out of the collector's passes; and an analysis
    allocates hundreds of thousands of short-lived objects, nearly none in reference cycles (reference
    counting frees them), for which the default thresholds run the collector dozens of times per
    analysis in vain: about a fifth of its time on a 150-line file, a third on 3,000 lines."""
    all_rules()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


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
    cut_off: list[Rule] = field(default_factory=list)  # rules that ran out of time on this text

    @property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)


def _run_rule(rule: Rule, model: object, budget: float | None, cut_off: list[Rule]) -> list[Finding]:
    try:
        with Budget(budget):
            return list(rule.check(model))
    except BudgetExceeded:
        # The adapters say so where the user looks (with the file): here it is only logged.
        log.info("rule %s (%s) took longer than %.1f s and was cut off", rule.id, rule.name, budget)
        cut_off.append(rule)
        return []
    except Exception:
        key = rule.id
        if key not in _reported_failures:
            _reported_failures.add(key)
            log.exception("rule %s (%s) failed and was skipped", rule.id, rule.name)
        return []


def analyze(text: str, config: Config | None = None, rules: Iterable[Rule] | None = None,
            context: BuildContext | None = None, budget: float | None = RULE_BUDGET) -> Analysis:
    """Parse, model and check one Dockerfile text (``context``: its build context on disk, when it is
    a file there; ``budget``: seconds each rule may take, None for no limit). Never raises for any
    input."""
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
    cut_off: list[Rule] = []
    findings = [f for f in _findings(selected, model, config, budget, cut_off) if not suppressions.suppresses(f)]
    return Analysis(text, tree, model, findings, cut_off)


@dataclass
class IgnoreAnalysis:
    text: str
    model: IgnoreModel
    findings: list[Finding]
    cut_off: list[Rule] = field(default_factory=list)


def analyze_ignore(text: str, config: Config | None = None, rules: Iterable[Rule] | None = None,
                   context: BuildContext | None = None, dockerfiles: Sequence[Model] = (),
                   budget: float | None = RULE_BUDGET) -> IgnoreAnalysis:
    """Check one ``.dockerignore`` text (``context``: the build context it filters, when known;
    ``dockerfiles``: the Dockerfiles that use it). Never raises for any input."""
    config = config or Config()
    model = IgnoreModel(text, parse_ignore(text), context, list(dockerfiles))
    selected = [r for r in (rules if rules is not None else all_rules())
                if r.target == "dockerignore" and config.enabled(r)]
    cut_off: list[Rule] = []
    return IgnoreAnalysis(text, model, _findings(selected, model, config, budget, cut_off), cut_off)


def _findings(rules: Iterable[Rule], model: object, config: Config, budget: float | None,
              cut_off: list[Rule]) -> list[Finding]:
    """The rules' findings on a Dockerfile's or an ignore file's model, configured, in text order
    (rules that run out of ``budget`` are added to ``cut_off``)."""
    findings: list[Finding] = []
    for rule in rules:
        severity = config.severity(rule)
        found = _run_rule(rule, model, budget, cut_off)
        findings.extend(replace(f, severity=severity) if severity else f for f in found)
    findings.sort(key=lambda f: (f.span.start, f.rule.id))
    return findings
