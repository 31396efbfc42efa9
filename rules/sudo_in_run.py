"""## What it does
Finds `sudo` commands in `RUN` instructions, and removes `sudo` where the RUN already runs as root.

## Why is this bad?
A build runs each RUN as the user set by the last `USER` instruction — root unless one says otherwise.
As root, `sudo` does nothing but add a dependency: the package must be installed (it is not in most
base images), and its PAM and tty handling, environment reset (`env_reset` drops variables set with
`ENV`) and `secure_path` make commands behave differently from the same command without it. As a
non-root user it needs a sudoers rule without password, which then stays in the image for anyone who
gets a shell in the container. Switch users with `USER root` … `USER app` around the privileged part
instead, and use `gosu`/`su-exec` for privilege dropping at run time.

## Example
```dockerfile
FROM debian:12
RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
`sudo` is removed (the word and the blanks after it; in the exec form its string) only where it has no
options (`sudo -u app …`, `sudo -E …` keep it) and the RUN runs as root. Safe when a `USER root` (or
`USER 0`, with or without a group) is the last `USER` before the RUN, in the stage or the stage it is
built `FROM`. Unsafe (offered as a code action only) when no `USER` appears at all: the base image's
default user is then in force, root for almost every image but not all (CI and workspace images such
as `gitpod/workspace-full` run as a user who needs `sudo`). No fix after a `USER` of another user or
a variable, nor in an `ONBUILD` trigger (the child image decides the user).

## Stages
All stages: `sudo` behaves the same in a builder stage.

## References
- [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
- [Docker best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
- [hadolint DL3004](https://github.com/hadolint/hadolint/wiki/DL3004)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model, Run
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand
from dockls.text import Span

ROOT_USERS = ("root", "0")


def _users(model: Model) -> dict[int, str | None]:
    """id of each top-level RUN → the last USER before it ("" when no USER anywhere before it in its
    stage chain, None when a variable is involved)."""
    users: dict[int, str | None] = {}
    final_user: dict[int, str | None] = {}
    for stage in model.stages:
        user = final_user.get(stage.parent.index, "") if stage.parent else ""
        for inst in stage.instructions:
            if inst.keyword == "USER" and inst.value:
                name = inst.value[0].strip().split(":", 1)[0]
                user = None if "$" in name else name
            elif inst.keyword == "RUN":
                users[id(inst)] = user
        final_user[stage.index] = user
    return users


def check(model: Model) -> Iterator[Finding]:
    users = _users(model)
    for run in model.runs:
        for command in run.commands:
            if command.name == "sudo":
                yield _finding(model, run, command, users.get(id(run.holder)))


def _finding(model: Model, run: Run, command: ShellCommand, user: str | None) -> Finding:
    onbuild = run.holder is not run.instruction
    as_root = user in ROOT_USERS and not onbuild
    if onbuild:
        context = "in an ONBUILD trigger it runs as whatever user the child image has at that point"
    elif as_root:
        context = f"this RUN already runs as root (USER {user}), so sudo only adds a dependency"
    elif user == "":
        context = ("with no USER this RUN runs as the base image's user, root for almost every image, where "
                   "sudo only adds a dependency")
    else:
        context = "as a non-root user it needs a password-less sudoers rule that stays in the image"
    advice = ("drop it" if as_root or (user == "" and not onbuild) else
              "run privileged steps under `USER root` and switch back with `USER` afterwards")
    message = f"`sudo` in RUN: {context}; {advice}"
    edit = _removal(model, run, command) if as_root or (user == "" and not onbuild) else None
    if edit is None:
        return RULE.finding(command.span, message)
    return RULE.finding(command.span, message, Fix("Remove sudo", (edit,), safe=as_root))


def _removal(model: Model, run: Run, command: ShellCommand) -> Edit | None:
    """Delete the ``sudo`` word of ``sudo <command> …`` (no options), or None."""
    text, inst = model.text, run.instruction
    if len(command.words) < 2 or command.words[1].text.startswith("-"):
        return None
    sudo, following = command.words[0], command.words[1]
    if inst.json:
        spans = inst.value_spans
        if len(spans) > 1 and sudo.span == spans[0] and following.span == spans[1]:
            return Edit(Span(spans[0].start, spans[1].start), "")
        return None
    between = text[sudo.span.end : following.span.start]
    if sudo.raw != sudo.text or text[sudo.span.start : sudo.span.end] != sudo.raw or between.strip(" \t"):
        return None
    return Edit(Span(sudo.span.start, following.span.start), "")


RULE = Rule(
    id="DKL046",
    name="sudo-in-run",
    summary="sudo in RUN",
    severity=Severity.WARNING,
    category="best-practice",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3004",),
)
