"""## What it does
Finds `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`) and offers to remove the flag.

## Why is this bad?
A stage is built for the target platform anyway: `$TARGETPLATFORM` is the default value of `--platform`.
The flag adds nothing but noise, and it suggests to the reader that this stage is special when it is
not. Only `--platform=$BUILDPLATFORM` (run the stage natively on the build machine, typically to
cross-compile) changes anything.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```

## Stages
All stages: every `FROM` line is checked.

## Fix safety
Removing the flag builds exactly the same image, so the fix is safe. Values that only contain
`$TARGETPLATFORM` together with something else (`${TARGETPLATFORM:-linux/amd64}`) are not reported.

## References
- [BuildKit check RedundantTargetPlatform](https://docs.docker.com/reference/build-checks/redundant-target-platform/)
- [hadolint DL3065](https://github.com/hadolint/hadolint)
- [Dockerfile reference: FROM](https://docs.docker.com/reference/dockerfile/#from)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.edits import remove_flag
from dockls.model import Model
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity

REDUNDANT_VALUES = frozenset({"$TARGETPLATFORM", "${TARGETPLATFORM}"})


def check(model: Model) -> Iterator[Finding]:
    for stage in model.stages:
        for flag in stage.from_instruction.flags_named("platform"):
            if flag.value not in REDUNDANT_VALUES:
                continue
            yield RULE.finding(
                flag.span,
                f"`--platform={flag.value}` is redundant: every stage is built for the target platform "
                "unless told otherwise; remove the flag",
                Fix(f"Remove --platform={flag.value}", (remove_flag(model.text, flag),)),
            )


RULE = Rule(
    id="DKL029",
    name="redundant-target-platform",
    summary="FROM --platform=$TARGETPLATFORM is the default and can be removed",
    severity=Severity.INFO,
    category="multi-platform",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3065",),
    buildkit=("RedundantTargetPlatform",),
)
