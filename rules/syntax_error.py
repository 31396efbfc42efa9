"""## What it does
Reports what BuildKit's Dockerfile parser would reject or warn about: unterminated heredocs, JSON
(exec) forms that are not arrays of strings, `ENV`/`LABEL` without `=`, unknown instructions,
instructions without arguments, repeated or invalid parser directives, and files that are binary,
empty or too large to analyse.

## Why is this bad?
The build fails before a single layer is produced, usually far from the editor where the mistake was
made. Every other rule also works best on a file that parses.

## Example
```dockerfile
FROM alpine
RUN <<EOF
echo "the terminator is missing"
```

## Use instead
```dockerfile
FROM alpine
RUN <<EOF
echo "the terminator is here"
EOF
```

## Stages
All stages.

## References
- [Dockerfile reference](https://docs.docker.com/reference/dockerfile/)
- [Parser directives](https://docs.docker.com/reference/dockerfile/#parser-directives)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity


def check(model: Model) -> Iterator[Finding]:
    for problem in model.tree.problems:
        severity = Severity.WARNING if problem.severity == "warning" else None
        yield Finding(RULE, problem.span, problem.message, severity=severity)


RULE = Rule(
    id="DKL000",
    name="syntax-error",
    summary="The Dockerfile does not parse the way BuildKit needs it to",
    severity=Severity.ERROR,
    category="syntax",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
)
