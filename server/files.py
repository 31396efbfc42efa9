"""Which files are Dockerfiles (and ignore files), by name."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path

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
    ``*.containerfile`` — but not ``Dockerfile.py``-style source files."""
    name = Path(path).name
    lower = name.lower()
    if lower in ("dockerfile", "containerfile"):
        return True
    if lower.endswith((".dockerfile", ".containerfile")):
        return True
    for stem in ("dockerfile.", "containerfile."):
        if lower.startswith(stem) and len(lower) > len(stem):
            return "." + lower.rsplit(".", 1)[1] not in _NOT_DOCKERFILE_SUFFIXES
    return False


def is_ignore_file(path: str | Path) -> bool:
    name = Path(path).name
    return name in (".dockerignore", ".containerignore") or fnmatch.fnmatch(name, "*.dockerignore")


def find_inputs(root: Path) -> Iterator[Path]:
    """Dockerfiles and ignore files under ``root``, sorted, skipping VCS, dependency and cache folders."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(names):
            if is_dockerfile(name) or is_ignore_file(name):
                yield Path(folder) / name
