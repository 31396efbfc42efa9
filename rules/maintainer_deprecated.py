'''## What it does
Finds `MAINTAINER` instructions and offers the label that replaces them:
`LABEL org.opencontainers.image.authors="…"`.

## Why is this bad?
`MAINTAINER` has been deprecated since Docker 1.13. It only sets the image's `Author` field, which
image tooling no longer reads; the OCI annotation `org.opencontainers.image.authors` is where
registries, scanners and `docker inspect` users look for who maintains an image.

## Example
```dockerfile
FROM alpine:3.20
MAINTAINER Jane Doe <jane@example.com>
```

## Use instead
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
```

## Stages
Every stage: the instruction is deprecated wherever it is written.

## Fix safety
The fix replaces the instruction (continuation lines joined) by the label. `MAINTAINER` takes its text
literally, while a `LABEL` value is expanded, so `"`, `$` and the escape character are escaped in the
quoted value: the label holds exactly the text `MAINTAINER` had. The image no longer has the
deprecated `Author` field, which is why the fix is offered as a code action only and not applied by
`--fix`.

## References
- [Dockerfile reference: MAINTAINER (deprecated)](https://docs.docker.com/reference/dockerfile/#maintainer-deprecated)
- [OCI image annotations](https://github.com/opencontainers/image-spec/blob/main/annotations.md)
- [BuildKit check MaintainerDeprecated](https://docs.docker.com/reference/build-checks/maintainer-deprecated/)
- [hadolint DL4000](https://github.com/hadolint/hadolint/wiki/DL4000)
'''

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity

LABEL = "org.opencontainers.image.authors"


def _quoted(value: str, escape: str) -> str:
    """``value`` as a double-quoted LABEL value that BuildKit expands back to exactly ``value``."""
    special = {'"', "$", escape}
    return '"' + "".join(escape + ch if ch in special else ch for ch in value) + '"'


def check(model: Model) -> Iterator[Finding]:
    escape = model.tree.escape
    for inst in model.tree.instructions:  # ONBUILD MAINTAINER is a BuildKit error, not this rule's
        if inst.keyword != "MAINTAINER":
            continue
        fixes: list[Fix] = []
        author = inst.args.strip()
        if author:
            label = f"LABEL {LABEL}={_quoted(author, escape)}"
            fixes.append(Fix(f"Replace with {LABEL} label", (Edit(inst.span, label),), safe=False))
        yield RULE.finding(inst.span, f"MAINTAINER is deprecated: use LABEL {LABEL}=\"…\" instead", *fixes)


RULE = Rule(
    id="DKL039",
    name="maintainer-deprecated",
    summary="MAINTAINER is deprecated; use the org.opencontainers.image.authors label",
    severity=Severity.WARNING,
    category="best-practice",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL4000",),
    buildkit=("MaintainerDeprecated",),
)
