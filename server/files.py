"""Which files are Dockerfiles (and ignore files), by name, and finding them under a directory."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

# Dockerfile.* names that are source code or docs next to a Dockerfile, not Dockerfiles.
_NOT_DOCKERFILE_SUFFIXES = frozenset(
    {
        ".py", ".js", ".ts", ".go", ".rs", ".rb", ".java", ".md", ".txt", ".json", ".yaml", ".yml",
        ".toml", ".sh", ".ps1", ".bat", ".orig", ".bak", ".swp", ".dockerignore", ".containerignore",
    }
)
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"})


def is_dockerfile(path: str | Path) -> bool:
    """``Dockerfile``, ``Dockerfile.*``, ``*.Dockerfile``, ``*.dockerfile``, ``Containerfile*``,
    ``*.containerfile`` (any case) — but not ``Dockerfile.py``-style source files."""
    name = Path(path).name
    lower = name.lower()
    if lower in ("dockerfile", "containerfile"):
        return True
    if lower.endswith((".dockerfile", ".containerfile")):
        return True
    for stem in ("dockerfile.", "containerfile"):  # podman reads Containerfile* (Containerfile-arm64 too)
        if lower.startswith(stem) and len(lower) > len(stem):
            return "." not in lower or "." + lower.rsplit(".", 1)[1] not in _NOT_DOCKERFILE_SUFFIXES
    return False


def is_ignore_file(path: str | Path) -> bool:
    name = Path(path).name
    return name in (".dockerignore", ".containerignore") or fnmatch.fnmatch(name, "*.dockerignore")


@dataclass(frozen=True)
class _Ignore:
    """The patterns of one ignore file, matched against paths relative to the directory they apply to."""

    base: str  # an absolute path
    spec: pathspec.GitIgnoreSpec

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a ``!pattern``, None: no pattern matches."""
        relative = os.path.relpath(path, self.base).replace(os.sep, "/")
        if relative.startswith("../") or relative == "..":
            return None
        return self.spec.check_file(relative + "/" if is_dir else relative).include


def _read_ignore(file: str, base: str) -> _Ignore | None:
    try:
        with open(file, encoding="utf-8", errors="replace") as stream:
            lines = stream.read().splitlines()
    except OSError:  # absent, a directory, unreadable: nothing to honour
        return None
    try:
        return _Ignore(base, pathspec.GitIgnoreSpec.from_lines(lines))
    except ValueError:  # a line such as "!" or "\\" that git skips: skip it too, keep the others
        return _Ignore(base, pathspec.GitIgnoreSpec.from_lines(line for line in lines if _valid(line)))


def _valid(pattern: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError:
        return False
    return True


def _repository_ignores(root: str) -> list[_Ignore]:
    """``.git/info/exclude`` and the ``.gitignore`` files above ``root`` up to its repository's top,
    outermost first; nothing when ``root`` is not inside a git work tree."""
    above: list[str] = []
    folder = root
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return []
        folder = parent
        above.append(folder)
    found = [_read_ignore(os.path.join(folder, ".git", "info", "exclude"), folder)]
    found += [_read_ignore(os.path.join(d, ".gitignore"), d) for d in reversed(above)]
    return [ignore for ignore in found if ignore is not None]


def _ignored(ignores: Sequence[_Ignore], path: str, is_dir: bool) -> bool:
    # The deepest ignore file that has an opinion decides, as in git.
    for ignore in reversed(ignores):
        verdict = ignore.verdict(path, is_dir)
        if verdict is not None:
            return verdict
    return False


def check_patterns(patterns: Sequence[str]) -> None:
    """Raises ValueError naming the first gitignore-style pattern that cannot be used (``!``, ``\\``)."""
    for pattern in patterns:
        if not _valid(pattern):
            raise ValueError(f"{pattern!r} is not a valid gitignore pattern")


def find_inputs(root: Path, exclude: Sequence[str] = (), cwd: Path | None = None) -> Iterator[Path]:
    """Dockerfiles and ignore files under ``root``, sorted, skipping VCS, dependency and cache folders,
    what ``.gitignore`` files (at every level, and ``.git/info/exclude``) ignore, and what the
    gitignore-style ``exclude`` patterns match relative to ``cwd`` (default: the working directory;
    relative to ``root`` for paths outside it). Symlinked directories are never entered, and a
    symlinked file only counts when its target lies inside ``root``. Raises ValueError for an invalid
    ``exclude`` pattern (see :func:`check_patterns`)."""
    top = os.path.abspath(root)
    real_top = os.path.realpath(top)
    base = os.path.abspath(cwd if cwd is not None else os.getcwd())
    check_patterns(exclude)
    excluded = pathspec.GitIgnoreSpec.from_lines(exclude)

    def excluded_by_option(path: str, is_dir: bool) -> bool:
        relative = os.path.relpath(path, base)
        if relative == ".." or relative.startswith(".." + os.sep):
            relative = os.path.relpath(path, top)
        return relative != "." and excluded.match_file(relative.replace(os.sep, "/") + ("/" if is_dir else ""))

    # A directory named explicitly is searched even when it is itself excluded or ignored (patterns
    # match what lies below an excluded directory too, so they would hide all of it).
    use_exclude = bool(exclude) and not excluded_by_option(top, True)
    above = _repository_ignores(top)
    inherited = {str(root): [] if _ignored(above, top, True) else above}

    def skip(path: str, is_dir: bool, ignores: Sequence[_Ignore]) -> bool:
        return (use_exclude and excluded_by_option(path, is_dir)) or _ignored(ignores, path, is_dir)

    for folder, dirs, names in os.walk(str(root)):  # walks `root` as given: paths display as given
        ignores = inherited.pop(folder)
        absolute = os.path.abspath(folder)
        own = _read_ignore(os.path.join(absolute, ".gitignore"), absolute)
        if own is not None:
            ignores = [*ignores, own]
        kept = []
        for name in sorted(dirs):
            path = os.path.join(absolute, name)
            if name in _SKIP_DIRS or os.path.islink(path) or skip(path, True, ignores):
                continue
            kept.append(name)
            inherited[os.path.join(folder, name)] = ignores
        dirs[:] = kept
        for name in sorted(names):
            if not (is_dockerfile(name) or is_ignore_file(name)):
                continue
            path = os.path.join(absolute, name)
            if os.path.islink(path) and not _inside(os.path.realpath(path), real_top):
                continue
            if not skip(path, False, ignores):
                yield Path(folder) / name


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
