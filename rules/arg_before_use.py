"""## What it does
Finds an `ARG` in a build stage that is declared long before it is used: at least one `RUN` between
the declaration and the first use of the variable does not use it. Offers to move the `ARG` down to
just before its first use.

A use is any later instruction of the stage whose text names the variable — `$NAME` or `${NAME…}` in
its arguments, flags or heredocs, or the name as a word of its own, which catches `printenv NAME`,
`ENVIRON["NAME"]` or `os.environ["NAME"]` in a `RUN` — and any `RUN` that may read it from its
environment without naming it. Only a `RUN` made of well-known commands that read no variables of
yours counts as not using it: package managers installing from their repositories (`apt-get`, `apk`,
`dnf`, `pip install` of named packages, `npm install --ignore-scripts`), `go build`/`go mod download`,
`cargo fetch`, `git`, `curl`, `tar`, `useradd`, coreutils and the like. A script (`./build.sh`,
`sh -c …`), `make`, an interpreter, `npm ci` (it runs the project's lifecycle scripts),
`pip install -r`/`pip install .`, a `RUN` in another shell than a POSIX one, or any command dockls
does not know may read any variable, so such a `RUN` counts as a (possible) use.

## Why is this bad?
BuildKit adds each `ARG` that has a value — its default, a `--build-arg`, or the global `ARG` of the
same name — to the environment of every `RUN` after it in the stage, whether the `RUN` uses it or not,
and a `RUN`'s environment is part of its cache key. Docker's reference says it as "a cache miss occurs
upon its first usage, not its definition", where "all RUN instructions following an ARG instruction
use the ARG variable implicitly (as an environment variable)". So when the value changes — a version,
a commit hash or a build date passed on every CI build — the first `RUN` after the `ARG` is rebuilt,
and every instruction after it with it. (`COPY`, `ADD`, `WORKDIR` and the image settings do not see
the environment: they are invalidated by an `ARG` only when they name it.) Declared right before its
first use, the `ARG` leaves the `RUN`s above that point cached.

## Example
```dockerfile
FROM golang:1.23 AS build
ARG VERSION
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -ldflags "-X main.version=${VERSION}" -o /app .
```

## Use instead
```dockerfile
FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION
RUN go build -ldflags "-X main.version=${VERSION}" -o /app .
```

## Fix safety
The fix moves the `ARG` line, with the comment block right above it, to just before the first use
(above that instruction's own comment block). It only ever moves an `ARG` past instructions that do
not use the variable — by the definition above, which treats every `RUN` it cannot see into as a use —
so no `RUN` loses a variable it reads. When the default names other variables (`ARG B=${A}-x`), the
`ARG` does not move past an `ARG` or `ENV` that sets them, so its value stays the same. From a line
declaring several names (`ARG A B=1`) the fix moves the name alone onto a line of its own, unless all
of them move to the same place, in which case the whole line moves.

An `ARG` that the stage never uses is reported too; its fix, deleting it, is only offered (not
applied by `--fix`): the `ARG` may document the build's interface.

Not reported:
- `ARG`s before the first `FROM` (global: they only feed `FROM` lines);
- the proxy variables (`HTTP_PROXY` …), which every tool reads and BuildKit keeps out of the cache
  key unless redeclared;
- names that tools read from their environment: `PATH`, `HOME`, `LANG`, `TZ`, `DEBIAN_FRONTEND`,
  `CC`/`CFLAGS`…, `SOURCE_DATE_EPOCH`, Go's `GOFLAGS`, `GOPROXY`, `GOOS`, `GOARCH`…, and the prefixes
  `PIP_`, `NPM_CONFIG_`/`npm_config_`, `NODE_`, `CGO_`, `CARGO_`, `PYTHON…`, `GIT_`, `SSL_`, `LC_` and
  other tools' own (the full list is in the source): any `RUN` may hand them to a tool without naming
  them;
- `BUILDPLATFORM`, `BUILDOS`, `BUILDARCH`, `BUILDVARIANT`, and the `TARGET…` platform variables in a
  stage whose `FROM` has no `--platform`: there every step already differs per platform;
- an `ARG` whose first use is an `ONBUILD` trigger, or that is declared again (`ARG`/`ENV` of the same
  name) before any use;
- an `ARG` that the stage does not use when other stages are built `FROM` this one: they inherit it.

## Stages
All stages: the build cache matters wherever a `RUN` is rebuilt, builder stages included.

## References
- [Dockerfile reference: ARG, impact on build caching](https://docs.docker.com/reference/dockerfile/#impact-on-build-caching)
- [Build cache invalidation](https://docs.docker.com/build/cache/invalidation/)
- [Cross-compiling with `--platform` and `TARGETARCH`](https://docs.docker.com/build/building/multi-platform/#cross-compilation)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.edits import indent_of, instruction_lines, line_start, newline_of
from dockls.model import PLATFORM_ARGS, PROXY_ARGS, Model, Run, Stage
from dockls.packages import pip_install
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand
from dockls.syntax import Instruction
from dockls.text import Span

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Variables that tools read from their environment: any RUN may use them without naming them.
ENV_CONSUMED = re.compile(
    r"PATH|HOME|USER|SHELL|TERM|TZ|LANG|LANGUAGE|PWD|TMPDIR|IFS|ENV|BASH_ENV|CDPATH|SOURCE_DATE_EPOCH"
    r"|CC|CXX|CPP|AR|LD|AS|NM|RANLIB|STRIP|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|LIBS|MAKEFLAGS|MFLAGS"
    r"|DEBIAN_FRONTEND|DESTDIR|PREFIX|JAVA_OPTS|GO[A-Z0-9]+"
    r"|(?:LC|LD|SSL|PKG_CONFIG|GIT|SSH|GNUPG|GPG|XDG|CURL|WGET|PIP|PYTHON\w*|VIRTUAL_ENV|CONDA|UV|POETRY"
    r"|PIPENV|PDM|HATCH|NPM|NODE|YARN|PNPM|BUN|DENO|COREPACK|CGO|CARGO|RUST\w*|MAVEN|GRADLE|JAVA|JDK|SBT"
    r"|BUNDLE|BUNDLER|GEM|RUBY\w*|COMPOSER|PHP\w*|DOTNET|NUGET|APT|DEBCONF|DPKG|APK|DNF|YUM|RPM|ZYPP|CMAKE"
    r"|MAKE|CCACHE|SCCACHE|DOCKER|BUILDKIT|AWS|GOOGLE|AZURE|ANDROID|NVIDIA|CUDA|HF|OMP|MKL|OPENBLAS)_\w*"
    r"|npm_config_\w*|\w*_(?:proxy|PROXY)"
)
# Platform variables that change only with the machine the build runs on.
BUILD_PLATFORM_ARGS = frozenset(name for name in PLATFORM_ARGS if name.startswith("BUILD"))
# Commands that read none of your variables (only ENV_CONSUMED ones) and run no code of the project.
KNOWN_COMMANDS = frozenset({
    "true", "false", ":", "echo", "printf", "test", "[", "cd", "pwd", "set", "mkdir", "rmdir", "rm", "cp",
    "mv", "ln", "chmod", "chown", "chgrp", "touch", "cat", "ls", "head", "tail", "sort", "uniq", "wc", "tr",
    "cut", "tee", "sed", "grep", "egrep", "fgrep", "awk", "jq", "sleep", "id", "whoami", "uname", "install",
    "dirname", "basename", "realpath", "readlink", "stat", "du", "df", "file", "which", "mktemp", "date",
    "seq", "sha1sum", "sha256sum", "sha512sum", "md5sum", "shasum", "base64", "gpg", "gpgv", "curl", "wget",
    "tar", "gzip", "gunzip", "zcat", "unzip", "zip", "xz", "unxz", "bzip2", "bunzip2", "zstd", "patch",
    "diff", "cmp", "find", "git", "useradd", "groupadd", "adduser", "addgroup", "usermod", "groupmod",
    "userdel", "groupdel", "deluser", "delgroup", "passwd", "chpasswd", "apt-get", "apt", "aptitude",
    "apt-cache", "apt-key", "apt-mark", "dpkg", "dpkg-reconfigure", "debconf-set-selections",
    "add-apt-repository", "apk", "dnf", "dnf5", "yum", "microdnf", "tdnf", "rpm", "zypper", "pacman",
    "update-ca-certificates", "update-alternatives", "ldconfig", "locale-gen", "localedef", "corepack",
})
# `find` options that run another command.
FIND_RUNNERS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
# go subcommands that build or fetch without running the project's code.
GO_KNOWN = frozenset({"build", "install", "mod", "get", "list", "version", "env", "vet", "fmt", "clean", "work"})
NODE_PACKAGE_MANAGERS = frozenset({"npm", "pnpm", "yarn"})
# pip arguments that install the project itself or read a file that may name it.
PIP_LOCAL = ("-r", "--requirement", "-e", "--editable", "-c", "--constraint", ".", "./", "../", "/", "file:")


@dataclass(frozen=True)
class Declaration:
    """One name declared by an ARG line."""

    name: str
    word: Span  # the whole `NAME=default` word
    default_names: frozenset[str]  # the variables its default refers to


@dataclass(frozen=True)
class Plan:
    """Where a declaration should move, and why: the RUNs before that point do not use it."""

    declaration: Declaration
    target: Instruction | None  # the first use; None when the stage never uses the variable
    skipped: tuple[Instruction, ...]  # the RUNs between the ARG and the target
    why: str  # how the target uses the variable (or stops the move), for the message


def check(model: Model) -> Iterator[Finding]:
    runs = {id(run.instruction): run for run in model.runs if run.holder is run.instruction}
    parents = [stage.parent for stage in model.stages if stage.parent is not None]
    for stage in model.stages:
        if not any(inst.keyword == "ARG" for inst in stage.instructions):
            continue
        scan = _Scan(model, stage, runs)
        has_children = any(parent is stage for parent in parents)
        for position, inst in enumerate(stage.instructions):
            if inst.keyword != "ARG":
                continue
            plans = [plan for plan in (scan.plan(position, decl) for decl in _declarations(inst))
                     if plan is not None and (plan.target is not None or not has_children)]
            for plan in plans:
                yield _finding(model, inst, plan, plans)


def _declarations(inst: Instruction) -> list[Declaration]:
    found = []
    for word, span in zip(inst.value, inst.value_spans):
        name, _, default = word.partition("=")
        if _IDENTIFIER.fullmatch(name):
            found.append(Declaration(name, span, frozenset(_IDENTIFIER.findall(default))))
    return found


class _Scan:
    """What the instructions of one stage mention and may read, computed once per check."""

    def __init__(self, model: Model, stage: Stage, runs: dict[int, Run]) -> None:
        self.text = model.text
        self.stage = stage
        self.runs = runs
        self._names: dict[int, frozenset[str]] = {}
        self._readers: dict[int, str] = {}

    def names(self, inst: Instruction) -> frozenset[str]:
        """Every identifier in the instruction's text: a superset of the variables it uses."""
        key = id(inst)
        if key not in self._names:
            self._names[key] = frozenset(_IDENTIFIER.findall(self.text[inst.span.start : inst.span.end]))
        return self._names[key]

    def reader(self, inst: Instruction) -> str:
        """Why a RUN may read any variable from its environment ("" when it reads none of yours)."""
        key = id(inst)
        if key not in self._readers:
            run = self.runs.get(key)
            self._readers[key] = _reads_environment(run) if run is not None else "is not modelled by dockls"
        return self._readers[key]

    def plan(self, position: int, decl: Declaration) -> Plan | None:
        name = decl.name
        if (ENV_CONSUMED.fullmatch(name) or name in PROXY_ARGS or name in BUILD_PLATFORM_ARGS
                or (name in PLATFORM_ARGS and self.stage.from_instruction.flag("platform") is None)):
            return None
        skipped: list[Instruction] = []
        for inst in self.stage.instructions[position + 1 :]:
            keyword = inst.keyword
            names = self.names(inst)
            line = inst.start_line + 1
            if name in names:
                if keyword == "ONBUILD" or (keyword in ("ARG", "ENV") and not _references(inst, name, self.text)):
                    return None  # used by a trigger of another build, or declared again
                why = f"is first used on line {line}"
            elif keyword in ("ARG", "ENV") and names & decl.default_names:
                # Past this line the default would take another value.
                shown = ", ".join(f"`{used}`" for used in sorted(names & decl.default_names))
                why = f"can move down to line {line}, where {keyword} sets {shown} that its default refers to"
            elif keyword == "RUN" and self.reader(inst):
                why = f"may first be used on line {line} (that RUN {self.reader(inst)})"
            elif keyword == "RUN":
                skipped.append(inst)
                continue
            else:
                continue
            return Plan(decl, inst, tuple(skipped), why) if skipped else None
        return Plan(decl, None, tuple(skipped), "") if skipped else None


def _references(inst: Instruction, name: str, text: str) -> bool:
    """Whether ``$name`` or ``${name…}`` occurs in the instruction (not just ``name=`` declaring it)."""
    return re.search(rf"\$\{{?{re.escape(name)}(?![A-Za-z0-9_])", text[inst.span.start : inst.span.end]) is not None


def _reads_environment(run: Run) -> str:
    """Why the RUN may read variables it does not name: what it runs, unless every command is known."""
    if run.opaque:
        return "is not POSIX shell, so dockls cannot see what it reads"
    if run.shell_errors:
        return "does not parse as shell, so dockls cannot see what it reads"
    for command in run.commands:
        if _may_read_environment(command):
            return f"runs `{command.words[0].text}`, which may read any variable from its environment"
    return ""


def _may_read_environment(command: ShellCommand) -> bool:
    name = command.name
    args = [word.text for word in command.args]
    if name in KNOWN_COMMANDS:
        return name == "find" and any(arg in FIND_RUNNERS for arg in args)
    if name == "go":
        return next((arg for arg in args if not arg.startswith("-")), "") not in GO_KNOWN
    if pip_install(command) is not None:
        return any(arg.startswith(PIP_LOCAL) for arg in args)
    if name in NODE_PACKAGE_MANAGERS:
        # Without --ignore-scripts an install runs the project's own lifecycle scripts.
        return "--ignore-scripts" not in args
    if name == "cargo":
        return next((arg for arg in args if not arg.startswith("-")), "") != "fetch"
    return True


def _finding(model: Model, inst: Instruction, plan: Plan, plans: list[Plan]) -> Finding:
    decl = plan.declaration
    span = Span(decl.word.start, decl.word.start + len(decl.name))
    lines = ", ".join(str(run.start_line + 1) for run in plan.skipped)
    if len(plan.skipped) == 1:
        runs = f"the RUN on line {lines}"
        cost = "BuildKit puts the value in its environment, so it is rebuilt whenever the value changes"
    else:
        runs = f"the {len(plan.skipped)} RUNs on lines {lines}"
        cost = "BuildKit puts the value in their environment, so they are rebuilt whenever the value changes"
    if plan.target is None:
        message = f"ARG {decl.name} is never used in this stage, but {cost} ({runs}); remove it"
        removal = _remove(model.text, inst, decl)
        if removal is None:
            return RULE.finding(span, message)
        return RULE.finding(span, message, Fix(f"Remove the unused ARG {decl.name}", (removal,), safe=False))
    target = plan.target
    where = f"line {target.start_line + 1}"
    verb = "does" if len(plan.skipped) == 1 else "do"
    message = (f"ARG {decl.name} {plan.why}: {runs} in between {verb} not use it, yet {cost} "
               f"(for example a new `--build-arg`); declare it right before {where}")
    related = (Related(target.keyword_span, f"ARG {decl.name} belongs right before this instruction"),)
    together = [other for other in plans if other.target is target]
    edits = _move(model.text, inst, decl, target, whole_line=len(together) == len(inst.value_spans))
    if edits is None:
        return RULE.finding(span, message, related=related)
    return RULE.finding(span, message, Fix(f"Move ARG {decl.name} down to {where}", edits), related=related)


def _move(text: str, inst: Instruction, decl: Declaration, target: Instruction, *,
          whole_line: bool) -> tuple[Edit, ...] | None:
    """Edits moving the declaration (or its whole ARG line) to the line above ``target``'s comments."""
    anchor = line_start(text, target.comments[0].span.start if target.comments else target.span.start)
    if whole_line or len(inst.value_spans) == 1:
        lines = instruction_lines(text, inst)
        return Edit(lines, ""), Edit(Span(anchor, anchor), text[lines.start : lines.end])
    removal = _remove(text, inst, decl)
    if removal is None:
        return None
    line = f"{indent_of(text, inst.keyword_span.start)}ARG {text[decl.word.start : decl.word.end]}{newline_of(text)}"
    return removal, Edit(Span(anchor, anchor), line)


def _remove(text: str, inst: Instruction, decl: Declaration) -> Edit | None:
    """Delete the declaration: the whole ARG when it is its only name, else the word and the space that
    separates it from its neighbour. None when that space holds a comment line (a continued ARG)."""
    spans = inst.value_spans
    if len(spans) == 1:
        return Edit(instruction_lines(text, inst), "")
    k = spans.index(decl.word)
    span = (Span(decl.word.start, spans[k + 1].start) if k + 1 < len(spans)
            else Span(spans[k - 1].end, decl.word.end))
    if any(line.lstrip().startswith("#") for line in text[span.start : span.end].split("\n")[1:]):
        return None
    return Edit(span, "")


RULE = Rule(
    id="DKL007",
    name="arg-before-use",
    summary="ARG declared long before its first use invalidates the cache of the RUNs in between",
    severity=Severity.INFO,
    category="cache",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
)
