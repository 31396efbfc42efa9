"""## What it does
Finds `apt-get` (and `apt`) commands that may ask "Do you want to continue? [Y/n]" — `install`,
`reinstall`, `remove`, `purge`, `autoremove`, `autopurge`, `upgrade`, `dist-upgrade`,
`full-upgrade`, `dselect-upgrade`, `build-dep`, `satisfy` — without an answer, and offers to add `-y`.

The command is answered, and not reported, when it has `-y`, `--yes` or `--assume-yes` (also inside a
cluster such as `-qy`), `-o APT::Get::Assume-Yes=true`, quiet level 2 (`-qq`, `-q=2`,
`--quiet=2`, which implies yes), `--assume-no`, or only simulates (`-s`, `--dry-run` …); when an apt
configuration snippet written earlier in the stage sets `APT::Get::Assume-Yes "true";`; and when its
input comes from `yes |`.

`DEBIAN_FRONTEND=noninteractive` does not count: it only silences the questions of debconf (package
configuration), not apt's own confirmation prompt.

## Why is this bad?
A build has no terminal and an empty standard input. When apt wants to confirm — `install` as soon as
it pulls in a package that was not named (a dependency), `remove` and `upgrade` always when they have
anything to do — it reads end-of-file, prints `Abort.` and exits with status 1, and the build fails.
Whether it asks depends on what the base image already has, so a Dockerfile that builds today can fail
after the base image changes.

## Example
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
The fix adds `-y` right after the subcommand (in the exec form as a new string). It is safe: where
apt would not ask, `-y` changes nothing, and where it would ask, the build stopped there. `-y` does
not answer the stronger confirmation apt asks before removing an essential package.

Unlike hadolint's DL3014, which only looks at `apt-get install`, this rule also reports the other
subcommands that ask and `apt` itself, and accepts `--quiet=2`, `-o APT::Get::Assume-Yes=true`,
`yes |` and an apt configuration snippet.

## Stages
Every stage: a prompt fails the build wherever it is.

## References
- [apt-get(8): -y, -q](https://manpages.debian.org/bookworm/apt/apt-get.8.en.html)
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [hadolint DL3014](https://github.com/hadolint/hadolint/wiki/DL3014)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockls.edits import insert_word_after
from dockls.model import Model, Run
from dockls.packages import AptCall, apt_bool, apt_call, configured_value
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word

ASKING = frozenset({
    "install", "reinstall", "remove", "purge", "autoremove", "auto-remove", "autopurge", "upgrade",
    "dist-upgrade", "full-upgrade", "dselect-upgrade", "build-dep", "satisfy",
})
_ALWAYS_ASK = frozenset({"remove", "purge", "autoremove", "auto-remove", "autopurge"})
_UPGRADES = frozenset({"upgrade", "dist-upgrade", "full-upgrade", "dselect-upgrade"})
_ASSUME_YES_CONFIG = re.compile(r'Assume-Yes\s+"?([\w-]+)"?\s*;', re.IGNORECASE)
_PIPED = re.compile(r"\|\s*(?:\\\r?\n\s*)*$")


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque:
            continue
        previous: ShellCommand | None = None
        for command in run.commands:
            call = apt_call(command)
            if call is not None and call.subcommand is not None and call.subcommand.text in ASKING and not (
                    _answered(call) or _fed_by_yes(model.text, previous, command)):
                configured = configured_value(model, run, command.span.start, _ASSUME_YES_CONFIG)
                if configured is None or not apt_bool(configured, False):
                    yield _finding(model, run, command, call.subcommand)
            previous = command


def _answered(call: AptCall) -> bool:
    if "y" in call.short or call.quiet >= 2 or call.simulated or "assume-no" in call.long:
        return True
    value = call.long.get("yes")
    value = call.setting("assume-yes", "apt::get::assume-yes") if value is None else value or "true"
    return value is not None and apt_bool(value, False)


def _fed_by_yes(text: str, previous: ShellCommand | None, command: ShellCommand) -> bool:
    """``yes | apt-get install …``: the prompt reads the answer from the pipe."""
    return (previous is not None and previous.name == "yes" and len(previous.args) <= 1
            and _PIPED.search(text, previous.span.end, command.span.start) is not None)


def _finding(model: Model, run: Run, command: ShellCommand, subcommand: Word) -> Finding:
    what = f"`{command.name} {subcommand.text}`"
    if subcommand.text in _ALWAYS_ASK:
        when = "always asks for confirmation when it has anything to remove"
    elif subcommand.text in _UPGRADES:
        when = "asks for confirmation whenever there is anything to upgrade"
    else:
        when = "asks for confirmation as soon as it installs a package that was not named (a dependency)"
    message = (f"{what} without `-y` {when}; a build has no terminal, so apt reads no answer, prints "
               "`Abort.` and the build fails: add `-y`")
    names = {item.partition("=")[0] for item in command.assignments}
    if "DEBIAN_FRONTEND" in names or "DEBIAN_FRONTEND" in run.env:
        message += " (DEBIAN_FRONTEND=noninteractive only silences debconf's questions, not this prompt)"
    edit = insert_word_after(model.text, run.instruction, subcommand, "-y")
    if edit is None:
        return RULE.finding(command.span, message)
    return RULE.finding(command.span, message, Fix("Add -y", (edit,)))


RULE = Rule(
    id="DKL013",
    name="apt-missing-yes",
    summary="apt-get install without -y aborts the build when apt asks for confirmation",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3014",),
)
