"""Where the language server may read files: inside the workspace, never through a symlink out of it.

The language server reads configuration files, compose files, ignore files, the Dockerfiles next to
an ignore file and the build context; every such read asks :meth:`Workspace.allows` first. The roots
are the client's workspace folders, or, when the client names none, the directory of the document
being checked. Paths are compared after :func:`os.path.realpath`, so a symlink (a ``.dockerignore``
linked to ``/etc/passwd``, a directory linked to ``/``) or a ``..`` leading out of the roots is
refused, however it is spelt. The CLI reads what it is pointed at and uses no ``Workspace``
(``None`` wherever one is taken means "no confinement").

A ``Workspace`` is plain data (real paths as strings), so a :class:`~dockls.checker.Checker` that
holds one can still be given to worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    """Directories below which files may be read, as real paths."""

    roots: tuple[str, ...]

    @classmethod
    def of(cls, directories: Iterable[Path | str]) -> Workspace:
        return cls(tuple(os.path.realpath(directory) for directory in directories))

    def allows(self, path: Path | str) -> bool:
        """Whether ``path``, with every symlink on it followed, is one of the roots or lies below one."""
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):  # e.g. a NUL byte in the path
            return False
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)


def readable(workspace: Workspace | None, path: Path | str) -> bool:
    """Whether ``path`` may be read: anywhere without a workspace (the CLI), else inside it."""
    return workspace is None or workspace.allows(path)


def read_text(workspace: Workspace | None, path: Path) -> str | None:
    """The file's text (undecodable bytes as U+FFFD), or None when it may not or cannot be read."""
    if not readable(workspace, path):
        return None
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
