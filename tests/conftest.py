"""Shared fixtures: where the real-world corpus lives (tests skip when it is absent), language
server sessions over stdio with VS Code's and Neovim's capability profiles, and a guard that fails
any network use other than loopback and Unix sockets in the test process."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp

from tests.lsp_client import RecordingClient, capabilities, config, start

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost", "", None})


class NetworkUse(AssertionError):
    """A test (or the code under test) tried to reach the network."""


def _loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    return host in LOOPBACK or (isinstance(host, str) and host.startswith("127."))


@pytest.fixture(scope="session", autouse=True)
def no_network() -> Iterator[None]:
    """Every test runs with the network patched to fail loudly: dockls must never need it. Unix
    sockets (asyncio's self-pipe) and loopback addresses stay usable."""

    def refuse(what: str, host: Any) -> None:
        if not _loopback(host):
            raise NetworkUse(f"{what} to {host!r}: tests (and dockls) must not use the network")

    def refuse_address(sock: socket.socket, what: str, address: Any) -> None:
        if sock.family != socket.AF_UNIX:
            refuse(what, address[0] if isinstance(address, tuple) and address else address)

    real_connect, real_connect_ex, real_sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    real_getaddrinfo, real_create_connection = socket.getaddrinfo, socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        refuse_address(self, "connect", address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        refuse_address(self, "connect_ex", address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: bytes, *rest: Any) -> int:
        refuse_address(self, "sendto", rest[-1])
        return real_sendto(self, data, *rest)

    def getaddrinfo(host: Any, *rest: Any, **options: Any) -> Any:
        refuse("getaddrinfo", host)
        return real_getaddrinfo(host, *rest, **options)

    def create_connection(address: Any, *rest: Any, **options: Any) -> socket.socket:
        refuse("create_connection", address[0])
        return real_create_connection(address, *rest, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket.socket, "sendto", sendto)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(socket, "create_connection", create_connection)
        yield


@pytest.fixture
def fresh_walks() -> Iterator[None]:
    """An empty build-context cache before and after the test (``pytestmark`` of modules that write
    contexts on disk): no walk of an earlier test's directory is reused."""
    from dockls.buildcontext import CACHE

    CACHE.clear()
    yield
    CACHE.clear()


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
