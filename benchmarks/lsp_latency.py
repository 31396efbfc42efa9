#!/usr/bin/env python3
"""Edit-to-diagnostics latency of dockls' language server, optionally side by side with a peer.

    python benchmarks/lsp_latency.py                       # dockls alone, on ../shared/tools/Dockerfile.sample
    python benchmarks/lsp_latency.py --rcjsuen             # and rcjsuen's docker-langserver (npm, see README)
    python benchmarks/lsp_latency.py --lines 3000          # on the sample's stages repeated to 3,000 lines
    python benchmarks/lsp_latency.py FILE --vs "CMD ARGS"  # any other stdio server as the peer

Method: start the server, initialize (a client that does not pull diagnostics, so both servers push),
open FILE and wait for its first publishDiagnostics. Then type: each edit inserts a space at the end
of a non-blank line spread through the file, or deletes the space inserted just before, so the
content changes every time. A sample is the time from writing the didChange to reading the next
publishDiagnostics for the document; the client waits 10 ms between edits, so no two edits overlap.
The first WARMUP samples of each round are dropped (JIT and cache warm-up, for both servers alike).
With a peer, the two servers run in alternating rounds (A B A B ...) so a drifting machine hurts both
alike, and the last line is the ratio of medians A/B. Standard library only, plus dockls itself for
the "engine alone" line.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import tempfile
import time
from pathlib import Path

from dockerfiles import BENCH, SAMPLE, with_lines, write
from lsp_client import DOCKLS, Client, add_server_options, parse_arguments, utf16_length

WARMUP = 5


def run_round(command: list[str], path: Path, edits: int) -> list[float]:
    """Latencies in milliseconds of ``edits`` edits (warm-up included)."""
    client = Client(command)
    try:
        client.initialize(path.parent)
        uri, text = path.as_uri(), path.read_text(encoding="utf-8")
        client.open(uri, text)
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
            samples.append((client.diagnostics(uri, version=k + 2)[0] - sent) * 1000)
            time.sleep(0.01)
        return samples
    finally:
        client.close()


def alternating(servers: list[list[str]], path: Path, rounds: int, edits: int,
                warmup: int = WARMUP) -> list[list[float]]:
    """Each server's latencies in ms, the first ``warmup`` of each round dropped, over ``rounds``
    rounds run in turn (A B A B …)."""
    samples: list[list[float]] = [[] for _ in servers]
    for _ in range(rounds):
        for command, collected in zip(servers, samples):
            collected += run_round(command, path, edits + warmup)[warmup:]
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (f"median {statistics.median(ordered):6.2f} ms   p90 {p90:6.2f} ms   "
            f"min {ordered[0]:6.2f}   max {ordered[-1]:7.2f}   n={len(ordered)}")


def comparison(servers: list[list[str]], samples: list[list[float]]) -> list[str]:
    """Each server's summary, and the ratio of medians A/B when there are two."""
    lines = [f"{label} {shlex.join(command)}\n  {summary(times)}"
             for label, command, times in zip("AB", servers, samples)]
    if len(samples) > 1:
        lines.append(f"ratio of medians A/B: {statistics.median(samples[0]) / statistics.median(samples[1]):.3f}")
    return lines


def engine_alone(path: Path, repeat: int = 55) -> float:
    """Median milliseconds of dockls' analysis plus range conversion in-process: the part of the
    latency that is the engine rather than the protocol. Same cadence as the edits (10 ms apart):
    back to back, caches stay warm and the figure comes out up to twice lower."""
    from dockls.engine import analyze, prepare_process
    from dockls.lsp import to_diagnostic
    from dockls.text import LineIndex

    prepare_process()  # as the server does
    text = path.read_text(encoding="utf-8")
    times = []
    for k in range(repeat + WARMUP):
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
    parser.add_argument("file", type=Path, nargs="?", default=SAMPLE,
                        help=f"the Dockerfile to edit (default: the sample; {BENCH.name} is another)")
    parser.add_argument("--lines", type=int, metavar="N", help="edit FILE's stages repeated to N lines instead")
    add_server_options(parser, "run in alternating rounds")
    parser.add_argument("--edits", type=int, default=55,
                        help=f"timed edits per round, after {WARMUP} untimed ones (default 55)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server (default 3)")
    args, servers = parse_arguments(parser)
    with tempfile.TemporaryDirectory() as scratch:
        path = args.file.resolve()
        if args.lines:
            text = with_lines(path.read_text(encoding="utf-8"), args.lines)
            path = write(Path(scratch), "Dockerfile", text)
        samples = alternating(servers, path, args.rounds, args.edits)
        print(f"file: {path.name}, {len(path.read_text(encoding='utf-8').splitlines())} lines; "
              f"{args.rounds} rounds x {args.edits} timed edits, after {WARMUP} untimed ones")
        print("\n".join(comparison(servers, samples)))
        if servers[0] == DOCKLS:
            print(f"of which, for A, the engine alone (in-process analysis + ranges): median "
                  f"{engine_alone(path):.2f} ms")


if __name__ == "__main__":
    main()
