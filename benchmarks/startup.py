#!/usr/bin/env python3
"""Start-up to first diagnostics of dockls' language server, optionally side by side with a peer.

    python benchmarks/startup.py                        # dockls alone, on ../shared/tools/Dockerfile.sample
    python benchmarks/startup.py --rcjsuen --runs 10    # and rcjsuen's docker-langserver (npm, see README)

Method: a sample is the time from spawning a fresh server process to reading its first
publishDiagnostics, through initialize → initialized → didOpen(FILE). Each server runs once untimed
first (bytecode caches written, files in the OS cache), then the servers are spawned in turn
(A B A B …) ``--runs`` times each; the figure is the median. dockls runs with PYTHONDONTWRITEBYTECODE
unset, as installed for users, whatever this shell sets: without bytecode caches every start
recompiles its modules.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dockerfiles import SAMPLE
from lsp_client import Client, add_server_options, parse_arguments, with_bytecode_caches
from lsp_latency import comparison

NOTE = "PYTHONDONTWRITEBYTECODE unset for the servers (bytecode caches on, as in users' installs)"


def first_diagnostics(command: list[str], path: Path) -> float:
    """Milliseconds from spawning ``command`` to its first publishDiagnostics for ``path``."""
    uri, text = path.as_uri(), path.read_text(encoding="utf-8")
    start = time.perf_counter()
    client = Client(command, env=with_bytecode_caches())
    try:
        client.initialize(path.parent)
        client.open(uri, text)
        arrived, _ = client.diagnostics(uri)
        return (arrived - start) * 1000
    finally:
        client.close()


def alternating(servers: list[list[str]], path: Path, runs: int) -> list[list[float]]:
    """Each server's start-up times in ms over ``runs`` fresh processes, after one untimed start."""
    for command in servers:
        first_diagnostics(command, path)
    samples: list[list[float]] = [[] for _ in servers]
    for _ in range(runs):
        for command, collected in zip(servers, samples):
            collected.append(first_diagnostics(command, path))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, nargs="?", default=SAMPLE)
    add_server_options(parser, "spawned in turn with A")
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per server (default 10)")
    args, servers = parse_arguments(parser)
    samples = alternating(servers, args.file.resolve(), args.runs)
    print(f"start-up to first diagnostics, {args.file.name}; {NOTE}")
    print("\n".join(comparison(servers, samples)))


if __name__ == "__main__":
    main()
