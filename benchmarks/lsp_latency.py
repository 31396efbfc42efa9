#!/usr/bin/env python3
"""Edit-to-diagnostics latency of dockls' language server, optionally side by side with a peer.

    python benchmarks/lsp_latency.py                       # dockls alone, on benchmarks/Dockerfile.bench
    python benchmarks/lsp_latency.py --rcjsuen             # and rcjsuen's docker-langserver (npm, see README)
    python benchmarks/lsp_latency.py FILE --vs "CMD ARGS"  # any other stdio server as the peer

Method: start the server, initialize (a client that does not pull diagnostics, so both servers push),
open FILE and wait for its first publishDiagnostics. Then type: each edit inserts a space at the end
of a non-blank line spread through the file, or deletes the space inserted just before, so the
content changes every time. A sample is the time from writing the didChange to reading the next
publishDiagnostics for the document; the client waits 10 ms between edits, so no two edits overlap.
The first WARMUP samples of each round are dropped (JIT and cache warm-up, for both servers alike).
With a peer, the two servers run in alternating rounds (A B A B ...) so a drifting machine hurts both
alike, and the last line is the ratio of medians A/B. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "Dockerfile.bench"
DOCKLS = [sys.executable, "-m", "dockls", "--stdio"]
RCJSUEN = HERE / "node_modules" / ".bin" / "docker-langserver"
WARMUP = 5

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


class Client:
    """A minimal LSP client over a child's stdin/stdout; a reader thread stamps each arrival."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
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

    def diagnostics(self, uri: str, timeout: float = 30.0) -> float:
        """When the next publishDiagnostics for ``uri`` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            arrived, message = self.notifications.get(timeout=max(0.001, deadline - time.monotonic()))
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return arrived

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait()


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def run_round(command: list[str], path: Path, edits: int) -> list[float]:
    """Latencies in milliseconds of ``edits`` edits (warm-up included)."""
    client = Client(command)
    try:
        client.request("initialize", {"processId": os.getpid(), "rootUri": path.parent.as_uri(),
                                      "capabilities": CAPABILITIES})
        client.notify("initialized", {})
        uri, text = path.as_uri(), path.read_text(encoding="utf-8")
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}})
        client.diagnostics(uri)
        lines = text.split("\n")
        targets = [i for i, line in enumerate(lines) if line.strip()] or [0]
        samples: list[float] = []
        edited = targets[0]
        for k in range(edits):
            if k % 2 == 0:  # insert a space at the end of a line ...
                edited = targets[(k * 7919) % len(targets)]
                end = utf16_length(lines[edited])
                change = {"range": {"start": {"line": edited, "character": end},
                                    "end": {"line": edited, "character": end}}, "text": " "}
                lines[edited] += " "
            else:  # ... and delete it again
                end = utf16_length(lines[edited])
                change = {"range": {"start": {"line": edited, "character": end - 1},
                                    "end": {"line": edited, "character": end}}, "text": ""}
                lines[edited] = lines[edited][:-1]
            sent = client.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": k + 2}, "contentChanges": [change]})
            samples.append((client.diagnostics(uri) - sent) * 1000)
            time.sleep(0.01)
        return samples
    finally:
        client.close()


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (f"median {statistics.median(ordered):6.2f} ms   p90 {p90:6.2f} ms   "
            f"min {ordered[0]:6.2f}   max {ordered[-1]:7.2f}   n={len(ordered)}")


def engine_alone(path: Path, repeat: int = 60) -> float:
    """Median milliseconds of dockls' analysis plus range conversion in-process: the part of the
    latency that is the engine rather than the protocol. Same cadence as the edits (10 ms apart):
    back to back, caches stay warm and the figure comes out up to twice lower."""
    from dockls.engine import analyze
    from dockls.lsp import to_diagnostic
    from dockls.text import LineIndex

    text = path.read_text(encoding="utf-8")
    times = []
    for k in range(repeat):
        edited = text + " " * (k % 2)
        start = time.perf_counter()
        findings = analyze(edited).findings
        lines = LineIndex(edited)
        [to_diagnostic(finding, lines, "utf-16") for finding in findings]
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(0.01)
    return statistics.median(times[WARMUP:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, nargs="?", default=DEFAULT_FILE)
    parser.add_argument("--server", default=shlex.join(DOCKLS), help="command line of server A (default: dockls)")
    parser.add_argument("--vs", help="command line of server B, run in alternating rounds")
    parser.add_argument("--rcjsuen", action="store_true",
                        help=f"server B is rcjsuen's docker-langserver from {RCJSUEN.relative_to(HERE.parent)}")
    parser.add_argument("--edits", type=int, default=60, help="edits per round (default 60)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (default 3)")
    args = parser.parse_args()

    peer = args.vs
    if args.rcjsuen:
        if not RCJSUEN.exists() and not shutil.which("docker-langserver"):
            sys.exit("docker-langserver is not installed: npm install --prefix benchmarks")
        peer = shlex.join([str(RCJSUEN) if RCJSUEN.exists() else "docker-langserver", "--stdio"])
    path = args.file.resolve()
    a: list[float] = []
    b: list[float] = []
    for _ in range(args.rounds):
        a += run_round(shlex.split(args.server), path, args.edits)[WARMUP:]
        if peer:
            b += run_round(shlex.split(peer), path, args.edits)[WARMUP:]

    print(f"file: {path.name}, {len(path.read_text(encoding='utf-8').splitlines())} lines; "
          f"{args.rounds} rounds x {args.edits} edits, first {WARMUP} of each round dropped")
    print(f"A {args.server}\n  {summary(a)}")
    if args.server == shlex.join(DOCKLS):
        print(f"  of which the engine alone (in-process analysis + ranges): median {engine_alone(path):.2f} ms")
    if peer:
        print(f"B {peer}\n  {summary(b)}")
        print(f"ratio of medians A/B: {statistics.median(a) / statistics.median(b):.3f}")


if __name__ == "__main__":
    main()
