"""## What it does
Finds `FROM` lines naming an image without a tag or digest (`FROM python`), which Docker resolves to
`:latest`. The message names what `latest` pointed to when dockls' base-image data was read, where
the data has it. There is no fix: which version to pin is the author's decision.

`FROM scratch`, `FROM <earlier stage>` and references with a digest are not reported. Variables are
substituted with their ARG defaults (`ARG IMAGE=python` then `FROM $IMAGE` is reported); a reference
whose variables have no value is not, since the build argument may carry a tag.
Unlike hadolint DL3006, a variable that resolves to an earlier stage's name (`FROM build-${MODE}`)
and an invalid reference (`FROM REPLACE-ME`) are not reported.

## Why is this bad?
`latest` moves with every upstream release: the same Dockerfile builds a different image next month
(a new major version of the runtime, a new OS release), and cached layers hide the change until the
cache is cleared. Builds stop being reproducible and breakage shows up unrelated to any change.

## Example
```dockerfile
FROM node
```

## Use instead
```dockerfile
FROM node:24-slim
```

## Stages
Every stage built from an image; `FROM <stage>` refers to an earlier stage and has no tag.

## References
- [hadolint DL3006](https://github.com/hadolint/hadolint/wiki/DL3006)
- [Dockerfile reference: FROM](https://docs.docker.com/reference/dockerfile/#from)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls import images
from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity


def _names_a_tag(reference: str) -> bool:
    """Whether a tag is written: a ``:`` after the last ``/`` and before any digest."""
    name = reference.partition("@")[0]
    return name.rfind(":") > name.rfind("/")


def check(model: Model) -> Iterator[Finding]:
    for stage in model.stages:
        if stage.parent is not None or not stage.image_known or stage.image_span is None:
            continue
        ref = images.normalize(stage.image)
        if ref is None or ref.digest or ref.tag is None or _names_a_tag(stage.image):
            continue
        message = (f"`{stage.image}` has no tag, so Docker pulls `{ref.key}`, which changes with each "
                   f"release; pin a version tag")
        info = images.lookup(stage.image)
        if info is not None and info.resolved and not info.stale:
            message += f"; as of {info.data_date or images.as_of()} it was {info.resolved}, per {info.source}"
        yield RULE.finding(stage.image_span, message)


RULE = Rule(
    id="DKL024",
    name="image-untagged",
    summary="FROM without a tag pulls whatever latest is at build time",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3006",),
)
