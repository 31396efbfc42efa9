"""## What it does
Finds RUN instructions that run `apt-get update` (or `apt update`, `aptitude update`) but do not
remove `/var/lib/apt/lists` afterwards in the same RUN, and offers to end the RUN with
`rm -rf /var/lib/apt/lists/*`.

Any `rm` of `/var/lib/apt/lists/*`, `/var/lib/apt/lists` or a folder above it that runs after the
update counts. `apt-get clean` does not: it empties `/var/cache/apt/archives`, not the lists. A RUN
with a `cache` or `tmpfs` mount on `/var/lib/apt/lists` (or `/var/lib/apt`) keeps the lists out of
the layer and is not reported. `apt-get install` alone is not reported either: only `update` writes
the lists, so that is the RUN that has to remove them.

## Why is this bad?
`apt-get update` downloads the package lists of every configured repository, about 16 MB
(compressed) for a Debian base image. Once the packages are installed nobody needs them, but they stay
in the layer of the RUN that downloaded them. Removing them in a later RUN only hides them: the image
is not one byte smaller.

## Example
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```
or keep the lists in a cache mount, outside the image:
```dockerfile
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\
    apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
`&& rm -rf /var/lib/apt/lists/*` is added at the end of the RUN, on the same line or as one more
continuation line in the RUN's style. In a heredoc RUN it becomes the last line of the script when
errexit is on (`set -e`, or a `-e` SHELL or shebang), and is chained with `&&` to the last command
otherwise, so that a failing install still fails the build. There is no fix for the exec form
(`RUN ["…"]`).

The fix is offered but not applied by `--fix` when a later RUN in the same stage or a stage built
FROM it installs packages without its own `apt-get update`: it reads the lists this RUN downloaded.
Commands hidden in scripts (`RUN ./install-deps.sh`) are not seen.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`.
Builder stages whose files are copied out with `COPY --from` are not reported. An `ONBUILD RUN`
trigger in such a stage is reported too: its layer lands in every image built FROM this one.

## References
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [hadolint DL3009](https://github.com/hadolint/hadolint/wiki/DL3009)
- [Cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockls.edits import append_to_heredoc, chain_after
from dockls.model import Model, Run, Stage
from dockls.packages import LIST_READERS, apt_subcommand
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand
from dockls.text import Span

LISTS = "/var/lib/apt/lists"
REMOVAL = "rm -rf /var/lib/apt/lists/*"


def _removes_lists(command: ShellCommand) -> bool:
    if command.name != "rm":
        return False
    for word in command.args:
        path = word.text
        if path.endswith("/*"):
            path = path[:-2]
        path = posixpath.normpath(path) if path.startswith("/") else ""
        if path not in ("", "/") and (path == LISTS or LISTS.startswith(path + "/")):
            return True
    return False


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage) or run.cache_mount_covers(LISTS):
            continue
        updates = [cmd for cmd in run.commands if apt_subcommand(cmd) == "update"]
        if not updates:
            continue
        update = updates[-1]
        if any(_removes_lists(cmd) and cmd.span.start > update.span.start for cmd in run.commands):
            continue
        yield _finding(model, run, update)


def _finding(model: Model, run: Run, update: ShellCommand) -> Finding:
    inst = run.instruction
    where = ("this ONBUILD trigger keeps them in the layer it adds to every image built FROM this one"
             if run.holder is not inst else "this RUN keeps them in its layer")
    message = (f"`{update.name} update` downloads package lists to {LISTS} and {where} (about 16 MB "
               f"compressed on a Debian base): end the same RUN with `{REMOVAL}`")
    removal = _later_removal(model, run)
    if removal is not None:
        message += (f"; removing them in a later RUN (line {removal.instruction.start_line + 1}) does not make "
                    "the image smaller")
    edit = _append_removal(model, run, update)
    if edit is None:
        return RULE.finding(update.span, message)
    reader = _later_reader(model, run)
    if reader is not None:
        message += (f" (not fixed automatically: the RUN on line {reader.instruction.start_line + 1} uses these "
                    "lists without its own update; update, install and clean up in one RUN)")
    return RULE.finding(update.span, message,
                        Fix("Remove the apt lists at the end of this RUN", (edit,), safe=reader is None))


def _append_removal(model: Model, run: Run, update: ShellCommand) -> Edit | None:
    inst = run.instruction
    if inst.json:
        return None
    heredoc = next((h for h in inst.heredocs if update.span.start in h.body_span), None)
    if heredoc is not None:
        if heredoc is not inst.heredocs[-1]:
            return None
        return append_to_heredoc(model.text, heredoc, run.shell, REMOVAL)
    after = chain_after(model.text, inst, model.tree.escape)
    if after is None:
        return None
    at, separator = after
    return Edit(Span(at, at), separator + REMOVAL)


def _later_runs(model: Model, run: Run) -> Iterator[Run]:
    """The RUNs that execute after ``run`` on top of its layer: later in its stage, or in a stage built
    FROM it. None for an ONBUILD trigger: what follows it is in other Dockerfiles."""
    if run.holder is not run.instruction or run.stage is None:
        return
    for other in model.runs:
        later_in_stage = other.stage is run.stage and other.holder.span.start > run.holder.span.start
        if later_in_stage or (other.stage is not None and _descends(other.stage, run.stage)):
            yield other


def _descends(stage: Stage, ancestor: Stage) -> bool:
    seen: list[Stage] = []
    parent = stage.parent
    while parent is not None and parent not in seen:
        if parent is ancestor:
            return True
        seen.append(parent)
        parent = parent.parent
    return False


def _later_removal(model: Model, run: Run) -> Run | None:
    return next((other for other in _later_runs(model, run) if any(map(_removes_lists, other.commands))), None)


def _later_reader(model: Model, run: Run) -> Run | None:
    """A later RUN that reads the package lists before it updates them itself."""
    for other in _later_runs(model, run):
        if other.cache_mount_covers(LISTS):
            continue
        for cmd in other.commands:
            subcommand = apt_subcommand(cmd)
            if subcommand == "update":
                break
            if cmd.name == "apt-cache" or subcommand in LIST_READERS:
                return other
    return None


RULE = Rule(
    id="DKL002",
    name="apt-lists-not-removed",
    summary="apt-get update leaves the package lists in the layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3009",),
)
