"""## What it does
Finds patterns in a `.dockerignore` (or `.containerignore`) that BuildKit cannot compile: a character
class that is not closed (`[abc`), a range without an upper bound (`[a-]`), an unescaped `-` at the
start of a class, a trailing `\\` that escapes nothing, an expression Go's regular expressions reject
(`\\pX` with an unknown class, `\\C`), or a `!` with no pattern after it. The range points at the
offending part of the pattern.

## Why is this bad?
BuildKit compiles every pattern before it sends the context, and one invalid pattern stops the whole
build (`failed to solve: … syntax error in pattern`). Nothing is built until the line is fixed, and the
error does not say which line it was.

## Example
```
node_modules
*.log
[abc
```

## Use instead
```
node_modules
*.log
\\[abc
```

## Stages
Ignore files, not Dockerfiles: the rule checks each pattern of the ignore file on its own.

## References
- [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
- [Go: path/filepath.Match](https://pkg.go.dev/path/filepath#Match)
- [moby/patternmatcher](https://github.com/moby/patternmatcher)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.ignorefile import IgnoreModel
from dockls.rule import Finding, FixAvailability, Rule, Severity


def check(model: IgnoreModel) -> Iterator[Finding]:
    for pattern in model.ignore.patterns:
        if pattern.error is None:
            continue
        written = model.text[pattern.span.start:pattern.span.end]
        if pattern.negated and not pattern.text:
            consequence = 'BuildKit fails the build on it ("illegal exclusion pattern")'
        else:
            consequence = 'BuildKit fails the build on it ("syntax error in pattern")'
        yield RULE.finding(pattern.error_span or pattern.span,
                           f"invalid pattern `{written}`: {pattern.error}; {consequence}")


RULE = Rule(
    id="DKL047",
    name="dockerignore-syntax",
    summary="A pattern of the ignore file is invalid, and BuildKit fails the build on it",
    severity=Severity.ERROR,
    category="context",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    target="dockerignore",
)
