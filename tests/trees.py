"""Build contexts on disk for tests: a tree of files written from a mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def tree(root: Path, files: Mapping[str, int | str], sparse: bool = False) -> Path:
    """Files by path below ``root``: an int is a size in bytes (``x`` repeated, or with ``sparse`` a
    sparse file, so that a large context costs no disk), a str the content. Returns ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif sparse:
            with path.open("wb") as handle:
                handle.truncate(content)
        else:
            path.write_bytes(b"x" * content)
    return root
