"""## What it does
Finds things in the build context that should almost never be sent to the builder and that the
ignore file lets through, and offers to append patterns for them. It looks for:

- **version control and dependencies**: `.git` (at the root), `node_modules` (anywhere);
- **virtualenvs**: any directory holding a `pyvenv.cfg` (`.venv`, `venv`, or any other name);
- **caches**: `__pycache__` (anywhere);
- **build outputs** at the root — `target` (after `cargo build`/`cargo install`, `mvn`/`mvnw`
  `package`/`install`/`verify`, `sbt`), `build` (after `gradle`/`gradlew` builds, `npm`/`yarn`/`pnpm`/`bun
  run build`, `go build -o build/…`) and `dist` (after `npm`/`yarn`/`pnpm`/`bun run build`, `python -m
  build`, `poetry build`, `uv build`, `go build -o dist/…`) — only when a Dockerfile that uses this
  ignore file runs that build itself;
- **editor and OS junk**: `.idea`, `.vscode`, `.DS_Store`, `*.swp`, `Thumbs.db` (anywhere);
- **secrets**: `.env`, `.env.*` (anywhere; templates meant to be committed — `.env.example`,
  `.env.sample`, `.env.template`, `.env.dist`, `.env.defaults`, `.env.tpl`, and names like
  `.env.local.example` — are not reported), `*.pem`, `id_rsa*`, `.npmrc`, `.aws`, `.ssh` (anywhere).

Only what exists in the context is reported, and only when at least one of its files is sent (an
ignore file that excludes `node_modules/*` but not `node_modules` itself is fine; a directory whose
first 10,000 files, in path order, are all excluded one by one is taken to be excluded). A path that a
Dockerfile using this ignore file copies by name (`COPY .npmrc ./`, `COPY dist/ /app/`) is left out:
excluding it would break that `COPY`. The rule needs the context on disk and stays silent without
it.

There is one finding per ignore file, on its first line, listing each missing pattern with the size
of what it would exclude, largest first.

## Why is this bad?
Everything in the context is sent to the builder before the first instruction runs, on every
build: a `.git` directory or a `node_modules` can be hundreds of megabytes. A `COPY . .` then puts
it into the image, where it also invalidates the layer cache whenever any of it changes. Secrets
copied that way end up in an image layer that anyone who can pull the image can read.

## Example
```
*.log
```

## Use instead
```
*.log
.git
**/node_modules
**/.env
```

## Fix safety
The fix appends the patterns at the end of the file (after the last line, in the file's line-break
style), where they win over every earlier `!` exception. It is unsafe: it changes what is sent, so a
`COPY . …` copies less, and a build step that relied on one of these files (a `git describe`, a
committed `dist/`) would change.

## Stages
Ignore files, not Dockerfiles: the context the ignore file filters is walked; build outputs are
reported only for Dockerfiles (any stage) that build them.

## References
- [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
- [Docker: build context](https://docs.docker.com/build/concepts/context/)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from dockls.buildcontext import BuildContext, ContextFile, ContextWalk
from dockls.edits import line_end, newline_of
from dockls.ignorefile import IgnoreFile, IgnoreModel, go_clean
from dockls.images import format_size
from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand
from dockls.text import Span

# Directories that are junk wherever they are, by name → the pattern that excludes them.
_ANYWHERE_DIRECTORIES = {name: f"**/{name}" for name in ("node_modules", "__pycache__", ".idea", ".vscode",
                                                          ".aws", ".ssh")}
_ANYWHERE_FILES = {name: f"**/{name}" for name in (".DS_Store", "Thumbs.db", ".env", ".npmrc")}
_FILE_GLOBS = {"*.swp": "**/*.swp", "*.pem": "**/*.pem", "id_rsa*": "**/id_rsa*"}
_SECRET_PATTERNS = frozenset({"**/.aws", "**/.ssh", "**/.env", "**/.npmrc", "**/*.pem", "**/id_rsa*"})
_ENV_TEMPLATES = frozenset({"example", "sample", "template", "dist", "defaults", "tpl"})
_BUILD_OUTPUTS = ("target", "build", "dist")
_WILDCARDS = frozenset("*?[]\\")
# Files of one directory matched against the ignore file, at most, before giving up (and staying
# silent about it): the rule runs on every keystroke in the ignore file.
_MAX_FILES_CHECKED = 10_000


@dataclass
class _Entry:
    pattern: str
    paths: list[str] = field(default_factory=list)
    secret: bool = False


def _is_env_secret(name: str) -> bool:
    """``.env.local`` and the like, but not the templates projects commit on purpose."""
    return name.startswith(".env.") and _ENV_TEMPLATES.isdisjoint(name.split(".")[2:])


def _scan(walk: ContextWalk) -> dict[str, _Entry]:
    """The candidate paths of the walk, by pattern (independent of the ignore file)."""
    entries: dict[str, _Entry] = {}

    def add(pattern: str, path: str) -> None:
        entry = entries.setdefault(pattern, _Entry(pattern, secret=pattern in _SECRET_PATTERNS))
        entry.paths.append(path)

    if ".git" in walk.sizes():  # a directory, or the file of a worktree or submodule
        add(".git", ".git")
    for directory in walk.directories:
        name = directory.rpartition("/")[2]
        if name in _ANYWHERE_DIRECTORIES:
            add(_ANYWHERE_DIRECTORIES[name], directory)
    for file in walk.files:
        parent, _, name = file.path.rpartition("/")
        if name == "pyvenv.cfg" and parent:
            add(parent, parent)
        elif name in _ANYWHERE_FILES:
            add(_ANYWHERE_FILES[name], file.path)
        elif _is_env_secret(name):
            add(f"**/{name}", file.path)
            entries[f"**/{name}"].secret = True
        else:
            for glob, pattern in _FILE_GLOBS.items():
                if fnmatchcase(name, glob):
                    add(pattern, file.path)
                    break
    return entries


_memo: tuple[object, dict[str, _Entry]] = (None, {})


def _scanned(walk: ContextWalk) -> dict[str, _Entry]:
    """``_scan`` once per walk: the ignore file changes on every keystroke, the walk does not."""
    global _memo
    key = (id(walk), walk.finished_at)
    if _memo[0] != key:
        _memo = (key, _scan(walk))
    return _memo[1]


def _is_build(cmd: ShellCommand, output: str) -> bool:
    """Whether ``cmd`` writes the build output directory ``output`` at the context root."""
    args = [word.text for word in cmd.args]
    first = args[0] if args else ""
    runs_build = cmd.name in ("npm", "yarn", "pnpm", "bun") and (
        (first == "run" and len(args) > 1 and args[1] == "build") or (first == "build" and cmd.name != "npm"))
    if cmd.name == "go" and first == "build":
        return any(go_clean(value).split("/")[0] == output for value in _go_outputs(args))
    if output == "target":
        return ((cmd.name == "cargo" and first in ("build", "install"))
                or (cmd.name in ("mvn", "mvnw") and bool({"package", "install", "verify"} & set(args)))
                or cmd.name == "sbt")
    if output == "build":
        return runs_build or (cmd.name in ("gradle", "gradlew") and bool(
            {"build", "assemble", "bootJar", "jar", "installDist", "shadowJar"} & set(args)))
    return runs_build or (cmd.name in ("poetry", "uv") and first == "build") or (
        cmd.name.startswith("python") and args[:2] == ["-m", "build"])


def _go_outputs(args: list[str]) -> Iterator[str]:
    """The values of ``-o`` in ``go build`` arguments."""
    for index, arg in enumerate(args):
        if arg == "-o" and index + 1 < len(args):
            yield args[index + 1]
        elif arg.startswith("-o="):
            yield arg[3:]


def _built_outputs(dockerfiles: Iterable[Model], directories: set[str]) -> list[str]:
    """The root-level build output directories that exist and that a Dockerfile's RUN produces."""
    return [output for output in _BUILD_OUTPUTS if output in directories and any(
        _is_build(cmd, output) for model in dockerfiles for run in model.runs for cmd in run.commands)]


def _copied_sources(dockerfiles: Iterable[Model]) -> list[str]:
    """The context paths the Dockerfiles name in ``COPY``/``ADD`` (not the whole context)."""
    sources: list[str] = []
    for model in dockerfiles:
        for inst in model.tree.instructions:
            command = inst.command
            if command.keyword not in ("COPY", "ADD") or command.flag("from") is not None:
                continue
            for source in command.value[:-1]:
                if source.startswith("<<"):
                    continue
                cleaned = go_clean(source.lstrip("/"))
                if cleaned not in (".", ".."):
                    sources.append(cleaned)
    return sources


def _named_by(path: str, sources: list[str]) -> bool:
    return any(source == path or source.startswith(path + "/")
               or (not _WILDCARDS.isdisjoint(source) and fnmatchcase(path, source)) for source in sources)


def _lets_through(ignore: IgnoreFile, walk: ContextWalk, path: str, is_directory: bool) -> bool:
    """Whether the ignore file sends ``path`` (for a directory: at least one file below it)."""
    if ignore.excludes(path):
        return False
    if not is_directory:
        return True
    prefix = path + "/"
    files = walk.files
    index = bisect_left(files, prefix, key=_path)
    for _ in range(_MAX_FILES_CHECKED):
        if index >= len(files) or not files[index].path.startswith(prefix):
            break
        pruned = _pruned_directory(ignore, path, files[index].path)
        if pruned is not None:  # skip the whole subtree: nothing below it is sent
            index = bisect_left(files, pruned + "/\U0010ffff", key=_path)
        elif ignore.excludes(files[index].path):
            index += 1
        else:
            return True
    return False


def _path(file: ContextFile) -> str:
    return file.path


def _pruned_directory(ignore: IgnoreFile, top: str, file: str) -> str | None:
    """The outermost directory between ``top`` and ``file`` that is excluded with nothing below it to
    re-include (BuildKit prunes it), if any."""
    directory = top
    for part in file[len(top) + 1:].split("/")[:-1]:
        directory += "/" + part
        if ignore.excludes(directory) and not ignore.may_reinclude_under(directory):
            return directory
    return None


def _missing(model: IgnoreModel, context: BuildContext) -> list[tuple[_Entry, int]]:
    walk = context.walk()
    sizes = walk.sizes()
    directories = set(walk.directories)
    entries = dict(_scanned(walk))
    for output in _built_outputs(model.dockerfiles, directories):
        entries.setdefault(output, _Entry(output, [output]))
    found = {path for entry in entries.values() for path in entry.paths}
    sources = _copied_sources(model.dockerfiles)
    missing: list[tuple[_Entry, int]] = []
    for entry in entries.values():
        paths = [path for path in entry.paths
                 if not any(parent in found for parent in _parents(path))  # only the outermost
                 and not _named_by(path, sources)
                 and _lets_through(model.ignore, walk, path, path in directories)]
        if paths:
            missing.append((_Entry(entry.pattern, paths, entry.secret), sum(sizes[path][0] for path in paths)))
    missing.sort(key=lambda item: (-item[1], item[0].pattern))
    return missing


def _parents(path: str) -> Iterator[str]:
    while "/" in path:
        path = path.rpartition("/")[0]
        yield path


def _describe(entry: _Entry, size: int) -> str:
    details = [format_size(size)]
    if len(entry.paths) > 1:
        details.append(f"{len(entry.paths)} places")
    elif entry.paths[0] not in (entry.pattern, entry.pattern.removeprefix("**/")):
        details.append(entry.paths[0])
    if entry.secret:
        details.append("a secret")
    return f"`{entry.pattern}` ({', '.join(details)})"


def check(model: IgnoreModel) -> Iterator[Finding]:
    context = model.context
    if context is None:
        return
    missing = _missing(model, context)
    if not missing:
        return
    text = model.text
    first_line = 1 if text.startswith("\ufeff") else 0
    span = Span(first_line, max(first_line, line_end(text, first_line)))
    listed = ", ".join(_describe(entry, size) for entry, size in missing)
    message = f"the ignore file lets through what should almost never be sent to the builder: {listed}"
    capped = context.walk().capped
    if capped is not None:
        message += f" (the walk of the context {capped}: there may be more)"
    newline = newline_of(text)
    before = newline if text and not text.endswith("\n") else ""
    appended = before + "".join(entry.pattern + newline for entry, _ in missing)
    count = len(missing)
    title = f"Append {count} pattern{'s' if count > 1 else ''} to the ignore file"
    yield RULE.finding(span, message, Fix(title, (Edit(Span(len(text), len(text)), appended),), safe=False))


RULE = Rule(
    id="DKL051",
    name="dockerignore-incomplete",
    summary="The ignore file lets through .git, node_modules, secrets or other things that should not be sent",
    severity=Severity.WARNING,
    category="context",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    target="dockerignore",
)
