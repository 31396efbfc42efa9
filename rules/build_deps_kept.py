"""## What it does
Finds compilers, build tools and development headers installed with the system package manager in a
stage of the final image and still installed when the RUN ends: `gcc`, `g++`, `clang`, `make`,
`cmake`, `autoconf`, `pkg-config`, `build-essential`, `build-base`, `musl-dev`, `libc6-dev`,
`linux-headers`, and every `*-dev` (Debian, Ubuntu, Alpine) or `*-devel` (Fedora, RHEL, SUSE)
package, installed with `apt-get`/`apt install`, `apk add`, `dnf`/`yum`/`microdnf install` or
`zypper install`.

It stays silent when the same RUN removes them again afterwards: `apt-get purge`/`remove` naming them
(or a variable, as in `apt-get purge -y $buildDeps`), `apt-get autoremove` or
`apt-get purge --auto-remove` after `apt-mark auto`, `apk del` of them or of the `--virtual` name they
were installed under, `dnf`/`yum remove`, `zypper remove`.

## Why is this bad?
Build tools are needed to compile something — a Python or PHP extension, a native npm module — not to
run it. Left installed they often make up a good part of the image: `build-essential` alone adds
well over 100 MB to a Debian image, `build-base` tens of MB to an Alpine one. Removing them in a later
RUN does not help: they stay in the layer of the RUN that installed them.

The best cure is a multi-stage build: compile in a builder stage and `COPY --from` it only the result.
Otherwise install them, build, and remove them in one RUN.

## Example
```dockerfile
FROM python:3.12-alpine
RUN apk add --no-cache gcc musl-dev postgresql-dev && pip install --no-cache-dir psycopg2
```

## Use instead
```dockerfile
FROM python:3.12-alpine
RUN apk add --no-cache postgresql-libs && \\
    apk add --no-cache --virtual .build-deps gcc musl-dev postgresql-dev && \\
    pip install --no-cache-dir psycopg2 && \\
    apk del .build-deps
```
or build the wheel in a builder stage and install only the result in the final stage.

## Fix safety
When a build step follows the install in the same RUN, a fix is offered as a code action, never
applied by `--fix`: whether the image still works without the packages cannot be known from the
Dockerfile — a program may run `gcc` at run time, and removing `libpq-dev` with `--auto-remove` also
removes the `libpq5` it pulled in, which the compiled extension still needs (install such runtime
libraries explicitly). The fix:

- apk: groups the build packages under a virtual package — `--virtual .build-deps` after `add` when
  the `apk add` installs only build packages, else a second `apk add … --virtual .build-deps` for
  them (with the first one's options) — and ends the RUN with `apk del .build-deps`;
- apt: ends the RUN with `apt-get purge -y --auto-remove <the build packages>`;
- dnf, yum, microdnf: ends the RUN with `<tool> remove -y <the build packages>`;
- zypper: ends the RUN with `zypper --non-interactive remove --clean-deps <the build packages>`.

When nothing is built after the install in the same RUN, the build happens in a later RUN and removing
the packages at the end of this one would break it: the finding says to install, build and remove
them in one RUN, and has no fix. There is no fix for exec-form RUNs either.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN` trigger in them included). A builder stage — the right place for build tools — is
not reported.

## References
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
- [Alpine: apk add --virtual](https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper#Virtual_Packages)
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.edits import append_to_heredoc, chain_after
from dockls.model import Model, Run, expand
from dockls.packages import apk_applet, apt_subcommand, options_and_operands, package_names
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand, Word
from dockls.text import Span

BUILD_PACKAGES = frozenset({
    "build-essential", "build-base", "alpine-sdk", "make", "cmake", "ninja", "ninja-build", "meson", "autoconf",
    "automake", "libtool", "pkg-config", "pkgconf", "pkgconfig", "bison", "flex", "musl-dev", "libc-dev",
    "libc6-dev", "linux-headers", "linux-libc-dev", "kernel-headers", "kernel-devel", "glibc-devel", "gfortran",
    "dpkg-dev", "gcc-c++",
})
BUILD_GROUPS = frozenset({"development tools", "development-tools", "c-development", "build-essential"})
COMPILER = re.compile(r"(gcc|g\+\+|clang|cpp|gfortran)(-\d+(\.\d+)?)?")
DEV_PACKAGE = re.compile(r".+-(dev|devel)")
RPM_TOOLS = frozenset({"dnf", "yum", "microdnf", "tdnf"})
# Commands that only install, configure or clean up: after the install they do not build anything.
NOT_BUILDING = frozenset({
    "apt-get", "apt", "aptitude", "apt-mark", "apt-key", "apk", "dnf", "yum", "microdnf", "tdnf", "zypper", "rm",
    "echo", "printf", "true", "false", "set", "export", ":", "ln", "mkdir", "chmod", "chown", "cd", "useradd",
    "adduser", "groupadd", "addgroup", "usermod", "update-ca-certificates", "locale-gen", "localedef",
    "update-alternatives", "curl", "wget", "sed", "touch", "test", "[", "find", "ls", "cat", "tee", "dpkg",
})
APT_VALUE_OPTIONS = frozenset({"-o", "--option", "-c", "--config-file", "-t", "--target-release", "-a"})
APK_VALUE_OPTIONS = frozenset({"-t", "--virtual", "-X", "--repository", "-p", "--root", "--arch",
                               "--cache-dir", "--keys-dir", "--repositories-file"})
RPM_VALUE_OPTIONS = frozenset({"--setopt", "--enablerepo", "--disablerepo", "--releasever", "--installroot",
                               "-x", "--exclude"})
ZYPPER_VALUE_OPTIONS = frozenset({"--root", "-R", "--from", "-r", "--repo", "-t", "--type"})


@dataclass(frozen=True)
class Install:
    command: ShellCommand
    manager: str  # "apt", "apk", "rpm" or "zypper"
    packages: list[tuple[str, Word]]  # name, and the word it came from (variables expanded)
    virtual: str | None  # apk --virtual name
    verb: Word  # `install`, `add` …
    operands: list[Word]  # the package words, those with unknown variables included


def is_build_package(name: str) -> bool:
    return (name in BUILD_PACKAGES or name.lower().lstrip("@") in BUILD_GROUPS
            or bool(COMPILER.fullmatch(name) or DEV_PACKAGE.fullmatch(name)))


def _operands(words: list[Word], value_options: frozenset[str]) -> tuple[list[Word], dict[str, str]]:
    options, operands = options_and_operands(words, value_options)
    return operands, dict(options)


def _names(words: list[Word], run: Run) -> list[tuple[str, Word]]:
    return package_names(words, run.env)


def install_of(command: ShellCommand, run: Run) -> Install | None:
    """The packages a package-manager install command installs."""
    name = command.name
    args = list(command.args)
    if name in ("apt-get", "apt", "aptitude"):
        if apt_subcommand(command) != "install":
            return None
        operands, _ = _operands(args, APT_VALUE_OPTIONS)
        return Install(command, "apt", _names(operands[1:], run), None, operands[0], operands[1:])
    if name == "apk":
        applet = apk_applet(command)
        if applet is None or applet.text != "add":
            return None
        after = [w for w in args if w.span.start > applet.span.start]
        operands, options = _operands(after, APK_VALUE_OPTIONS)
        virtual = options.get("--virtual") or options.get("-t")
        return Install(command, "apk", _names(operands, run), virtual, applet, operands)
    if name in RPM_TOOLS or name == "zypper":
        operands, _ = _operands(args, RPM_VALUE_OPTIONS if name in RPM_TOOLS else ZYPPER_VALUE_OPTIONS)
        if not operands:
            return None
        verb = operands[0]
        if name in RPM_TOOLS and (verb.text == "groupinstall" or (
                verb.text == "group" and len(operands) > 1 and operands[1].text == "install")):
            groups = [w for w in operands[1:] if w.text != "install"]
            development = [(w.text, w) for w in groups if is_build_package(w.text)]
            return Install(command, "rpm", development, None, verb, groups) if development else None
        if verb.text not in ("install", "in"):
            return None
        manager = "rpm" if name in RPM_TOOLS else "zypper"
        return Install(command, manager, _names(operands[1:], run), None, verb, operands[1:])
    return None


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        found: list[tuple[int, Install, list[tuple[str, Word]]]] = []
        for order, command in enumerate(run.commands):
            install = install_of(command, run)
            if install is None:
                continue
            kept = [(name, word) for name, word in install.packages
                    if is_build_package(name) and not _removed_later(run, order, install, name)]
            if kept:
                found.append((order, install, kept))
        for order, install, kept in found:
            # One removal for all the build packages the RUN's installs of this manager keep.
            names = [name for _, other, other_kept in found if other.manager == install.manager
                     for name, _ in other_kept] if install.manager != "apk" else [name for name, _ in kept]
            yield _finding(model, run, order, install, kept, list(dict.fromkeys(names)))


def _removed_later(run: Run, order: int, install: Install, name: str) -> bool:
    """Whether a command after the install in the same RUN removes the package."""
    marked_auto = False
    for command in run.commands[:order]:
        marked_auto = marked_auto or (command.name == "apt-mark" and command.has("auto"))
    for command in run.commands[order + 1 :]:
        if command.name == "apt-mark" and command.has("auto"):
            marked_auto = True
        removed = _removal(command)
        if removed is None:
            continue
        manager, words, autoremove = removed
        if manager != install.manager:
            continue
        if autoremove and marked_auto:
            return True
        if any("$" in w.text and not expand(w.text, run.env)[1] for w in words):
            return True  # `apt-get purge -y $buildDeps`: taken to remove what it installed
        names = {n for n, _ in _names(words, run)}
        if name in names or (install.virtual is not None and install.virtual in names):
            return True
    return False


def _removal(command: ShellCommand) -> tuple[str, list[Word], bool] | None:
    """(manager, the package words, whether it auto-removes) for a package removal command."""
    name = command.name
    args = list(command.args)
    if name in ("apt-get", "apt", "aptitude"):
        sub = apt_subcommand(command)
        if sub not in ("purge", "remove", "autoremove"):
            return None
        operands, options = _operands(args, APT_VALUE_OPTIONS)
        auto = sub == "autoremove" or "--auto-remove" in options or "--autoremove" in options
        return "apt", operands[1:], auto
    if name == "apk":
        applet = apk_applet(command)
        if applet is None or applet.text != "del":
            return None
        operands, _ = _operands([w for w in args if w.span.start > applet.span.start], APK_VALUE_OPTIONS)
        return "apk", operands, False
    if name in RPM_TOOLS or name == "zypper":
        operands, _ = _operands(args, RPM_VALUE_OPTIONS if name in RPM_TOOLS else ZYPPER_VALUE_OPTIONS)
        if not operands or operands[0].text not in ("remove", "erase", "rm", "autoremove"):
            return None
        return ("rpm" if name in RPM_TOOLS else "zypper"), operands[1:], operands[0].text == "autoremove"
    return None


def _finding(model: Model, run: Run, order: int, install: Install, kept: list[tuple[str, Word]],
             names: list[str]) -> Finding:
    mine = list(dict.fromkeys(name for name, _ in kept))
    shown = ", ".join(mine[:5]) + (f" and {len(mine) - 5} more" if len(mine) > 5 else "")
    verb = f"{install.command.name} {install.verb.text}"
    message = f"`{verb}` installs build tools ({shown}) that stay in the final image"
    later = _later_removal(model, run, install, mine)
    related: tuple[Related, ...] = ()
    if later is not None:
        message += (f" (removing them in the RUN on line {later.holder.start_line + 1} does not help: they stay in "
                    "this RUN's layer)")
        related = (Related(later.holder.keyword_span, "a later RUN removes them: their files stay in this layer"),)
    built = any(c.name not in NOT_BUILDING and c.name not in ("set",) for c in run.commands[order + 1 :])
    if not built:
        message += ("; nothing is built with them later in this RUN: if a later RUN builds with them, install, build "
                    "and remove them in one RUN — or better, build in a separate stage and `COPY --from` it only the "
                    "result; if the image needs them at run time, suppress this warning")
        return RULE.finding(install.command.span, message, related=related)
    removal = _removal_text(run, install, names)
    message += (f"; remove them at the end of this RUN (`{removal}`) if nothing needs them at run time — or better, "
                "build in a separate stage and `COPY --from` it only the result")
    fix = _fix(model, run, install, kept, removal)
    return RULE.finding(install.command.span, message, *((fix,) if fix else ()), related=related)


def _virtual_name(run: Run) -> str:
    taken = {w.text for c in run.commands if c.name == "apk" for w in c.args}
    name, serial = ".build-deps", 1
    while name in taken:
        serial += 1
        name = f".build-deps-{serial}"
    return name


def _removal_text(run: Run, install: Install, names: list[str]) -> str:
    packages = " ".join(names)
    if install.manager == "apk":
        return f"apk del {install.virtual or _virtual_name(run)}"
    if install.manager == "apt":
        return f"apt-get purge -y --auto-remove {packages}"
    if install.manager == "rpm":
        return f"{install.command.name} remove -y {packages}"
    return f"zypper --non-interactive remove --clean-deps {packages}"


def _fix(model: Model, run: Run, install: Install, kept: list[tuple[str, Word]], removal: str) -> Fix | None:
    inst = run.instruction
    if inst.json or any(name.lower() in BUILD_GROUPS for name, _ in kept):
        return None
    edits: list[Edit] = []
    if install.manager == "apk" and install.virtual is None:
        grouped = _virtual_group(model, run, install, kept)
        if grouped is None:
            return None
        edits.extend(grouped)
    end = _append(model, run, removal)
    if end is None:
        return None
    edits.append(end)
    return Fix(f"Remove the build packages at the end of the RUN (`{removal}`)", tuple(edits), safe=False)


def _virtual_group(model: Model, run: Run, install: Install, kept: list[tuple[str, Word]]) -> list[Edit] | None:
    """Put the build packages of an ``apk add`` under a virtual package: in place when it installs only
    them, else in a second ``apk add`` right after it."""
    name = _virtual_name(run)
    command = install.command
    by_word = {id(word): [n for n, w in install.packages if w is word] for word in install.operands}
    build_words = [w for w in install.operands if by_word[id(w)] and all(map(is_build_package, by_word[id(w)]))]
    if len(build_words) == len(install.operands):
        at = install.verb.span.end
        return [Edit(Span(at, at), f" --virtual {name}")]
    if any(is_build_package(n) for w in install.operands if w not in build_words for n in by_word[id(w)]):
        return None  # a word (a variable) holding build and other packages cannot be split
    options = [w.raw for w in command.args if w.span.start > install.verb.span.start and w.text.startswith("-")]
    if any(w.text in APK_VALUE_OPTIONS for w in command.args):
        return None  # options with values (-X repository): keep it simple, no split
    edits = []
    for index, word in enumerate(command.words):
        if word in build_words:
            previous = command.words[index - 1]
            edits.append(Edit(Span(previous.span.end, word.span.end), ""))
    moved = " ".join(w.raw for w in build_words)
    at = command.words[-1].span.end
    edits.append(Edit(Span(at, at), f" && apk add {' '.join([*options, '--virtual', name])} {moved}"))
    return edits


def _append(model: Model, run: Run, command: str) -> Edit | None:
    inst = run.instruction
    if inst.heredocs:
        heredoc = inst.heredocs[-1]
        if not any(c.span.start in heredoc.body_span for c in run.commands):
            return None
        return append_to_heredoc(model.text, heredoc, run.shell, command)
    after = chain_after(model.text, inst, model.tree.escape)
    if after is None:
        return None
    at, separator = after
    return Edit(Span(at, at), separator + command)


def _later_removal(model: Model, run: Run, install: Install, names: list[str]) -> Run | None:
    """A later RUN of the final image removing some of the packages (which does not shrink it)."""
    if run.holder is not run.instruction:
        return None
    for other in model.runs:
        if other.holder.span.start <= run.holder.span.start or not model.is_final(other.stage):
            continue
        if other.holder is not other.instruction:
            continue
        for command in other.commands:
            removed = _removal(command)
            if removed and removed[0] == install.manager and {n for n, _ in _names(removed[1], other)} & {
                    *names, *([install.virtual] if install.virtual else [])}:
                return other
    return None


RULE = Rule(
    id="DKL011",
    name="build-deps-kept",
    summary="Compilers and -dev packages installed in a final-image stage and never removed",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
