"""## What it does
Finds `RUN` instructions that fetch over SSH without `--mount=type=ssh`:
- `git clone`, `fetch`, `pull`, `ls-remote`, `archive` or `submodule` with an SSH URL
  (`git@github.com:org/repo.git`, `ssh://git@host/repo`);
- `git` commands that fetch (`clone`, `fetch`, `pull`, `ls-remote`, `submodule`) and Go commands that
  download modules (`go mod download`, `go get`, `go install`, `go build`, `go mod tidy`) after a
  `git config … url."git@github.com:".insteadOf "https://github.com/"` in the stage — the usual way to
  fetch private Go modules — and a `git fetch`, `pull` or `submodule` after a clone over SSH;
- package managers given an SSH URL: `pip install git+ssh://…`, `npm install git+ssh://…` or
  `git@github.com:…` (also `uv`, `pipenv`, `poetry`, `yarn`, `pnpm`, `cargo`, `bundle`, `gem`,
  `composer`);
- `ssh`, `scp`, `sftp` and `rsync` to a `user@host`.

A `RUN` with a secret mount of a private key (target in a `.ssh` directory or named like `id_rsa`) is
not reported: it authenticates without leaving the key in a layer. When a private key was copied into
the stage for it (`COPY id_rsa /root/.ssh/id_rsa`), the finding points at that `COPY`, which
`secret-file-copied` reports.

## Why is this bad?
Without an SSH agent forwarded into the build, the only way such a `RUN` can authenticate is a private
key inside the image — and a key copied into a layer stays there for anyone who can pull the image,
even when a later `RUN` deletes it. `RUN --mount=type=ssh` forwards the SSH agent (or key) of the
machine that runs the build to that one `RUN`, without writing anything to the image.

## Example
```dockerfile
FROM golang:1.23
RUN git config --global url."git@github.com:".insteadOf "https://github.com/"
COPY id_ed25519 /root/.ssh/id_ed25519
RUN ssh-keyscan github.com >> /root/.ssh/known_hosts
WORKDIR /src
COPY go.mod go.sum ./
RUN GOPRIVATE=github.com/acme go mod download
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM golang:1.23
RUN git config --global url."git@github.com:".insteadOf "https://github.com/"
RUN mkdir -p -m 0700 ~/.ssh && ssh-keyscan github.com >> ~/.ssh/known_hosts
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=ssh GOPRIVATE=github.com/acme go mod download
```
built with `docker build --ssh default .`.

## Fix safety
The fix adds `--mount=type=ssh` to the `RUN` (and `# syntax=docker/dockerfile:1` when the file has no
syntax directive). It is only offered as a code action: the build has to be invoked with `--ssh
default` for the mount to carry an agent (without it the mount is empty, and the `RUN` behaves as
before), and a key copied into the image is not removed by it — see `secret-file-copied`.

SSH also has to know the server's host key. When nothing in the stage sets up `known_hosts` (no
`ssh-keyscan`, no `known_hosts` file, no `StrictHostKeyChecking`), the message says how:
`mkdir -p -m 0700 ~/.ssh && ssh-keyscan github.com >> ~/.ssh/known_hosts`, with the keys checked
against the host's published fingerprints. The fix does not add it: `ssh-keyscan` is not in every
image, and trusting whatever key the network returns at build time is a decision to make knowingly,
as is turning host key checking off, which the fix never does.

## Stages
All stages: fetching private code typically happens in builder stages. `ONBUILD RUN` triggers are
checked too.

## References
- [RUN --mount=type=ssh](https://docs.docker.com/reference/dockerfile/#run---mounttypessh)
- [Build secrets: SSH mounts](https://docs.docker.com/build/building/secrets/#ssh-mounts)
- [Go: private modules over SSH](https://go.dev/doc/faq#git_https)
- [GitHub's SSH key fingerprints](https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/githubs-ssh-key-fingerprints)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from dockls.model import Model, Run
from dockls.rule import Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.secrets import frontend_supports, mount_edits, secret_file
from dockls.shell import ShellCommand
from dockls.syntax import Instruction

# `git@github.com:org/repo.git`, `ssh://git@host/repo`, `git+ssh://…`, pip's `git+git@…`.
_SSH_URL_RE = re.compile(r"^(?:git\+)?ssh://(?:[^@/]*@)?(?P<host>[^/:]+)"
                         r"|^(?:git\+)?[A-Za-z0-9._-]+@(?P<scp>[A-Za-z0-9.-]+):(?!//)")
_INSTEAD_OF_RE = re.compile(r"(?i)^url\.(?:ssh://(?:[^@/]*@)?(?P<host>[^/:]+)|[^@]*@(?P<scp>[^:]+):).*\.insteadof$")
_USER_AT_HOST_RE = re.compile(r"^[A-Za-z0-9._-]+@(?P<host>[A-Za-z0-9.-]+)(?::|$)")
GIT_FETCHING = frozenset({"clone", "fetch", "pull", "ls-remote", "archive", "submodule"})
GO_FETCHING = (("mod", "download"), ("get",), ("install",), ("build",), ("mod", "tidy"))
PACKAGE_MANAGERS = frozenset({
    "pip", "pip3", "uv", "pipenv", "poetry", "npm", "yarn", "pnpm", "cargo", "bundle", "gem", "composer",
})
SSH_CLIENTS = frozenset({"scp", "sftp", "rsync"})
RELEVANT = frozenset({"git", "go", "ssh", *SSH_CLIENTS, *PACKAGE_MANAGERS})


@dataclass(frozen=True)
class Need:
    """A command that fetches over SSH, and the host it talks to (None when unknown)."""

    command: ShellCommand
    host: str | None
    why: str  # "an SSH URL", "the insteadOf rewrite to SSH"


@dataclass
class StageFacts:
    """What the stage (and the stages it is built FROM) did before a RUN."""

    rewrite_host: str | None = None  # an insteadOf rewrite of https URLs to SSH, to this host
    rewritten: bool = False
    cloned_host: str | None = None  # a clone over SSH
    cloned: bool = False
    known_hosts: bool = False
    key_copies: tuple[Instruction, ...] = ()


def _sets_up_host_keys(text: str) -> bool:
    """Whether ``text`` deals with SSH host keys: a known_hosts file, ssh-keyscan, StrictHostKeyChecking.
    Substring tests: a regular expression over the whole file costs more than the rest of the rule."""
    return "known_hosts" in text or "ssh-keyscan" in text or "HostKeyChecking" in text or "hostkeychecking" in text


def _positional(cmd: ShellCommand) -> list[str]:
    return [word.text for word in cmd.args if not word.text.startswith("-")]


def _ssh_urls(cmd: ShellCommand) -> list[str]:
    """The hosts of the SSH URLs among the command's arguments."""
    return [match.group("host") or match.group("scp") for word in cmd.args if (match := _SSH_URL_RE.match(word.text))]


def _needs(cmd: ShellCommand, facts: StageFacts) -> Need | None:
    name = cmd.name
    if name == "git":
        sub = _git_subcommand(cmd)
        if sub not in GIT_FETCHING:
            return None
        hosts = _ssh_urls(cmd)
        if hosts:
            return Need(cmd, hosts[0], "an SSH URL")
        if facts.rewritten:
            return Need(cmd, facts.rewrite_host, "the `insteadOf` rewrite to SSH")
        if facts.cloned and sub in ("fetch", "pull", "submodule"):
            return Need(cmd, facts.cloned_host, "the SSH remote it was cloned from")
        return None
    if name == "go":
        positional = _positional(cmd)
        if facts.rewritten and any(tuple(positional[: len(sub)]) == sub for sub in GO_FETCHING):
            return Need(cmd, facts.rewrite_host, "the `insteadOf` rewrite to SSH")
        return None
    if name in PACKAGE_MANAGERS:
        hosts = _ssh_urls(cmd)
        return Need(cmd, hosts[0], "an SSH URL") if hosts else None
    for text in _positional(cmd):  # ssh, scp, sftp, rsync
        match = _USER_AT_HOST_RE.match(text)
        if match and (name == "ssh" or ":" in text):
            return Need(cmd, match.group("host"), "a `user@host` destination")
    return None


def _git_subcommand(cmd: ShellCommand) -> str:
    skip = False
    for word in cmd.args:
        if skip:
            skip = False
        elif word.text in ("-c", "-C", "--git-dir", "--work-tree"):
            skip = True
        elif not word.text.startswith("-"):
            return word.text
    return ""


def _learn(model: Model, inst: Instruction, run: Run | None, facts: StageFacts, known_hosts_anywhere: bool) -> None:
    """Update ``facts`` with what ``inst`` (a top-level instruction or ONBUILD trigger) does."""
    if (known_hosts_anywhere and not facts.known_hosts and inst.keyword in ("RUN", "COPY", "ADD")
            and _sets_up_host_keys(model.text[inst.span.start : inst.span.end])):
        facts.known_hosts = True
    if inst.keyword in ("COPY", "ADD") and len(inst.value) >= 2:
        files = [secret_file(path) for path in inst.value]
        if any(file is not None and file.ssh_key for file in files):
            facts.key_copies = (*facts.key_copies, inst)
    if run is not None and not run.opaque:
        for cmd in run.commands:
            _learn_command(cmd, facts)


def _learn_command(cmd: ShellCommand, facts: StageFacts) -> None:
    """An ``insteadOf`` rewrite to SSH, or a clone over SSH."""
    if cmd.name != "git":
        return
    sub = _git_subcommand(cmd)
    if sub == "config":
        for word in cmd.args:
            match = _INSTEAD_OF_RE.match(word.text)
            if match:
                facts.rewritten = True
                facts.rewrite_host = match.group("host") or match.group("scp")
    elif sub == "clone":
        hosts = _ssh_urls(cmd)
        if hosts:
            facts.cloned = True
            facts.cloned_host = hosts[0]


def _uses_key_secret(run: Run) -> bool:
    for mount in run.mounts:
        if mount.type != "secret":
            continue
        target = mount.target or ""
        ident = (mount.flag.option("id") or "").lower()
        name = posixpath.basename(target)
        if "/.ssh/" in target or name.startswith("id_") or "ssh" in ident or ident.startswith("id_"):
            return True
    return False


def check(model: Model) -> Iterator[Finding]:
    if "@" not in model.text and "ssh://" not in model.text:
        return  # every SSH URL, insteadOf rewrite and `user@host` has one of them
    runs = {id(run.instruction): run for run in model.runs}
    known_hosts_anywhere = _sets_up_host_keys(model.text)
    ends: dict[int, StageFacts] = {}
    for stage in model.stages:
        start = ends.get(id(stage.parent)) if stage.parent is not None else None
        facts = replace(start) if start is not None else StageFacts()
        for holder in stage.instructions:
            inst = holder.command
            run = runs.get(id(inst))
            if run is not None:
                yield from _check_run(model, run, facts)
            if inst is holder:  # an ONBUILD trigger changes the stage of another build only
                _learn(model, inst, run, facts, known_hosts_anywhere)
        ends[id(stage)] = facts


def _check_run(model: Model, run: Run, facts: StageFacts) -> Iterator[Finding]:
    if run.opaque or not any(cmd.name in RELEVANT for cmd in run.commands):
        return
    if any(mount.type == "ssh" for mount in run.mounts) or _uses_key_secret(run):
        return
    local = facts  # copied before commands earlier in the same RUN add to it
    for cmd in run.commands:
        if cmd.name not in RELEVANT:
            continue
        need = _needs(cmd, local)
        if need is not None:
            yield _finding(model, run, need, local)
            return
        if cmd.name == "git":
            if local is facts:
                local = replace(facts)
            _learn_command(cmd, local)


def _label(cmd: ShellCommand) -> str:
    """``git clone``, ``go mod download``, ``pip install``, ``scp`` …"""
    if cmd.name == "git":
        return f"git {_git_subcommand(cmd)}"
    if cmd.name == "go" or cmd.name in PACKAGE_MANAGERS:
        positional = _positional(cmd)
        words = positional[:2] if positional[:1] == ["mod"] else positional[:1]
        return " ".join([cmd.name, *(word for word in words if word.isalpha())])
    return cmd.name


def _finding(model: Model, run: Run, need: Need, facts: StageFacts) -> Finding:
    cmd = need.command
    label = _label(cmd)
    host = need.host or "<host>"
    run_text = model.text[run.instruction.span.start : run.instruction.span.end]
    related: tuple[Related, ...] = ()
    if facts.key_copies:
        copy = facts.key_copies[-1]
        line = model.text.count("\n", 0, copy.span.start) + 1
        how = (f"it can only authenticate with the private key copied into the image on line {line}, which stays in "
               "that layer for anyone who can pull the image")
        related = (Related(copy.span, "the private key copied in for it stays in this layer"),)
    else:
        how = "the build has no SSH agent or key to authenticate with"
    message = (f"`{label}` fetches over SSH ({need.why}) without `--mount=type=ssh`: {how}; add `--mount=type=ssh` to "
               "this RUN and build with `docker build --ssh default` (your SSH agent)")
    if not (facts.known_hosts or _sets_up_host_keys(run_text)):
        message += (f"; SSH must also know {host}'s host key: `mkdir -p -m 0700 ~/.ssh && ssh-keyscan {host} >> "
                    f"~/.ssh/known_hosts` before it, with the keys checked against {host}'s published fingerprints, "
                    "rather than turning StrictHostKeyChecking off")
    fix = None
    if frontend_supports(model, 2) is not False:
        fix = Fix("Forward the SSH agent with --mount=type=ssh (build with --ssh default)",
                  tuple(mount_edits(model, run, "--mount=type=ssh")), safe=False)
    return RULE.finding(cmd.span, message, *((fix,) if fix else ()), related=related)


RULE = Rule(
    id="DKL021",
    name="ssh-mount-missing",
    summary="A RUN fetches over SSH without --mount=type=ssh",
    severity=Severity.WARNING,
    category="secrets",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
