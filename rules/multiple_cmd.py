'''## What it does
Finds a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that a later one of the same kind in the same stage
overrides, and offers to delete it.

## Why is this bad?
A stage's image has one command, one entrypoint and one health check: only the last instruction of
each kind counts, the earlier ones do nothing. Someone reading the Dockerfile can easily take the first
one for the one that runs.

## Example
```dockerfile
FROM python:3.12-slim
CMD ["python", "manage.py", "migrate"]
CMD ["gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["gunicorn", "app:app"]
```

## Stages
Every stage, each on its own: a `CMD` in one stage does not override one in another. `ONBUILD`
triggers are left alone (they run in another build).

## Fix safety
The fix deletes the overridden instruction (with its comment block). It had no effect on the image:
BuildKit applies instructions of a stage in order and keeps the last value of each kind; an
`ENTRYPOINT` clears the `CMD` only when no `CMD` was set in the stage, and the remaining last `CMD`
still is. The fix is therefore safe.

hadolint reports the later instructions (the ones that count), dockls and BuildKit the earlier ones
(the ones that do nothing and that the fix deletes), so a `# hadolint ignore=DL4003` pragma silences
dockls when it stands above the earlier instruction. hadolint's DL3012 (multiple `HEALTHCHECK`) is
covered too.

## References
- [Dockerfile reference: CMD](https://docs.docker.com/reference/dockerfile/#cmd)
- [BuildKit check MultipleInstructionsDisallowed](https://docs.docker.com/reference/build-checks/multiple-instructions-disallowed/)
- [hadolint DL4003](https://github.com/hadolint/hadolint/wiki/DL4003),
  [DL4004](https://github.com/hadolint/hadolint/wiki/DL4004),
  [DL3012](https://github.com/hadolint/hadolint/wiki/DL3012)
'''

from __future__ import annotations

from collections.abc import Iterator

from dockls.edits import delete_instruction
from dockls.model import Model
from dockls.rule import Finding, Fix, FixAvailability, Related, Rule, Severity

KINDS = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


def check(model: Model) -> Iterator[Finding]:
    text = model.tree.text
    for stage in model.stages:
        for kind in KINDS:
            same = [inst for inst in stage.instructions if inst.keyword == kind]
            if len(same) < 2:
                continue
            last = same[-1]
            for inst in same[:-1]:
                fix = Fix(f"Delete the overridden {kind}", (delete_instruction(text, inst),))
                yield RULE.finding(
                    inst.keyword_span,
                    f"Only the last {kind} of a stage takes effect: this one is overridden "
                    f"by the {kind} on line {last.start_line + 1}",
                    fix, related=(Related(last.span, f"the {kind} that takes effect"),))


RULE = Rule(
    id="DKL041",
    name="multiple-cmd",
    summary="Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL4003", "DL4004", "DL3012"),
    buildkit=("MultipleInstructionsDisallowed",),
)
