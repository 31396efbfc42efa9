"""## What it does
Finds patterns of an ignore file that an earlier pattern already covers, with no `!` exception
between the two, and offers to delete the later one:

- the **same pattern** once BuildKit has cleaned both (`/node_modules`, `./node_modules` and
  `node_modules/` are all `node_modules`);
- a pattern **below an earlier directory pattern**: after `node_modules` (or `node_modules/**`), any
  pattern starting with `node_modules/` excludes nothing more.

Only the earlier pattern's literal form is used (a literal path, or a literal path followed by
`/**`), so wildcard patterns are compared by their cleaned text only. A `!` exception anywhere between
the two patterns stops the comparison: the later pattern may then be what excludes again.

## Why is this bad?
A duplicate line makes the ignore file longer and harder to reason about: when someone later adds a
`!` exception or deletes the first line, the second one silently keeps excluding the same paths.

## Example
```
/node_modules
dist
node_modules/
dist/*.map
```

## Use instead
```
/node_modules
dist
```

## Fix safety
Deleting the later line is safe: with no exception in between, BuildKit never gets to apply it to a
path the earlier pattern did not already exclude (its walker does not even evaluate an exclusion once
a path is excluded).

## Stages
Ignore files, not Dockerfiles: the patterns are compared in file order.

## References
- [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.edits import line_start
from dockls.ignorefile import IgnoreModel, Pattern
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.text import Span

_WILDCARDS = frozenset("*?[]\\")


def _literal_directory(pattern: Pattern) -> str | None:
    """The literal path whose contents ``pattern`` excludes entirely (``a/b`` or ``a/b/**``), if any."""
    base = pattern.text.removesuffix("/**")
    if not base or base == "." or not _WILDCARDS.isdisjoint(base):
        return None
    return base


def _covering(pattern: Pattern, earlier: list[Pattern]) -> tuple[Pattern, bool] | None:
    """The earlier pattern that covers ``pattern`` and whether it is the same pattern."""
    for candidate in earlier:
        if candidate.text == pattern.text:
            return candidate, True
        directory = _literal_directory(candidate)
        if directory is not None and pattern.text.startswith(directory + "/"):
            return candidate, False
    return None


def _delete_line(text: str, pattern: Pattern) -> Edit:
    """Delete the pattern's whole line, line break included."""
    start = line_start(text, pattern.span.start)
    newline = text.find("\n", pattern.span.end)
    return Edit(Span(start, len(text) if newline < 0 else newline + 1), "")


def check(model: IgnoreModel) -> Iterator[Finding]:
    since_exception: list[Pattern] = []  # valid exclusions after the last `!` exception
    for pattern in model.ignore.patterns:
        if pattern.error is not None:
            continue
        if pattern.negated:
            since_exception = []
            continue
        found = _covering(pattern, since_exception)
        since_exception.append(pattern)
        if found is None:
            continue
        earlier, same = found
        written = model.text[pattern.span.start:pattern.span.end]
        first = model.text[earlier.span.start:earlier.span.end]
        line = earlier.line + 1
        if same:
            message = f"`{written}` is the same pattern as `{first}` on line {line}"
        else:
            message = f"`{written}` is already excluded by `{first}` on line {line}"
        yield RULE.finding(pattern.span, message,
                           Fix(f"Delete `{written}`", (_delete_line(model.text, pattern),)),
                           related=(Related(earlier.span, "the earlier pattern"),))


RULE = Rule(
    id="DKL050",
    name="dockerignore-duplicate",
    summary="A pattern of the ignore file is already covered by an earlier one",
    severity=Severity.INFO,
    category="context",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    target="dockerignore",
)
