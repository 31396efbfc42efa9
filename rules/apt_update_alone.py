"""## What it does
Finds a package index refresh — `apt-get update` (also `apt update`, `aptitude update`), `apk update`,
`dnf makecache` / `yum makecache` / `microdnf makecache`, `zypper refresh` — in a RUN that installs
nothing with that package manager after it, and offers to move the refresh into the RUN that installs.

The RUN that installs is the next RUN of the stage that uses the index: `apt-get install`/`upgrade`/
… or `apt-cache`, `apk add`/`upgrade`, `dnf install`/`upgrade`/…, `zypper install`/…. When that RUN
refreshes the index itself first, the lone refresh is only redundant, and the fix removes it.

## Why is this bad?
Docker caches each RUN by its text. A RUN that only refreshes the index is never run again while its
text stays the same, so when you later add a package to the install RUN below it, that RUN is rebuilt
on top of the old, cached index: `apt-get install` then asks for package versions that the mirrors
have long replaced and fails with `404 Not Found` (or silently installs old versions). Refreshing
in the same RUN as the install keeps both in one cache entry, so they are always rebuilt together.

With `apk add --no-cache` the lone `apk update` is merely useless (that `add` fetches fresh indexes
itself); it still adds a layer holding the index files.

## Example
```dockerfile
FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
The fix deletes the refresh from its RUN — the whole RUN when nothing else is left in it but harmless
commands (`set`, `echo`, `true`, `:`; the comment lines above it stay) — and puts it in front of the
install RUN's commands, joined with `&&`, as written (`DEBIAN_FRONTEND=… apt-get -qq update` keeps its
assignment and options). The commands still run in the same order and a failing refresh still
fails the build. It is applied by `--fix` only when:
- the install RUN is the next RUN of the stage, and nothing between the two RUNs can change what the
  refresh does: only `LABEL`, `EXPOSE`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK`, `STOPSIGNAL`,
  `MAINTAINER`, `WORKDIR` and `ONBUILD` (a `COPY` of a sources list, an `ENV` with a proxy, an `ARG`
  or a `USER` could);
- the refresh is the last command of its RUN, joined by `&&`, `;` or a line break, after commands that
  leave no state behind (no `export`, `source`, `umask` …);
- the install RUN has the flags of the refresh's RUN, and any other flag is a mount that does not
  cover the package manager's index or cache (a cache mount on `/var/lib/apt` would hold the index in
  one RUN and not in the other).

Otherwise the fix is only offered as a code action (and the message says why).

In the install RUN the refresh goes where its failure still stops the build: in front of a plain `&&`
chain with `&&`; as a statement of its own when errexit is on — from the `SHELL` (`-e`) or a leading
`set -e…;`, after which it goes; otherwise in front of the whole text grouped in braces,
`apt-get update && { set -x; apt-get install -y curl; }`, which runs the same commands in the same
shell. There is no fix when the install RUN is in exec form or uses heredocs, ends with a comment or a
background job, or defines an alias (the shell reads a braced group whole, so the alias would not
apply inside it).

Once merged, `apt-lists-not-removed` may report the install RUN (it now downloads the lists); its
fix appends `rm -rf /var/lib/apt/lists/*` there. `consecutive-run` reports the same two RUNs when they
follow each other in a final stage; whichever fix `--fix` applies first, the other rule is then silent.

## Stages
All stages, `ONBUILD RUN` triggers included (paired with the next `ONBUILD RUN`): a stale index breaks
builder stages just the same.

## References
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [Build cache invalidation](https://docs.docker.com/build/cache/invalidation/)
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.edits import body_holding, line_body, line_start, top_level_parts
from dockls.model import Model, Run, Stage
from dockls.packages import LIST_READERS, apk_applet, apt_subcommand
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import STATEFUL_BUILTINS, ShellCommand, first_operand
from dockls.syntax import Instruction
from dockls.text import Span


@dataclass(frozen=True)
class Manager:
    name: str
    refresh: frozenset[str]  # subcommands that download the index
    readers: frozenset[str]  # subcommands that use it
    paths: tuple[str, ...]  # where the index and the package cache live


APT = Manager("apt", frozenset({"update"}), LIST_READERS, ("/var/lib/apt", "/var/cache/apt"))
APK = Manager("apk", frozenset({"update"}), frozenset({"add", "upgrade", "fix", "fetch", "search", "policy", "list"}),
              ("/var/cache/apk", "/etc/apk/cache", "/lib/apk"))
DNF = Manager("dnf", frozenset({"makecache"}), frozenset({
    "install", "in", "update", "upgrade", "up", "reinstall", "downgrade", "distro-sync", "dsync", "search", "info",
    "list", "provides", "whatprovides", "repoquery", "download", "builddep", "group", "groupinstall", "groupupdate",
    "module", "check-update", "localinstall",
}), ("/var/cache/dnf", "/var/cache/yum", "/var/lib/dnf", "/var/cache/libdnf5"))
ZYPPER = Manager("zypper", frozenset({"refresh", "ref"}), frozenset({
    "install", "in", "update", "up", "dist-upgrade", "dup", "patch", "search", "se", "info", "if",
    "source-install", "si", "download",
}), ("/var/cache/zypp",))
DNF_TOOLS = frozenset({"dnf", "dnf5", "yum", "microdnf", "tdnf"})
TOOLS = DNF_TOOLS | {"apt-get", "apt", "aptitude", "apt-cache", "apk", "zypper"}
# dnf's and zypper's general options whose value is the next word.
VALUE_OPTIONS = frozenset({
    "-c", "--config", "--enablerepo", "--disablerepo", "--repo", "--repoid", "--releasever", "--installroot",
    "--setopt", "-x", "--exclude", "-R", "--root", "--reposd-dir", "--cache-dir",
})
# Instructions between the two RUNs that cannot change what the refresh does.
INERT = frozenset({"LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "MAINTAINER", "WORKDIR"})
# Commands that may stay behind alone in a RUN without being worth a RUN of their own.
HARMLESS = frozenset({"set", "echo", "true", ":"})
# Top-level operands that may come before the refresh when it is taken out of its RUN (their commands
# are checked for state changes separately).
PLAIN_OPERANDS = frozenset({
    "command", "pipeline", "subshell", "redirected_statement", "if_statement", "for_statement", "while_statement",
    "case_statement", "compound_statement", "test_command", "negated_command",
})


def _action(command: ShellCommand) -> tuple[Manager, str] | None:
    """The package manager a command uses and its subcommand (``apt-cache`` reads the apt index)."""
    name = command.name
    if name not in TOOLS:
        return None
    if name == "apt-cache":
        return APT, "apt-cache"
    subcommand = apt_subcommand(command)
    if subcommand is not None:
        return APT, subcommand
    if name == "apk":
        applet = apk_applet(command)
        return (APK, applet.text) if applet is not None else None
    if name in DNF_TOOLS or name == "zypper":
        word = first_operand(command.args, VALUE_OPTIONS)
        if word is not None:
            return (ZYPPER if name == "zypper" else DNF), word.text
    return None


class _Actions:
    """What each command does with a package manager, worked out once per check."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Manager, str] | None] = {}

    def of(self, command: ShellCommand) -> tuple[Manager, str] | None:
        key = id(command)
        if key not in self._known:
            self._known[key] = _action(command)
        return self._known[key]

    def refreshes(self, command: ShellCommand, manager: Manager) -> bool:
        action = self.of(command)
        return action is not None and action[0] is manager and action[1] in manager.refresh

    def reads(self, command: ShellCommand, manager: Manager) -> bool:
        action = self.of(command)
        return action is not None and action[0] is manager and (
            action[1] in manager.readers or action[1] == "apt-cache")

    def uses(self, run: Run, manager: Manager) -> bool:
        return any(self.reads(cmd, manager) or self.refreshes(cmd, manager) for cmd in run.commands)

    def refreshes_first(self, run: Run, manager: Manager) -> bool:
        """Whether the RUN refreshes the index before it first uses it."""
        for command in run.commands:
            if self.refreshes(command, manager):
                return True
            if self.reads(command, manager):
                return False
        return False


def check(model: Model) -> Iterator[Finding]:
    actions = _Actions()
    for run in model.runs:
        if run.opaque or run.stage is None:
            continue
        last: dict[str, tuple[ShellCommand, Manager]] = {}
        for command in run.commands:
            action = actions.of(command)
            if action is not None and action[1] in action[0].refresh:
                last[action[0].name] = (command, action[0])
        for refresh, manager in last.values():
            if not any(actions.reads(cmd, manager) and cmd.span.start > refresh.span.start for cmd in run.commands):
                finding = _finding(model, actions, run, run.stage, refresh, manager)
                if finding is not None:
                    yield finding


def _finding(model: Model, actions: _Actions, run: Run, stage: Stage, refresh: ShellCommand,
             manager: Manager) -> Finding | None:
    action = actions.of(refresh)
    shown = f"`{refresh.name} {action[1] if action else ''}`"
    # From the RUN keyword: the finding is about the RUN (and so its fix comes before other rules'
    # fixes on the refresh when `--fix` picks them).
    span = Span(run.holder.keyword_span.start, refresh.span.end)
    between, target = _next_user(model, actions, run, stage, manager)
    if target is None:
        later = _user_in_child_stage(model, actions, stage, manager)
        if later is None:
            return None  # nothing uses the index later: the refresh is useless, not stale
        return RULE.finding(span, (
            f"{shown} runs without an install in its RUN: Docker caches that layer, so after a change to the "
            f"install RUN on line {later.instruction.start_line + 1} (in a stage built FROM this one) it reuses the "
            "old package index, which fails with 404 Not Found once the mirrors have moved on; refresh and "
            "install in the same RUN"), related=(Related(later.instruction.keyword_span, "the RUN that installs"),))
    line = target.instruction.start_line + 1
    related = (Related(target.instruction.keyword_span, f"the RUN that uses the index of {shown}"),)
    own_refresh = actions.refreshes_first(target, manager)
    if own_refresh:
        message = (f"{shown} runs in a RUN of its own, but the RUN on line {line} refreshes the index again "
                   "before installing: this one only adds a layer with the index files; remove it")
        title = f"Remove the redundant {shown}"
    elif manager is APK and any(actions.reads(cmd, APK) and cmd.has("--no-cache") for cmd in target.commands):
        message = (f"{shown} runs in a RUN of its own, yet the RUN on line {line} runs `apk add --no-cache`, "
                   "which fetches fresh indexes itself: this RUN only adds a layer with the index files; "
                   "refresh and install in the same RUN, or not at all")
        title = f"Move {shown} into the install RUN on line {line}"
    else:
        message = (f"{shown} runs without an install in its RUN: Docker caches that layer, so after a change "
                   f"to the install RUN on line {line} it reuses the old package index, which fails with "
                   "404 Not Found once the mirrors have moved on; refresh and install in the same RUN")
        title = f"Move {shown} into the install RUN on line {line}"
    removal = _take_out(model.text, run, refresh)
    if isinstance(removal, str):
        return RULE.finding(span, f"{message} (no automatic fix: {removal})", related=related)
    edits: tuple[Edit, ...] = (removal.edit,)
    if not own_refresh:
        prefix = _prefix(target, removal.moved)
        if isinstance(prefix, str):
            return RULE.finding(span, f"{message} (no automatic fix: {prefix})", related=related)
        edits += prefix
    risk = _risk_between(between) or removal.risk or ("" if own_refresh else _risk_flags(run, target, manager))
    if risk:
        return RULE.finding(span, f"{message} (not fixed automatically: {risk})",
                            Fix(title, edits, safe=False), related=related)
    return RULE.finding(span, message, Fix(title, edits), related=related)


def _same_kind(run: Run, inst: Instruction) -> Instruction | None:
    """``inst`` as ``run`` sees it: itself for a RUN, its trigger for an ONBUILD RUN; None when it
    runs in the other kind of build (an ONBUILD trigger next to a RUN, or the other way around)."""
    onbuild = run.holder is not run.instruction
    if (inst.keyword == "ONBUILD") != onbuild:
        return None
    return inst.sub if onbuild else inst


def _next_user(model: Model, actions: _Actions, run: Run, stage: Stage,
               manager: Manager) -> tuple[list[Instruction], Run | None]:
    """The instructions after ``run`` up to the next RUN that uses (or refreshes) the index, and that RUN."""
    runs = {id(other.instruction): other for other in model.runs_in(stage)}
    between: list[Instruction] = []
    for inst in stage.instructions:
        if inst.span.start <= run.holder.span.start:
            continue
        seen = _same_kind(run, inst)
        if seen is None:
            continue
        other = runs.get(id(seen)) if seen.keyword == "RUN" else None
        if other is not None and actions.uses(other, manager):
            return between, other
        between.append(seen)
    return between, None


def _user_in_child_stage(model: Model, actions: _Actions, stage: Stage, manager: Manager) -> Run | None:
    """The first RUN of a stage built FROM ``stage`` (directly or not) that uses the index before
    refreshing it, if any."""
    for other in model.stages:
        ancestor = other.parent
        seen: list[Stage] = []
        while ancestor is not None and ancestor is not stage and ancestor not in seen:
            seen.append(ancestor)
            ancestor = ancestor.parent
        if ancestor is not stage:
            continue
        for run in model.runs_in(other):
            if run.holder is run.instruction and actions.uses(run, manager):
                if actions.refreshes_first(run, manager):
                    break
                return run
    return None


@dataclass(frozen=True)
class Removal:
    edit: Edit  # takes the refresh out of its RUN
    moved: str  # the refresh as shell text
    risk: str  # why taking it out of its RUN might change what it does ("" when it cannot)


def _take_out(text: str, run: Run, refresh: ShellCommand) -> Removal | str:
    """Remove the refresh from its RUN — the whole RUN when only harmless commands remain — or say why
    it cannot be taken out."""
    inst = run.instruction
    others = [cmd for cmd in run.commands if cmd is not refresh]
    if inst.json:
        if others:
            return f"the exec-form RUN on line {inst.start_line + 1} runs more than the refresh"
        return Removal(_delete_run(text, run.holder), shlex.join(word.text for word in refresh.words), "")
    body = body_holding(inst, refresh.span.start)
    parts = top_level_parts(body.source) or ()
    seq = [part for part in parts if part.kind != "comment"]
    last = body.span(seq[-1]) if seq else None
    if last is None or not (last.start <= refresh.span.start and refresh.span.end <= last.end):
        return "the refresh is not the last command of its RUN"
    moved = text[last.start : last.end]
    if seq[-1].kind not in ("command", "redirected_statement") or "\n" in moved or any(
            last.start <= cmd.span.start and cmd.span.end <= last.end for cmd in others):
        return "the refresh is part of a larger command"
    # What changes the shell's state for the refresh: a builtin such as `umask`, or an operand that is
    # no plain command at all (`export X=1`, `X=1`, a function definition).
    stateful = [cmd.name for cmd in others
                if cmd.span.start < refresh.span.start and cmd.name in STATEFUL_BUILTINS - {"set", "cd"}]
    stateful += [body.source[part.start : part.end].split("=")[0].split()[0]
                 for part in seq[:-1] if part.is_operand and part.kind not in PLAIN_OPERANDS]
    risk = f"`{stateful[0]}` before it in its RUN would no longer apply to it" if stateful else ""
    harmless = all(cmd.name in HARMLESS for cmd in others) and len(inst.heredocs) <= 1
    if harmless and all(part.kind == "command" if part.is_operand else part.kind in ("&&", ";", "\n")
                        for part in seq[:-1]):
        return Removal(_delete_run(text, run.holder), moved, "")
    if len(seq) < 3 or seq[-2].kind not in ("&&", ";", "\n"):
        return "the refresh is not joined to the commands before it by `&&`, `;` or a line break"
    span = Span(body.end_at(seq[-3].end), last.end)
    if any(part.kind == "comment" and part.start >= seq[-3].end for part in parts) or any(
            line.lstrip().startswith("#") for line in text[span.start : span.end].split("\n")[1:]):
        return "a comment sits next to the refresh"
    if seq[-2].kind != "&&" and not _errexit(run, refresh):
        # `a; apt-get update` ignores a's failure; once the refresh goes, a's status is the RUN's.
        risk = risk or "without `set -e` the command before it would then decide whether its RUN fails"
    return Removal(Edit(span, ""), moved, risk)


def _errexit(run: Run, refresh: ShellCommand) -> bool:
    """Whether errexit is on when the refresh runs: from the SHELL's options, then `set` before it."""
    on = _shell_errexit(run.shell)
    for command in run.commands:
        if command.span.start >= refresh.span.start:
            break
        if command.name == "set":
            on = _errexit_after_set([word.text for word in command.words], on)
    return on


def _shell_errexit(shell: tuple[str, ...]) -> bool:
    return _errexit_after_set(["set", *shell[1:]])


def _errexit_after_set(words: list[str], on: bool = False) -> bool:
    """Errexit after ``set`` with these options (`-e`, `-eux`, `-o errexit` on; `+e`, `+o errexit` off)."""
    if words[:1] != ["set"]:
        return on
    for option, following in zip(words[1:], [*words[2:], ""]):
        letters = option[1:]
        if option[:1] in ("-", "+") and ((letters.isalpha() and "e" in letters)
                                         or (letters == "o" and following == "errexit")):
            on = option[0] == "-"
    return on


def _delete_run(text: str, holder: Instruction) -> Edit:
    """Delete the RUN's lines, keeping the comment block above it."""
    end = text.find("\n", holder.span.end)
    return Edit(Span(line_start(text, holder.keyword_span.start), len(text) if end < 0 else end + 1), "")


def _prefix(target: Run, moved: str) -> tuple[Edit, ...] | str:
    """Run the refresh first in the target RUN so that its failure still fails the build, or say why
    that cannot be done: before an `&&` chain with `&&`; under errexit (from the SHELL, or a leading
    `set -e`) as a statement of its own; else in front of the whole text grouped in `{ …; }`."""
    inst = target.instruction
    if inst.json or inst.heredocs or target.opaque or target.shell_errors:
        return f"the RUN on line {inst.start_line + 1} is not a plain shell command line"
    body = line_body(inst)
    parts = top_level_parts(body.source)
    if not parts or any(part.kind == "comment" for part in parts) or parts[-1].kind == "&":
        return f"the RUN on line {inst.start_line + 1} ends with a comment or a background job"
    at = inst.args_span.start
    if all(part.is_operand or part.kind == "&&" for part in parts):
        return (Edit(Span(at, at), moved + " && "),)
    if _shell_errexit(target.shell):
        return (Edit(Span(at, at), moved + "; "),)
    first = parts[0].node
    if (first is not None and first.type == "command" and len(parts) > 2 and parts[1].kind in (";", "\n")
            and _errexit_after_set(body.source[parts[0].start : parts[0].end].split())):
        second = body.start_at(parts[2].start)
        return (Edit(Span(second, second), moved + "; "),)
    if any(command.name == "alias" for command in target.commands):
        # The shell reads a `{ …; }` group whole before running it: an alias defined inside would not apply.
        return f"the RUN on line {inst.start_line + 1} defines an alias"
    end = body.end_at(parts[-1].end)
    return Edit(Span(at, at), moved + " && { "), Edit(Span(end, end), " }" if parts[-1].kind == ";" else "; }")


def _risk_between(between: list[Instruction]) -> str:
    for inst in between:
        if inst.keyword == "RUN":
            return f"the RUN on line {inst.start_line + 1} runs in between and may use the index"
        if inst.keyword not in INERT and inst.keyword != "ONBUILD":
            return (f"the {inst.keyword} on line {inst.start_line + 1} comes in between and may change what the "
                    "refresh does")
    return ""


def _risk_flags(run: Run, target: Run, manager: Manager) -> str:
    """Whether the refresh would run with other flags in the install RUN than in its own."""
    flags = {flag.raw for flag in run.instruction.flags}
    extra = {flag.raw for flag in target.instruction.flags} - flags
    if not flags <= {flag.raw for flag in target.instruction.flags}:
        return "the install RUN does not have the flags of the refresh's RUN"
    mounts = [mount for mount in target.mounts if mount.flag.raw in extra]
    if len(mounts) != len(extra):
        return "the install RUN has flags that the refresh's RUN does not have"
    for mount in mounts:
        if mount.target and any(_overlap(mount.target, path) for path in manager.paths):
            return f"the install RUN mounts {mount.target}, which would change where the refresh writes the index"
    return ""


def _overlap(a: str, b: str) -> bool:
    a, b = posixpath.normpath(a), posixpath.normpath(b)
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


RULE = Rule(
    id="DKL008",
    name="apt-update-alone",
    summary="Package index refreshed in a RUN of its own: later installs use a stale, cached index",
    severity=Severity.WARNING,
    category="cache",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
)
