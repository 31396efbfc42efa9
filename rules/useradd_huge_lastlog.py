"""## What it does
Finds `useradd` commands that create a user with a large UID (six digits or more, e.g.
`-u 100000` or `--uid=1000000`) without `-l` / `--no-log-init`, and offers to add `-l`.

A UID given by a variable is looked up in the ARG and ENV values visible to the RUN (`ARG UID=472`
then `useradd -u $UID` is UID 472, not reported); one without a known value is not reported.
hadolint DL3046 counts the characters of the variable's name instead, so it reports
`useradd -u $GF_UID` whatever the value.

## Why is this bad?
`useradd` records the new user in `/var/log/lastlog` and `/var/log/faillog`, files indexed by UID:
the user's record is written at offset UID times the record size (292 bytes for lastlog on 64-bit glibc).
On disk that file is sparse, but image layers do not keep holes: UID 100000 adds about 29 MB to the
layer, UID 10000000 about 2.9 GB, and large enough UIDs exhaust the builder's disk. `-l` skips these
databases, which nothing in a container reads.

## Example
```dockerfile
FROM debian:bookworm-slim
RUN useradd -u 1000000 -m app
```

## Use instead
```dockerfile
FROM debian:bookworm-slim
RUN useradd -l -u 1000000 -m app
```

## Fix safety
`-l` only keeps the user out of the lastlog and faillog databases; the user, its groups and home
folder are created as before. The fix inserts `-l` right after `useradd` (as a new string in the exec
form).

## Stages
All stages: a builder stage writes the same file into its layer, and a UID large enough can fill the
builder's disk whether or not the stage reaches the final image.

## References
- [hadolint DL3046](https://github.com/hadolint/hadolint/wiki/DL3046)
- [Dockerfile best practices: USER](https://docs.docker.com/build/building/best-practices/#user)
- [moby/moby#5419: useradd with a large UID makes a huge layer](https://github.com/moby/moby/issues/5419)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.edits import insert_word_after
from dockls.model import Model, expand
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand

LASTLOG_RECORD_BYTES = 292
SHORT_FLAGS_WITH_VALUE = frozenset("bcdefgGkKpsuZ")  # useradd options that take a value
LARGE_UID = 100_000  # as hadolint: a UID of six or more digits


def _uid(command: ShellCommand) -> str | None:
    """The value of ``-u``/``--uid`` (``-u 1000``, ``-u1000``, ``--uid=1000``, ``-mu 1000``), or None."""
    args = command.args
    for index, word in enumerate(args):
        text = word.text
        if text == "--":
            return None
        if text.startswith("--uid"):
            if text == "--uid":
                return args[index + 1].text if index + 1 < len(args) else None
            if text.startswith("--uid="):
                return text.removeprefix("--uid=")
            continue
        if text.startswith("-") and not text.startswith("--"):
            for position, letter in enumerate(text[1:], start=1):
                if letter == "u":
                    rest = text[position + 1:]
                    if rest:
                        return rest
                    return args[index + 1].text if index + 1 < len(args) else None
                if letter in SHORT_FLAGS_WITH_VALUE:
                    break  # the rest of the word is this option's value
    return None


def _no_log_init(command: ShellCommand) -> bool:
    for word in command.args:
        text = word.text
        if text == "--no-log-init":
            return True
        if text.startswith("-") and not text.startswith("--"):
            for letter in text[1:]:
                if letter == "l":
                    return True
                if letter in SHORT_FLAGS_WITH_VALUE:
                    break
    return False


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque:
            continue
        for command in run.commands:
            if command.name != "useradd" or not command.words:
                continue
            written = _uid(command)
            uid, known = expand(written, run.env) if written is not None else ("", False)
            if not known or not uid.isdigit() or int(uid) < LARGE_UID:
                continue
            if _no_log_init(command):
                continue
            size = int(uid) * LASTLOG_RECORD_BYTES
            message = (f"`useradd` with UID {uid} without `-l`: /var/log/lastlog is written at offset UID * "
                       f"{LASTLOG_RECORD_BYTES} bytes and the layer keeps it in full, about {_human(size)}; "
                       "add `-l` (`--no-log-init`)")
            edit = insert_word_after(model.text, run.instruction, command.words[0], "-l")
            fixes = (Fix("Add -l (--no-log-init) to useradd", (edit,)),) if edit else ()
            yield RULE.finding(command.span, message, *fixes)


def _human(size: int) -> str:
    for unit, scale in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size // 1000} kB"


RULE = Rule(
    id="DKL033",
    name="useradd-huge-lastlog",
    summary="useradd with a large UID without -l writes a huge /var/log/lastlog into the layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3046",),
)
