"""What a rule is: metadata, documentation, a check over the model, and findings with fixes.

A rule module in ``dockls.rules`` defines ``RULE = Rule(...)`` and its check; its docstring is its
documentation (What it does / Why is this bad? / Example / Use instead / References).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from dockls.text import Span

# Which kind of file a rule checks.
Target = Literal["dockerfile", "dockerignore"]

DOCS_BASE = "https://github.com/dockls/dockls/blob/main/docs/rules"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1, "hint": 0}[self.value]


class FixAvailability(str, Enum):
    SAFE = "safe"  # applied by --fix and source.fixAll: behaviour is preserved
    UNSAFE = "unsafe"  # offered as a code action only: may change what the image contains
    NONE = "none"


@dataclass(frozen=True)
class Edit:
    span: Span
    new_text: str


@dataclass(frozen=True)
class NewFile:
    """A file a fix creates next to the checked one (e.g. a missing ``.dockerignore``)."""

    path: Path
    text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    safe: bool = True
    new_files: tuple[NewFile, ...] = ()  # created only where no file of that name exists yet


@dataclass(frozen=True)
class Related:
    """Another place that explains a finding, e.g. the earlier layer that holds the files."""

    span: Span
    message: str


@dataclass(frozen=True)
class Finding:
    rule: Rule
    span: Span
    message: str
    fixes: tuple[Fix, ...] = ()
    severity: Severity | None = None  # overrides the rule's default (configuration)
    related: tuple[Related, ...] = ()

    @property
    def effective_severity(self) -> Severity:
        return self.severity or self.rule.severity


@dataclass(frozen=True)
class Rule:
    id: str  # stable, e.g. "DKL001"
    name: str  # kebab-case, e.g. "consecutive-run"
    summary: str  # one line
    severity: Severity
    category: str  # "cache", "layers", "size", "syntax", …
    fix: FixAvailability
    # Gets a Model, or for target "dockerignore" an IgnoreModel (dockls.ignorefile): rules of both
    # kinds live side by side, and the engine hands each the model of the file it checks.
    check: Callable[[Any], Iterable[Finding]] = field(repr=False, compare=False)
    doc: str = field(default="", repr=False, compare=False)
    hadolint: tuple[str, ...] = ()
    buildkit: tuple[str, ...] = ()
    target: Target = "dockerfile"

    @property
    def url(self) -> str:
        return f"{DOCS_BASE}/{self.name}.md"

    def finding(self, span: Span, message: str, *fixes: Fix, related: tuple[Related, ...] = ()) -> Finding:
        return Finding(self, span, message, tuple(fixes), related=related)
