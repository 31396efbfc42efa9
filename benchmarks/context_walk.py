"""How long walking a large build context takes: ``BuildContext.walk()`` + ``summary()``.

Builds a synthetic context in a temporary directory (source tree, a node_modules-like tree, a
.git-like tree, assets, and a .dockerignore of 20 patterns with ``!`` exceptions), then times:

- cold: a fresh cache, so the directory is walked and the ignore file applied to every file;
- warm: the same context again, answered from the cache;
- capped: the editor's limits lowered (``max_files`` / ``max_seconds``), to show where a walk stops.

"Cold" is cold for dockls only: the files were just written, so the operating system has them cached.

    python3 benchmarks/context_walk.py                 # 100,000 files
    python3 benchmarks/context_walk.py --files 20000 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from dockls.buildcontext import (
    DEFAULT_MAX_FILES,
    DEFAULT_MAX_SECONDS,
    BuildContext,
    ContextCache,
    ContextSummary,
    context_for,
)

T = TypeVar("T")

IGNORE = """\
# dependencies and VCS
.git
node_modules
!node_modules/keep-me/**
**/__pycache__
*.pyc
# build outputs
dist/
build/
coverage/
# logs and editor junk
*.log
!important.log
.idea
.vscode
*.swp
.DS_Store
# secrets
.env*
!.env.example
*.pem
# big test data
assets/**/*.raw
!assets/**/keep.raw
"""

# (share of the files, directory layout, size of each file in bytes)
LAYOUT: list[tuple[float, Callable[[int], str], int]] = [
    (0.40, lambda n: f"src/pkg{n % 20:02d}/mod{n // 20 % 25:02d}/file{n}.py", 900),
    (0.35, lambda n: f"node_modules/{'keep-me' if n % 50 == 0 else f'lib{n % 400:03d}'}/dist/f{n}.js", 2_500),
    (0.15, lambda n: f".git/objects/{n % 256:02x}/{n:038x}", 1_200),
    (0.05, lambda n: f"assets/set{n % 10}/" + (f"kept{n}/keep.raw" if n % 97 == 0 else f"img{n}.raw"), 40_000),
    (0.05, lambda n: f"{('dist', 'build', 'coverage', 'docs')[n % 4]}/part{n % 7}/out{n}.txt", 3_000),
]


def build(root: Path, files: int) -> None:
    (root / ".dockerignore").write_text(IGNORE)
    (root / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\n")
    made: set[Path] = set()
    counts = [int(files * share) for share, _, _ in LAYOUT]
    counts[0] = max(counts[0] + files - 2 - sum(counts), 0)  # `files` files in all, the two above included
    for count, (_, path_of, size) in zip(counts, LAYOUT):
        payload = b"x" * size
        for number in range(count):
            path = root / path_of(number)
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(payload)


def timed(run: Callable[[], T], repeat: int) -> tuple[float, T]:
    samples: list[float] = []
    results: list[T] = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        results.append(run())
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), results[-1]


def fresh(
    dockerfile: Path, max_files: int = DEFAULT_MAX_FILES, max_seconds: float = DEFAULT_MAX_SECONDS
) -> BuildContext:
    """The context of ``dockerfile`` with a cache of its own, so that nothing is reused."""
    context = context_for(dockerfile)
    context.cache = ContextCache()
    context.max_files, context.max_seconds = max_files, max_seconds
    return context


def fresh_summary(dockerfile: Path, max_files: int, max_seconds: float) -> ContextSummary:
    return fresh(dockerfile, max_files, max_seconds).summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000, help="how many files to create (default: 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown (default: 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dockls-context-") as temporary:
        root = Path(temporary)
        start = time.perf_counter()
        build(root, args.files)
        print(f"built {args.files:,} files in {time.perf_counter() - start:.1f} s under {root}")
        dockerfile = root / "Dockerfile"

        cold_seconds, summary = timed(lambda: fresh(dockerfile).summary(), args.repeat)
        walk_seconds, _ = timed(lambda: fresh(dockerfile).walk(), args.repeat)
        warm_context = fresh(dockerfile)
        warm_context.summary()
        warm_seconds, _ = timed(warm_context.summary, args.repeat)

        print(f"{'measure':<42} {'median':>10}  result")
        print(f"{'walk() alone, cold':<42} {walk_seconds * 1000:>8.0f} ms")
        print(f"{'walk() + summary(), cold':<42} {cold_seconds * 1000:>8.0f} ms  {_describe(summary)}")
        print(f"{'walk() + summary(), warm (cached)':<42} {warm_seconds * 1000:>8.2f} ms")
        for label, max_files, max_seconds in (
            ("capped at 20,000 files", 20_000, DEFAULT_MAX_SECONDS),
            ("capped at 0.1 s", DEFAULT_MAX_FILES, 0.1),
        ):
            seconds, capped = timed(partial(fresh_summary, dockerfile, max_files, max_seconds), args.repeat)
            print(f"{'walk() + summary(), ' + label:<42} {seconds * 1000:>8.0f} ms  {_describe(capped)}")


def _describe(summary: ContextSummary) -> str:
    walked = summary.file_count + summary.excluded_count
    note = f"; {summary.capped}" if summary.capped else ""
    return f"{walked:,} files walked, {summary.file_count:,} sent ({summary.total_bytes / 1e6:.1f} MB){note}"


if __name__ == "__main__":
    main()
