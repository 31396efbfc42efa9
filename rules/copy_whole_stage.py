"""## What it does
Finds `COPY --from=<stage> / <dest>`: a COPY that takes the whole root filesystem of another stage
(`/`, `/.` or `/*` as a source).

## Why is this bad?
The whole filesystem of the source comes along: its operating system, package manager, compilers,
caches and build inputs — everything multi-stage builds are meant to leave behind. The final image
then carries all of it on top of its own base, often twice (two copies of `/usr`, `/etc` …), and the
files of the source's base silently overwrite the target's. Copy only the artefacts the image needs
(`COPY --from=build /app/bin/server /usr/local/bin/`).

A stage built `FROM scratch` holds nothing but what was copied into it, so copying it whole is the
usual way to assemble an artefact stage and is not reported (hadolint DL3067 reports it). Nor is
`COPY --from=<image> / …`: whole-image copies are the documented way to use artefact images built
`FROM scratch` for exactly that (`tonistiigi/xx`, `docker/buildx-bin`), and what an image holds is not
known here.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=build / /
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/server /server
```

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD COPY` trigger in them included). A builder stage that copies a whole filesystem does not
make the final image larger and is not reported. There is no automatic fix: which files the image
needs is not known.

## References
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
- [hadolint DL3067](https://github.com/hadolint/hadolint/wiki/DL3067)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity
from dockls.syntax import Instruction


def _is_root(source: str) -> bool:
    """``/``, ``//``, ``/.`` and ``/*``: every file of the filesystem."""
    return source.startswith("/") and posixpath.normpath(source.removesuffix("*")) in ("/", "//")


def check(model: Model) -> Iterator[Finding]:
    for stage in model.final_stages:
        for holder in stage.instructions:
            inst = holder.command
            if inst.keyword != "COPY":
                continue
            origin = inst.flag("from")
            if origin is None or not origin.value or len(inst.value) < 2 or inst.heredocs:
                continue
            source_stage = model.stage_named(origin.value)
            if source_stage is None or source_stage.image.lower() == "scratch":
                continue
            for source, span in zip(inst.value[:-1], inst.value_spans):
                if _is_root(source):
                    yield RULE.finding(span, _message(inst, origin.value, source))
                    break


def _message(inst: Instruction, origin: str, source: str) -> str:
    return (f"`COPY --from={origin} {source}` copies the whole filesystem of stage `{origin}` (its OS, "
            f"package manager, toolchain and caches) into the image: copy only the files it needs, "
            f"e.g. `COPY --from={origin} /path/to/artefact {inst.value[-1]}`")


RULE = Rule(
    id="DKL032",
    name="copy-whole-stage",
    summary="COPY --from copies the whole filesystem of another stage or image",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3067",),
)
