"""## What it does
Finds `$TARGETARCH`, `$TARGETOS`, `$TARGETPLATFORM`, `$TARGETVARIANT`, `$BUILDPLATFORM`, `$BUILDARCH`,
`$BUILDOS` or `$BUILDVARIANT` used inside a build stage that has no `ARG` of that name above the use.
Offers to declare it at the top of the stage.

## Why is this bad?
BuildKit predefines the platform variables in the global scope only, where `FROM` lines can use them.
Inside a stage they exist only after `ARG TARGETARCH` (without a value) re-declares them. Without it,
`COPY bin/app-${TARGETARCH} /app` copies `bin/app-`, and `RUN GOARCH=$TARGETARCH go build` builds for
the machine the build runs on: the variable is silently empty. BuildKit's own UndefinedVar check does
not look into shell-form `RUN`, where most of these uses are.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.23 AS build
RUN GOOS=linux GOARCH=$TARGETARCH go build -o /out/app .
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.23 AS build
ARG TARGETARCH
RUN GOOS=linux GOARCH=$TARGETARCH go build -o /out/app .
```

## Stages
All stages: a wrong architecture in a builder stage ends up in whatever is copied from it.

Uses are `$NAME` and `${NAME…}` in the arguments, flags and heredocs of instructions that BuildKit
expands or whose `RUN` shell reads the environment. Not reported: `CMD`, `ENTRYPOINT`, `HEALTHCHECK`
and `SHELL` (they run in the container, where build arguments never exist), `ONBUILD` triggers
(declared, or not, in the stage that uses the image), exec-form `RUN` without a shell, `RUN`s in a
non-POSIX shell, a `RUN` that assigns the variable itself (`TARGETARCH=$(uname -m)`), `\\$NAME`, and a
name that an `ENV` of this stage or of the stage it is built `FROM` sets.

## Fix safety
The fix inserts `ARG NAME` right after the stage's `FROM`. The variable then has its value, so what the
stage builds changes (that is the point): the fix is offered, never applied by `--fix`.

## References
- [Dockerfile reference: automatic platform ARGs in the global scope](https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope)
- [Dockerfile reference: scope of ARG](https://docs.docker.com/reference/dockerfile/#scope)
- [Multi-platform builds: cross-compilation](https://docs.docker.com/build/building/multi-platform/#cross-compilation)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockls.edits import insert_after, newline_of
from dockls.model import PLATFORM_ARGS, Model, Stage
from dockls.rule import Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import POSIX_SHELLS
from dockls.syntax import Instruction
from dockls.text import Span

_NAMES = "|".join(PLATFORM_ARGS)
_REFERENCE = re.compile(rf"(?<!\\)\$(\{{)?({_NAMES})(?![A-Za-z0-9_])")
# `NAME=…` or `for NAME in` in shell text: the RUN sets the variable itself.
_ASSIGNMENT = re.compile(rf"(?<![\w$\{{])({_NAMES})=|\bfor\s+({_NAMES})\b")
# Instructions evaluated when the container runs, where build arguments do not exist.
RUNTIME = frozenset({"CMD", "ENTRYPOINT", "HEALTHCHECK", "SHELL", "ONBUILD", "FROM"})


def check(model: Model) -> Iterator[Finding]:
    opaque = {id(run.instruction) for run in model.runs if run.opaque}
    for stage in model.stages:
        uses: dict[str, list[Span]] = {}
        declared = set(stage.parent.env) if stage.parent is not None else set()
        for inst in stage.instructions:
            if inst.keyword in RUNTIME or id(inst) in opaque or _exec_without_shell(inst):
                continue
            source = model.text[inst.keyword_span.end : inst.span.end]
            assigned = {a or b for a, b in _ASSIGNMENT.findall(source)} if inst.keyword == "RUN" else set()
            for match in _REFERENCE.finditer(source):
                name = match.group(2)
                if name not in declared and name not in assigned:
                    start = inst.keyword_span.end + match.start()
                    uses.setdefault(name, []).append(Span(start, inst.keyword_span.end + match.end()))
            if inst.keyword == "ARG":
                declared.update(word.partition("=")[0] for word in inst.value)
            elif inst.keyword == "ENV":
                declared.update(inst.value[::2])
        for name, spans in uses.items():
            yield _finding(model, stage, name, spans)


def _exec_without_shell(inst: Instruction) -> bool:
    """An exec-form RUN that starts a program directly: nothing expands ``$NAME`` in it."""
    return (inst.keyword == "RUN" and inst.json and bool(inst.value)
            and posixpath.basename(inst.value[0]) not in POSIX_SHELLS)


def _finding(model: Model, stage: Stage, name: str, spans: list[Span]) -> Finding:
    first, *others = spans
    more = f" (and {len(others)} more use{'s' if len(others) > 1 else ''} in this stage)" if others else ""
    message = (f"${name} is not declared in stage {stage.label}, so it is empty here{more}: platform "
               f"variables are predefined only for FROM lines; add `ARG {name}` at the top of the stage")
    related = tuple(Related(span, f"${name} is empty here too") for span in others)
    fix = Fix(f"Declare ARG {name} at the top of stage {stage.label}",
              (insert_after(model.text, stage.from_instruction, f"ARG {name}{newline_of(model.text)}"),),
              safe=False)
    return RULE.finding(first, message, fix, related=related)


RULE = Rule(
    id="DKL026",
    name="target-arg-undeclared",
    summary="A platform variable ($TARGETARCH …) used in a stage without ARG is empty",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
