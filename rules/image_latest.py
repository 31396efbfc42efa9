"""## What it does
Finds `FROM` lines that use the `latest` tag explicitly (`FROM node:latest`). The message names what
`latest` pointed to when dockls' base-image data was read, where the data has it. There is no fix:
which version to pin is the author's decision.

A digest pins the image whatever the tag says (`FROM node:latest@sha256:…`) and is not reported,
nor is `FROM <earlier stage>`. Variables are substituted with their ARG defaults; a `:latest` written
literally after a variable without value (`FROM $IMAGE:latest`) is reported too.

## Why is this bad?
`latest` moves with every upstream release: the same Dockerfile builds a different image next month
(a new major version of the runtime, a new OS release), and cached layers hide the change until the
cache is cleared. Writing it out does not make it a version.

## Example
```dockerfile
FROM node:latest
```

## Use instead
```dockerfile
FROM node:24-slim
```

## Stages
Every stage built from an image; `FROM <stage>` refers to an earlier stage and has no tag.

## References
- [hadolint DL3007](https://github.com/hadolint/hadolint/wiki/DL3007)
- [Dockerfile reference: FROM](https://docs.docker.com/reference/dockerfile/#from)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls import images
from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity


def _written_tag(reference: str) -> str | None:
    """The tag as written (before substitution matters only when it has no variable), or None."""
    name, at, _ = reference.partition("@")
    if at:
        return None  # pinned by digest
    colon = name.rfind(":")
    return name[colon + 1:] if colon > name.rfind("/") else None


def check(model: Model) -> Iterator[Finding]:
    for stage in model.stages:
        if stage.parent is not None or stage.image_span is None:
            continue
        raw = model.text[stage.image_span.start:stage.image_span.end]
        raw_tag = _written_tag(raw)
        literal = raw_tag is not None and "$" not in raw_tag
        if not (literal or stage.image_known) or _written_tag(stage.image) != "latest" or "@" in raw:
            continue
        ref = images.normalize(stage.image) if stage.image_known else None
        shown = ref.key if ref is not None else raw
        message = f"`{shown}` changes with each release; pin a version tag"
        info = images.lookup(stage.image) if ref is not None else None
        if info is not None and info.resolved and not info.stale:
            message += f"; as of {info.data_date or images.as_of()} it was {info.resolved}, per {info.source}"
        yield RULE.finding(stage.image_span, message)


RULE = Rule(
    id="DKL025",
    name="image-latest",
    summary="FROM uses the latest tag, which changes with each release",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3007",),
)
