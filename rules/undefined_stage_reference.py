"""## What it does
Finds `COPY --from=<x>` and `RUN --mount=…,from=<x>` where `<x>` looks meant as a stage of the file but
is none that came before: a stage defined later (or the stage itself), a stage index that is not an
earlier stage, or a near miss of an earlier stage's name (`--from=bulder` with a stage `builder`:
at most two edits apart, one for names of up to five characters).

Any other bare name is an image, pulled from Docker Hub (`--from=busybox` copies from
`docker.io/library/busybox`), and is not reported; neither is a name the shipped image data knows
(`--from=node` with a stage `code`), a reference with a tag, digest or registry, or a variable.

## Why is this bad?
BuildKit resolves `--from` against the stages defined *before* the instruction; anything else is
pulled as an image. A typo or a stage defined further down does not fail with "no such stage": the
build pulls `docker.io/library/bulder`, which fails late with a confusing registry error — or, worse,
succeeds with an unrelated public image of that name.

## Example
```dockerfile
FROM golang:1.23 AS builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=bulder /out/app /app
```

## Use instead
```dockerfile
FROM golang:1.23 AS builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=builder /out/app /app
```

## Fix safety
For a near miss with one closest stage name, a fix replaces the name with it. It is unsafe (offered as
a code action only): it is a guess, and an image of that name might have been meant. A stage defined
later has no fix: the stages must be reordered by hand.

## Stages
All stages. `ONBUILD` triggers are skipped: their `--from` names stages of the child build.
hadolint's DL3022 reports every bare name that is not an earlier stage, images included; this rule
reports only names that are evidently meant as stages (the agreement test documents the difference).

## References
- [Dockerfile reference: COPY --from](https://docs.docker.com/reference/dockerfile/#copy---from)
- [hadolint DL3022](https://github.com/hadolint/hadolint/wiki/DL3022)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls import images
from dockls.model import Model, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.text import Span


def check(model: Model) -> Iterator[Finding]:
    text = model.text
    for stage in model.stages:
        for inst in stage.instructions:
            references: list[tuple[str, Span, str]] = []  # value, span of the value's text, its prefix
            if inst.keyword == "COPY":
                references.extend((flag.value, flag.value_span, "") for flag in inst.flags_named("from")
                                  if flag.value and flag.value_span)
            elif inst.keyword == "RUN":
                references.extend((option.value, option.span, "from=") for flag in inst.flags_named("mount")
                                  for option in flag.options if option.key == "from" and option.value)
            for value, span, prefix in references:
                finding = _finding(model, stage, value, span, text[span.start : span.end] == prefix + value, prefix)
                if finding is not None:
                    yield finding


def _finding(model: Model, stage: Stage, value: str, span: Span, plain: bool, prefix: str) -> Finding | None:
    if value.isdigit():
        if int(value) < stage.index:
            return None
        return RULE.finding(span, f"`--from={value}`: stage {value} is not an earlier stage (this is stage "
                            f"{stage.index}); BuildKit only copies from stages defined before")
    if any(ch in value for ch in ":/@$\"'") or value != value.strip():
        return None  # an image with tag, digest or registry, or a build-time variable
    name = value.lower()
    if any(earlier.name == name for earlier in model.stages[: stage.index]):
        return None
    later = next((s for s in model.stages[stage.index :] if s.name == name), None)
    if later is not None:
        where = "is this stage" if later is stage else f"is defined later (stage {later.index})"
        return RULE.finding(span, f"`--from={value}`: stage `{name}` {where}, so BuildKit pulls the image "
                            f"docker.io/library/{name} instead; move the stage before this one")
    if images.lookup(value) is not None:
        return None
    candidates = _near_misses(name, [s.name for s in model.stages[: stage.index] if s.name])
    if not candidates:
        return None
    message = (f"`--from={value}` is no earlier stage, so BuildKit pulls the image docker.io/library/{name}; "
               f"did you mean {' or '.join(f'`{c}`' for c in candidates)}?")
    if len(candidates) != 1 or not plain:
        return RULE.finding(span, message)
    fix = Fix(f"Copy from stage {candidates[0]}", (Edit(span, prefix + candidates[0]),), safe=False)
    return RULE.finding(span, message, fix)


def _near_misses(name: str, stage_names: list[str]) -> list[str]:
    """The stage names closest to ``name`` within the allowed distance (≤ 2 edits, ≤ 1 for short names)."""
    allowed = 1 if len(name) <= 5 else 2
    distances = {candidate: _edit_distance(name, candidate) for candidate in dict.fromkeys(stage_names)}
    best = min(distances.values(), default=allowed + 1)
    return [candidate for candidate, distance in distances.items() if distance == best <= allowed]


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short: the quadratic table is cheap)."""
    previous = list(range(len(b) + 1))
    for i, ch_a in enumerate(a, 1):
        current = [i]
        for j, ch_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ch_a != ch_b)))
        previous = current
    return previous[-1]


RULE = Rule(
    id="DKL045",
    name="undefined-stage-reference",
    summary="COPY --from names a stage that is not defined before it",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3022",),
)
