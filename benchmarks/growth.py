#!/usr/bin/env python3
"""How dockls' cost grows with the size of a Dockerfile: 1x, 10x and 100x the sample.

    python benchmarks/growth.py                     # dockls alone
    python benchmarks/growth.py --rcjsuen           # and rcjsuen's docker-langserver's edit latency

The larger files repeat the sample's stages with unique stage names (dockerfiles.py); 100x is
≈ 460,000 characters, under the engine's MAX_CHARS (500,000: beyond it only the syntax of the
beginning is checked, so a larger file would look cheaper than it is — the script says so). Two
figures per size: the in-process analysis (``dockls.engine.analyze``, median of ``--repeat`` runs) and
the language server's edit → diagnostics latency (lsp_latency.py's method, servers in alternating
rounds). Each is also shown per line and per KB, and as the per-line cost relative to 1x: 1.0 at
every size means linear growth.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockerfiles import repeated, sample, write
from lsp_client import add_server_options, parse_arguments, server_name
from lsp_latency import alternating

from dockls.engine import MAX_CHARS, analyze, prepare_process

SCALES = (1, 10, 100)


@dataclass
class Size:
    scale: int
    lines: int
    kb: float
    analysis_ms: float
    edit_ms: list[float] = field(default_factory=list)  # per server


def analysis_ms(text: str, repeat: int) -> float:
    """Median milliseconds of one ``analyze(text)``, after one untimed run, in a process prepared as the
    server's and the CLI's are (garbage collector tuned for analyses)."""
    prepare_process()
    analyze(text)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        analyze(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(servers: list[list[str]], scales: Sequence[int], repeat: int, edits: int) -> list[Size]:
    """Each size's analysis time and, per server, median edit latency: ``repeat`` analyses and
    ``edits`` edits at 1x, fewer for larger files (divided by the scale; at least 3 and 5)."""
    base = sample()
    sizes = []
    with tempfile.TemporaryDirectory() as scratch:
        for scale in scales:
            text = repeated(base, scale)
            if len(text) > MAX_CHARS:
                print(f"note: {scale}x is {len(text):,} characters, over MAX_CHARS ({MAX_CHARS:,}): "
                      "dockls checks only the syntax of its beginning")
            path = write(Path(scratch), f"Dockerfile.{scale}x", text)
            size = Size(scale, len(text.splitlines()), len(text.encode()) / 1024,
                        analysis_ms(text, max(3, repeat // scale)))
            latencies = alternating(servers, path, 1, max(5, edits // scale), warmup=1 if scale > 1 else 3)
            size.edit_ms = [statistics.median(samples) for samples in latencies]
            sizes.append(size)
    return sizes


def per_line_growth(sizes: list[Size], cost: list[float]) -> list[float]:
    """Per-line cost at each size relative to the first size's."""
    first = cost[0] / sizes[0].lines
    return [value / size.lines / first for size, value in zip(sizes, cost)]


def report(sizes: list[Size], names: list[str]) -> list[str]:
    rows = [f"{'size':>5} {'lines':>6} {'KB':>6}  {'measure':<42}{'ms':>9}{'µs/line':>9}{'µs/KB':>9}"
            f"{'per line vs 1x':>16}"]
    costs = [("analyze() in-process", [size.analysis_ms for size in sizes])]
    costs += [(f"edit → diagnostics, {name}", [size.edit_ms[k] for size in sizes]) for k, name in enumerate(names)]
    for label, cost in costs:
        for size, value, growth in zip(sizes, cost, per_line_growth(sizes, cost)):
            rows.append(f"{size.scale:>4}x {size.lines:>6} {size.kb:>6.0f}  {label:<42}{value:>9.2f}"
                        f"{value * 1000 / size.lines:>9.1f}{value * 1000 / size.kb:>9.1f}{growth:>16.2f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_server_options(parser, "run in alternating rounds with A")
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES),
                        help="sizes, in copies of the sample (default 1 10 100)")
    parser.add_argument("--repeat", type=int, default=30, help="analyses at 1x (fewer for larger sizes; default 30)")
    parser.add_argument("--edits", type=int, default=30, help="timed edits at 1x (fewer for larger sizes; default 30)")
    args, servers = parse_arguments(parser)
    sizes = measure(servers, args.scales, args.repeat, args.edits)
    print("\n".join(report(sizes, [server_name(command) for command in servers])))


if __name__ == "__main__":
    main()
