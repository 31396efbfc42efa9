"""## What it does
Finds `FROM --platform=<constant>` — `linux/amd64`, `linux/arm64` … without any variable — and offers to
remove the flag.

## Why is this bad?
A constant platform pins the stage to one architecture: `docker buildx build --platform
linux/amd64,linux/arm64` then builds the same amd64 stage for both targets (and ships amd64 binaries in
the arm64 image, or fails), and on a machine of another architecture every `RUN` of the stage runs under
QEMU emulation, many times slower. Leave the platform to the build command, or use a variable:
`--platform=$BUILDPLATFORM` for a stage that runs natively and cross-compiles.

## Example
```dockerfile
FROM --platform=linux/amd64 node:22-slim
```

## Use instead
```dockerfile
FROM node:22-slim
```

## Stages
All stages. As BuildKit does, a stage whose name contains the platform's OS, architecture or variant
(`FROM --platform=linux/arm64 alpine AS build_arm64`, selected later with `FROM build_${TARGETARCH}`)
is not reported: it is platform-specific on purpose.

## Fix safety
Removing the flag makes the stage follow the target platform, so the image may change (another
architecture's base image, binaries, packages): the fix is offered, never applied by `--fix`.

hadolint's DL3029 reports every `--platform` except `$BUILDPLATFORM` and `$TARGETPLATFORM`. This rule
follows BuildKit instead: a value built from variables (`--platform=$PLATFORM`) can be set per build
with `--build-arg`, and the platform-named stages above are intended; neither is reported.

## References
- [BuildKit check FromPlatformFlagConstDisallowed](https://docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/)
- [hadolint DL3029](https://github.com/hadolint/hadolint/wiki/DL3029)
- [Multi-platform builds](https://docs.docker.com/build/building/multi-platform/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.edits import remove_flag
from dockls.model import Model, Stage
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity


def check(model: Model) -> Iterator[Finding]:
    for stage in model.stages:
        for flag in stage.from_instruction.flags_named("platform"):
            value = flag.value
            if not value or "$" in value or named_for_platform(stage, value):
                continue
            yield RULE.finding(
                flag.span,
                f"`--platform={value}` pins this stage to {value}: a multi-platform build builds it for "
                f"{value} on every target, and on other machines runs it under emulation; leave the "
                "platform to the build command or use a variable such as $BUILDPLATFORM",
                Fix(f"Remove --platform={value}", (remove_flag(model.text, flag),), safe=False),
            )


def named_for_platform(stage: Stage, platform: str) -> bool:
    """Whether the stage's name contains the OS, architecture or variant of ``platform`` (BuildKit's
    exemption for stages that are platform-specific on purpose)."""
    if stage.name is None:
        return False
    return any(part and part in stage.name for part in platform.lower().split("/"))


RULE = Rule(
    id="DKL028",
    name="platform-hardcoded",
    summary="FROM --platform with a constant pins the stage to one architecture",
    severity=Severity.WARNING,
    category="multi-platform",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3029",),
    buildkit=("FromPlatformFlagConstDisallowed",),
)
