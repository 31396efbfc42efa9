"""## What it does
Finds `apt` — the command-line front end meant for people at a terminal — in RUN instructions, and
offers the equivalent `apt-get` (or `apt-cache`) command.

- `install`, `remove`, `purge`, `autoremove`, `update`, `dist-upgrade`, `clean`, `autoclean`,
  `source`, `build-dep`, `download`, `changelog`, `satisfy` → `apt-get` with the same subcommand;
- `upgrade` → `apt-get upgrade --with-new-pkgs` (apt's upgrade installs new dependencies, apt-get's
  keeps such packages back);
- `full-upgrade` → `apt-get dist-upgrade`; `reinstall` → `apt-get install --reinstall`;
  `autopurge` → `apt-get autoremove --purge`;
- `search`, `show`, `showsrc`, `depends`, `rdepends`, `policy` → `apt-cache` with the same
  subcommand, as an unsafe fix: the output is formatted differently;
- `list`, `edit-sources` and anything else: reported without a fix.

## Why is this bad?
apt warns about itself when its output is not a terminal: "apt does not have a stable CLI interface.
Use with caution in scripts." Its defaults are chosen for interactive use and change between releases
(progress bars, colours, which versions `show` prints, whether `upgrade` installs new packages);
`apt-get` and `apt-cache` keep a stable interface for scripts, which is what a Dockerfile is.

## Example
```dockerfile
FROM ubuntu:24.04
RUN apt update && apt install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```

## Fix safety
The fix renames the program (`apt` → `apt-get`, `/usr/bin/apt` → `/usr/bin/apt-get`; in the exec form
the string) and, where the table above says so, the subcommand; every other option and argument
stays. One difference remains for commands that download packages: `apt` deletes the `.deb` files it
downloaded after installing them, `apt-get` keeps them in `/var/cache/apt/archives`. Official Debian
and Ubuntu images (and the images built on them) configure apt-get to delete them as well
(`/etc/apt/apt.conf.d/docker-clean`), so there the fix is safe; when the stage deletes that file and
no cache mount holds `/var/cache/apt`, the fix is only offered as a code action, since the layer
would then keep the packages. A quoted or escaped `apt` is not rewritten.

## Stages
Every stage: an unstable interface can break any stage's build.

## References
- [apt(8): script usage](https://manpages.debian.org/bookworm/apt/apt.8.en.html#SCRIPT_USAGE_AND_DIFFERENCES_FROM_OTHER_APT_TOOLS)
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [hadolint DL3027](https://github.com/hadolint/hadolint/wiki/DL3027)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dockls.edits import replace_word
from dockls.model import Model, Run
from dockls.packages import apt_call
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word

APT_GET_SAME = frozenset({
    "install", "remove", "purge", "autoremove", "update", "dist-upgrade", "clean", "autoclean", "source",
    "build-dep", "download", "changelog", "satisfy",
})
# apt's subcommand → the apt-get words that do the same.
APT_GET_RENAMED = {
    "upgrade": "upgrade --with-new-pkgs",
    "full-upgrade": "dist-upgrade",
    "reinstall": "install --reinstall",
    "autopurge": "autoremove --purge",
    "auto-remove": "autoremove",
    "auto-clean": "autoclean",
}
APT_CACHE = frozenset({"search", "show", "showsrc", "depends", "rdepends", "policy"})
# Subcommands that download packages: `apt` deletes the .deb files afterwards, apt-get keeps them.
_DOWNLOADING = frozenset({
    "install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "satisfy",
})
ARCHIVES = "/var/cache/apt/archives"
_DOCKER_CLEAN_REMOVED = re.compile(r"\brm\b[^\n;&|]*/etc/apt/apt\.conf\.d/docker-clean\b")


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque:
            continue
        for command in run.commands:
            if command.name != "apt":
                continue
            call = apt_call(command)
            if call is not None and call.subcommand is not None:
                yield _finding(model, run, command, call.subcommand)


def _finding(model: Model, run: Run, command: ShellCommand, subcommand: Word) -> Finding:
    name = subcommand.text
    if name in APT_GET_SAME or name in APT_GET_RENAMED:
        tool, words = "apt-get", APT_GET_RENAMED.get(name, name)
    elif name in APT_CACHE:
        tool, words = "apt-cache", name
    else:
        message = (f"`apt {name}` in a RUN: apt's interface is meant for people and is not stable in "
                   "scripts, and apt-get/apt-cache have no exact equivalent of this subcommand; use "
                   "apt-get, apt-cache or dpkg-query instead")
        return RULE.finding(command.span, message)
    message = (f"`apt {name}` in a RUN: apt's interface is meant for people and is not stable in scripts "
               f"(\"apt does not have a stable CLI interface\"); use `{tool} {words}`")
    if name == "upgrade":
        message += " (apt's upgrade installs new dependencies, apt-get upgrade needs --with-new-pkgs for that)"
    keeps_archives = tool == "apt-get" and _keeps_archives(model, run, name)
    if keeps_archives:
        message += (f"; not fixed automatically: this stage deleted docker-clean, so apt-get would keep the "
                    f"downloaded packages in {ARCHIVES} where apt deletes them")
    elif tool == "apt-cache":
        message += " (not fixed automatically: apt-cache formats its output differently)"
    fix = _fix(model, run, command, subcommand, tool, words, safe=tool == "apt-get" and not keeps_archives)
    return RULE.finding(command.span, message, *((fix,) if fix else ()))


def _fix(model: Model, run: Run, command: ShellCommand, subcommand: Word, tool: str, words: str, *,
         safe: bool) -> Fix | None:
    text, inst = model.text, run.instruction
    program = command.words[0]
    edits = [replace_word(text, inst, program, program.text[: -len("apt")] + tool)]
    if words != subcommand.text:
        if inst.json and subcommand.span in inst.value_spans:  # one more string per word
            strings = ", ".join(json.dumps(word) for word in words.split())
            exact = text[subcommand.span.start : subcommand.span.end] == json.dumps(subcommand.text)
            edits.append(Edit(subcommand.span, strings) if exact else None)
        else:
            edits.append(replace_word(text, inst, subcommand, words))
    if None in edits:
        return None
    return Fix(f"Use {tool} {words}", tuple(edit for edit in edits if edit), safe=safe)


def _keeps_archives(model: Model, run: Run, subcommand: str) -> bool:
    """Whether apt-get would leave downloaded packages in this RUN's layer where apt deletes them: the
    stage (or one it is built FROM) removed docker-clean, and no mount holds the archives."""
    if subcommand not in _DOWNLOADING or run.cache_mount_covers(ARCHIVES):
        return False
    return any(inst.span.start < run.holder.span.start
               and _DOCKER_CLEAN_REMOVED.search(model.text, inst.span.start, inst.span.end)
               for stage in (run.stage.chain if run.stage is not None else []) for inst in stage.instructions)


RULE = Rule(
    id="DKL014",
    name="apt-use-apt-get",
    summary="apt is for interactive use; use apt-get or apt-cache in a Dockerfile",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3027",),
)
