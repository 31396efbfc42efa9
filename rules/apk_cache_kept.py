"""## What it does
Finds `apk add` commands without `--no-cache`, and offers to add it.

`apk add --no-network` downloads nothing and is not reported. Neither is a RUN with a `cache` or
`tmpfs` mount on `/var/cache/apk` or `/etc/apk/cache`, which keeps the cache out of the layer. When
the same RUN already deletes `/var/cache/apk/*` after installing, the layer is not larger and the
finding is only informational: `--no-cache` does the same in one place.

## Why is this bad?
Without `--no-cache`, apk keeps the repository indexes it downloads (`APKINDEX.*.tar.gz`, one per
repository: Alpine's main and community by default) in `/var/cache/apk`, and they stay in the layer.
`apk add --no-cache` fetches fresh indexes to a temporary place and leaves nothing behind, which also
makes a separate `apk update` unnecessary.

## Example
```dockerfile
FROM alpine:3.20
RUN apk update && apk add curl
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

## Fix safety
`--no-cache` is added after `add` for every `apk add` of the RUN that lacks it (in the exec form as a
new string). Then what it makes redundant goes, when that can be done without changing the meaning of
the rest of the RUN: `apk update` (only when the RUN's other apk commands are `add`, which with
`--no-cache` fetches fresh indexes itself, or `del`) together with the `&&` or line that joins it,
and `rm -rf /var/cache/apk/*` — the whole command, or just that argument when it deletes more. An
update that is not a whole operand of an `&&` chain or a whole line (`apk update || true`, a
redirection) stays, and so does the `rm` then.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN apk add` trigger in them included). A builder stage whose results are copied out
with `COPY --from` is not reported.

## References
- [Alpine: apk options](https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper)
- [hadolint DL3019](https://github.com/hadolint/hadolint/wiki/DL3019)
- [Cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockls.edits import insert_word_after, remove_command
from dockls.model import Model, Run
from dockls.packages import apk_applet
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word
from dockls.syntax import Instruction
from dockls.text import Span

CACHE = "/var/cache/apk"
PACKAGE_CACHE = "/etc/apk/cache"


def _cache_paths(command: ShellCommand) -> list[Word]:
    """The arguments of an ``rm`` that name apk's index cache: ``/var/cache/apk/*`` or the folder."""
    if command.name != "rm":
        return []
    return [word for word in command.args
            if word.text.startswith("/") and posixpath.normpath(word.text.removesuffix("/*")) == CACHE]


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        if run.cache_mount_covers(CACHE) or run.cache_mount_covers(PACKAGE_CACHE):
            continue
        adds = [(cmd, applet) for cmd in run.commands
                if (applet := apk_applet(cmd)) is not None and applet.text == "add"
                and not cmd.has("--no-cache", "--no-network")]
        if not adds:
            continue
        fix = _fix(model, run, [applet for _, applet in adds])
        last_add = max(cmd.span.start for cmd, _ in adds)
        cleaned = any(_cache_paths(cmd) and cmd.span.start > last_add for cmd in run.commands)
        for command, _ in adds:
            yield _finding(command, cleaned, fix)


def _finding(command: ShellCommand, cleaned: bool, fix: Fix | None) -> Finding:
    fixes = (fix,) if fix else ()
    if cleaned:
        message = (f"`apk add` without `--no-cache`: this RUN deletes {CACHE}/* afterwards, so the layer is "
                   "not larger, but `apk add --no-cache` keeps nothing in the first place and makes the "
                   "`rm` (and any `apk update`) unnecessary")
        return Finding(RULE, command.span, message, fixes, severity=Severity.INFO)
    message = (f"`apk add` without `--no-cache` keeps the repository indexes it downloads (APKINDEX.*.tar.gz) "
               f"in {CACHE}, in this layer; use `apk add --no-cache`, which also makes `apk update` unnecessary")
    return RULE.finding(command.span, message, *fixes)


def _fix(model: Model, run: Run, applets: list[Word]) -> Fix | None:
    """One fix for the whole RUN: ``--no-cache`` on every ``apk add`` lacking it, minus the
    ``apk update`` and ``rm -rf /var/cache/apk/*`` that become redundant."""
    text, inst = model.text, run.instruction
    edits: list[Edit] = []
    for applet in applets:
        edit = insert_word_after(text, inst, applet, "--no-cache")
        if edit is None:
            return None
        edits.append(edit)
    applet_of = {id(cmd): apk_applet(cmd) for cmd in run.commands if cmd.name == "apk"}
    if inst.json or not {applet.text if applet else "" for applet in applet_of.values()} <= {"add", "del", "update"}:
        return Fix("Use apk add --no-cache", tuple(edits))  # e.g. `apk upgrade` still needs the update
    updates = [cmd for cmd in run.commands if (word := applet_of.get(id(cmd))) and word.text == "update"]
    removals = [remove_command(text, inst, cmd) for cmd in updates]
    if all(removals):  # with an update left, the `rm` still has something to delete
        edits.extend(edit for edit in removals if edit)
        for cmd in run.commands:
            edits.extend(_drop_cache_removal(text, inst, cmd))
    return Fix("Use apk add --no-cache", tuple(edits))


def _drop_cache_removal(text: str, inst: Instruction, command: ShellCommand) -> list[Edit]:
    paths = _cache_paths(command)
    if not paths:
        return []
    others = [word for word in command.args if not word.text.startswith("-") and word not in paths]
    if others:  # `rm -rf /var/cache/apk/* /tmp/*`: drop only the word (and the blank before it)
        return [Edit(Span(_blank_before(text, word.span.start), word.span.end), "") for word in paths]
    edit = remove_command(text, inst, command)
    return [edit] if edit else []


def _blank_before(text: str, offset: int) -> int:
    while offset > 0 and text[offset - 1] in " \t":
        offset -= 1
    return offset


RULE = Rule(
    id="DKL004",
    name="apk-cache-kept",
    summary="apk add without --no-cache keeps the package index in the layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3019",),
)
