"""The build context of a Dockerfile: which directory is sent, which ignore file applies, and what is
on disk there — walked with bounds, cached per root directory.

Resolution (:func:`context_for`):

- The **root** is the configured one when given. Otherwise the nearest compose file in the
  Dockerfile's directory or one of its three parent directories (``compose.yaml``, ``compose.yml``,
  ``docker-compose.yaml``, ``docker-compose.yml``: the first that exists in a directory, Compose's
  own order) whose service ``build`` resolves to this Dockerfile gives it: ``build: DIR`` is the
  context with ``DIR/Dockerfile``; ``build: {context: DIR, dockerfile: NAME}`` defaults to ``.`` and
  ``Dockerfile``, ``NAME`` relative to the context; the first matching service in file order wins.
  Values are not interpolated (a ``${VAR}`` path matches nothing), remote contexts are skipped, and
  a compose file that cannot be read or parsed is ignored. Failing all that, the Dockerfile's
  directory is the root.
- The **ignore file** is ``<Dockerfile name>.dockerignore`` next to the Dockerfile when it exists
  (BuildKit's per-Dockerfile ignore file), else ``<root>/.dockerignore``, else
  ``<root>/.containerignore`` (read by podman and buildah; Docker itself does not read it, but a
  project that has only that file builds with podman). It is parsed on first use and re-read when
  its modification time or size changes.
- Given a :class:`~dockls.workspace.Workspace` (the language server), compose files, ignore files
  and directory listings outside it are not read: such a compose file is skipped, such an ignore
  file counts as unreadable. Whether a root outside it is walked is the caller's decision
  (:class:`~dockls.checker.Checker` drops such contexts).

The walk (:meth:`BuildContext.walk`) never follows symlinks, like BuildKit's file-sync, which sends a
link as a link: a symlink is listed as an entry of its own (``symlink=True``, its ``lstat`` size, the
length of its target), so links that leave the root and link loops cannot lead the walk anywhere.
Other special files (sockets, FIFOs, devices) are not listed. Every file is listed, excluded or not
(hovers count what a pattern excludes, and ``dockerignore-incomplete`` reports the size of ``.git``),
up to ``max_files`` files and ``max_seconds`` of walking; ``capped`` says where it stopped.
Directories and files that cannot be read are skipped and counted in ``unreadable``.

Walks are cached per root in :data:`CACHE` (a few roots, least recently used first out) until
:func:`invalidate` is called for a path inside the root (the language server does so on
``workspace/didChangeWatchedFiles``) or, as a safety net for clients that send no file events, until
the walk is older than :attr:`ContextCache.max_age` seconds. A walk is reused by a request with
larger limits only when it was not capped.
"""

from __future__ import annotations

import os
import posixpath
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from dockls.images import format_size
from dockls.workspace import Workspace, read_text, readable

if TYPE_CHECKING:
    from dockls.ignorefile import IgnoreFile

DEFAULT_MAX_FILES = 200_000
DEFAULT_MAX_SECONDS = 2.0
DEFAULT_LARGE_THRESHOLD = 50_000_000

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
COMPOSE_PARENT_LEVELS = 3  # compose files are searched in the Dockerfile's directory and this many above it

RootSource = Literal["configured", "compose", "dockerfile"]

_CHECK_CLOCK_EVERY = 1024  # files between two looks at the clock inside one large directory


class Exclusions(Protocol):
    """What the walk needs of an ignore file (:class:`dockls.ignorefile.IgnoreFile` has it)."""

    def excludes(self, path: str) -> bool: ...

    def may_reinclude_under(self, dir: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class ContextFile:
    """A file of the context: its context-relative POSIX path and its size in bytes."""

    path: str
    size: int
    symlink: bool = False  # sent as a link: size is the link's own (the length of its target)


@dataclass(frozen=True)
class DirectoryTotal:
    """The files below a directory, added up."""

    path: str
    size: int
    files: int


@dataclass
class ContextSummary:
    total_bytes: int  # what is sent
    file_count: int
    largest: list[ContextFile]  # the largest files sent, largest first
    excluded_bytes: int
    excluded_count: int
    capped: str | None
    largest_directories: list[DirectoryTotal] = field(default_factory=list)  # top-level, what is sent of them
    unreadable: int = 0


@dataclass
class _Partition:
    sent: list[ContextFile]
    excluded: list[ContextFile]
    sent_bytes: int = 0
    excluded_bytes: int = 0
    _ranked: tuple[list[ContextFile], list[DirectoryTotal]] | None = None

    def ranked(self) -> tuple[list[ContextFile], list[DirectoryTotal]]:
        """The files sent and the top-level directories' totals of them, largest first; sorted once."""
        if self._ranked is None:
            files = sorted(self.sent, key=lambda file: (-file.size, file.path))
            self._ranked = (files, _top_level_directories(self.sent))
        return self._ranked


@dataclass
class ContextWalk:
    """Every file under a root (sorted by path) and every directory, as far as the walk got."""

    files: list[ContextFile]
    directories: list[str]
    capped: str | None = None
    unreadable: int = 0
    max_files: int = DEFAULT_MAX_FILES
    max_seconds: float = DEFAULT_MAX_SECONDS
    finished_at: float = field(default_factory=time.monotonic)
    # Computed on first use; keyed by the ignore file's identity (see _IgnoreStamp).
    _partitions: dict[object, _Partition] = field(default_factory=dict, repr=False, compare=False)
    _sizes: dict[str, tuple[int, int]] | None = field(default=None, repr=False, compare=False)

    def sizes(self) -> dict[str, tuple[int, int]]:
        """Size and file count of every file and directory ("" is the root), computed once."""
        if self._sizes is None:
            sizes: dict[str, tuple[int, int]] = {directory: (0, 0) for directory in self.directories}
            root_size = 0
            for file in self.files:
                sizes[file.path] = (file.size, 1)
                root_size += file.size
                directory = file.path.rpartition("/")[0]
                while directory:
                    size, count = sizes.get(directory, (0, 0))
                    sizes[directory] = (size + file.size, count + 1)
                    directory = directory.rpartition("/")[0]
            sizes[""] = (root_size, len(self.files))
            self._sizes = sizes
        return self._sizes


def walk_directory(
    root: Path,
    max_files: int = DEFAULT_MAX_FILES,
    max_seconds: float = DEFAULT_MAX_SECONDS,
    progress: Callable[[int], None] | None = None,
) -> ContextWalk:
    """Walk ``root`` without following symlinks, iteratively, within the limits; never raises.

    ``progress`` is called with the number of files found so far, after each directory.
    """
    deadline = time.monotonic() + max_seconds
    files: list[ContextFile] = []
    directories: list[str] = []
    unreadable = 0
    capped: str | None = None
    pending: list[tuple[str, str]] = [(str(root), "")]  # (absolute directory, its relative path + "/")
    while pending and capped is None:
        if time.monotonic() >= deadline:
            capped = f"stopped after {max_seconds:g} s ({len(files):,} files walked)"
            break
        absolute, prefix = pending.pop()
        try:
            with os.scandir(absolute) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            unreadable += 1
            continue
        subdirectories: list[tuple[str, str]] = []
        for number, entry in enumerate(entries, 1):
            if len(files) >= max_files:
                capped = f"stopped after {max_files:,} files"
                break
            if number % _CHECK_CLOCK_EVERY == 0 and time.monotonic() >= deadline:
                capped = f"stopped after {max_seconds:g} s ({len(files):,} files walked)"
                break
            path = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    directories.append(path)
                    subdirectories.append((entry.path, path + "/"))
                    continue
                link = entry.is_symlink()
                if not link and not entry.is_file(follow_symlinks=False):
                    continue  # a socket, FIFO or device: not something a build can use
                files.append(ContextFile(path, entry.stat(follow_symlinks=False).st_size, link))
            except OSError:
                unreadable += 1
        pending.extend(reversed(subdirectories))
        if progress is not None:
            progress(len(files))
    files.sort(key=lambda file: file.path)
    directories.sort()
    return ContextWalk(files, directories, capped, unreadable, max_files, max_seconds)


# --------------------------------------------------------------------------- cache


class ContextCache:
    """Walks by root directory, the ``capacity`` most recently used; thread-safe."""

    def __init__(self, capacity: int = 4, max_age: float | None = 300.0) -> None:
        self.capacity = capacity
        self.max_age = max_age
        self._walks: OrderedDict[Path, ContextWalk] = OrderedDict()
        self._lock = threading.Lock()

    def walk(
        self,
        root: Path,
        max_files: int = DEFAULT_MAX_FILES,
        max_seconds: float = DEFAULT_MAX_SECONDS,
        progress: Callable[[int], None] | None = None,
    ) -> ContextWalk:
        root = _absolute(root)
        with self._lock:
            cached = self._walks.get(root)
            if cached is not None and self._usable(cached, max_files, max_seconds):
                self._walks.move_to_end(root)
                return cached
        # Walked outside the lock: another root's lookup must not wait for this walk.
        fresh = walk_directory(root, max_files, max_seconds, progress)
        with self._lock:
            self._walks[root] = fresh
            self._walks.move_to_end(root)
            while len(self._walks) > self.capacity:
                self._walks.popitem(last=False)
        return fresh

    def _usable(self, walk: ContextWalk, max_files: int, max_seconds: float) -> bool:
        if self.max_age is not None and time.monotonic() - walk.finished_at > self.max_age:
            return False
        return walk.capped is None or (max_files <= walk.max_files and max_seconds <= walk.max_seconds)

    def invalidate(self, path: Path) -> None:
        """Forget the walks of every root that contains ``path`` (or lies inside it, when a whole
        directory was removed or renamed)."""
        changed = _absolute(path)
        with self._lock:
            for root in [root for root in self._walks if _within(changed, root) or _within(root, changed)]:
                del self._walks[root]

    def clear(self) -> None:
        with self._lock:
            self._walks.clear()

    def __contains__(self, root: Path) -> bool:
        with self._lock:
            return _absolute(root) in self._walks


CACHE = ContextCache()


def invalidate(path: Path) -> None:
    """A file or directory changed on disk: drop the cached walks it belongs to."""
    CACHE.invalidate(path)


def _absolute(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


# --------------------------------------------------------------------------- ignore files


_IgnoreStamp = tuple[str, int, int]  # path, mtime_ns, size
_ignore_files: dict[str, tuple[_IgnoreStamp, IgnoreFile]] = {}
_ignore_lock = threading.Lock()
_partition_lock = threading.Lock()


def _stamp(path: Path) -> _IgnoreStamp | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (str(path), status.st_mtime_ns, status.st_size)


def _read_ignore(path: Path) -> tuple[_IgnoreStamp, IgnoreFile] | None:
    """The parsed ignore file, re-read when its modification time or size changed; None when unreadable."""
    from dockls.ignorefile import parse_ignore  # at call time: ignorefile refers back to this module

    stamp = _stamp(path)
    if stamp is None:
        return None
    with _ignore_lock:
        known = _ignore_files.get(stamp[0])
        if known is not None and known[0] == stamp:
            return known
    text = read_text(None, path)  # whether the workspace allows it: BuildContext._ignore_readable
    if text is None:
        return None
    parsed = (stamp, parse_ignore(text))
    with _ignore_lock:
        _ignore_files[stamp[0]] = parsed
    return parsed


# --------------------------------------------------------------------------- the context


@dataclass
class BuildContext:
    """The directory sent to the builder for one Dockerfile, and the ignore file that filters it.

    Made by :func:`context_for`; the walk behind :meth:`sent`, :meth:`summary`, :meth:`exists` and
    :meth:`size_of` is shared through ``cache`` by every context with the same root."""

    root: Path
    ignore_path: Path | None
    dockerfile: Path | None = None
    root_from: RootSource = "dockerfile"  # how the root was chosen
    compose_file: Path | None = None  # the compose file that gave the root
    max_files: int = DEFAULT_MAX_FILES
    max_seconds: float = DEFAULT_MAX_SECONDS
    cache: ContextCache = field(default_factory=lambda: CACHE, repr=False, compare=False)
    # Bytes sent above which a context counts as large (configuration key `max-context-size`).
    large_threshold: int = DEFAULT_LARGE_THRESHOLD
    workspace: Workspace | None = None  # where files may be read; None: anywhere

    @property
    def ignore(self) -> IgnoreFile | None:
        read = self._ignore_read()
        return None if read is None else read[1]

    def _ignore_read(self) -> tuple[_IgnoreStamp, IgnoreFile] | None:
        if self.ignore_path is None or not self._ignore_readable:
            return None
        return _read_ignore(self.ignore_path)

    @cached_property
    def _ignore_readable(self) -> bool:  # decided once: rules ask for the ignore file many times
        return self.ignore_path is not None and readable(self.workspace, self.ignore_path)

    def walk(self, progress: Callable[[int], None] | None = None) -> ContextWalk:
        return self.cache.walk(self.root, self.max_files, self.max_seconds, progress)

    def _partition(self) -> _Partition:
        walk = self.walk()
        read = self._ignore_read()
        key: object = None if read is None else read[0]
        with _partition_lock:
            partition = walk._partitions.get(key)
        if partition is None:
            partition = _partition(walk, None if read is None else read[1])
            with _partition_lock:
                if len(walk._partitions) >= 4:  # a root shared by many Dockerfiles: keep the latest few
                    walk._partitions.pop(next(iter(walk._partitions)))
                walk._partitions[key] = partition
        return partition

    def sent(self) -> list[ContextFile]:
        """The files the ignore file lets through, sorted by path."""
        return self._partition().sent

    def excluded(self) -> list[ContextFile]:
        """The files the ignore file keeps out, sorted by path."""
        return self._partition().excluded

    def summary(self, top: int = 5) -> ContextSummary:
        walk = self.walk()
        partition = self._partition()
        by_size, directories = partition.ranked()
        return ContextSummary(
            total_bytes=partition.sent_bytes,
            file_count=len(partition.sent),
            largest=by_size[:top],
            excluded_bytes=partition.excluded_bytes,
            excluded_count=len(partition.excluded),
            capped=walk.capped,
            largest_directories=directories[:top],
            unreadable=walk.unreadable,
        )

    def exists(self, rel: str) -> bool:
        """Whether the file or directory is in the walk (excluded or not)."""
        return _clean(rel) in self.walk().sizes()

    def size_of(self, rel: str) -> int:
        """A file's size, or the total of the files below a directory (excluded or not); 0 when absent."""
        return self.walk().sizes().get(_clean(rel), (0, 0))[0]


def _clean(rel: str) -> str:
    """A context-relative path as the walk spells it: POSIX, no leading ``/`` or ``./``, "" for the root;
    like BuildKit, ``..`` cannot climb out of the root."""
    cleaned = posixpath.normpath("/" + rel).lstrip("/")
    return "" if cleaned == "." else cleaned


def _partition(walk: ContextWalk, ignore: Exclusions | None) -> _Partition:
    if ignore is None:
        return _Partition(walk.files, [], sum(file.size for file in walk.files))
    # directory → everything below it is excluded: it is, and no "!" pattern can re-include below it.
    # Such directories are decided once instead of matching each of their files (node_modules, .git).
    pruned: dict[str, bool] = {"": False}

    def all_excluded(directory: str) -> bool:
        unknown: list[str] = []
        while directory not in pruned:
            unknown.append(directory)
            directory = directory.rpartition("/")[0]
        verdict = pruned[directory]
        for below in reversed(unknown):
            verdict = verdict or (ignore.excludes(below) and not ignore.may_reinclude_under(below))
            pruned[below] = verdict
        return verdict

    sent: list[ContextFile] = []
    excluded: list[ContextFile] = []
    for file in walk.files:
        if all_excluded(file.path.rpartition("/")[0]) or ignore.excludes(file.path):
            excluded.append(file)
        else:
            sent.append(file)
    return _Partition(sent, excluded, sum(file.size for file in sent), sum(file.size for file in excluded))


def _top_level_directories(files: Iterable[ContextFile]) -> list[DirectoryTotal]:
    totals: dict[str, tuple[int, int]] = {}
    for file in files:
        top, slash, _ = file.path.partition("/")
        if slash:
            size, count = totals.get(top, (0, 0))
            totals[top] = (size + file.size, count + 1)
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    return [DirectoryTotal(path, size, count) for path, (size, count) in ranked]


# --------------------------------------------------------------------------- resolution


def context_for(dockerfile: Path, configured_root: Path | None = None,
                workspace: Workspace | None = None) -> BuildContext:
    """The build context of ``dockerfile``: its root and ignore file (see the module docstring);
    ``workspace`` confines what is read.

    Cheap (a few ``stat`` calls, compose files parsed once per change); never raises."""
    dockerfile = Path(os.path.abspath(dockerfile))  # not resolved: a symlinked Dockerfile keeps its directory
    compose_file: Path | None = None
    root_from: RootSource
    if configured_root is not None:
        root, root_from = _absolute(configured_root), "configured"
    else:
        found = _compose_context(dockerfile, workspace)
        if found is not None:
            (root, compose_file), root_from = found, "compose"
        else:
            root, root_from = dockerfile.parent, "dockerfile"
    return BuildContext(root, _ignore_file(dockerfile, root), dockerfile, root_from, compose_file,
                        workspace=workspace)


def contexts_using(ignore_path: Path,
                   configured_root: Callable[[Path], Path | None] = lambda dockerfile: None,
                   workspace: Workspace | None = None) -> list[BuildContext]:
    """The build contexts an ignore file filters: those of the Dockerfiles next to it that use it
    (``<name>.dockerignore`` belongs to the Dockerfile ``<name>``), or, when none does, the context
    rooted at its own directory. ``configured_root`` gives a Dockerfile's configured context root."""
    from dockls.files import is_dockerfile

    ignore_path = Path(os.path.abspath(ignore_path))
    name = ignore_path.name
    if name.endswith(".dockerignore") and name != ".dockerignore":
        candidates = [ignore_path.with_name(name.removesuffix(".dockerignore"))]
    elif readable(workspace, ignore_path.parent):
        try:
            candidates = sorted(p for p in ignore_path.parent.iterdir() if is_dockerfile(p.name))
        except OSError:
            candidates = []
    else:
        candidates = []
    contexts = [context_for(dockerfile, configured_root(dockerfile), workspace) for dockerfile in candidates
                if dockerfile.is_file()]
    using = [context for context in contexts if context.ignore_path == ignore_path]
    return using or [BuildContext(ignore_path.parent, ignore_path, workspace=workspace)]


def _ignore_file(dockerfile: Path, root: Path) -> Path | None:
    for candidate in (
        dockerfile.with_name(dockerfile.name + ".dockerignore"),
        root / ".dockerignore",
        root / ".containerignore",
    ):
        if candidate.is_file():
            return candidate
    return None


def _compose_context(dockerfile: Path, workspace: Workspace | None) -> tuple[Path, Path] | None:
    """(context root, compose file) of the nearest compose service that builds ``dockerfile``."""
    directory = dockerfile.parent
    for _ in range(COMPOSE_PARENT_LEVELS + 1):
        compose = next((directory / name for name in COMPOSE_NAMES if (directory / name).is_file()), None)
        if compose is not None and readable(workspace, compose):
            root = _service_context(compose, dockerfile)
            if root is not None:
                return root, compose
        if directory.parent == directory:
            break
        directory = directory.parent
    return None


_compose_files: dict[str, tuple[_IgnoreStamp, Any]] = {}


def _load_compose(path: Path) -> Any:
    stamp = _stamp(path)
    if stamp is None:
        return None
    known = _compose_files.get(stamp[0])
    if known is not None and known[0] == stamp:
        return known[1]
    import yaml  # here, not at the top: most sessions read no YAML, and it costs start-up ~15 ms

    try:
        document = yaml.safe_load(path.read_bytes())
    except (OSError, yaml.YAMLError, ValueError, RecursionError):
        document = None
    _compose_files[stamp[0]] = (stamp, document)
    return document


def _service_context(compose: Path, dockerfile: Path) -> Path | None:
    document = _load_compose(compose)
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return None
    for service in services.values():
        build = service.get("build") if isinstance(service, dict) else None
        if isinstance(build, str):
            context, name = build, "Dockerfile"
        elif isinstance(build, dict):
            context, name = build.get("context", "."), build.get("dockerfile", "Dockerfile")
        else:
            continue
        if not isinstance(context, str) or not isinstance(name, str) or _is_remote(context):
            continue
        try:
            root = _absolute(compose.parent / context)
            if _absolute(root / name) == _absolute(dockerfile):
                return root
        except (OSError, ValueError):  # e.g. a NUL byte in a path
            continue
    return None


def _is_remote(context: str) -> bool:
    return "://" in context or context.startswith(("git@", "github.com/"))


# --------------------------------------------------------------------------- reports (`dockls context`)


def report_json(context: BuildContext, summary: ContextSummary) -> dict[str, Any]:
    """The JSON shape of ``dockls context --format json`` (documented in docs/cli.md; keep it stable)."""
    dockerfile = context.dockerfile
    return {
        "root": str(context.root),
        "root_from": context.root_from,
        "compose_file": str(context.compose_file) if context.compose_file else None,
        "dockerfile": str(dockerfile) if dockerfile is not None and dockerfile.is_file() else None,
        "ignore_file": str(context.ignore_path) if context.ignore_path else None,
        "sent": {"bytes": summary.total_bytes, "files": summary.file_count},
        "excluded": {"bytes": summary.excluded_bytes, "files": summary.excluded_count},
        "largest_files": [{"path": file.path, "bytes": file.size} for file in summary.largest],
        "largest_directories": [
            {"path": total.path, "bytes": total.size, "files": total.files} for total in summary.largest_directories
        ],
        "capped": summary.capped,
        "unreadable": summary.unreadable,
    }


def report_lines(context: BuildContext, summary: ContextSummary) -> list[str]:
    """The text report of ``dockls context``; paths below the working directory are shown relative to it."""
    origin = {
        "configured": "given",
        "compose": f"from {_shown(context.compose_file)}" if context.compose_file else "from a compose file",
        "dockerfile": "the Dockerfile's directory",
    }.get(context.root_from, context.root_from)
    lines = [f"context: {_shown(context.root)} ({origin})"]
    if context.dockerfile is not None and context.dockerfile.is_file():
        lines.append(f"dockerfile: {_shown(context.dockerfile)}")
    lines.append(f"ignore file: {_shown(context.ignore_path) if context.ignore_path else 'none'}")
    lines.append(f"sent: {format_size(summary.total_bytes)} in {_count(summary.file_count, 'file', 'files')}")
    lines.append(
        f"excluded: {format_size(summary.excluded_bytes)} in {_count(summary.excluded_count, 'file', 'files')}"
    )
    if summary.largest_directories:
        lines.append("largest directories sent:")
        lines += [
            f"  {total.path}/  {format_size(total.size)} ({_count(total.files, 'file', 'files')})"
            for total in summary.largest_directories
        ]
    if summary.largest:
        lines.append("largest files sent:")
        lines += [f"  {file.path}  {format_size(file.size)}" for file in summary.largest]
    if summary.capped:
        lines.append(f"note: the walk {summary.capped}, so these figures are incomplete")
    if summary.unreadable:
        lines.append(f"note: {_count(summary.unreadable, 'entry', 'entries')} could not be read and were skipped")
    return lines


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve())) or "."
    except (ValueError, OSError):
        return str(path)
