"""## What it does
Finds a final image built `FROM` a full variant of an official image when the same release line has
a much smaller variant, and offers to switch to it: `python:3.12` → `python:3.12-slim` (411 MB →
43 MB download, linux/amd64, repo-info as of 2026-08-13). The message states both sizes, the saving
and the date of the figures.

Sizes come from dockls' shipped base-image data (see docs/base-images.md); an image or tag that is not
in it is not reported. A smaller variant counts when it saves at least 30% and 20 MB. Stale readings
are never used. The download size is the one for the `--platform` of the FROM when it is a constant
and the data has it, otherwise linux/amd64.

alpine is never suggested for a glibc image, even where the data shows it smaller: musl libc is a
known risk (Python binary wheels must be musllinux builds or compile from source, native Node.js
addons and glibc-linked binaries do not load, DNS resolution and locale behaviour differ). Only
variants of the same libc are suggested: `-slim`, a JRE instead of a JDK, `-scm`/`-curl`.
Switching to a different release (`ubuntu:latest` → `ubuntu:24.04`) is not a variant and is never
suggested.

## Why is this bad?
The full official images are built on buildpack-deps: compilers, `-dev` headers, version control and
hundreds of libraries the application does not use at run time. Every pull, push and cold start moves
them, and every CVE in them is reported against the image.

## Example
```dockerfile
FROM python:3.12
COPY . /app
CMD ["python", "/app/main.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["python", "/app/main.py"]
```

## Fix safety
The fix replaces the tag, keeping the registry prefix as written. It is unsafe: the slim variant lacks
packages the full one has (gcc, make, git, curl, `-dev` headers), so a later `RUN` or the application
may need them installed. No fix is offered when the reference uses variables or a digest.

## Stages
Only the image that ends up in the final image: the base of the last stage (following `FROM <stage>`
to its root). Builder stages may need the full toolchain.

## References
- [docker-library/repo-info](https://github.com/docker-library/repo-info)
- [Docker Official Images: image variants](https://hub.docker.com/_/python)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls import images
from dockls.model import Model, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity

MIN_SAVING_PCT = 30
MIN_SAVING_BYTES = 20_000_000


def _platform(stage: Stage) -> str | None:
    """The FROM's constant ``--platform``, or None (the data's default, linux/amd64)."""
    flag = stage.from_instruction.flag("platform")
    value = flag.value if flag is not None else None
    return value if value and "$" not in value else None


def _is_alpine(reference: str, info: images.ImageInfo | None) -> bool:
    return "alpine" in reference.partition(":")[2] or (info is not None and "alpine" in (info.variant or ""))


def _sizes(reference: str, platform: str | None) -> tuple[images.ImageInfo, int] | None:
    for candidate in (platform, None):
        info = images.lookup(reference, candidate)
        if info is not None and info.compressed_bytes:
            return info, info.compressed_bytes
    return None


def _smaller(info: images.ImageInfo, platform: str | None) -> tuple[images.ImageInfo, int, int] | None:
    """The smallest same-libc variant worth switching to: (its info, original size, its size)."""
    original = _sizes(info.reference, platform)
    if original is None:
        return None
    best: tuple[images.ImageInfo, int, int] | None = None
    for alternative in info.alternatives:
        other = _sizes(alternative.reference, platform)
        if other is None or other[0].stale or other[0].variant == info.variant:
            continue
        if _is_alpine(alternative.reference, other[0]) and not _is_alpine(info.reference, info):
            continue
        if other[0].platform != original[0].platform:  # compare like with like
            continue
        saving = original[1] - other[1]
        if saving < MIN_SAVING_BYTES or saving * 100 < MIN_SAVING_PCT * original[1]:
            continue
        if best is None or other[1] < best[2]:
            best = (other[0], original[1], other[1])
    return best


def _fix(stage: Stage, raw: str, original: images.ImageRef, replacement: str) -> Fix | None:
    """Swap the tag as written; nothing when the reference has variables or a digest."""
    target = images.normalize(replacement)
    if stage.image_span is None or "$" in raw or original.digest or target is None or target.tag is None:
        return None
    if target.name != original.name:
        return None
    name_end = raw.rfind(":") if raw.rfind(":") > raw.rfind("/") else len(raw)
    new = f"{raw[:name_end]}:{target.tag}"
    return Fix(f"Use {replacement}", (Edit(stage.image_span, new),), safe=False)


def check(model: Model) -> Iterator[Finding]:
    if not model.final_stages:
        return
    root = model.final_stages[-1]
    if root.parent is not None or not root.image_known or root.image_span is None:
        return
    ref = images.normalize(root.image)
    info = images.lookup(root.image) if ref is not None else None
    if ref is None or info is None or info.stale:
        return
    platform = _platform(root)
    found = _smaller(info, platform)
    if found is None:
        return
    smaller, size, smaller_size = found
    saving = size - smaller_size
    dates = [info.data_date or images.as_of(), smaller.data_date or images.as_of()]
    when = dates[0] if dates[0] == dates[1] else f"{dates[0]} and {dates[1]} respectively"
    message = (f"`{info.reference}` is a {images.format_size(size)} download; `{smaller.reference}` is "
               f"{images.format_size(smaller_size)}, {images.format_size(saving)} "
               f"({round(100 * saving / size)}%) less ({smaller.platform}, {info.source} as of {when}); "
               f"the smaller variant leaves out tools and libraries of the full one, which the final "
               f"image rarely needs")
    raw = model.text[root.image_span.start:root.image_span.end]
    fix = _fix(root, raw, ref, smaller.reference)
    yield RULE.finding(root.image_span, message, *([fix] if fix else []))


RULE = Rule(
    id="DKL022",
    name="heavy-base-image",
    summary="The final image uses a full base image variant where a much smaller one exists",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
