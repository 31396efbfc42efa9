"""Shared fixtures: where the real-world corpus lives (tests skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"


def corpus_dockerfiles() -> list[Path]:
    from dockls.files import is_dockerfile

    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if not p.name.endswith("ignore") and
                  (is_dockerfile(p.name.rsplit("__", 1)[-1]) or "ockerfile" in p.name))


@pytest.fixture(scope="session")
def corpus() -> list[Path]:
    files = corpus_dockerfiles()
    if not files:
        pytest.skip(f"real-world corpus not found at {CORPUS} (it lives beside the repository)")
    return files
