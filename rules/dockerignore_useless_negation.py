"""## What it does
Finds `!` exceptions in an ignore file that cannot re-include anything, and offers to delete them:

- **Nothing earlier excludes what it names.** An exception only undoes earlier patterns (later lines
  win), so `!README.md` on the first line, or after patterns that are about other paths, does nothing.
  The test is conservative: for every earlier valid exclusion, the two patterns' path elements are
  compared from the left, and the exception is reported only when, for each of them, two different
  literal elements come before any element with a wildcard (`src` vs `docs/*.md` are disjoint;
  `*.md` vs `docs/x` might not be, and is not reported).
- **It names a directory whose contents an earlier `DIR/**` (or `DIR/*`) excludes, and nothing
  earlier excludes the directory itself.** `docs/**` followed by `!docs` re-includes nothing: `docs`
  was never excluded, and BuildKit's walker matches `docs/**` against each child directly, so the
  children stay excluded (write `!docs/**`). The exception must be a literal path, and no other
  earlier exclusion may overlap it: after `*`, `a/*`, `!a` does re-include the contents of `a`
  (the walker does not evaluate `a/*` below a directory that `*` already excluded, and the children
  inherit `!a`'s match), so that is not reported.

`dir` followed by `!dir/keep` is not reported: BuildKit does not prune a directory when a literal
exception lies inside it, so `dir/keep` is sent.

## Why is this bad?
The line suggests that something is sent that is not: a reader (or the author) expects `a/` to be in
the context, and a `COPY a/ …` then copies nothing, or a file that should have been re-included is
missing at build time.

## Example
```
!README.md
node_modules
docs/**
!docs
```

## Use instead
```
node_modules
docs/**
!docs/**
```

## Fix safety
Deleting the line is safe: in both cases the exception changes nothing that is sent (nothing before
it matches a path it could re-include, so BuildKit's walker never even records it as matched).

## Stages
Ignore files, not Dockerfiles: the patterns are read in order, as BuildKit applies them.

## References
- [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
- [tonistiigi/fsutil: the context walker](https://github.com/tonistiigi/fsutil/blob/master/filter.go)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.edits import line_start
from dockls.ignorefile import IgnoreModel, Pattern
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.text import Span

_WILDCARDS = frozenset("*?[]\\")


def _has_wildcard(text: str) -> bool:
    return not _WILDCARDS.isdisjoint(text)


def _may_overlap(exclusion: str, exception: str) -> bool:
    """Whether the paths ``exclusion`` matches (and their contents) might meet those ``exception``
    matches: False only when differing literal elements come before any wildcard."""
    for left, right in zip(exclusion.split("/"), exception.split("/")):
        if _has_wildcard(left) or _has_wildcard(right):
            return True
        if left != right:
            return False
    return True  # one is a prefix of the other (or they are equal)


def _delete_line(text: str, pattern: Pattern) -> Edit:
    """Delete the pattern's whole line, line break included."""
    start = line_start(text, pattern.span.start)
    if start == 0 and text.startswith("\ufeff"):
        start = 1  # the byte order mark belongs to the file, not to its first line
    newline = text.find("\n", pattern.span.end)
    return Edit(Span(start, len(text) if newline < 0 else newline + 1), "")


def check(model: IgnoreModel) -> Iterator[Finding]:
    exclusions: list[Pattern] = []
    for pattern in model.ignore.patterns:
        if pattern.error is not None:
            continue
        if not pattern.negated:
            exclusions.append(pattern)
            continue
        written = model.text[pattern.span.start:pattern.span.end]
        contents_patterns = (pattern.text + "/**", pattern.text + "/*")
        overlapping = [e for e in exclusions if _may_overlap(e.text, pattern.text)]
        if any(e.text not in contents_patterns for e in overlapping):
            continue
        fix = Fix(f"Delete `{written}`", (_delete_line(model.text, pattern),))
        if overlapping and _has_wildcard(pattern.text):
            continue  # `a*/**` then `!a*`: probably as useless, but only literal exceptions are reasoned about
        if not overlapping:
            reason = ("no earlier pattern excludes anything it names" if exclusions
                      else "no earlier pattern excludes anything")
            yield RULE.finding(pattern.span, f"`{written}` re-includes nothing: {reason}, and only earlier "
                               "patterns can be undone", fix)
            continue
        contents = overlapping[0]
        yield RULE.finding(
            pattern.span,
            f"`{written}` re-includes nothing: `{contents.text}` on line {contents.line + 1} excludes what is "
            f"inside `{pattern.text}`, not `{pattern.text}` itself, and matches each of its contents directly, "
            f"so they stay excluded (write `!{pattern.text}/**` to re-include them)",
            fix,
            related=(Related(contents.span, "excludes the directory's contents"),),
        )


RULE = Rule(
    id="DKL048",
    name="dockerignore-useless-negation",
    summary="A `!` exception in the ignore file cannot re-include anything",
    severity=Severity.WARNING,
    category="context",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    target="dockerignore",
)
