"""## What it does
Finds `WORKDIR` instructions with a relative path, and makes the path absolute where the directory it
is relative to is known from an earlier `WORKDIR` of the stage (or of the stage it is built `FROM`).

Paths that start with a variable (`WORKDIR $HOME/app`) are not reported: their value is only known at
build time. Windows paths (`C:\\app`, `C:/app`) are absolute.

## Why is this bad?
A relative `WORKDIR` is resolved against the working directory in force, which, before the stage's
first absolute `WORKDIR`, is the base image's: it changes when the base image changes, silently moving
every file the following `COPY` and `RUN` instructions write. An absolute path says where files go.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /srv
WORKDIR app
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /srv
WORKDIR /srv/app
```

## Fix safety
The fix is offered only when the directory the path is relative to is known — an absolute `WORKDIR`
earlier in the stage or in the stage it is built `FROM`, with no variable involved — and writes the
path BuildKit resolves (`filepath.Join`: `..` and `.` resolved, trailing `/` dropped), so it changes
nothing. A relative `WORKDIR` before any absolute one (the base image's directory is unknown here),
one in an `ONBUILD` trigger (it runs in the child image), or a path with quotes, blanks or variables
has no fix.

## Stages
All stages: a relative path is as fragile in a builder stage. `ONBUILD WORKDIR` triggers too (hadolint
does not report those). Like hadolint's DL3000, and unlike BuildKit's WorkdirRelativePath (which stops
after the stage's first absolute `WORKDIR`), every relative path is reported; the ones after an
absolute `WORKDIR` come with the fix.

## References
- [Dockerfile reference: WORKDIR](https://docs.docker.com/reference/dockerfile/#workdir)
- [BuildKit check WorkdirRelativePath](https://docs.docker.com/reference/build-checks/workdir-relative-path/)
- [hadolint DL3000](https://github.com/hadolint/hadolint/wiki/DL3000)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.syntax import Instruction

_WINDOWS_ABSOLUTE_RE = re.compile(r"^(?:[A-Za-z]:)?[\\/]")
_PLAIN_PATH_RE = re.compile(r"^[^\s\"'$`\\]+$")


def _unquoted(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word


def check(model: Model) -> Iterator[Finding]:
    final_dir: dict[int, str | None] = {}  # stage index → its WORKDIR at the end, when known
    for stage in model.stages:
        current = final_dir.get(stage.parent.index) if stage.parent else None
        for inst in stage.instructions:
            target = inst.command
            if target.keyword != "WORKDIR" or not target.value:
                continue
            path = _unquoted(target.value[0].strip())
            if path.startswith("$") or _WINDOWS_ABSOLUTE_RE.match(path):
                if inst.sub is None:
                    current = posixpath.normpath(path) if _PLAIN_PATH_RE.match(path) else None
                continue
            if inst.sub is not None:  # runs in the child image, whose directory is unknown
                yield RULE.finding(target.value_spans[0], _message(path, None, onbuild=True))
                continue
            resolved = (posixpath.normpath(posixpath.join(current, path))
                        if current is not None and _PLAIN_PATH_RE.match(path) else None)
            yield _finding(model, target, path, resolved)
            current = resolved
        final_dir[stage.index] = current


def _finding(model: Model, inst: Instruction, path: str, resolved: str | None) -> Finding:
    span = inst.value_spans[0]
    if resolved is None or _unquoted(model.text[span.start : span.end]) != path:
        return RULE.finding(span, _message(path, None))
    fix = Fix(f"Use the absolute path {resolved}", (Edit(span, resolved),))
    return RULE.finding(span, _message(path, resolved), fix)


def _message(path: str, resolved: str | None, *, onbuild: bool = False) -> str:
    if onbuild:
        return (f"relative WORKDIR `{path}` in an ONBUILD trigger: it resolves against the child image's "
                "working directory, whatever that is; use an absolute path")
    if resolved is not None:
        return f"relative WORKDIR `{path}` means `{resolved}` here; say so with an absolute path"
    return (f"relative WORKDIR `{path}` resolves against the working directory in force — the base image's "
            "unless an absolute WORKDIR came before — and moves when that changes; use an absolute path")


RULE = Rule(
    id="DKL042",
    name="workdir-relative",
    summary="WORKDIR with a relative path depends on the working directory in force",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3000",),
    buildkit=("WorkdirRelativePath",),
)
