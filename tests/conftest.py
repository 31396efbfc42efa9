"""Shared fixtures: where the real-world corpus lives (tests skip when it is absent), and language
server sessions over stdio with VS Code's and Neovim's capability profiles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp

from tests.lsp_client import RecordingClient, capabilities, config, start

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


@pytest_lsp.fixture(config=config())
async def vscode(client: RecordingClient) -> AsyncIterator[None]:
    await start(client, capabilities("visual-studio-code"))
    yield
    await client.shutdown_session()


@pytest_lsp.fixture(config=config())
async def neovim(client: RecordingClient) -> AsyncIterator[None]:
    await start(client, capabilities("neovim"))
    yield
    await client.shutdown_session()


@pytest_lsp.fixture(config=config())
async def bare(client: RecordingClient) -> AsyncIterator[None]:
    """A client the test initializes itself (capabilities or options of its own)."""
    yield
    await client.shutdown_session()
