"""## What it does
Reports a `COPY` (or `ADD`) of the whole build context — `COPY . .`, `COPY ./ /app`, `ADD . /src`,
`COPY --chown=app . .`, or of a source directory such as `COPY app/ /app` when the install then runs
inside it — that comes before a dependency install in the same stage.

Ecosystems, their install commands, and the files the install reads:
- npm — `npm ci`, `npm install`, `npm i`: package.json, package-lock.json, npm-shrinkwrap.json, .npmrc
- yarn — `yarn`, `yarn install`: package.json, yarn.lock, .yarnrc, .yarnrc.yml, .npmrc, .yarn/ (berry)
- pnpm — `pnpm install`, `pnpm i`, `pnpm fetch`: package.json, pnpm-lock.yaml, pnpm-workspace.yaml,
  .npmrc, .pnpmfile.cjs, patches/
- pip — `pip install -r <file>`, `python -m pip …`, `uv pip install -r <file>`, `uv pip sync <file>`:
  the requirement and constraint files named; `pip install .` / `-e .` reads pyproject.toml, setup.py
- poetry — `poetry install`: pyproject.toml, poetry.lock, poetry.toml
- uv — `uv sync`: pyproject.toml, uv.lock, uv.toml, .python-version
- pipenv — `pipenv install`, `pipenv sync`: Pipfile, Pipfile.lock
- go — `go mod download`; `go build`, `go install`, `go test` …: go.mod, go.sum
- cargo — `cargo fetch`; `cargo build`, `cargo install --path` …: Cargo.toml, Cargo.lock,
  rust-toolchain(.toml), .cargo/
- bundler — `bundle install`: Gemfile, Gemfile.lock, .bundle/
- composer — `composer install`, `composer update`: composer.json, composer.lock, auth.json
- maven — `mvn dependency:go-offline`; `mvn package` …: pom.xml (and mvnw), .mvn/
- gradle — `gradle dependencies`, `./gradlew dependencies`; `gradle build` …: build.gradle(.kts),
  settings.gradle(.kts), gradle.properties, gradle/ (and gradlew)

The directory the install runs in is followed through `WORKDIR`, `cd` and options such as
`npm --prefix`, `yarn --cwd`, `pnpm -C`, `poetry -C`, `uv --directory`, `composer -d`, `go -C`,
`mvn -f`, `gradle -p` and `cargo --manifest-path`. An install that ran before the copy (the
manifests were copied first) keeps the rule silent for that ecosystem: a later
`poetry install --only-root`, `pip install --no-deps .` or `go build` is then incremental.

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
`--chmod`, `--link` and `--exclude` flags), runs the install there and leaves the broad copy after it.
When only metadata instructions (`LABEL`, `EXPOSE`, `CMD` …) sit between the copy and the install, the
install `RUN` moves up; when `ENV`, `ARG`, `WORKDIR`, `USER` or `SHELL` sit between, the broad copy
moves down instead, so the install still sees them (this needs an absolute copy destination when a
`WORKDIR` is in between, and a copy without variables when an `ENV` or `ARG` is). A manifest already
copied earlier in the stage is not copied again.

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
Go modules, or root `postinstall`/`prepare` scripts: move such files too, or suppress the rule.

No safe fix is offered, and the message says why, when:
- the install needs the sources: `pip install .`, `poetry install` without `--no-root`, `uv sync`
  without `--no-install-project`, `composer install` without `--no-scripts --no-autoloader`,
  `go build`, `cargo build`, `mvn package`, `gradle build`;
- the install `RUN` also runs other commands, or is more than a plain list of commands;
- a `RUN`, `COPY`, `ADD` or `VOLUME` sits between the copy and the install;
- the copy uses `--parents`.

Where the dependencies can be fetched without the sources (`go mod download`, `cargo fetch`,
`poetry install --no-root`, `uv sync --no-install-project`, `mvn dependency:go-offline`, or an
incremental install such as `pip install -r`), an unsafe fix inserts that fetch before the broad copy
and leaves the original install in place. `cargo fetch` itself only gets an unsafe fix: Cargo refuses
a manifest whose targets (`src/main.rs`, `src/lib.rs`) are missing.

## Stages
All stages, builder stages included: the cache matters wherever the install runs. `ONBUILD` triggers
are checked as their own sequence. A copy in one stage and an install in another (for example after
`COPY --from=…`) are never paired.

## References
- [Docker build cache: order your layers](https://docs.docker.com/build/cache/optimize/#order-your-layers)
- [COPY and wildcards](https://docs.docker.com/reference/dockerfile/#copy)
- [Poetry FAQ: Docker cache](https://python-poetry.org/docs/faq/#poetry-busts-my-docker-cache-because-it-requires-me-to-copy-my-source-files-in-before-installing-3rd-party-dependencies)
- [uv in Docker: intermediate layers](https://docs.astral.sh/uv/guides/integration/docker/#intermediate-layers)
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

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


# --------------------------------------------------------------------------- paths


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def resolve(base: str, raw: str, scope: Scope) -> str:
    """Where ``raw`` points when the current directory is ``base`` (both POSIX paths)."""
    value, known = expand(raw, scope)
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
    prefix = "./" if norm == "." else "/" if norm == "/" else norm + "/"
    return prefix if rel == "." else f"{prefix}{rel}/"


def _optional_dir_pattern(path: str) -> str:
    """``.yarn`` → ``.yar[n]``: a wildcard that matches only that directory, and nothing when absent."""
    return f"{path[:-1]}[{path[-1]}]"


# --------------------------------------------------------------------------- command lines


@dataclass
class Options:
    positionals: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def get(self, *names: str) -> list[str]:
        return [value for name in names for value in self.values.get(name, [])]

    def first(self, *names: str) -> str | None:
        found = self.get(*names)
        return found[0] if found else None

    def has(self, *names: str) -> bool:
        return any(name in self.flags or name in self.values for name in names)


def parse_options(words: Sequence[str], takes_value: Iterable[str]) -> Options:
    """Split a command line into positionals, options with values and bare flags."""
    valued = frozenset(takes_value)
    parsed = Options()
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            parsed.positionals.extend(words[i:])
            break
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            if not eq and name in valued and i < len(words):
                value, eq = words[i], "="
                i += 1
            if eq:
                parsed.values.setdefault(name, []).append(value)
            else:
                parsed.flags.add(name)
        elif word.startswith("-") and len(word) > 1:
            if word in valued:  # `-r file`, and multi-letter ones such as maven's `-pl module`
                if i < len(words):
                    parsed.values.setdefault(word, []).append(words[i])
                    i += 1
            elif word[:2] in valued:  # `-rfile`, `-Dkey=value`
                parsed.values.setdefault(word[:2], []).append(word[2:].removeprefix("="))
            else:
                parsed.flags.add(word)
        else:
            parsed.positionals.append(word)
    return parsed


def _command_text(cmd: ShellCommand, exec_form: bool) -> str:
    """The command as shell text: as written, or quoted when it comes from an exec-form RUN."""
    if exec_form:
        return " ".join(shlex.quote(word.text) for word in cmd.words)
    return " ".join([*cmd.assignments, *(word.raw for word in cmd.words)])


def _label(cmd: ShellCommand) -> str:
    words = [word.text for word in cmd.words]
    return " ".join(words[:4]) + (" …" if len(words) > 4 else "")


def _is_local(spec: str) -> bool:
    """A package argument that names a path rather than a package from a registry."""
    if "://" in spec:
        return spec.startswith("file:")
    return (spec in (".", "..") or spec.startswith(("./", "../", "/", "~", "file:"))
            or spec.endswith((".whl", ".tar.gz", ".tgz", ".zip", ".gem")))


# --------------------------------------------------------------------------- installs


@dataclass(frozen=True)
class Install:
    """A dependency install found in a RUN, with the files it reads (relative to where it runs)."""

    ecosystem: str
    command: ShellCommand
    required: tuple[str, ...]  # must exist: copied as they are
    optional: tuple[str, ...] = ()  # may be absent: copied as ``name*``
    optional_dirs: tuple[str, ...] = ()  # may be absent: copied as ``nam[e]``
    directory: str | None = None  # where an option such as --prefix moves the install
    needs_sources: str | None = None  # why the install cannot run before the sources are copied
    uncertain: str | None = None  # why a split may not work although it usually does
    # For the unsafe fix: a command that fetches the dependencies from the manifests alone, or the
    # options that make the install itself do so (often none: most installs are incremental).
    fetch: str | None = None
    fetch_options: tuple[str, ...] | None = None
    walks_up: bool = False  # the tool looks for its manifest in parent directories too

    @property
    def primary(self) -> str | None:
        files = (*self.required, *self.optional)
        return files[0] if files else None

    @property
    def shown_files(self) -> tuple[str, ...]:
        return (*self.required, *self.optional[:1])


NPM_VALUED = ("--prefix", "-C", "--loglevel", "--registry", "--cache", "--userconfig", "-w", "--workspace",
              "--omit", "--include", "--install-strategy", "--location", "--before")
NPM_INSTALL = frozenset({"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal",
                         "isntall", "add"})
NPM_CLEAN_INSTALL = frozenset({"ci", "clean-install", "ic", "install-clean", "isntall-clean"})
NPM_FILES = ("package-lock.json", "npm-shrinkwrap.json", ".npmrc")
YARN_VALUED = ("--cwd", "--modules-folder", "--network-timeout", "--cache-folder", "--mutex", "--registry",
               "--network-concurrency", "--link-folder", "--global-folder", "--mode")
PNPM_VALUED = ("-C", "--dir", "--filter", "-F", "--reporter", "--store-dir", "--virtual-store-dir",
               "--network-concurrency", "--child-concurrency", "--loglevel", "--registry", "-w")
PIP_VALUED = ("-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
              "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src",
              "--trusted-host", "--platform", "--python-version", "--implementation", "--abi",
              "--cache-dir", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--cert",
              "--client-cert", "--global-option", "--config-settings", "-C", "--report",
              "--upgrade-strategy", "--progress-bar", "--only-binary", "--no-binary", "--python", "-p",
              "--index-strategy", "--keyring-provider", "--resolution", "--prerelease", "--index",
              "--default-index", "--python-platform", "--link-mode", "--extra", "--group")
POETRY_VALUED = ("-C", "--directory", "-P", "--project", "--only", "--with", "--without", "-E", "--extras")
UV_VALUED = ("--directory", "--project", "--python", "-p", "--extra", "--group", "--only-group", "--no-group",
             "--package", "--index-url", "--extra-index-url", "--index", "--default-index", "--find-links",
             "-f", "--python-platform", "--index-strategy", "--keyring-provider", "--resolution",
             "--prerelease", "--link-mode", "--cache-dir", "--config-file", "--exclude-newer",
             "--refresh-package", "--reinstall-package", "--no-binary-package", "--no-build-package",
             "--upgrade-package", "-P", "--no-install-package", "--color")
PIPENV_VALUED = ("--python", "--pypi-mirror", "--categories", "-r", "--requirements", "--extra-pip-args")
CARGO_VALUED = ("--manifest-path", "--target", "--target-dir", "-p", "--package", "--features", "-F", "--bin",
                "--example", "--test", "--bench", "-j", "--jobs", "--profile", "--config", "-Z", "--color",
                "--message-format", "--root", "--path", "--git", "--branch", "--tag", "--rev", "--version",
                "--registry", "--index", "--lockfile-path")
BUNDLE_VALUED = ("--gemfile", "--jobs", "-j", "--retry", "--path", "--without", "--with", "--trust-policy")
COMPOSER_VALUED = ("-d", "--working-dir", "--prefer-install", "--ignore-platform-req")
MAVEN_VALUED = ("-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P", "--activate-profiles",
                "-pl", "--projects", "-T", "--threads", "-rf", "--resume-from", "-l", "--log-file", "-t",
                "--toolchains", "-D", "--define")
GRADLE_VALUED = ("-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-x", "--exclude-task",
                 "-g", "--gradle-user-home", "-I", "--init-script", "--console", "--warning-mode",
                 "--priority", "--max-workers")
GO_NEEDS_SOURCES = frozenset({"build", "install", "test", "run", "vet", "generate", "get"})
CARGO_NEEDS_SOURCES = frozenset({"build", "b", "test", "t", "run", "r", "check", "c", "clippy", "doc", "d",
                                 "bench", "rustc", "install"})
MAVEN_FETCH_GOALS = frozenset({"dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins",
                               "de.qaware.maven:go-offline-maven-plugin:resolve-dependencies"})
GRADLE_FETCH_TASKS = frozenset({"dependencies", "androidDependencies"})


def _npm(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, NPM_VALUED)
    if not opts.positionals:
        return None
    sub, specs = opts.positionals[0], opts.positionals[1:]
    if opts.has("-g", "--global") or opts.first("--location") == "global":
        return None
    clean = sub in NPM_CLEAN_INSTALL
    if not clean and sub not in NPM_INSTALL:
        return None
    local = [spec for spec in specs if _is_local(spec)]
    return Install(
        "npm", cmd, ("package.json",), NPM_FILES,
        directory=opts.first("--prefix", "-C"),
        needs_sources=f"`npm {sub} {local[0]}` installs a local package" if local else None,
        fetch_options=None if clean else (),  # `npm ci` deletes node_modules: fetching first gains nothing
    )


def _yarn(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, YARN_VALUED)
    if opts.positionals and opts.positionals != ["install"]:
        return None
    return Install("yarn", cmd, ("package.json",), ("yarn.lock", ".yarnrc", ".npmrc"), (".yarn",),
                   directory=opts.first("--cwd"), fetch_options=())


def _pnpm(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, PNPM_VALUED)
    sub = opts.positionals[:1]
    if opts.has("-g", "--global"):
        return None
    extras = (".npmrc", ".pnpmfile.cjs", "pnpm-workspace.yaml")
    directory = opts.first("-C", "--dir")
    if sub == ["fetch"]:  # reads the lock file only
        return Install("pnpm", cmd, ("pnpm-lock.yaml",), extras, ("patches",), directory, fetch_options=())
    if sub not in ([], ["install"], ["i"]) or opts.positionals[1:]:
        return None
    return Install("pnpm", cmd, ("package.json",), ("pnpm-lock.yaml", *extras), ("patches",), directory,
                   fetch_options=())


def _pip(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, PIP_VALUED)
    if not opts.positionals or opts.positionals[0] not in ("install", "sync"):
        return None
    sub, specs = opts.positionals[0], opts.positionals[1:]
    files = opts.get("-r", "--requirement") + (specs if sub == "sync" else [])
    local = [spec for spec in specs if sub == "install" and _is_local(spec)]
    local += [path for path in opts.get("-e", "--editable") if _is_local(path) or "://" not in path]
    if not files and not local:
        return None  # named packages only: the project's files are not read
    local_links = [path for path in opts.get("-f", "--find-links") if "://" not in path]
    needs_sources = None
    project: tuple[str, ...] = ()
    if local:
        needs_sources = f"`{_label(cmd)}` installs the project itself from its sources"
        project = tuple(posixpath.normpath(posixpath.join(local[0], name))
                        for name in ("pyproject.toml", "setup.py", "setup.cfg"))
    elif local_links:
        needs_sources = f"--find-links {local_links[0]} reads packages from a local directory"
    return Install("pip", cmd, (*files, *opts.get("-c", "--constraint")), project,
                   needs_sources=needs_sources, fetch_options=None if needs_sources else ())


def _poetry(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, POETRY_VALUED)
    if opts.positionals[:1] not in (["install"], ["sync"]):
        return None
    needs_sources = None
    fetch_options: tuple[str, ...] | None = ()
    if "--only-root" in opts.flags:
        needs_sources, fetch_options = "`poetry install --only-root` installs the project from its sources", None
    elif "--no-root" not in opts.flags:
        needs_sources = "`poetry install` without --no-root also installs the project from its sources"
        fetch_options = ("--no-root",)
    return Install("poetry", cmd, ("pyproject.toml",), ("poetry.lock", "poetry.toml"),
                   directory=opts.first("-C", "--directory", "-P", "--project"),
                   needs_sources=needs_sources, fetch_options=fetch_options)


def _uv(cmd: ShellCommand, words: list[str]) -> Install | None:
    if words[:1] == ["pip"]:
        return _pip(cmd, words[1:])
    opts = parse_options(words, UV_VALUED)
    if opts.positionals[:1] != ["sync"]:
        return None
    needs_sources = None
    fetch_options: tuple[str, ...] = ()
    if not opts.has("--no-install-project", "--no-install-workspace", "--only-install-project"):
        needs_sources = "`uv sync` without --no-install-project also installs the project from its sources"
        fetch_options = ("--no-install-project",)
    return Install("uv", cmd, ("pyproject.toml",), ("uv.lock", "uv.toml", ".python-version"),
                   directory=opts.first("--directory", "--project"), needs_sources=needs_sources,
                   fetch_options=fetch_options)


def _pipenv(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, PIPENV_VALUED)
    if opts.positionals[:1] not in (["install"], ["sync"]) or opts.positionals[1:]:
        return None
    editable = opts.first("-e", "--editable")
    if editable:
        return Install("pipenv", cmd, ("Pipfile",), ("Pipfile.lock",),
                       needs_sources=f"`pipenv install -e {editable}` installs the project from its sources")
    return Install("pipenv", cmd, ("Pipfile",), ("Pipfile.lock",), fetch_options=())


def _go(cmd: ShellCommand, words: list[str]) -> Install | None:
    directory = None
    if words[:1] == ["-C"] and len(words) > 1:
        directory, words = words[1], words[2:]
    elif words and words[0].startswith("-C="):
        directory, words = words[0][3:], words[1:]
    if words[:2] == ["mod", "download"]:
        return Install("go", cmd, ("go.mod",), ("go.sum",), directory=directory, fetch_options=())
    if not words or words[0] not in GO_NEEDS_SOURCES:
        return None
    targets = [word for word in words[1:] if not word.startswith("-")]
    if words[0] in ("install", "run") and targets and all("@" in target for target in targets):
        return None  # a tool from the module proxy, not the project
    fetch = f"go -C {shlex.quote(directory)} mod download" if directory else "go mod download"
    return Install("go", cmd, ("go.mod",), ("go.sum",), directory=directory,
                   needs_sources=f"`go {words[0]}` needs the sources", fetch=fetch, walks_up=True)


def _cargo(cmd: ShellCommand, words: list[str]) -> Install | None:
    if words[:1] and words[0].startswith("+"):  # a toolchain override: cargo +nightly build
        words = words[1:]
    opts = parse_options(words, CARGO_VALUED)
    sub = opts.positionals[:1]
    files = ("Cargo.toml",), ("Cargo.lock", "rust-toolchain"), (".cargo",)
    manifest = opts.first("--manifest-path")
    directory = (posixpath.dirname(manifest) or ".") if manifest else None
    if sub == ["chef"]:
        # cargo-chef: `cook` builds the dependencies from a recipe, which is what this rule asks for.
        return Install("cargo", cmd, ()) if opts.positionals[1:2] == ["cook"] else None
    if sub == ["fetch"]:
        return Install("cargo", cmd, *files, directory=directory, fetch_options=(), walks_up=True,
                       uncertain="Cargo refuses a manifest whose targets (src/main.rs, src/lib.rs) are missing")
    if not sub or sub[0] not in CARGO_NEEDS_SOURCES:
        return None
    if sub == ["install"] and not opts.has("--path"):
        return None  # a crate from a registry, not the project
    fetch = f"cargo fetch --manifest-path {shlex.quote(manifest)}" if manifest else "cargo fetch"
    return Install("cargo", cmd, *files, directory=directory,
                   needs_sources=f"`cargo {sub[0]}` compiles the sources", fetch=fetch, walks_up=True)


def _bundle(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, BUNDLE_VALUED)
    if opts.positionals[:1] not in ([], ["install"]) or opts.positionals[1:]:
        return None
    gemfile = opts.first("--gemfile") or "Gemfile"
    return Install("bundler", cmd, (gemfile,), (f"{gemfile}.lock",), (".bundle",), fetch_options=())


def _composer(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, COMPOSER_VALUED)
    if opts.positionals[:1] not in (["install"], ["i"], ["update"], ["u"]) or opts.positionals[1:]:
        return None
    missing = tuple(flag for flag in ("--no-scripts", "--no-autoloader") if flag not in opts.flags)
    needs_sources = None
    if missing:
        needs_sources = (f"composer runs the project's scripts and builds its autoloader from the sources "
                         f"(add {' '.join(missing)}, then `composer dump-autoload` after copying them)")
    return Install("composer", cmd, ("composer.json",), ("composer.lock", "auth.json"),
                   directory=opts.first("-d", "--working-dir"), needs_sources=needs_sources,
                   fetch_options=missing)


def _maven(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, MAVEN_VALUED)
    goals = opts.positionals
    if not goals:
        return None
    pom = opts.first("-f", "--file") or "pom.xml"
    if not pom.endswith(".xml"):
        pom = posixpath.join(pom, "pom.xml")
    wrapper = ("mvnw",) if cmd.name == "mvnw" else ()
    settings = tuple(opts.get("-s", "--settings"))
    files = (pom, *wrapper, *settings), (), (".mvn",)
    if all(goal in MAVEN_FETCH_GOALS for goal in goals):
        return Install("maven", cmd, *files, fetch_options=())
    # The fetch keeps the options that say which project and which settings.
    kept = [f"-f {shlex.quote(path)}" for path in opts.get("-f", "--file")]
    kept += [f"-s {shlex.quote(path)}" for path in settings]
    fetch = " ".join([shlex.quote(cmd.words[0].text), *kept, "dependency:go-offline"])
    return Install("maven", cmd, *files, needs_sources=f"`{_label(cmd)}` compiles the sources", fetch=fetch)


def _gradle(cmd: ShellCommand, words: list[str]) -> Install | None:
    opts = parse_options(words, GRADLE_VALUED)
    tasks = opts.positionals
    if not tasks:
        return None
    wrapper = ("gradlew",) if cmd.name == "gradlew" else ()
    fetch_only = all(task in GRADLE_FETCH_TASKS for task in tasks)
    return Install("gradle", cmd, wrapper, ("build.gradle", "settings.gradle", "gradle.properties"), ("gradle",),
                   directory=opts.first("-p", "--project-dir"),
                   needs_sources=None if fetch_only else f"`{_label(cmd)}` compiles the sources",
                   fetch_options=() if fetch_only else None)


def _is_pip(name: str) -> bool:
    return re.fullmatch(r"pip3?(\.\d+)?", name) is not None


def _is_python(name: str) -> bool:
    return re.fullmatch(r"python3?(\.\d+)?", name) is not None


def install_of(cmd: ShellCommand) -> Install | None:
    """The dependency install ``cmd`` performs, if it is one."""
    name = cmd.name
    words = [word.text for word in cmd.args]
    if _is_python(name) and words[:2] == ["-m", "pip"]:
        return _pip(cmd, words[2:])
    if _is_pip(name):
        return _pip(cmd, words)
    if name == "php" and words and words[0].endswith("composer.phar"):
        return _composer(cmd, words[1:])
    recognizer = {
        "npm": _npm, "yarn": _yarn, "yarnpkg": _yarn, "pnpm": _pnpm, "uv": _uv, "poetry": _poetry,
        "pipenv": _pipenv, "go": _go, "cargo": _cargo, "bundle": _bundle, "bundler": _bundle,
        "composer": _composer, "composer.phar": _composer, "mvn": _maven, "mvnw": _maven, "gradle": _gradle,
        "gradlew": _gradle,
    }.get(name)
    return recognizer(cmd, words) if recognizer else None


# --------------------------------------------------------------------------- commands that may move


NEUTRAL_COMMANDS = frozenset({"cd", "set", "true", ":", "export", "echo", "umask", "mkdir", "nproc"})
SYSTEM_PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "tdnf"})
SCRATCH_ROOTS = ("/tmp", "/var/cache", "/var/lib/apt/lists", "/var/tmp", "/root/.cache", "/root/.npm")


def _removes_only_elsewhere(paths: list[str], copy_root: str) -> bool:
    """``rm`` of caches: every path lies outside what the broad copy brings in."""
    for path in paths:
        if path.startswith("~/."):
            continue
        if not path.startswith("/"):
            return False
        fixed = re.split(r"[*?\[$]", path, maxsplit=1)[0]
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
    if _is_python(name) and words[:2] == ["-m", "venv"]:
        return True
    pip_words = (words[2:] if _is_python(name) and words[:2] == ["-m", "pip"]
                 else words[1:] if name == "uv" and words[:1] == ["pip"]
                 else words if _is_pip(name) else None)
    if pip_words is not None:  # its cache or config, or packages by name (which do not read the project)
        pip = parse_options(pip_words, PIP_VALUED).positionals
        return pip[:1] in (["cache"], ["config"]) or (
            pip[:1] == ["install"] and install_of(cmd) is None and not any(_is_local(word) for word in pip[1:]))
    if name == "uv":
        return operands[:1] in (["venv"], ["cache"], ["python"])
    globally = "-g" in words or "--global" in words
    subcommand = operands[:1]
    if name == "corepack":  # not `corepack use`, which rewrites package.json
        return subcommand in (["enable"], ["disable"], ["prepare"], ["install"])
    if name == "npm":
        return subcommand in (["cache"], ["config"], ["set"]) or (
            globally and not any(_is_local(word) for word in operands[1:]))
    if name in ("yarn", "yarnpkg"):
        return subcommand in (["cache"], ["config"]) or (
            operands[:2] == ["global", "add"] and not any(_is_local(word) for word in operands[2:]))
    if name == "pnpm":
        return subcommand in (["store"], ["config"]) or (
            globally and not any(_is_local(word) for word in operands[1:]))
    if name == "poetry":
        return subcommand in (["config"], ["self"])
    if name in ("bundle", "bundler"):
        return subcommand == ["config"]
    if name == "gem":
        return subcommand in (["install"], ["update"]) and not any(_is_local(word) for word in operands[1:])
    if name in ("composer", "composer.phar"):
        return subcommand in (["config"], ["clear-cache"], ["clearcache"], ["self-update"])
    if name == "go":
        return subcommand == ["env"] or (subcommand == ["install"] and bool(operands[1:])
                                         and all("@" in word for word in operands[1:]))
    if name == "cargo":
        return subcommand == ["install"] and "--path" not in words and not any(
            word.startswith("--path=") for word in words)
    return False


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
    continuation = re.compile(re.escape(escape) + r"[ \t]*\r?\n")
    for region in regions:
        chars = list(text[region.start:region.end])
        for blank in blanks:
            for at in range(max(blank.start, region.start), min(blank.end, region.end)):
                chars[at - region.start] = " "
        residue = continuation.sub(" ", "".join(chars))
        residue = re.sub(r"(?m)(^|[ \t])#.*$", " ", residue)
        if not re.fullmatch(r"[\s;&|]*", residue):
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

    dest: str
    into_directory: bool
    sources: tuple[str, ...]

    def brings(self, path: str) -> bool:
        if not self.into_directory:
            return path == self.dest
        return posixpath.dirname(path) == self.dest and any(
            fnmatch.fnmatchcase(posixpath.basename(path), posixpath.basename(source.rstrip("/")))
            for source in self.sources)


@dataclass
class Placed:
    """An install located in the file system."""

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


def broad_source(inst: Instruction) -> str | None:
    """The context directory a COPY/ADD copies wholesale, or None for a copy of named files."""
    if inst.keyword not in ("COPY", "ADD") or inst.heredocs or inst.flag("from") is not None:
        return None
    sources = inst.value[:-1]
    if any(source in ("*", "./*") or posixpath.normpath(source.lstrip("/") or ".") == "." for source in sources):
        return "."
    if len(sources) == 1 and sources[0].endswith(("/", "/.")) and not re.search(r"://|[*?\[$]", sources[0]):
        return posixpath.normpath(sources[0].lstrip("/"))
    return None


class StageWalk:
    """Follows one ordered sequence of instructions (a stage, or its ONBUILD triggers): the working
    directory, the variables, what was copied and which ecosystems were installed."""

    def __init__(self, model: Model, holders: list[Instruction], onbuild: bool, start: StageEnd,
                 scope: Scope) -> None:
        self.text = model.text
        self.escape = model.tree.escape
        self.holders = holders
        self.onbuild = onbuild
        self.workdir = start.workdir
        self.prepared = set(start.prepared)
        self.scope = scope
        self.broad: list[BroadCopy] = []
        self.plain: list[PlainCopy] = []
        self.reported: set[tuple[int, str]] = set()
        self.runs = {id(run.instruction): run for run in model.runs}

    @property
    def end(self) -> StageEnd:
        return StageEnd(self.workdir, frozenset(self.prepared))

    def findings(self) -> Iterator[Finding]:
        for position, holder in enumerate(self.holders):
            inst = holder.command if self.onbuild else holder
            keyword = inst.keyword
            if keyword == "WORKDIR" and inst.value:
                self.workdir = resolve(self.workdir, inst.value[0], self.scope)
            elif keyword == "ENV":
                for key, value in zip(inst.value[::2], inst.value[1::2]):
                    self.scope[key] = expand(_unquote(value), self.scope)[0]
            elif keyword == "ARG":
                for word in inst.value:
                    name, eq, default = word.partition("=")
                    self.scope[name] = expand(_unquote(default), self.scope)[0] if eq else self.scope.get(name)
            elif keyword in ("COPY", "ADD"):
                self._copy(holder, inst, position)
            elif keyword == "RUN" and id(inst) in self.runs:
                yield from self._run(holder, self.runs[id(inst)], position)

    def _copy(self, holder: Instruction, inst: Instruction, position: int) -> None:
        if len(inst.value) < 2:
            return
        dest_raw = inst.value[-1]
        dest = resolve(self.workdir, dest_raw, self.scope)
        source = broad_source(inst)
        if source is not None:
            expanded, known = expand(dest_raw, self.scope)
            self.broad.append(BroadCopy(holder, inst, position, source, dest_raw, dest,
                                        known and expanded.startswith("/"), self.workdir, frozenset(self.prepared)))
        elif inst.flag("from") is None and not inst.heredocs:
            sources = tuple(inst.value[:-1])
            into_directory = dest_raw.endswith("/") or len(sources) > 1 or posixpath.normpath(dest_raw) == "."
            self.plain.append(PlainCopy(dest, into_directory, sources))

    def _place(self, run: Run, install: Install) -> Placed:
        """Follow the ``cd`` commands before the install, then its own directory option."""
        cwd = self.workdir
        for cmd in run.commands:
            if cmd.span.start >= install.command.span.start:
                break
            if cmd.name == "cd":
                target = [word.text for word in cmd.args if word.text not in ("-P", "-L")]
                cwd = resolve(cwd, target[0], run.env) if target and target[0] != "-" else f"/{UNKNOWN}cd"
        directory = resolve(cwd, install.directory, run.env) if install.directory else cwd
        return Placed(install, directory, cwd, run.env)

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

    def _run(self, holder: Instruction, run: Run, position: int) -> Iterator[Finding]:
        placed = [self._place(run, install) for cmd in run.commands if (install := install_of(cmd))]
        by_copy: dict[int, tuple[BroadCopy, list[Placed]]] = {}
        for item in placed:
            broad = self._source_of(item)
            if broad is not None:
                by_copy.setdefault(broad.position, (broad, []))[1].append(item)
        for broad, items in by_copy.values():
            reportable = [item for item in items if item.install.ecosystem not in broad.prepared
                          and (broad.position, item.install.ecosystem) not in self.reported]
            if reportable:
                self.reported.update((broad.position, item.install.ecosystem) for item in reportable)
                yield self._finding(broad, holder, run, position, items, reportable)
        self.prepared.update(item.install.ecosystem for item in placed)

    # -- the finding and its fixes --------------------------------------------------------

    def _finding(self, broad: BroadCopy, holder: Instruction, run: Run, position: int,
                 items: list[Placed], reportable: list[Placed]) -> Finding:
        copy = broad.copy
        copy_text = json.dumps(copy.value) if copy.json else " ".join(copy.value)
        commands = _and([f"`{_label(item.install.command)}`" for item in reportable])
        files: list[str] = []
        for item in reportable:
            files.extend(name for name in item.install.shown_files if name not in files)
        message = (f"`{copy.keyword} {copy_text}` copies the sources before {commands} (line "
                   f"{holder.start_line + 1}), so any source change reinstalls every dependency: copy "
                   f"{_and(files)} first, install, then copy the rest.")
        reason = self._blocker(broad, run, position)
        if reason is not None:
            message += f" No automatic fix: {reason}."
            prefetch = self._prefetch_fix(broad, run, reportable)
            return RULE.finding(broad.holder.span, message, *([prefetch] if prefetch else []))
        uncertain = next((install.uncertain for install in self._installs(run) if install.uncertain), None)
        if uncertain:
            message += f" The fix is not applied automatically: {uncertain}."
        return RULE.finding(broad.holder.span, message,
                            self._split_fix(broad, holder, position, items, safe=uncertain is None))

    @staticmethod
    def _installs(run: Run) -> list[Install]:
        return [install for cmd in run.commands if (install := install_of(cmd))]

    def _blocker(self, broad: BroadCopy, run: Run, position: int) -> str | None:
        """Why the install RUN cannot simply run before the broad copy, or None."""
        for install in self._installs(run):
            if install.needs_sources:
                return install.needs_sources
        if broad.copy.flag("parents") is not None:
            return "the copy uses --parents"
        heredoc = bool(run.instruction.heredocs)
        for cmd in run.commands:
            if install_of(cmd) is None and not is_neutral(cmd, broad.dest, heredoc):
                return f"the RUN also runs `{_label(cmd)}`, which may need the sources"
        if not _plain_script(run, self.text, self.escape):
            return "the RUN is more than a plain list of commands (conditions, loops, subshells, redirections)"
        between = self._between(broad, position)
        for inst in between:
            if inst.keyword not in INERT | RUN_CONTEXT:
                return f"the `{inst.keyword}` on line {inst.start_line + 1} comes between the copy and the install"
        if self._mode(broad, between) is None:
            if self._variables_change(broad, between):
                return "an ENV or ARG between the copy and the install may change the variables the copy uses"
            return "a WORKDIR between the copy and the install changes where its relative destination is"
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
        if self._variables_change(broad, between) or ("WORKDIR" in keywords and not broad.dest_absolute):
            return None
        return "down"

    def _variables_change(self, broad: BroadCopy, between: list[Instruction]) -> bool:
        """Whether an ENV or ARG between could change what the copy's variables say."""
        written = self.text[broad.copy.span.start:broad.copy.span.end]
        return "$" in written and any(inst.keyword in ("ENV", "ARG") for inst in between)

    def _already_there(self, path: str) -> bool:
        return any(copy.brings(path) for copy in self.plain)

    def _manifest_copies(self, broad: BroadCopy, items: list[Placed]) -> list[str]:
        """The COPY instructions (as text) that bring in the files the installs read; none when an
        earlier COPY already brought every manifest."""
        groups: dict[str, list[str]] = {}
        needed = False
        for item in items:
            install = item.install
            for name in (*install.required, *install.optional, *install.optional_dirs):
                path = item.path(name)
                rel = relative_to(path, broad.dest)
                if rel is None or self._already_there(path):
                    continue
                if name in install.required or name == install.primary:
                    needed = True
                source = _context_path(broad.source, rel)
                if name in install.optional_dirs:
                    dest, pattern = _join_dest(broad.dest_raw, rel), _optional_dir_pattern(source)
                else:
                    dest = _join_dest(broad.dest_raw, posixpath.dirname(rel) or ".")
                    pattern = source if name in install.required else source + "*"
                group = groups.setdefault(dest, [])
                if pattern not in group:
                    group.append(pattern)
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

    def _split_fix(self, broad: BroadCopy, holder: Instruction, position: int, items: list[Placed],
                   safe: bool) -> Fix:
        indent = indent_of(self.text, broad.holder.span.start)
        manifests = self._lines(self._manifest_copies(broad, items), indent)
        if self._mode(broad, self._between(broad, position)) == "up":
            run_span, run_text = self._whole_lines(holder)
            edits = (insert_before(self.text, broad.holder, manifests + run_text), Edit(run_span, ""))
        else:
            copy_text = self._whole_lines(broad.holder)[1]
            edits = (Edit(instruction_lines(self.text, broad.holder), manifests),
                     insert_after(self.text, holder, copy_text))
        names = _and([f"`{_label(item.install.command)}`" for item in items])
        return Fix(f"Copy the manifests and run {names} before copying the sources", edits, safe=safe)

    def _prefetch_fix(self, broad: BroadCopy, run: Run, reportable: list[Placed]) -> Fix | None:
        """An unsafe fix: fetch the dependencies from the manifests before the broad copy and leave
        the original install where it is (it then finds them in place)."""
        commands: list[str] = []
        inst = run.instruction
        for item in reportable:
            install = item.install
            if install.walks_up and item.directory != broad.dest:
                return None
            if install.fetch is not None:
                fetch = install.fetch
            elif install.fetch_options is not None:
                exec_form = inst.json and [word.text for word in install.command.words] == inst.value
                fetch = " ".join([_command_text(install.command, exec_form), *install.fetch_options])
            else:
                return None
            if item.run_directory != broad.workdir:
                if UNKNOWN in item.run_directory:
                    return None
                commands.append(f"cd {shlex.quote(item.run_directory)}")
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


def check(model: Model) -> Iterator[Finding]:
    ends: dict[int, StageEnd] = {}
    for stage in model.stages:
        start, scope = _stage_start(stage, ends)
        body = StageWalk(model, stage.instructions, False, start, scope)
        yield from body.findings()
        ends[stage.index] = body.end
        triggers = [inst for inst in stage.instructions if inst.sub is not None]
        if triggers:
            # Triggers run in a child build, after everything this stage did.
            yield from StageWalk(model, triggers, True, body.end, dict(stage.env)).findings()


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
