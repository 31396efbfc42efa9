"""The stdio LSP client every benchmark shares, and the servers they run.

A minimal client over a child's stdin/stdout: a reader thread stamps each message as it arrives, so a
latency is the time from writing a message to reading the answer, without the client's own queueing.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCKLS = [sys.executable, "-m", "dockls", "--stdio"]
RCJSUEN = HERE / "node_modules" / ".bin" / "docker-langserver"

# A client that does not pull diagnostics, so every server pushes them.
CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "workspace": {"applyEdit": True, "configuration": False},
    "textDocument": {
        "synchronization": {"didSave": True},
        "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    },
}

Message = dict[str, Any]


def rcjsuen() -> list[str] | None:
    """The command line of rcjsuen's docker-langserver (benchmarks/node_modules, else PATH), or None."""
    if RCJSUEN.exists():
        return [str(RCJSUEN), "--stdio"]
    found = shutil.which("docker-langserver")
    return [found, "--stdio"] if found else None


def add_server_options(parser: argparse.ArgumentParser, peer_help: str) -> None:
    parser.add_argument("--server", default=shlex.join(DOCKLS), help="command line of server A (default: dockls)")
    parser.add_argument("--vs", help=f"command line of server B, {peer_help}")
    parser.add_argument("--rcjsuen", action="store_true", help="server B is rcjsuen's docker-langserver "
                        "(benchmarks/node_modules, see README)")


def parse_arguments(parser: argparse.ArgumentParser) -> tuple[argparse.Namespace, list[list[str]]]:
    """The command line (its FILE, if the parser takes one, checked), and the servers it names with the
    options of ``add_server_options``: A, then B if there is a peer."""
    args = parser.parse_args()
    if isinstance(getattr(args, "file", None), Path) and not args.file.is_file():
        parser.error(f"{args.file}: no such file")
    peer = shlex.split(args.vs) if args.vs else None
    if args.rcjsuen:
        peer = rcjsuen()
        if peer is None:
            sys.exit("docker-langserver is not installed: npm install --prefix benchmarks")
    return args, [shlex.split(args.server), *([peer] if peer else [])]


def server_name(command: list[str]) -> str:
    return "dockls" if command == DOCKLS else Path(command[0]).name


def with_bytecode_caches() -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE: users' installs have bytecode caches, and
    without them every start recompiles dockls' modules."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Client:
    """One server process and the messages it sends."""

    def __init__(self, command: list[str], env: Mapping[str, str] | None = None) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env)
        self.lock = threading.Lock()
        self.last_id = 0
        self.replies: dict[int, queue.Queue[Message]] = {}
        self.notifications: queue.Queue[tuple[float, Message]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _send(self, message: Message) -> float:
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        with self.lock:
            sent = time.perf_counter()
            self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.process.stdin.flush()
        return sent

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length))
            arrived = time.perf_counter()
            if "id" in message and "method" in message:  # a request from the server: answer null
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message:
                self.replies.setdefault(message["id"], queue.Queue()).put(message)
            else:
                self.notifications.put((arrived, message))

    def request(self, method: str, params: Any, timeout: float = 30.0) -> Message:
        self.last_id += 1
        box = self.replies.setdefault(self.last_id, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": self.last_id, "method": method, "params": params})
        return box.get(timeout=timeout)

    def notify(self, method: str, params: Any) -> float:
        return self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, root: Path, capabilities: dict[str, Any] = CAPABILITIES) -> dict[str, Any]:
        """initialize + initialized; the server's capabilities."""
        reply = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                            "capabilities": capabilities})
        self.notify("initialized", {})
        capabilities_offered: dict[str, Any] = reply.get("result", {}).get("capabilities", {})
        return capabilities_offered

    def open(self, uri: str, text: str) -> float:
        return self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}})

    def diagnostics(self, uri: str | None = None, version: int | None = None,
                    timeout: float = 30.0) -> tuple[float, str]:
        """When the next publishDiagnostics (for ``uri``, or for any document) arrived, and its URI.
        With ``version``, diagnostics the server marks as for another version of the document are
        passed over (a server need not say which version it checked)."""
        deadline = time.monotonic() + timeout
        while True:
            arrived, message = self.notifications.get(timeout=max(0.001, deadline - time.monotonic()))
            if message.get("method") != "textDocument/publishDiagnostics":
                continue
            published: str = message["params"]["uri"]
            checked = message["params"].get("version", version)
            if (uri is None or published == uri) and (version is None or checked == version):
                return arrived, published

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait()
