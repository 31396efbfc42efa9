"""## What it does
Reports a final image that runs as root: its last stage (or a stage it is built `FROM`) ends with
`USER root` / `USER 0`, or no stage of it sets a `USER` at all and the base image is not one known to
default to a non-root user. Where the base image is known to ship a non-root user, a fix adds
`USER <that user>` at the end of the stage.

Known non-root users: `node` in the official `node` images, `nonroot` in distroless and Chainguard
images. Known non-root defaults (not reported without `USER`): distroless `:nonroot` / `:debug-nonroot`
tags, `nginxinc/nginx-unprivileged`, Chainguard images other than their `-dev` tags. A `USER` given by
a variable (`USER $APP_USER`) is unknown and not reported, and neither are Windows images.

This differs from hadolint DL3002 on purpose: DL3002 only reports a last `USER` that is root and is
silent when there is no `USER`, though the container then runs as the base image's default user,
which for almost all images is root. An explicit root `USER` is a warning, as in hadolint; no `USER`
at all is reported as info, because most Dockerfiles never set one and a warning would fail most CI
runs at the default `--severity-threshold`.

## Why is this bad?
A process running as root in the container is root on the host's kernel: a container escape, a
writable host mount or a misconfigured capability then gives full control. Running as an
unprivileged user costs nothing for most services and is required by many clusters (Kubernetes
`runAsNonRoot`, OpenShift).

## Example
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY --chown=node:node . .
CMD ["node", "server.js"]
```

## Use instead
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY --chown=node:node . .
CMD ["node", "server.js"]
USER node
```

## Fix safety
The fix is offered as a code action only: files the process writes must belong to the new user, and
ports below 1024 cannot be bound without root. It adds `USER <user>` after the stage's last
instruction (`USER` applies to the container's process, even after `CMD`); earlier `RUN`s keep
running as root.

## Stages
The final image only: the last stage and the stages it is built `FROM`, whose `USER` it inherits.
Builder stages may run as root.

## References
- [Best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
- [hadolint DL3002](https://github.com/hadolint/hadolint/wiki/DL3002)
- [Distroless: nonroot images](https://github.com/GoogleContainerTools/distroless#debug-images)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from dockls.edits import insert_after, newline_of
from dockls.images import ImageRef, normalize
from dockls.model import Model, Stage
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.syntax import Instruction

ROOT_USERS = frozenset({"root", "0"})
DISTROLESS = "gcr.io/distroless/"
CHAINGUARD = "cgr.dev/chainguard/"
NON_ROOT_DEFAULT_REPOSITORIES = frozenset({"nginxinc/nginx-unprivileged"})


def _runs_as_non_root_by_default(ref: ImageRef) -> bool:
    tag = ref.tag or ""
    name = ref.name
    if name.startswith(DISTROLESS):
        return tag == "nonroot" or tag.endswith("-nonroot")
    if name.startswith(CHAINGUARD):
        return not (tag == "latest-dev" or tag.endswith("-dev"))
    return ref.repository in NON_ROOT_DEFAULT_REPOSITORIES


def _known_non_root_user(ref: ImageRef) -> str | None:
    """A non-root user the image ships in /etc/passwd, from a small table of image families."""
    if ref.registry == "docker.io" and ref.repository == "node":
        return "node"
    if ref.name.startswith((DISTROLESS, CHAINGUARD)):
        return "nonroot"
    return None


def _last_user(stage: Stage) -> Instruction | None:
    return next((inst for inst in reversed(stage.instructions) if inst.keyword == "USER"), None)


def _is_windows(model: Model, image: str) -> bool:
    lowered = image.lower()
    return model.tree.escape == "`" or "windows" in lowered or "nanoserver" in lowered


def check(model: Model) -> Iterator[Finding]:
    if not model.stages:
        return
    final = model.stages[-1]
    chain = model.final_stages
    base = chain[-1]
    if not base.image_known or _is_windows(model, base.image):
        return
    ref = normalize(base.image)
    user = next((found for stage in chain if (found := _last_user(stage)) is not None), None)
    if user is not None:
        value = user.value[0] if user.value else ""
        if "$" in value or value.split(":", 1)[0] not in ROOT_USERS:
            return
        yield _finding(model, final, ref, user, f"`USER {value}`: the final image runs as root")
        return
    if ref is None or _runs_as_non_root_by_default(ref):
        return
    default = "root" if ref.name == "scratch" else "root unless the image sets another"
    reason = f"no `USER` in the final image: the container runs as the default user of {base.image}, {default}"
    # Info, not warning: most images never set USER, and a warning would fail most CI runs by default.
    yield replace(_finding(model, final, ref, final.from_instruction, reason), severity=Severity.INFO)


def _finding(model: Model, final: Stage, ref: ImageRef | None, at: Instruction, reason: str) -> Finding:
    known = _known_non_root_user(ref) if ref is not None else None
    if known is None:
        advice = ("; create an unprivileged user (e.g. `RUN useradd -r -u 10001 app`) and switch to it with "
                  "`USER app` after the steps that need root")
        if ref is not None and ref.name == "scratch":
            advice = "; add `USER 65532:65532` (a numeric user needs no /etc/passwd) after the files are in place"
        return RULE.finding(at.keyword_span, reason + advice)
    last = final.instructions[-1] if final.instructions else final.from_instruction
    edit = insert_after(model.text, last, f"USER {known}{newline_of(model.text)}")
    fix = Fix(f"Run as {known}", (edit,), safe=False)
    return RULE.finding(at.keyword_span, f"{reason}; the base image ships the non-root user `{known}`: add "
                        f"`USER {known}`", fix)


RULE = Rule(
    id="DKL036",
    name="final-user-root",
    summary="The final image runs as root: no USER, or USER root",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3002",),
)
