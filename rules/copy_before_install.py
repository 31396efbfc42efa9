"""## What it does
Reports a `COPY` (or `ADD`) of the whole build context — `COPY . .`, `COPY ./ /app`, `ADD . /src`,
`COPY --chown=app . .` — or of a source directory such as `COPY backend/ /app` or `COPY ./app ./app`
when the install then runs inside it, that comes before a dependency install in the same stage.

Ecosystems, their install commands, and the files the install reads:
- npm — `npm ci`, `npm install`, `npm i`: package.json, package-lock.json, npm-shrinkwrap.json, .npmrc
- yarn — `yarn`, `yarn install`, `yarn workspaces focus`: package.json, yarn.lock, .yarnrc and
  .yarnrc.yml, .npmrc, and for Yarn 2+ the .yarn/ directory (releases/ holds the Yarn that
  `yarnPath` runs, plugins/, patches/, and cache/ for zero-installs); `.pnp.cjs` is written by the
  install, not read
- pnpm — `pnpm install`, `pnpm i`, `pnpm fetch`: package.json, pnpm-lock.yaml, pnpm-workspace.yaml,
  .npmrc, .pnpmfile.cjs, patches/
- pip — `pip install -r <file>`, `python -m pip …`, `uv pip install -r <file>`, `uv pip sync <file>`:
  the requirement and constraint files named; `pip install .` / `-e .` reads pyproject.toml, setup.py
- pip-tools — `pip-sync [<file> …]` (requirements.txt by default), `pip-compile [<file> …]` and
  `uv pip compile <file>` (requirements.in by default): the files named, and the output file
  whose pins pip-compile keeps
- poetry — `poetry install`, `poetry sync`: pyproject.toml, poetry.lock, poetry.toml
- uv — `uv sync`: pyproject.toml, uv.lock, uv.toml, .python-version
- pipenv — `pipenv install` (`--deploy`, `--system`), `pipenv sync`: Pipfile, Pipfile.lock, and the
  file of `pipenv install -r`
- go — `go mod download`; `go build`, `go install`, `go test` …: go.mod, go.sum
- cargo — `cargo fetch`; `cargo build`, `cargo install --path` …: Cargo.toml, Cargo.lock,
  rust-toolchain(.toml), .cargo/
- bundler — `bundle install`: Gemfile, Gemfile.lock, .bundle/
- composer — `composer install`, `composer update`: composer.json, composer.lock, auth.json
- maven — `mvn dependency:go-offline`; `mvn package` …; the same through the wrapper (`./mvnw`,
  `sh mvnw`): pom.xml (and mvnw), .mvn/ (the wrapper's .mvn/wrapper/, maven.config, extensions)
- gradle — `gradle dependencies`, `./gradlew dependencies`; `gradle build` …: build.gradle(.kts),
  settings.gradle(.kts), gradle.properties, gradle/ (the wrapper's gradle/wrapper/, version catalogs)
  and gradlew
- dotnet — `dotnet restore`; `dotnet build`, `dotnet publish`, `dotnet test`, `dotnet pack` (without
  `--no-restore`): the project file named, or `*.csproj` in the working directory when none is named,
  its packages.lock.json, NuGet.config and the `Directory.*` files (Directory.Build.props,
  Directory.Packages.props …) in the project's directory and every directory above it within the
  copy, and global.json in the working directory and above; `dotnet tool restore`:
  .config/dotnet-tools.json

The directory the install runs in is followed through `WORKDIR`, `cd` and options such as
`npm --prefix`, `yarn --cwd`, `pnpm -C`, `poetry -C`, `uv --directory`, `composer -d`, `go -C`,
`mvn -f`, `gradle -p` and `cargo --manifest-path`. An install that ran before the copy (the
manifests were copied first) keeps the rule silent for that ecosystem: a later
`poetry install --only-root`, `pip install --no-deps .`, `go build` or `dotnet publish` is then
incremental.

A copy of one source directory counts when the install runs inside what it copied: `COPY backend /app`
followed by `RUN pip install -r requirements.txt` in `/app` reads `backend/requirements.txt`. A source
without a trailing `/` may be a file: it counts as a directory unless its name has an extension, is
all capitals (`LICENSE`), ends in "file" (`Makefile`, `Gemfile`) or is a build wrapper (`mvnw`,
`gradlew`). Copying a directory that the install merely reads from (`COPY requirements/ requirements/`
before `pip install -r requirements/prod.txt`) is the recommended layout and is not reported.

## Why is this bad?
A layer's cache is invalidated as soon as any file it copies changes, and with it every later layer.
Copying the whole context first means that editing one line of application code re-runs the install
and downloads every dependency again. Copying only the manifest and lock files first lets the install
layer stay cached until the dependencies themselves change.

## Example
```dockerfile
FROM node:22
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "server.js"]
```

## Use instead
```dockerfile
FROM node:22
WORKDIR /app
COPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
```

## Fix safety
The fix copies the manifest and lock files to the destination of the broad copy (same `--chown`,
`--chmod`, `--link` and `--exclude` flags; from the same source directory, so `COPY backend/ /app`
gives `COPY backend/requirements.txt /app/`), runs the install there and leaves the broad copy after
it. When only metadata instructions (`LABEL`, `EXPOSE`, `CMD` …) sit between the copy and the install,
the install `RUN` moves up; when `ENV`, `ARG`, `WORKDIR`, `USER` or `SHELL` sit between, the broad copy
moves down instead, so the install still sees them. A relative destination then no longer means the
same directory after a `WORKDIR`, so the moved copy gets the absolute one (`COPY . app` below
`WORKDIR app` becomes `COPY . /srv/app`); that needs a known working directory and a destination
without variables, and a copy without variables when an `ENV` or `ARG` is in between. A manifest
already copied earlier in the stage is not copied again.

Files that may be missing from your repository are copied with a trailing `*` (`package-lock.json*`):
BuildKit skips a wildcard source that matches nothing, while a plain source that is missing fails the
build. The manifest itself (`package.json`, `go.mod`, the requirement files named in the command) is
copied without a wildcard because the install cannot work without it. Optional directories use a
one-character class (`COPY .yar[n] ./.yarn/`), which BuildKit also skips when nothing matches and
which copies the directory's contents into the named destination. (The legacy builder fails a
`COPY` whose sources all match nothing.)

The fix is safe when the install reads nothing but those files, which holds for single-package
projects. The rule does not read your repository, so it cannot see npm/yarn/pnpm workspaces, Maven
modules or Gradle subprojects and `buildSrc`, Cargo or uv workspace members, `-r`/`-e .` lines inside
requirement files, Poetry path dependencies, a `gemspec` in a Gemfile, `replace` directives to local
Go modules, .NET project references, or root `postinstall`/`prepare` scripts: move such files too, or
suppress the rule. Files the install writes that the repository also has (a `node_modules/` missing
from `.dockerignore`, Yarn's `.pnp.cjs`, a lock file the install updates) are now replaced by the
repository's copy that follows the install.

For .NET, a `dotnet restore` that names no project gets `COPY *.csproj …`, the usual pattern for a
single C# project: an F# or VB project, or a solution, needs the restore to name its file. A solution
(`dotnet restore App.sln`) gets no fix: it lists projects in other directories, each of which needs a
`COPY` to its own directory (`COPY src/Api/Api.csproj src/Api/`) — a wildcard such as
`COPY */*.csproj ./` would flatten them all into one directory.

No safe fix is offered, and the message says why, when:
- the install needs the sources: `pip install .`, `poetry install` without `--no-root`, `uv sync`
  without `--no-install-project`, `composer install` without `--no-scripts --no-autoloader`,
  `go build`, `cargo build`, `mvn package`, `gradle build`, `dotnet publish`;
- the install `RUN` also runs other commands, or is more than a plain list of commands;
- a `RUN`, `COPY`, `ADD` or `VOLUME` sits between the copy and the install;
- the copy uses `--parents`.

Where the dependencies can be fetched without the sources (`go mod download`, `cargo fetch`,
`poetry install --no-root`, `uv sync --no-install-project`, `mvn dependency:go-offline`,
`dotnet restore`, or an incremental install such as `pip install -r`), an unsafe fix inserts that
fetch before the broad copy and leaves the original install in place. Unsafe too (offered, not
applied by `--fix`): `cargo fetch`, as Cargo refuses a manifest whose targets (`src/main.rs`,
`src/lib.rs`) are missing; `pip-compile`, whose output file the repository's copy then replaces; and
a `chmod +x mvnw` moving with the install, whose mode the later copy of the sources resets.

## Stages
All stages, builder stages included: the cache matters wherever the install runs. `ONBUILD` triggers
are checked as their own sequence. A copy in one stage and an install in another (for example after
`COPY --from=…`) are never paired.

## References
- [Docker build cache: order your layers](https://docs.docker.com/build/cache/optimize/#order-your-layers)
- [COPY and wildcards](https://docs.docker.com/reference/dockerfile/#copy)
- [Poetry FAQ: Docker cache](https://python-poetry.org/docs/faq/#poetry-busts-my-docker-cache-because-it-requires-me-to-copy-my-source-files-in-before-installing-3rd-party-dependencies)
- [uv in Docker: intermediate layers](https://docs.astral.sh/uv/guides/integration/docker/#intermediate-layers)
- [.NET in Docker: restore as a distinct layer](https://learn.microsoft.com/en-us/dotnet/core/docker/build-container)
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dockls.ecosystems import (
    PIP_VALUED,
    WRAPPERS,
    FetchPart,
    Install,
    command_label,
    install_of,
    is_glob,
    is_local,
    is_pip_name,
    is_python_name,
    parse_options,
)
from dockls.edits import indent_of, insert_after, insert_before, instruction_lines, newline_of
from dockls.model import Model, Run, Scope, Stage, expand
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import POSIX_SHELLS, ShellCommand
from dockls.syntax import Flag, Instruction
from dockls.text import Span

# A path whose value is only known at build time (an unset ARG, $HOME, `cd -`) is kept as a path under
# this marker: two such paths are equal only when written identically, and never equal a real one.
UNKNOWN = "\x00"

# Instructions that change neither the files nor how a RUN behaves.
INERT = frozenset({"LABEL", "EXPOSE", "STOPSIGNAL", "CMD", "ENTRYPOINT", "HEALTHCHECK", "MAINTAINER",
                   "ONBUILD"})
# Instructions that change how a later RUN behaves but not what a COPY without variables does.
RUN_CONTEXT = frozenset({"ENV", "ARG", "WORKDIR", "USER", "SHELL"})
COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
CARRIED_MOUNTS = frozenset({"cache", "secret", "ssh", "tmpfs"})
# A source that is not one plain context path: a URL, a git address, a wildcard, a variable.
NOT_A_PATH = re.compile(r"[:*?\[$]")


# --------------------------------------------------------------------------- paths


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def resolve(base: str, raw: str, scope: Scope) -> str:
    """Where ``raw`` points when the current directory is ``base`` (both POSIX paths)."""
    value, known = expand(raw, scope) if "$" in raw else (raw, True)
    if not known or not value or value.startswith("~"):
        return "/" + UNKNOWN + raw
    if value.startswith("/"):
        return posixpath.normpath(value)
    return posixpath.normpath(posixpath.join(base, value))


def relative_to(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` when it lies at or under it."""
    if path == root:
        return "."
    prefix = root.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else None


def _overlaps(path: str, root: str) -> bool:
    return relative_to(path, root) is not None or relative_to(root, path) is not None


def _context_path(base: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(base, rel))


def _join_dest(raw: str, rel: str) -> str:
    """A directory destination (ending in ``/``) ``rel`` below the copy destination ``raw``."""
    norm = posixpath.normpath(raw) if "$" not in raw else raw.rstrip("/") or raw
    if raw.startswith("./") and norm != "." and not norm.startswith("./"):
        norm = "./" + norm  # as written: `COPY ./app ./app` gives `./app/`
    prefix = "./" if norm == "." else "/" if norm == "/" else norm + "/"
    return prefix if rel == "." else f"{prefix}{rel}/"


def _optional_dir_pattern(path: str) -> str:
    """``.yarn`` → ``.yar[n]``: a wildcard that matches only that directory, and nothing when absent."""
    return f"{path[:-1]}[{path[-1]}]"


def _looks_like_file(name: str) -> bool:
    """A context path without a trailing ``/`` that is more likely a file than a directory."""
    return "." in name or name.isupper() or name.lower().endswith("file") or name in WRAPPERS


def broad_source(inst: Instruction) -> str | None:
    """The context directory a COPY/ADD copies wholesale ("." for the whole context), or None for a
    copy of named files."""
    sources = inst.value[:-1]
    if not sources or inst.heredocs or inst.flag("from") is not None:
        return None
    for source in sources:
        # ".", "./", "/", "./." … (and "..", which the context clamps to its root); "*" and "./*"
        if not source.strip("./") or source in ("*", "./*"):
            return "."
    if len(sources) != 1:
        return None
    source = sources[0]
    if not source.endswith(("/", "/.")) and _looks_like_file(source.rpartition("/")[2]):
        return None
    if NOT_A_PATH.search(source):
        return None
    path = posixpath.normpath(source.lstrip("/"))
    return None if path.startswith("../") else path


def _value(raw: str, scope: Scope) -> str:
    """An ENV or ARG value with its quotes removed and its variables substituted."""
    value = _unquote(raw)
    return expand(value, scope)[0] if "$" in value else value


def _command_text(cmd: ShellCommand, exec_form: bool) -> str:
    """The command as shell text: as written, or quoted when it comes from an exec-form RUN."""
    if exec_form:
        return " ".join(shlex.quote(word.text) for word in cmd.words)
    return " ".join([*cmd.assignments, *(word.raw for word in cmd.words)])


def _fetch_text(parts: Sequence[FetchPart], cmd: ShellCommand, exec_form: bool) -> str:
    """A fetch command as shell text: words of the install ``cmd`` as written, and literal text."""
    words = cmd.words
    return " ".join(part if isinstance(part, str) else shlex.quote(words[part].text) if exec_form
                    else words[part].raw for part in parts)


# --------------------------------------------------------------------------- commands that may move


NEUTRAL_COMMANDS = frozenset({"cd", "set", "true", ":", "export", "echo", "umask", "mkdir", "nproc"})
SYSTEM_PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "tdnf"})
SCRATCH_ROOTS = ("/tmp", "/var/cache", "/var/lib/apt/lists", "/var/tmp", "/root/.cache", "/root/.npm")
GLOB_START = re.compile(r"[*?\[$]")


def _removes_only_elsewhere(paths: list[str], copy_root: str) -> bool:
    """``rm`` of caches: every path lies outside what the broad copy brings in."""
    for path in paths:
        if path.startswith("~/."):
            continue
        if not path.startswith("/"):
            return False
        fixed = GLOB_START.split(path, maxsplit=1)[0]
        fixed = posixpath.normpath(fixed if fixed.endswith("/") or fixed == path else posixpath.dirname(fixed))
        if UNKNOWN in copy_root:
            if not any(relative_to(fixed, root) is not None for root in SCRATCH_ROOTS):
                return False
        elif _overlaps(fixed, copy_root):
            return False
    return True


def is_neutral(cmd: ShellCommand, copy_root: str, heredoc: bool) -> bool:
    """Whether ``cmd`` neither reads the sources nor leaves files the sources would replace."""
    name = cmd.name
    words = [word.text for word in cmd.args]
    operands = [word for word in words if not word.startswith("-")]
    if name in NEUTRAL_COMMANDS:
        return True
    if name in POSIX_SHELLS:
        return heredoc and not operands  # `bash <<EOF` runs the heredoc body, checked on its own
    if name in SYSTEM_PACKAGE_MANAGERS:
        return not any("/" in word or word.endswith((".deb", ".rpm", ".apk")) for word in words)
    if name == "rm":
        return _removes_only_elsewhere(operands, copy_root)
    if is_python_name(name) and words[:2] == ["-m", "venv"]:
        return True
    pip_words = (words[2:] if is_python_name(name) and words[:2] == ["-m", "pip"]
                 else words[1:] if name == "uv" and words[:1] == ["pip"]
                 else words if is_pip_name(name) else None)
    if pip_words is not None:  # its cache or config, or packages by name (which do not read the project)
        pip = parse_options(pip_words, PIP_VALUED).positionals
        return pip[:1] in (["cache"], ["config"]) or (
            pip[:1] == ["install"] and install_of(cmd) is None and not any(is_local(word) for word in pip[1:]))
    if name == "uv":
        return operands[:1] in (["venv"], ["cache"], ["python"])
    globally = "-g" in words or "--global" in words
    subcommand = operands[:1]
    if name == "corepack":  # not `corepack use`, which rewrites package.json
        return subcommand in (["enable"], ["disable"], ["prepare"], ["install"])
    if name == "npm":
        return subcommand in (["cache"], ["config"], ["set"]) or (
            globally and not any(is_local(word) for word in operands[1:]))
    if name in ("yarn", "yarnpkg"):
        return subcommand in (["cache"], ["config"]) or (
            operands[:2] == ["global", "add"] and not any(is_local(word) for word in operands[2:]))
    if name == "pnpm":
        return subcommand in (["store"], ["config"]) or (
            globally and not any(is_local(word) for word in operands[1:]))
    if name == "poetry":
        return subcommand in (["config"], ["self"])
    if name in ("bundle", "bundler"):
        return subcommand == ["config"]
    if name == "gem":
        return subcommand in (["install"], ["update"]) and not any(is_local(word) for word in operands[1:])
    if name in ("composer", "composer.phar"):
        return subcommand in (["config"], ["clear-cache"], ["clearcache"], ["self-update"])
    if name == "go":
        return subcommand == ["env"] or (subcommand == ["install"] and bool(operands[1:])
                                         and all("@" in word for word in operands[1:]))
    if name == "cargo":
        return subcommand == ["install"] and "--path" not in words and not any(
            word.startswith("--path=") for word in words)
    if name == "dotnet":  # global tools and information, not the project
        return words[:1] in (["--info"], ["--version"], ["--list-sdks"]) or (
            operands[:1] == ["tool"] and operands[1:2] in (["install"], ["update"]) and globally)
    return False


def _wrapper_chmod(cmd: ShellCommand, installs: Sequence[Install]) -> str | None:
    """The wrapper script (mvnw, gradlew) that a ``chmod`` makes executable for an install."""
    if cmd.name != "chmod":
        return None
    files = [word.text for word in cmd.args if not word.text.startswith("-")][1:]  # after the mode
    wrappers = {posixpath.normpath(name) for install in installs for name in install.required
                if posixpath.basename(name) in WRAPPERS}
    if files and all(posixpath.normpath(path) in wrappers for path in files):
        return files[0]
    return None


CONTINUATIONS = {escape: re.compile(re.escape(escape) + r"[ \t]*\r?\n") for escape in ("\\", "`")}
COMMENT = re.compile(r"(?m)(^|[ \t])#.*$")
SEPARATORS = re.compile(r"[\s;&|]*")


def _plain_script(run: Run, text: str, escape: str) -> bool:
    """Whether the RUN is nothing but its simple commands joined by ``&&``, ``;`` or ``||`` (no
    conditionals, loops, subshells or redirections whose meaning moving could change)."""
    inst = run.instruction
    regions: list[Span] = []
    if inst.json:
        values = [word.text for cmd in run.commands for word in cmd.words]
        if values == inst.value:
            return True
        if len(inst.value_spans) < 3:
            return False
        body = inst.value_spans[2]
        regions.append(Span(body.start + 1, body.end - 1))
    else:
        regions.append(inst.args_span)
        regions.extend(heredoc.body_span for heredoc in inst.heredocs)
    blanks = [cmd.span for cmd in run.commands] + [heredoc.marker_span for heredoc in inst.heredocs]
    continuation = CONTINUATIONS.get(escape) or re.compile(re.escape(escape) + r"[ \t]*\r?\n")
    for region in regions:
        chars = list(text[region.start:region.end])
        for blank in blanks:
            for at in range(max(blank.start, region.start), min(blank.end, region.end)):
                chars[at - region.start] = " "
        residue = COMMENT.sub(" ", continuation.sub(" ", "".join(chars)))
        if not SEPARATORS.fullmatch(residue):
            return False
    return True


# --------------------------------------------------------------------------- the stage walk


@dataclass
class BroadCopy:
    holder: Instruction  # the COPY, or its ONBUILD
    copy: Instruction
    position: int  # index in the sequence
    source: str  # the context directory copied ("." for the whole context)
    dest_raw: str
    dest: str  # resolved
    dest_absolute: bool  # the destination does not depend on WORKDIR
    workdir: str  # before the copy
    prepared: frozenset[str]  # ecosystems installed before it


@dataclass
class PlainCopy:
    """A COPY of named files from the context: it may already have brought in the manifests."""

    copy: Instruction
    workdir: str
    scope: Scope  # the variables at the copy, when its destination uses some

    def brings(self, path: str) -> bool:
        sources = self.copy.value[:-1]
        dest_raw = self.copy.value[-1]
        dest = resolve(self.workdir, dest_raw, self.scope)
        if not (dest_raw.endswith("/") or len(sources) > 1 or posixpath.normpath(dest_raw) == "."):
            return path == dest
        return posixpath.dirname(path) == dest and any(
            fnmatch.fnmatchcase(posixpath.basename(path), posixpath.basename(source.rstrip("/")))
            for source in sources)


@dataclass
class Placed:
    """An install located in the file system."""

    command: ShellCommand
    install: Install
    directory: str  # where it reads its files
    run_directory: str  # the shell's directory when it starts (before --prefix and the like)
    env: Scope

    def path(self, name: str) -> str:
        return resolve(self.directory, name, self.env)


@dataclass
class StageEnd:
    workdir: str
    prepared: frozenset[str]


class StageWalk:
    """Follows one ordered sequence of instructions (a stage, or its ONBUILD triggers): the working
    directory, the variables, what was copied and which ecosystems were installed."""

    def __init__(self, model: Model, runs: dict[int, Run], sources: dict[int, str], holders: list[Instruction],
                 onbuild: bool, start: StageEnd, scope: Scope) -> None:
        self.text = model.text
        self.escape = model.tree.escape
        self.runs = runs
        self.sources = sources  # the broad copies, by id: what they copy
        self.holders = holders
        self.onbuild = onbuild
        self.workdir = start.workdir
        self.prepared = set(start.prepared)
        self.scope = scope
        self.broad: list[BroadCopy] = []
        self.plain: list[PlainCopy] = []
        self.reported: set[tuple[int, str]] = set()

    @property
    def end(self) -> StageEnd:
        return StageEnd(self.workdir, frozenset(self.prepared))

    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        onbuild = self.onbuild
        scope = self.scope
        for position, holder in enumerate(self.holders):
            inst = holder.command if onbuild else holder
            keyword = inst.keyword
            if keyword == "RUN":
                run = self.runs.get(id(inst))
                if run is not None and run.commands:
                    self._run(holder, run, position, found)
            elif keyword in ("COPY", "ADD"):
                self._copy(holder, inst, position)
            elif keyword == "WORKDIR" and inst.value:
                self.workdir = resolve(self.workdir, inst.value[0], scope)
            elif keyword == "ENV":
                for key, value in zip(inst.value[::2], inst.value[1::2]):
                    scope[key] = _value(value, scope)
            elif keyword == "ARG":
                for word in inst.value:
                    name, eq, default = word.partition("=")
                    scope[name] = _value(default, scope) if eq else scope.get(name)
        return found

    def _copy(self, holder: Instruction, inst: Instruction, position: int) -> None:
        dest_raw = inst.value[-1] if inst.value else ""
        source = self.sources.get(id(inst))
        if source is None:
            if len(inst.value) >= 2 and not inst.heredocs and inst.flag("from") is None:
                # Its destination is resolved only when a fix needs to know.
                self.plain.append(PlainCopy(inst, self.workdir, dict(self.scope) if "$" in dest_raw else {}))
            return
        dest = resolve(self.workdir, dest_raw, self.scope)
        expanded, known = expand(dest_raw, self.scope) if "$" in dest_raw else (dest_raw, True)
        self.broad.append(BroadCopy(holder, inst, position, source, dest_raw, dest,
                                    known and expanded.startswith("/"), self.workdir, frozenset(self.prepared)))

    def _place(self, run: Run, command: ShellCommand, install: Install) -> Placed:
        """Follow the ``cd`` commands before the install, then its own directory option."""
        cwd = self.workdir
        for cmd in run.commands:
            if cmd.span.start >= command.span.start:
                break
            if cmd.name == "cd":
                target = [word.text for word in cmd.args if word.text not in ("-P", "-L")]
                cwd = resolve(cwd, target[0], run.env) if target and target[0] != "-" else f"/{UNKNOWN}cd"
        directory = resolve(cwd, install.directory, run.env) if install.directory else cwd
        return Placed(command, install, directory, cwd, run.env)

    def _source_of(self, placed: Placed) -> BroadCopy | None:
        """The latest broad copy that brings in the install's manifest."""
        primary = placed.install.primary
        if primary is None:
            return None
        path = placed.path(primary)
        for broad in reversed(self.broad):
            if relative_to(path, broad.dest) is None:
                continue
            # A copy of a subdirectory only counts when the install runs inside it: copying a
            # `requirements/` directory before installing from it is the right thing to do.
            if broad.source != "." and relative_to(placed.directory, broad.dest) is None:
                continue
            return broad
        return None

    def _run(self, holder: Instruction, run: Run, position: int, found: list[Finding]) -> None:
        found_installs = [(cmd, install) for cmd in run.commands if (install := install_of(cmd))]
        if not found_installs:
            return
        installs = [install for _, install in found_installs]
        if self.broad:
            by_copy: dict[int, tuple[BroadCopy, list[Placed]]] = {}
            for command, install in found_installs:
                item = self._place(run, command, install)
                broad = self._source_of(item)
                if broad is not None:
                    by_copy.setdefault(broad.position, (broad, []))[1].append(item)
            for broad, items in by_copy.values():
                reportable = [item for item in items if item.install.ecosystem not in broad.prepared
                              and (broad.position, item.install.ecosystem) not in self.reported]
                if reportable:
                    self.reported.update((broad.position, item.install.ecosystem) for item in reportable)
                    found.append(self._finding(broad, holder, run, position, installs, items, reportable))
        self.prepared.update(install.ecosystem for install in installs)

    # -- the finding and its fixes --------------------------------------------------------

    def _finding(self, broad: BroadCopy, holder: Instruction, run: Run, position: int, installs: list[Install],
                 items: list[Placed], reportable: list[Placed]) -> Finding:
        copy = broad.copy
        copy_text = json.dumps(copy.value) if copy.json else " ".join(copy.value)
        commands = _and([f"`{command_label(item.command)}`" for item in reportable])
        files: list[str] = []
        for item in reportable:
            files.extend(name for name in item.install.shown_files if name not in files)
        message = (f"`{copy.keyword} {copy_text}` copies the sources before {commands} (line "
                   f"{holder.start_line + 1}), so any source change reinstalls every dependency: copy "
                   f"{_and(files)} first, install, then copy the rest.")
        blocker, uncertain = self._obstacles(broad, run, position, installs)
        if blocker is not None:
            message += f" No automatic fix: {blocker}."
            prefetch = self._prefetch_fix(broad, run, installs, reportable)
            return RULE.finding(broad.holder.span, message, *([prefetch] if prefetch else []))
        if uncertain:
            message += f" The fix is not applied automatically: {uncertain}."
        return RULE.finding(broad.holder.span, message,
                            self._split_fix(broad, holder, position, items, safe=uncertain is None))

    def _obstacles(self, broad: BroadCopy, run: Run, position: int,
                   installs: list[Install]) -> tuple[str | None, str | None]:
        """Why the install RUN cannot simply run before the broad copy (no fix), and why it may not
        work although it usually does (an unsafe fix)."""
        for install in installs:
            if install.needs_sources:
                return install.needs_sources, None
        if broad.copy.flag("parents") is not None:
            return "the copy uses --parents", None
        uncertain = next((install.uncertain for install in installs if install.uncertain), None)
        heredoc = bool(run.instruction.heredocs)
        for cmd in run.commands:
            if install_of(cmd) is not None or is_neutral(cmd, broad.dest, heredoc):
                continue
            wrapper = _wrapper_chmod(cmd, installs)
            if wrapper is None:
                return f"the RUN also runs `{command_label(cmd)}`, which may need the sources", None
            uncertain = uncertain or (f"the sources copied after the install bring back the repository's "
                                      f"{wrapper} with its own mode, undoing `{command_label(cmd)}`")
        return self._placement_blocker(broad, run, position), uncertain

    def _placement_blocker(self, broad: BroadCopy, run: Run, position: int) -> str | None:
        """Why the install RUN cannot trade places with the broad copy, or None."""
        if not _plain_script(run, self.text, self.escape):
            return "the RUN is more than a plain list of commands (conditions, loops, subshells, redirections)"
        between = self._between(broad, position)
        for inst in between:
            if inst.keyword not in INERT | RUN_CONTEXT:
                return f"the `{inst.keyword}` on line {inst.start_line + 1} comes between the copy and the install"
        if self._mode(broad, between) is None:
            if self._variables_change(broad, between):
                return "an ENV or ARG between the copy and the install may change the variables the copy uses"
            return ("a WORKDIR between the copy and the install changes where its relative destination is, "
                    "and the absolute one is not known")
        return None

    def _between(self, broad: BroadCopy, position: int) -> list[Instruction]:
        holders = self.holders[broad.position + 1 : position]
        return [holder.command if self.onbuild else holder for holder in holders]

    def _mode(self, broad: BroadCopy, between: list[Instruction]) -> str | None:
        """How to reorder: "up" moves the install above the copy (nothing between affects a RUN),
        "down" moves the copy below the install (what is between affects the RUN, not the copy)."""
        keywords = {inst.keyword for inst in between}
        if keywords <= INERT:
            return "up"
        if self._variables_change(broad, between):
            return None
        if "WORKDIR" in keywords and not broad.dest_absolute and self._absolute_destination(broad) is None:
            return None
        return "down"

    def _variables_change(self, broad: BroadCopy, between: list[Instruction]) -> bool:
        """Whether an ENV or ARG between could change what the copy's variables say."""
        written = self.text[broad.copy.span.start:broad.copy.span.end]
        return "$" in written and any(inst.keyword in ("ENV", "ARG") for inst in between)

    @staticmethod
    def _absolute_destination(broad: BroadCopy) -> str | None:
        """The copy's relative destination written as the absolute path it means, as it appears in
        the instruction (quoted in the exec form); None when that path is not known."""
        raw = broad.dest_raw
        if "$" in raw or UNKNOWN in broad.dest or len(broad.copy.value_spans) != len(broad.copy.value):
            return None
        directory = raw.endswith(("/", "/.")) or raw in (".", "..")
        absolute = broad.dest + ("/" if directory and broad.dest != "/" else "")
        if broad.copy.json:
            return json.dumps(absolute)
        return None if re.search(r"\s", absolute) else absolute

    def _already_there(self, path: str) -> bool:
        return any(copy.brings(path) for copy in self.plain)

    def _manifest_copies(self, broad: BroadCopy, items: list[Placed]) -> list[str]:
        """The COPY instructions (as text) that bring in the files the installs read; none when an
        earlier COPY already brought every manifest."""
        groups: dict[str, list[str]] = {}
        # A file one install may lack is optional for all: `pip-compile && pip-sync` makes the
        # requirements.txt that pip-sync reads.
        maybe_absent = {item.path(name) for item in items for name in item.install.optional}

        def add(path: str, required: bool = False, directory: bool = False) -> bool:
            """Copy ``path`` (in the image) from the broad copy's source, unless it is already there."""
            rel = relative_to(path, broad.dest)
            if rel is None or self._already_there(path):
                return False
            source = _context_path(broad.source, rel)
            if directory:
                dest, pattern = _join_dest(broad.dest_raw, rel), _optional_dir_pattern(source)
            else:
                dest = _join_dest(broad.dest_raw, posixpath.dirname(rel) or ".")
                pattern = source if (required and path not in maybe_absent) or is_glob(source) else source + "*"
            group = groups.setdefault(dest, [])
            if pattern not in group:
                group.append(pattern)
            return True

        needed = False  # some manifest is not there yet
        for item in items:
            install = item.install
            for name in (*install.required, *install.optional):
                added = add(item.path(name), required=name in install.required)
                needed = needed or (added and (name in install.required or name == install.primary))
            for name in install.optional_dirs:
                add(item.path(name), directory=True)
            for directory, name in install.inherited:
                # From that directory up to the top of the copy.
                level = item.path(directory)
                while relative_to(level, broad.dest) is not None:
                    add(posixpath.join(level, name))
                    if level == broad.dest:
                        break
                    level = posixpath.dirname(level)
        if not needed:
            return []
        return [self._copy_line(broad, sources, dest) for dest, sources in groups.items()]

    def _copy_line(self, broad: BroadCopy, sources: list[str], dest: str) -> str:
        copy = broad.copy
        flags = [self._flag_text(flag) for flag in copy.flags if flag.name in COPY_FLAGS]
        if copy.json or any(re.search(r"\s", item) for item in [*sources, dest]):
            args = json.dumps([*sources, dest])
        else:
            args = " ".join([*sources, dest])
        return " ".join([self._keyword(copy, "COPY"), *flags, args])

    def _flag_text(self, flag: Flag) -> str:
        written = self.text[flag.span.start:flag.span.end]
        return flag.raw if "\n" in written else written

    def _keyword(self, like: Instruction, keyword: str) -> str:
        """``keyword`` in the case the file uses, behind ONBUILD in a trigger sequence."""
        written = self.text[like.keyword_span.start:like.keyword_span.end]
        lower = written.islower()
        word = keyword.lower() if lower else keyword
        if self.onbuild:
            return f"{'onbuild' if lower else 'ONBUILD'} {word}"
        return word

    def _lines(self, lines: list[str], indent: str) -> str:
        newline = newline_of(self.text)
        return "".join(f"{indent}{line}{newline}" for line in lines)

    def _whole_lines(self, inst: Instruction) -> tuple[Span, str]:
        """The lines of ``inst`` (with its comments) and their text, ending with a line break."""
        span = instruction_lines(self.text, inst)
        text = self.text[span.start:span.end]
        if text.endswith("\n"):
            return span, text
        newline = newline_of(self.text)
        # The last line of the file: the line break before it goes when it is removed.
        start = span.start - len(newline) if self.text[:span.start].endswith(newline) else span.start
        return Span(start, span.end), text + newline

    def _moved_copy(self, broad: BroadCopy, between: list[Instruction]) -> str:
        """The broad copy's lines for below the install, with an absolute destination when a WORKDIR
        it no longer follows would change the meaning of a relative one."""
        text = self._whole_lines(broad.holder)[1]
        absolute = None
        if not broad.dest_absolute and any(inst.keyword == "WORKDIR" for inst in between):
            absolute = self._absolute_destination(broad)
        if absolute is None:
            return text
        lines = instruction_lines(self.text, broad.holder)
        where = broad.copy.value_spans[-1]
        return text[:where.start - lines.start] + absolute + text[where.end - lines.start:]

    def _split_fix(self, broad: BroadCopy, holder: Instruction, position: int, items: list[Placed],
                   safe: bool) -> Fix:
        indent = indent_of(self.text, broad.holder.span.start)
        manifests = self._lines(self._manifest_copies(broad, items), indent)
        between = self._between(broad, position)
        if self._mode(broad, between) == "up":
            run_span, run_text = self._whole_lines(holder)
            edits = (insert_before(self.text, broad.holder, manifests + run_text), Edit(run_span, ""))
        else:
            edits = (Edit(instruction_lines(self.text, broad.holder), manifests),
                     insert_after(self.text, holder, self._moved_copy(broad, between)))
        names = _and([f"`{command_label(item.command)}`" for item in items])
        return Fix(f"Copy the manifests and run {names} before copying the sources", edits, safe=safe)

    def _prefetch_fix(self, broad: BroadCopy, run: Run, installs: list[Install],
                      reportable: list[Placed]) -> Fix | None:
        """An unsafe fix: fetch the dependencies from the manifests before the broad copy and leave
        the original install where it is (it then finds them in place)."""
        commands: list[str] = []
        inst = run.instruction
        for item in reportable:
            install = item.install
            if install.walks_up and item.directory != broad.dest:
                return None
            exec_form = inst.json and [word.text for word in item.command.words] == inst.value
            if install.fetch is not None:
                fetch = _fetch_text(install.fetch, item.command, exec_form)
            elif install.fetch_options is not None:
                fetch = " ".join([_command_text(item.command, exec_form), *install.fetch_options])
            else:
                return None
            if item.run_directory != broad.workdir:
                if UNKNOWN in item.run_directory:
                    return None
                commands.append(f"cd {shlex.quote(item.run_directory)}")
            # The wrapper has to be executable for the fetch too.
            commands.extend(_command_text(cmd, False) for cmd in run.commands
                            if cmd.span.start < item.command.span.start and _wrapper_chmod(cmd, installs))
            commands.append(fetch)
        # The fetch needs the install's caches, secrets and network, not its bind mounts.
        flags = [self._flag_text(flag) for flag in inst.flags if flag.name == "network"
                 or (flag.name == "mount" and (flag.option("type") or "bind") in CARRIED_MOUNTS)]
        run_line = " ".join([self._keyword(broad.copy, "RUN"), *flags, " && ".join(commands)])
        indent = indent_of(self.text, broad.holder.span.start)
        lines = self._lines([*self._manifest_copies(broad, reportable), run_line], indent)
        edit = insert_before(self.text, broad.holder, lines)
        return Fix("Fetch the dependencies before copying the sources", (edit,), safe=False)


def _and(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _stage_start(stage: Stage, ends: dict[int, StageEnd]) -> tuple[StageEnd, Scope]:
    """Where a stage starts: its parent stage's end, or an image whose WORKDIR is unknown."""
    parent = stage.parent
    if parent is None or parent.index not in ends:
        return StageEnd(f"/{UNKNOWN}image{stage.index}", frozenset()), {}
    return ends[parent.index], dict(parent.env)


def _broad_copies(model: Model) -> tuple[dict[int, str], set[Stage], set[Stage]]:
    """Every broad COPY/ADD of the file by id, with the directory it copies; the stages that have
    one, and the stages whose ONBUILD triggers have one."""
    sources: dict[int, str] = {}
    in_body: set[Stage] = set()
    in_triggers: set[Stage] = set()
    for stage in model.stages:
        for inst in stage.instructions:
            keyword = inst.keyword
            if keyword == "ONBUILD" and inst.sub is not None:
                target = inst.sub
                keyword = target.keyword
            else:
                target = inst
            if keyword in ("COPY", "ADD") and (source := broad_source(target)) is not None:
                sources[id(target)] = source
                in_body.add(stage)
                if target is not inst:
                    in_triggers.add(stage)
    return sources, in_body, in_triggers


def check(model: Model) -> Iterator[Finding]:
    sources, in_body, in_triggers = _broad_copies(model)
    if not sources:
        return
    runs = {id(run.instruction): run for run in model.runs}
    parents = {stage.parent for stage in model.stages if stage.parent is not None}
    ends: dict[int, StageEnd] = {}
    for stage in model.stages:
        if stage not in in_body and stage not in parents:
            continue  # nothing to report, and no stage starts where this one ends
        start, scope = _stage_start(stage, ends)
        body = StageWalk(model, runs, sources, stage.instructions, False, start, scope)
        yield from body.findings()
        ends[stage.index] = body.end
        if stage in in_triggers:
            # Triggers run in a child build, after everything this stage did.
            triggers = [inst for inst in stage.instructions if inst.sub is not None]
            yield from StageWalk(model, runs, sources, triggers, True, body.end, dict(stage.env)).findings()


RULE = Rule(
    id="DKL005",
    name="copy-before-install",
    summary="The whole build context is copied before the dependencies are installed",
    severity=Severity.WARNING,
    category="cache",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
)
