#!/usr/bin/env python3
"""Resident memory of dockls' language server with many open documents, optionally beside a peer.

    python benchmarks/memory.py                          # dockls alone, 200 documents
    python benchmarks/memory.py --rcjsuen --documents 200

Method: start the server, initialize, open ``--documents`` distinct documents — variants of
../shared/tools/Dockerfile.sample (stage names suffixed with the document's number), each written as
``appN/Dockerfile`` in a temporary workspace — and wait until every one of them got its
publishDiagnostics. Then read VmRSS (resident now) and VmHWM (peak resident) from
/proc/<pid>/status of the server process, summed with its child processes if it has any (the node
process for docker-langserver). Also shown: the same after initialize with no document open. Linux
only (/proc).
"""

from __future__ import annotations

import argparse
import shlex
import tempfile
from pathlib import Path

from dockerfiles import sample, variant, write
from lsp_client import Client, add_server_options, parse_arguments


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    tree = [pid]
    for process in tree:
        for task in Path(f"/proc/{process}/task").glob("*"):
            try:
                tree += [int(child) for child in (task / "children").read_text().split()]
            except OSError:  # the task ended meanwhile
                continue
    return tree


def resident_kb(pid: int) -> tuple[int, int]:
    """VmRSS and VmHWM in kB, summed over ``pid``'s process tree."""
    rss = peak = 0
    for process in process_tree(pid):
        try:
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{process}/status").read_text().splitlines())
        except OSError:
            continue
        rss += int(fields.get("VmRSS", "0 kB").split()[0])
        peak += int(fields.get("VmHWM", "0 kB").split()[0])
    return rss, peak


def with_documents(command: list[str], documents: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(VmRSS, VmHWM) in kB after initialize, and with ``documents`` documents open and diagnosed."""
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch)
        text = sample()
        paths = []
        for number in range(1, documents + 1):
            (workspace / f"app{number}").mkdir()
            paths.append(write(workspace / f"app{number}", "Dockerfile", variant(text, number)))
        client = Client(command)
        try:
            client.initialize(workspace)
            idle = resident_kb(client.process.pid)
            for path in paths:
                client.open(path.as_uri(), path.read_text(encoding="utf-8"))
            waiting = {path.as_uri() for path in paths}
            while waiting:
                waiting.discard(client.diagnostics(timeout=120)[1])
            return idle, resident_kb(client.process.pid)
        finally:
            client.close()


def megabytes(kb: int) -> str:
    return f"{kb / 1024:6.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_options(parser, "measured after A")
    parser.add_argument("--documents", type=int, default=200, help="documents to open (default 200)")
    args, servers = parse_arguments(parser)
    print(f"resident memory, {args.documents} open documents (variants of the sample)")
    for label, command in zip("AB", servers):
        (idle, _), (rss, peak) = with_documents(command, args.documents)
        print(f"{label} {shlex.join(command)}\n  VmRSS {megabytes(rss)}   VmHWM {megabytes(peak)}   "
              f"(after initialize, no document: VmRSS {megabytes(idle)})")


if __name__ == "__main__":
    main()
