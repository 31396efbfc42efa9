"""## What it does
Finds `pip install` commands (`pip`, `pip3`, `pip3.12`, `python -m pip`, `python3 -m pip` …) that
keep pip's cache in the image layer, and offers `--no-cache-dir`.

It stays silent when the cache is off or outside the layer:

- the command has `--no-cache-dir` (or its accepted abbreviation `--no-cache`);
- `PIP_NO_CACHE_DIR` has a non-empty value — an `ENV` or `ARG` visible to the RUN, or set in the RUN
  itself. pip turns the cache off for *every* boolean value, `0` and `false` included (a historical
  quirk it keeps for compatibility), and refuses other values, so any non-empty value counts; an
  empty value leaves the cache on. An `ARG PIP_NO_CACHE_DIR` without default counts too: its value
  comes with `--build-arg`;
- a `cache` or `tmpfs` mount covers the cache folder: `--cache-dir`, else `PIP_CACHE_DIR`, else
  `$XDG_CACHE_HOME/pip`, else `$HOME/.cache/pip` from an `ENV HOME`, else `/root/.cache/pip` when no
  `USER` other than root is in force. Under another user the folder is not known and any cache mount
  on a `…/.cache` or `…/.cache/pip` folder counts.

## Why is this bad?
pip stores every archive it downloads and every wheel it builds in its cache, so the layer holds the
packages twice: installed, and as the files they were installed from. Nobody reuses that cache once the
layer is built.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir -r requirements.txt
```
or, to speed up rebuilds as well, keep the cache in a BuildKit cache mount:
```dockerfile
FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
```

## Fix safety
Two alternatives. `--no-cache-dir` right after `install` is the safe fix that `--fix` applies (in the
exec form as a new string). The cache mount (`--mount=type=cache,target=<the cache folder>` after the
RUN's other flags) is offered as an unsafe fix only: it is the other choice, and needs BuildKit. It is
only offered when the RUN runs as root (no `USER`, or `USER root`): a cache mount belongs to root, and
another user's pip could not write to it. A base image whose default user is not root is not detected.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN pip install` trigger in them included). A builder stage whose results are copied out
with `COPY --from` is not reported.

## References
- [pip: caching](https://pip.pypa.io/en/stable/topics/caching/)
- [pip: PIP_NO_CACHE_DIR and boolean options](https://pip.pypa.io/en/stable/topics/configuration/#environment-variables)
- [hadolint DL3042](https://github.com/hadolint/hadolint/wiki/DL3042)
- [Cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockls.caches import ROOT_USERS, user_of
from dockls.edits import add_flag, insert_word_after
from dockls.model import Model, Run, expand
from dockls.packages import pip_install
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word

NO_CACHE_OPTIONS = frozenset({"--no-cache-dir", "--no-cache"})
# PIP_NO_CACHE_DIR given a non-empty value anywhere in the RUN: `export`, `env`, a prefix assignment.
_NO_CACHE_IN_RUN = re.compile(r"(?<![\w$])PIP_NO_CACHE_DIR=(?=[^\s;&|)])")


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        for command in run.commands:
            install = pip_install(command)
            if install is None or _cache_off(model, run, command):
                continue
            cache = _cache_dir(model, run, command)
            if cache is None and any(m.type in ("cache", "tmpfs") and m.target and
                                     posixpath.normpath(m.target).endswith(("/.cache", "/.cache/pip"))
                                     for m in run.mounts):
                continue
            if cache is not None and run.cache_mount_covers(cache):
                continue
            yield _finding(model, run, command, install, cache)


def _cache_off(model: Model, run: Run, command: ShellCommand) -> bool:
    if any(word.text in NO_CACHE_OPTIONS or word.text.startswith("--no-cache-dir=") for word in command.args):
        return True
    assigned = _assignments(command)
    value = assigned.get("PIP_NO_CACHE_DIR", run.env.get("PIP_NO_CACHE_DIR", ""))
    if value is None or value:
        return True  # None: an ARG without default, given a value at build time
    if "PIP_NO_CACHE_DIR" in assigned:
        return False  # emptied for this very command
    inst = run.instruction
    return bool(_NO_CACHE_IN_RUN.search(model.text, inst.span.start, inst.span.end))


def _assignments(command: ShellCommand) -> dict[str, str]:
    """The ``NAME=value`` prefix of a command, plain quotes removed."""
    pairs = (item.partition("=") for item in command.assignments)
    return {name: value.strip("'\"") for name, _, value in pairs}


def _cache_dir(model: Model, run: Run, command: ShellCommand) -> str | None:
    """Where this ``pip install`` keeps its cache, when that is known."""
    words = [word.text for word in command.args]
    for word, following in zip(words, [*words[1:], ""]):
        if word.startswith("--cache-dir="):
            return _absolute(word.partition("=")[2])
        if word == "--cache-dir":
            return _absolute(following)
    env = {**run.env, **_assignments(command)}
    for name, suffix in (("PIP_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/pip"), ("HOME", "/.cache/pip")):
        if name in env:
            value = env[name]
            return _absolute(expand(value, env)[0] + suffix) if value else None
    return "/root/.cache/pip" if _runs_as_root(model, run) else None


def _absolute(path: str) -> str | None:
    """A plain absolute path (a mount target needs no quoting for it), or None."""
    if path.startswith("/") and re.fullmatch(r"[\w./+@-]+", path):
        return posixpath.normpath(path)
    return None


def _runs_as_root(model: Model, run: Run) -> bool:
    """No USER instruction, or USER root, is in force for ``run`` (the base image's user is not known)."""
    user, known = user_of(model, run)
    return known and user.split(":", 1)[0] in ROOT_USERS


def _finding(model: Model, run: Run, command: ShellCommand, install: Word, cache: str | None) -> Finding:
    inst = run.instruction
    tool = " ".join(word.text for word in command.words if word.span.start <= install.span.start)
    where = cache or "the user's ~/.cache/pip"
    message = (f"`{tool}` keeps pip's cache ({where}) in the layer: every downloaded archive and built wheel "
               "is stored a second time next to the installed package; add `--no-cache-dir`")
    fixes: list[Fix] = []
    no_cache = insert_word_after(model.text, inst, install, "--no-cache-dir")
    if no_cache is not None:
        fixes.append(Fix("Add --no-cache-dir", (no_cache,)))
    if cache is not None and _runs_as_root(model, run):  # a cache mount belongs to root unless told
        message += " or mount a cache there"
        mount = add_flag(inst, f"--mount=type=cache,target={cache}")
        fixes.append(Fix(f"Keep pip's cache in a cache mount at {cache}", (mount,), safe=False))
    return RULE.finding(command.span, message, *fixes)


RULE = Rule(
    id="DKL003",
    name="pip-cache-kept",
    summary="pip install keeps its download cache in the layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3042",),
)
