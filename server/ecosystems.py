"""Language package managers: which commands install a project's dependencies, and from which files.

``install_of(command)`` recognizes a dependency install (``npm ci``, ``pip install -r``, ``uv sync``,
``go mod download``, ``./mvnw package``, ``dotnet restore`` …) and describes it as an ``Install``: the
manifest and lock files it reads (relative to the directory it reads them in), whether it also needs
the project's sources, and how the dependencies could be fetched from the manifests alone.

File names may be glob patterns (``*.csproj``); optional files are the ones a project may lack. An
``Install`` depends only on the command's words, so it is computed once per distinct command line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from dockls.shell import POSIX_SHELLS, ShellCommand

# --------------------------------------------------------------------------- command lines


class Options:
    """A command line split into positionals, options with their values, and bare flags."""

    __slots__ = ("flags", "positionals", "values")

    def __init__(self) -> None:
        self.positionals: list[str] = []
        self.values: dict[str, list[str]] = {}
        self.flags: set[str] = set()

    def get(self, *names: str) -> list[str]:
        return [value for name in names for value in self.values.get(name, [])]

    def first(self, *names: str) -> str | None:
        found = self.get(*names)
        return found[0] if found else None

    def has(self, *names: str) -> bool:
        return any(name in self.flags or name in self.values for name in names)


def parse_options(words: Sequence[str], takes_value: Iterable[str]) -> Options:
    """Split a command line into positionals, options with values and bare flags."""
    valued = takes_value if isinstance(takes_value, frozenset) else frozenset(takes_value)
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
            elif word[:2] in valued:  # `-rfile`, `-Dkey=value`, `-p:Key=Value`
                parsed.values.setdefault(word[:2], []).append(word[2:].removeprefix("="))
            else:
                parsed.flags.add(word)
        else:
            parsed.positionals.append(word)
    return parsed


def carried(line: Sequence[str], start: int, names: frozenset[str]) -> tuple[int, ...]:
    """Which words of ``line`` from ``start`` on are the options ``names`` with their values
    (``-f x``, ``--file=x``)."""
    found: list[int] = []
    i = start
    while i < len(line):
        text = line[i]
        if text in names and i + 1 < len(line):
            found.extend((i, i + 1))
            i += 2
            continue
        joined = _OPTION_WITH_VALUE.match(text)
        if joined is not None and joined.group(1) in names:
            found.append(i)
        i += 1
    return tuple(found)


_OPTION_WITH_VALUE = re.compile(r"(-[^=:]+)[=:]")  # `--file=x`, `-r:linux-x64`


def command_label(cmd: ShellCommand | Sequence[str]) -> str:
    """The first words of a command, for messages."""
    words = [word.text for word in cmd.words] if isinstance(cmd, ShellCommand) else cmd
    return " ".join(words[:4]) + (" …" if len(words) > 4 else "")


def is_local(spec: str) -> bool:
    """A package argument that names a path rather than a package from a registry."""
    if "://" in spec:
        return spec.startswith("file:")
    return (spec in (".", "..") or spec.startswith(("./", "../", "/", "~", "file:"))
            or spec.endswith((".whl", ".tar.gz", ".tgz", ".zip", ".gem")))


def is_glob(name: str) -> bool:
    return any(char in name for char in "*?[")


# --------------------------------------------------------------------------- installs

# What a fetch command is made of: words of the install (by index, to keep them as written) and text.
FetchPart = int | str


@dataclass(frozen=True)
class Install:
    """A dependency install found in a command, with the files it reads (relative to where it runs)."""

    ecosystem: str
    required: tuple[str, ...]  # must exist: copied as they are
    optional: tuple[str, ...] = ()  # may be absent: copied as ``name*`` (patterns as they are)
    optional_dirs: tuple[str, ...] = ()  # may be absent: copied as ``nam[e]``
    # Optional files the tool looks for in a directory (relative to where the install reads its files)
    # and in every directory above it: (directory, name), such as NuGet.config above a project.
    inherited: tuple[tuple[str, str], ...] = ()
    directory: str | None = None  # where an option such as --prefix moves the install
    needs_sources: str | None = None  # why the install cannot run before the sources are copied
    uncertain: str | None = None  # why a split may not work although it usually does
    # A command that fetches the dependencies from the manifests alone, or the options that make the
    # install itself do so (often none: most installs are incremental).
    fetch: tuple[FetchPart, ...] | None = None
    fetch_options: tuple[str, ...] | None = None
    walks_up: bool = False  # the tool looks for its manifest in parent directories too

    @property
    def primary(self) -> str | None:
        files = (*self.required, *self.optional)
        return files[0] if files else None

    @property
    def shown_files(self) -> tuple[str, ...]:
        return (*self.required, *self.optional[:1])


# A recognizer gets the words of the command and how many of them invoke the tool (``./mvnw``,
# ``sh gradlew``, ``python -m pip``).
Recognizer = Callable[[tuple[str, ...], int], "Install | None"]

NPM_VALUED = frozenset({"--prefix", "-C", "--loglevel", "--registry", "--cache", "--userconfig", "-w",
                        "--workspace", "--omit", "--include", "--install-strategy", "--location", "--before"})
NPM_INSTALL = frozenset({"install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal",
                         "isntall", "add"})
NPM_CLEAN_INSTALL = frozenset({"ci", "clean-install", "ic", "install-clean", "isntall-clean"})
NPM_FILES = ("package-lock.json", "npm-shrinkwrap.json", ".npmrc")
YARN_VALUED = frozenset({"--cwd", "--modules-folder", "--network-timeout", "--cache-folder", "--mutex",
                         "--registry", "--network-concurrency", "--link-folder", "--global-folder", "--mode"})
PNPM_VALUED = frozenset({"-C", "--dir", "--filter", "-F", "--reporter", "--store-dir", "--virtual-store-dir",
                         "--network-concurrency", "--child-concurrency", "--loglevel", "--registry", "-w"})
PIP_VALUED = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
    "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src", "--trusted-host", "--platform",
    "--python-version", "--implementation", "--abi", "--cache-dir", "--log", "--proxy", "--retries",
    "--timeout", "--exists-action", "--cert", "--client-cert", "--global-option", "--config-settings", "-C",
    "--report", "--upgrade-strategy", "--progress-bar", "--only-binary", "--no-binary", "--python", "-p",
    "--index-strategy", "--keyring-provider", "--resolution", "--prerelease", "--index", "--default-index",
    "--python-platform", "--link-mode", "--extra", "--group"})
PIP_SYNC_VALUED = frozenset({"-f", "--find-links", "-i", "--index-url", "--extra-index-url", "--trusted-host",
                             "--python-executable", "--pip-args", "--cert", "--client-cert", "--config"})
PIP_COMPILE_VALUED = PIP_VALUED | {"-o", "--output-file", "-P", "--upgrade-package", "--resolver",
                                   "--annotation-style", "--config", "--unsafe-package", "--build-deps-for",
                                   "--pip-args"}
POETRY_VALUED = frozenset({"-C", "--directory", "-P", "--project", "--only", "--with", "--without", "-E",
                           "--extras"})
UV_VALUED = frozenset({
    "--directory", "--project", "--python", "-p", "--extra", "--group", "--only-group", "--no-group",
    "--package", "--index-url", "--extra-index-url", "--index", "--default-index", "--find-links", "-f",
    "--python-platform", "--index-strategy", "--keyring-provider", "--resolution", "--prerelease",
    "--link-mode", "--cache-dir", "--config-file", "--exclude-newer", "--refresh-package",
    "--reinstall-package", "--no-binary-package", "--no-build-package", "--upgrade-package", "-P",
    "--no-install-package", "--color"})
PIPENV_VALUED = frozenset({"--python", "--pypi-mirror", "--categories", "-r", "--requirements",
                           "--extra-pip-args", "-e", "--editable"})
CARGO_VALUED = frozenset({
    "--manifest-path", "--target", "--target-dir", "-p", "--package", "--features", "-F", "--bin", "--example",
    "--test", "--bench", "-j", "--jobs", "--profile", "--config", "-Z", "--color", "--message-format", "--root",
    "--path", "--git", "--branch", "--tag", "--rev", "--version", "--registry", "--index", "--lockfile-path"})
BUNDLE_VALUED = frozenset({"--gemfile", "--jobs", "-j", "--retry", "--path", "--without", "--with",
                           "--trust-policy"})
COMPOSER_VALUED = frozenset({"-d", "--working-dir", "--prefer-install", "--ignore-platform-req"})
MAVEN_VALUED = frozenset({
    "-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P", "--activate-profiles", "-pl",
    "--projects", "-T", "--threads", "-rf", "--resume-from", "-l", "--log-file", "-t", "--toolchains", "-D",
    "--define"})
MAVEN_CARRIED = frozenset({"-f", "--file", "-s", "--settings"})
GRADLE_VALUED = frozenset({
    "-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-x", "--exclude-task", "-g",
    "--gradle-user-home", "-I", "--init-script", "--console", "--warning-mode", "--priority", "--max-workers"})
DOTNET_VALUED = frozenset({
    "-c", "--configuration", "-o", "--output", "-f", "--framework", "-r", "--runtime", "-a", "--arch", "--os",
    "-v", "--verbosity", "-s", "--source", "--packages", "--configfile", "--version-suffix",
    "--lock-file-path", "-p", "--property", "--tool-manifest", "-l", "--logger", "--filter",
    "--results-directory", "--collect", "--settings", "-d", "--diag", "--artifacts-path"})
# The options of a build that also say what its restore fetches.
DOTNET_RESTORE_CARRIED = frozenset({"-r", "--runtime", "-a", "--arch", "--os", "-s", "--source", "--configfile",
                                    "--packages"})
DOTNET_COMPILES = frozenset({"build", "publish", "test", "pack"})
DOTNET_PROJECTS = (".csproj", ".fsproj", ".vbproj", ".proj")
DOTNET_SOLUTIONS = (".sln", ".slnx", ".slnf")
# NuGet and MSBuild look for these in the project's directory and every directory above it.
DOTNET_PROJECT_INHERITED = ("[Nn]u[Gg]et.[Cc]onfig", "Directory.*")
MSBUILD_SWITCH = re.compile(r"/[A-Za-z]+(:.*)?")  # `/p:Version=1.0`, `/nologo`
GO_NEEDS_SOURCES = frozenset({"build", "install", "test", "run", "vet", "generate", "get"})
CARGO_NEEDS_SOURCES = frozenset({"build", "b", "test", "t", "run", "r", "check", "c", "clippy", "doc", "d",
                                 "bench", "rustc", "install"})
MAVEN_FETCH_GOALS = frozenset({"dependency:go-offline", "dependency:resolve", "dependency:resolve-plugins",
                               "de.qaware.maven:go-offline-maven-plugin:resolve-dependencies"})
GRADLE_FETCH_TASKS = frozenset({"dependencies", "androidDependencies"})
PYTHON_METADATA = ("pyproject.toml", "setup.py", "setup.cfg")
WRAPPERS = frozenset({"mvnw", "gradlew"})


def _npm(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, NPM_VALUED)
    if not opts.positionals:
        return None
    sub, specs = opts.positionals[0], opts.positionals[1:]
    if opts.has("-g", "--global") or opts.first("--location") == "global":
        return None
    clean = sub in NPM_CLEAN_INSTALL
    if not clean and sub not in NPM_INSTALL:
        return None
    local = [spec for spec in specs if is_local(spec)]
    return Install(
        "npm", ("package.json",), NPM_FILES,
        directory=opts.first("--prefix", "-C"),
        needs_sources=f"`npm {sub} {local[0]}` installs a local package" if local else None,
        fetch_options=None if clean else (),  # `npm ci` deletes node_modules: fetching first gains nothing
    )


def _yarn(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, YARN_VALUED)
    # Yarn 2+ installs the dependencies of chosen workspaces (`--production` ones only) with `focus`.
    if opts.positionals and opts.positionals != ["install"] and opts.positionals[:2] != ["workspaces", "focus"]:
        return None
    return Install("yarn", ("package.json",), ("yarn.lock", ".yarnrc", ".npmrc"), (".yarn",),
                   directory=opts.first("--cwd"), fetch_options=())


def _pnpm(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, PNPM_VALUED)
    sub = opts.positionals[:1]
    if opts.has("-g", "--global"):
        return None
    extras = (".npmrc", ".pnpmfile.cjs", "pnpm-workspace.yaml")
    directory = opts.first("-C", "--dir")
    if sub == ["fetch"]:  # reads the lock file only
        return Install("pnpm", ("pnpm-lock.yaml",), extras, ("patches",), directory=directory,
                       fetch_options=())
    if sub not in ([], ["install"], ["i"]) or opts.positionals[1:]:
        return None
    return Install("pnpm", ("package.json",), ("pnpm-lock.yaml", *extras), ("patches",),
                   directory=directory, fetch_options=())


def _pip(line: tuple[str, ...], start: int, sync: bool = False) -> Install | None:
    """``pip install``, ``python -m pip install``, ``uv pip install``; ``uv pip sync`` when ``sync``."""
    words = line[start:]
    opts = parse_options(words, PIP_VALUED)
    if not opts.positionals or opts.positionals[0] not in (("install", "sync") if sync else ("install",)):
        return None
    sub, specs = opts.positionals[0], opts.positionals[1:]
    files = opts.get("-r", "--requirement") + (specs if sub == "sync" else [])
    local = [spec for spec in specs if sub == "install" and is_local(spec)]
    local += [path for path in opts.get("-e", "--editable") if is_local(path) or "://" not in path]
    if not files and not local:
        return None  # named packages only: the project's files are not read
    local_links = [path for path in opts.get("-f", "--find-links") if "://" not in path]
    needs_sources = None
    project: tuple[str, ...] = ()
    if local:
        needs_sources = f"`{command_label(line)}` installs the project itself from its sources"
        project = tuple(posixpath.normpath(posixpath.join(local[0], name)) for name in PYTHON_METADATA)
    elif local_links:
        needs_sources = f"--find-links {local_links[0]} reads packages from a local directory"
    return Install("pip", (*files, *opts.get("-c", "--constraint")), project,
                   needs_sources=needs_sources, fetch_options=None if needs_sources else ())


def _pip_sync(line: tuple[str, ...], start: int) -> Install | None:
    """pip-tools' ``pip-sync [requirements.txt …]``: makes the environment match the files exactly."""
    words = list(line[start:])
    opts = parse_options(words, PIP_SYNC_VALUED)
    if opts.has("-n", "--dry-run"):
        return None
    local_links = [path for path in opts.get("-f", "--find-links") if "://" not in path]
    return Install("pip", tuple(opts.positionals) or ("requirements.txt",),
                   needs_sources=f"--find-links {local_links[0]} reads packages from a local directory"
                   if local_links else None,
                   fetch_options=None if local_links else ())


def _pip_compile(line: tuple[str, ...], start: int, default_output: bool = True) -> Install | None:
    """``pip-compile`` (pip-tools) and ``uv pip compile``: resolve the input files into pinned ones."""
    words = line[start:]
    opts = parse_options(words, PIP_COMPILE_VALUED)
    if opts.has("-n", "--dry-run"):
        return None
    sources = tuple(opts.positionals) or ("requirements.in",)
    output = opts.first("-o", "--output-file")
    if output is None and default_output:  # pip-tools writes next to its input: x.in → x.txt
        single = sources[0] if len(sources) == 1 and sources[0].endswith(".in") else None
        output = single[:-3] + ".txt" if single else "requirements.txt"
    label = command_label(line)
    needs_sources = None
    if any(posixpath.basename(source) in PYTHON_METADATA for source in sources):
        needs_sources = f"`{label}` builds the project's metadata, which may read its sources"
    return Install(
        "pip-compile", (*sources, *opts.get("-c", "--constraint")), (output,) if output else (),
        needs_sources=needs_sources, fetch_options=None if needs_sources else (),
        uncertain=f"the sources copied after `{label}` replace the {output} it writes, if the repository "
                  f"has one" if output else None,
    )


def _poetry(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
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
    return Install("poetry", ("pyproject.toml",), ("poetry.lock", "poetry.toml"),
                   directory=opts.first("-C", "--directory", "-P", "--project"),
                   needs_sources=needs_sources, fetch_options=fetch_options)


def _uv(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    if words[:1] == ["pip"]:
        if words[1:2] == ["compile"]:
            return _pip_compile(line, start + 2, default_output=False)  # uv writes to stdout without -o
        return _pip(line, start + 1, sync=True)
    opts = parse_options(words, UV_VALUED)
    if opts.positionals[:1] != ["sync"]:
        return None
    needs_sources = None
    fetch_options: tuple[str, ...] = ()
    if not opts.has("--no-install-project", "--no-install-workspace", "--only-install-project"):
        needs_sources = "`uv sync` without --no-install-project also installs the project from its sources"
        fetch_options = ("--no-install-project",)
    return Install("uv", ("pyproject.toml",), ("uv.lock", "uv.toml", ".python-version"),
                   directory=opts.first("--directory", "--project"), needs_sources=needs_sources,
                   fetch_options=fetch_options)


def _pipenv(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, PIPENV_VALUED)
    if opts.positionals[:1] not in (["install"], ["sync"]) or opts.positionals[1:]:
        return None
    requirements = opts.get("-r", "--requirements")  # imported into the Pipfile, which may not exist yet
    required = tuple(requirements) or ("Pipfile",)
    optional = ("Pipfile", "Pipfile.lock") if requirements else ("Pipfile.lock",)
    editable = opts.first("-e", "--editable")
    if editable:
        return Install("pipenv", required, optional,
                       needs_sources=f"`pipenv install -e {editable}` installs the project from its sources")
    return Install("pipenv", required, optional, fetch_options=())


def _go(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    directory = None
    chdir: tuple[int, ...] = ()
    if words[:1] == ["-C"] and len(words) > 1:
        directory, words, chdir = words[1], words[2:], (start, start + 1)
    elif words and words[0].startswith("-C="):
        directory, words, chdir = words[0][3:], words[1:], (start,)
    if words[:2] == ["mod", "download"]:
        return Install("go", ("go.mod",), ("go.sum",), directory=directory, fetch_options=())
    if not words or words[0] not in GO_NEEDS_SOURCES:
        return None
    targets = [word for word in words[1:] if not word.startswith("-")]
    if words[0] in ("install", "run") and targets and all("@" in target for target in targets):
        return None  # a tool from the module proxy, not the project
    return Install("go", ("go.mod",), ("go.sum",), directory=directory,
                   needs_sources=f"`go {words[0]}` needs the sources",
                   fetch=(*range(start), *chdir, "mod", "download"), walks_up=True)


def _cargo(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    if words[:1] and words[0].startswith("+"):  # a toolchain override: cargo +nightly build
        words, start = words[1:], start + 1
    opts = parse_options(words, CARGO_VALUED)
    sub = opts.positionals[:1]
    files = ("Cargo.toml",), ("Cargo.lock", "rust-toolchain"), (".cargo",)
    manifest = opts.first("--manifest-path")
    directory = (posixpath.dirname(manifest) or ".") if manifest else None
    if sub == ["chef"]:
        # cargo-chef: `cook` builds the dependencies from a recipe, which is what this rule asks for.
        return Install("cargo", ()) if opts.positionals[1:2] == ["cook"] else None
    if sub == ["fetch"]:
        return Install("cargo", *files, directory=directory, fetch_options=(), walks_up=True,
                       uncertain="Cargo refuses a manifest whose targets (src/main.rs, src/lib.rs) are missing")
    if not sub or sub[0] not in CARGO_NEEDS_SOURCES:
        return None
    if sub == ["install"] and not opts.has("--path"):
        return None  # a crate from a registry, not the project
    fetch = (*range(start), "fetch", *carried(line, start, frozenset({"--manifest-path"})))
    return Install("cargo", *files, directory=directory,
                   needs_sources=f"`cargo {sub[0]}` compiles the sources", fetch=fetch, walks_up=True)


def _bundle(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, BUNDLE_VALUED)
    if opts.positionals[:1] not in ([], ["install"]) or opts.positionals[1:]:
        return None
    gemfile = opts.first("--gemfile") or "Gemfile"
    return Install("bundler", (gemfile,), (f"{gemfile}.lock",), (".bundle",), fetch_options=())


def _composer(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, COMPOSER_VALUED)
    if opts.positionals[:1] not in (["install"], ["i"], ["update"], ["u"]) or opts.positionals[1:]:
        return None
    missing = tuple(flag for flag in ("--no-scripts", "--no-autoloader") if flag not in opts.flags)
    needs_sources = None
    if missing:
        needs_sources = (f"composer runs the project's scripts and builds its autoloader from the sources "
                         f"(add {' '.join(missing)}, then `composer dump-autoload` after copying them)")
    return Install("composer", ("composer.json",), ("composer.lock", "auth.json"),
                   directory=opts.first("-d", "--working-dir"), needs_sources=needs_sources,
                   fetch_options=missing)


def _maven(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, MAVEN_VALUED)
    goals = opts.positionals
    if not goals:
        return None
    pom = opts.first("-f", "--file") or "pom.xml"
    if not pom.endswith(".xml"):
        pom = posixpath.join(pom, "pom.xml")
    wrapper = ("mvnw",) if line[start - 1].rpartition("/")[2] == "mvnw" else ()
    files = (pom, *wrapper, *opts.get("-s", "--settings")), (), (".mvn",)
    if all(goal in MAVEN_FETCH_GOALS for goal in goals):
        return Install("maven", *files, fetch_options=())
    # The fetch keeps the options that say which project and which settings.
    fetch = (*range(start), *carried(line, start, MAVEN_CARRIED), "dependency:go-offline")
    return Install("maven", *files, needs_sources=f"`{command_label(line)}` compiles the sources", fetch=fetch)


def _gradle(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, GRADLE_VALUED)
    tasks = opts.positionals
    if not tasks:
        return None
    wrapper = ("gradlew",) if line[start - 1].rpartition("/")[2] == "gradlew" else ()
    fetch_only = all(task in GRADLE_FETCH_TASKS for task in tasks)
    return Install("gradle", wrapper, ("build.gradle", "settings.gradle", "gradle.properties"), ("gradle",),
                   directory=opts.first("-p", "--project-dir"),
                   needs_sources=None if fetch_only else f"`{command_label(line)}` compiles the sources",
                   fetch_options=() if fetch_only else None)


def _dotnet(line: tuple[str, ...], start: int) -> Install | None:
    words = list(line[start:])
    opts = parse_options(words, DOTNET_VALUED)
    # `--self-contained false` and MSBuild's `/p:Name=Value` are no project arguments.
    args = [word for word in opts.positionals if word not in ("true", "false") and not MSBUILD_SWITCH.fullmatch(word)]
    if not args:
        return None
    sub, targets = args[0], args[1:]
    if sub == "tool":  # local tools (dotnet-ef …) from the tool manifest
        if targets[:1] != ["restore"]:
            return None
        manifest = opts.first("--tool-manifest") or ".config/dotnet-tools.json"
        return Install("dotnet-tool", (manifest,), fetch_options=())
    if sub != "restore" and (sub not in DOTNET_COMPILES or "--no-restore" in opts.flags):
        return None
    target = targets[0] if targets else None
    if target is not None and target.endswith(DOTNET_SOLUTIONS):
        return Install("dotnet", (target,), needs_sources=(
            f"`dotnet {sub} {target}` reads every project the solution lists, which the rule cannot see: copy "
            f"the solution and each project file to its own directory first"))
    if target is not None and target.endswith(DOTNET_PROJECTS):
        project_file, project = target, posixpath.dirname(target) or "."
    else:  # the project file in the directory given, or in the working directory
        project = target or "."
        project_file = posixpath.normpath(posixpath.join(project, "*.csproj"))
    required = (project_file, *opts.get("--configfile"))
    optional = (posixpath.normpath(posixpath.join(project, "packages.lock.json")),)
    # global.json picks the SDK: looked for from the working directory up.
    inherited = (*((project, name) for name in DOTNET_PROJECT_INHERITED), (".", "global.json"))
    if sub == "restore":
        return Install("dotnet", required, optional, inherited=inherited, fetch_options=())
    target_word = [i for i in range(start, len(line)) if line[i] == target][:1]
    fetch = (*range(start), "restore", *target_word, *carried(line, start, DOTNET_RESTORE_CARRIED))
    return Install("dotnet", required, optional, inherited=inherited,
                   needs_sources=f"`dotnet {sub}` compiles the sources", fetch=fetch)


RECOGNIZERS: dict[str, Recognizer] = {
    "npm": _npm, "yarn": _yarn, "yarnpkg": _yarn, "pnpm": _pnpm, "uv": _uv, "poetry": _poetry,
    "pipenv": _pipenv, "pip-sync": _pip_sync, "pip-compile": _pip_compile, "go": _go, "cargo": _cargo,
    "bundle": _bundle, "bundler": _bundle, "composer": _composer, "composer.phar": _composer, "mvn": _maven,
    "mvnw": _maven, "gradle": _gradle, "gradlew": _gradle, "dotnet": _dotnet,
}
PIP_NAME = re.compile(r"pip3?(\.\d+)?")
PYTHON_NAME = re.compile(r"python3?(\.\d+)?")


def is_pip_name(name: str) -> bool:
    return name.startswith("pip") and PIP_NAME.fullmatch(name) is not None


def is_python_name(name: str) -> bool:
    return name.startswith("python") and PYTHON_NAME.fullmatch(name) is not None


# The program names worth a closer look (most commands of a RUN are none of these).
FIRST_WORDS = frozenset(RECOGNIZERS) | POSIX_SHELLS | {"php"}


def install_of(cmd: ShellCommand) -> Install | None:
    """The dependency install ``cmd`` performs, if it is one."""
    words = cmd.words
    if not words:
        return None
    name = words[0].text.rpartition("/")[2]
    if name not in FIRST_WORDS and not name.startswith(("pip", "python")):
        return None
    return recognize(tuple([word.text for word in words]))


@lru_cache(maxsize=4096)
def recognize(line: tuple[str, ...]) -> Install | None:
    """The dependency install that the command with these words performs, if it is one."""
    name = line[0].rpartition("/")[2]
    recognizer = RECOGNIZERS.get(name)
    if recognizer is not None:
        return recognizer(line, 1)
    if is_pip_name(name):
        return _pip(line, 1)
    if len(line) < 2:
        return None
    second = line[1]
    if is_python_name(name) and second == "-m" and line[2:3] == ("pip",):
        return _pip(line, 3)
    if name == "php" and second.endswith("composer.phar"):
        return _composer(line, 2)
    wrapper = second.rpartition("/")[2]
    if name in POSIX_SHELLS and wrapper in WRAPPERS:  # `sh gradlew build`
        return RECOGNIZERS[wrapper](line, 2)
    return None
