"""## What it does
Finds stage names that are not lower-case (`FROM golang AS Builder`) and an `AS` keyword whose case
does not match the `FROM` keyword's (`FROM golang as builder`, `from golang AS builder`). The fix
lower-cases the stage name together with every reference to it, or matches `AS` to `FROM`.

## Why is this bad?
BuildKit lower-cases stage names: `Builder`, `builder` and `BUILDER` are one stage, and
`docker build --target` matches them regardless of case. A name written with capitals suggests a
distinction that does not exist, and looks different at each reference. A mixed-case `FROM … as …`
is only inconsistent, but BuildKit warns about both (StageNameCasing, FromAsCasing), and so does
every `docker build` of the file.

## Example
```dockerfile
FROM golang:1.23 as Builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=Builder /out/app /app
```

## Use instead
```dockerfile
FROM golang:1.23 AS builder
RUN go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=builder /out/app /app
```

## Fix safety
Safe: BuildKit looks stages up by their lower-cased name, so lower-casing the name and the references
to it — later `FROM <name>`, `COPY --from=<name>` and `RUN --mount=…,from=<name>` — changes no
build. References in `ONBUILD` triggers name stages of the child build and are left alone, as are
references written with variables or quotes. `AS` takes the case of `FROM` (upper or lower; a
mixed-case `From` is not reported, as BuildKit does not).

## Stages
Every stage's `FROM` line. One rule covers both BuildKit checks, so `# check=skip=StageNameCasing` or
`# check=skip=FromAsCasing` silences both.

## References
- [BuildKit check StageNameCasing](https://docs.docker.com/reference/build-checks/stage-name-casing/)
- [BuildKit check FromAsCasing](https://docs.docker.com/reference/build-checks/from-as-casing/)
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.syntax import Instruction


def check(model: Model) -> Iterator[Finding]:
    text = model.text
    for stage in model.stages:
        inst = stage.from_instruction
        if len(inst.value) < 3 or inst.value[1].lower() != "as" or len(inst.value_spans) < 3:
            continue
        keyword = text[inst.keyword_span.start : inst.keyword_span.end]
        as_word, name = inst.value[1], inst.value[2]
        expected = "as" if keyword == keyword.lower() else "AS" if keyword == keyword.upper() else as_word
        if as_word != expected:
            fix = Fix(f"Write {expected}", (Edit(inst.value_spans[1], expected),))
            yield RULE.finding(inst.value_spans[1], f"`{as_word}` does not match the case of `{keyword}`; "
                               f"write `{keyword} … {expected} …`", fix)
        if name != name.lower() and "$" not in name:
            edits = (Edit(inst.value_spans[2], name.lower()), *_reference_edits(model, inst, name))
            yield RULE.finding(
                inst.value_spans[2],
                f"stage name `{name}` is not lower-case: BuildKit names the stage `{name.lower()}` "
                "(references and --target match it in any case); write it so",
                Fix(f"Rename the stage to {name.lower()}", edits))


def _reference_edits(model: Model, definition: Instruction, name: str) -> Iterator[Edit]:
    """Edits lower-casing the plain-text references to stage ``name`` after its definition."""
    text, lowered = model.text, name.lower()
    for inst in model.tree.instructions:
        if inst.span.start <= definition.span.start:
            continue
        if inst.keyword == "FROM" and inst.value and inst.value[0].lower() == lowered and inst.value_spans:
            span = inst.value_spans[0]
            if text[span.start : span.end] == inst.value[0]:
                yield Edit(span, lowered)
        for flag in inst.flags_named("from"):
            if inst.keyword == "COPY" and flag.value and flag.value.lower() == lowered and flag.value_span \
                    and text[flag.value_span.start : flag.value_span.end] == flag.value:
                yield Edit(flag.value_span, lowered)
        for flag in inst.flags_named("mount") if inst.keyword == "RUN" else ():
            for option in flag.options:
                if option.key == "from" and option.value and option.value.lower() == lowered \
                        and text[option.span.start : option.span.end] == f"from={option.value}":
                    yield Edit(option.span, f"from={lowered}")


RULE = Rule(
    id="DKL044",
    name="stage-name-casing",
    summary="Stage name not lower-case, or AS not in the case of FROM",
    severity=Severity.WARNING,
    category="best-practice",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    buildkit=("StageNameCasing", "FromAsCasing"),
)
