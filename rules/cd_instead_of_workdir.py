'''## What it does
Finds `cd` in RUN instructions and suggests `WORKDIR` for changing directory.

## Why is this bad?
A `cd` lasts only until the end of its RUN: the next instruction starts in the `WORKDIR` again. A
Dockerfile that moves around with `cd` repeats the path in every RUN, and the working directory
of `COPY`, `CMD` and the running container is not what the RUNs suggest. `WORKDIR` sets it once for
every following instruction, creates it when missing and documents it in the image.

`cd` inside a RUN is sometimes right — building in a temporary source folder that the same RUN
deletes, or `(cd sub && make)` in a subshell — which is why the finding is only informational.

## Example
```dockerfile
FROM debian:12-slim
RUN cd /usr/src/app && make
```

## Use instead
```dockerfile
FROM debian:12-slim
WORKDIR /usr/src/app
RUN make
```

## Stages
Every stage, `ONBUILD RUN` triggers included: it is a readability finding, not a size one.

## Fix safety
There is no fix: `WORKDIR` changes the working directory of every later instruction and of the
container, so replacing a `cd` with it changes behaviour unless the rest of the file is adapted.

## References
- [Dockerfile best practices: WORKDIR](https://docs.docker.com/build/building/best-practices/#workdir)
- [hadolint DL3003](https://github.com/hadolint/hadolint/wiki/DL3003)
'''

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque:
            continue
        for command in run.commands:
            if command.name == "cd":
                written = " ".join(word.text for word in command.words)
                yield RULE.finding(
                    command.span,
                    f"`{written}` only lasts until the end of this RUN: use WORKDIR to set the "
                    "working directory for the following instructions")


RULE = Rule(
    id="DKL037",
    name="cd-instead-of-workdir",
    summary="Use WORKDIR instead of cd to switch to a directory",
    severity=Severity.INFO,
    category="best-practice",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3003",),
)
