"""## What it does
Finds stages built `FROM` an image whose release line is past its end of life (`node:20`,
`python:3.9`) or whose image is deprecated (`openjdk`), according to dockls' shipped base-image data
(see docs/base-images.md). Images the data says nothing about are not reported.

Where the data holds a supported successor of the same image and variant — the next release line
that has size data and is neither end-of-life nor deprecated, e.g. `node:20-alpine` →
`node:22-alpine`, `python:3.10-slim` → `python:3.11-slim` — a fix switches to it.

## Why is this bad?
An end-of-life release gets no security fixes, and the official images of a dead line are no longer
rebuilt: the OS packages in them age too. A deprecated image (openjdk) is no longer updated at all.

## Example
```dockerfile
FROM node:20-alpine
```

## Use instead
```dockerfile
FROM node:22-alpine
```

## Fix safety
Unsafe: a new major or minor release can change behaviour, deprecate APIs or need rebuilt native
modules. The fix keeps the variant suffix and the registry prefix as written and is only offered when
the tag is exactly a release line plus a variant (`20`, `20-alpine`, `3.10-slim`, not `20.11.1`), the
reference has no variables and no digest.

## Stages
Every stage built from an image (not from an earlier stage): an end-of-life compiler or runtime in a
builder stage still builds the artefacts that ship.

## References
- [Node.js release schedule](https://github.com/nodejs/release#release-schedule)
- [Python release status](https://devguide.python.org/versions/)
- [openjdk image deprecation](https://hub.docker.com/_/openjdk)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from dockls import images
from dockls.model import Model, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity

# A release line: a major (`20`) or major.minor (`3.10`) version, then an optional `-variant`.
_LINE = re.compile(r"(?P<major>\d+)(?:\.(?P<minor>\d+))?(?P<variant>-[\w.-]+)?")
_LOOKAHEAD = 10  # how many later release lines to try


def _advice(text: str | None) -> str:
    """The sentence of a data note that tells what to use instead, if any."""
    if not text:
        return ""
    sentences = [part.strip() for part in text.split(". ") if part.strip()]
    return next((s.rstrip(".") for s in sentences if s.startswith(("Use ", "Suggest ", "Switch "))), "")


def _supported(reference: str, today: date) -> bool:
    info = images.lookup(reference)
    facts = images.lifecycle(reference)
    if info is None or info.stale:
        return False
    return facts is None or not (facts.is_eol(today) or facts.deprecated)


def _successor(ref: images.ImageRef, today: date) -> str | None:
    """The next supported release line of the same image and variant that the data has sizes for."""
    match = _LINE.fullmatch(ref.tag or "")
    if match is None:
        return None
    major, minor, variant = int(match["major"]), match["minor"], match["variant"] or ""
    for step in range(1, _LOOKAHEAD + 1):
        line = f"{major + step}" if minor is None else f"{major}.{int(minor) + step}"
        candidate = f"{ref.name}:{line}{variant}"
        if _supported(candidate, today):
            return candidate
    return None


def _fix(model: Model, stage: Stage, ref: images.ImageRef, replacement: str) -> Fix | None:
    if stage.image_span is None:
        return None
    raw = model.text[stage.image_span.start:stage.image_span.end]
    colon = raw.rfind(":")
    if "$" in raw or ref.digest or colon <= raw.rfind("/"):
        return None
    new_tag = replacement.rpartition(":")[2]
    return Fix(f"Use {replacement}", (Edit(stage.image_span, f"{raw[:colon]}:{new_tag}"),), safe=False)


def check(model: Model) -> Iterator[Finding]:
    today = date.today()
    for stage in model.stages:
        if stage.parent is not None or not stage.image_known or stage.image_span is None:
            continue
        ref = images.normalize(stage.image)
        facts = images.lifecycle(stage.image) if ref is not None else None
        if ref is None or facts is None:
            continue
        shown = ref.key or ref.name
        if facts.is_eol(today):
            when = facts.eol or facts.eol_scheduled
            problem = f"`{shown}` is past its end of life ({when}) and gets no security fixes"
        elif facts.deprecated:
            problem = f"the `{ref.name}` image is deprecated and no longer updated"
        else:
            continue
        replacement = _successor(ref, today)
        fallback = _advice(facts.deprecated) or _advice(facts.note)
        advice = f"use `{replacement}`" if replacement is not None else fallback
        message = f"{problem} (dockls base-image data as of {images.as_of()})"
        if advice:
            message += f"; {advice[0].lower()}{advice[1:]}"
        fix = _fix(model, stage, ref, replacement) if replacement is not None else None
        yield RULE.finding(stage.image_span, message, *([fix] if fix else []))


RULE = Rule(
    id="DKL023",
    name="eol-base-image",
    summary="The base image is past its end of life or deprecated",
    severity=Severity.WARNING,
    category="security",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
