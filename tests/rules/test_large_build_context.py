"""large-build-context (DKL054): COPY . of a context larger than the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.buildcontext import CACHE, context_for
from dockls.buildcontext import DEFAULT_LARGE_THRESHOLD as DEFAULT_THRESHOLD
from dockls.engine import analyze, rule_by_key
from dockls.rule import Finding, Severity
from tests.trees import tree

NAME = "large-build-context"
MB = 1_000_000


pytestmark = pytest.mark.usefixtures("fresh_walks")


def run(root: Path, text: str, max_files: int | None = None) -> list[Finding]:
    rule = rule_by_key(NAME)
    assert rule is not None
    dockerfile = root / "Dockerfile"
    dockerfile.write_text(text)
    context = context_for(dockerfile)
    if max_files is not None:
        context.max_files = max_files
    return analyze(text, rules=[rule], context=context).findings


BIG = {"data/a.bin": 30 * MB, "data/b.bin": 20 * MB, "model.onnx": 12 * MB, "src/app.py": 5 * MB,
       "src/lib/x.py": 1 * MB, "README.md": 100}


def test_fires_with_total_count_and_largest_entries(tmp_path: Path) -> None:
    tree(tmp_path, BIG, sparse=True)
    text = "FROM python:3.13-slim\nCOPY . /app\n"
    [finding] = run(tmp_path, text)
    assert finding.effective_severity is Severity.INFO
    assert text[finding.span.start:finding.span.end] == "."
    assert finding.message == ("`COPY .` copies a large build context: 68 MB in 7 files sent (more than 50 MB); "
                               "largest: `data/` 50 MB (2 files), `model.onnx` 12 MB, `src/` 6 MB (2 files)")


def test_exclusions_count(tmp_path: Path) -> None:
    tree(tmp_path, {**BIG, ".dockerignore": "data\n"}, sparse=True)
    assert run(tmp_path, "FROM alpine\nCOPY . /app\n") == []


def test_threshold_is_exclusive(tmp_path: Path) -> None:
    tree(tmp_path, {"a": DEFAULT_THRESHOLD - len("FROM alpine\nCOPY . /app\n")}, sparse=True)
    assert run(tmp_path, "FROM alpine\nCOPY . /app\n") == []


def test_reported_once_on_the_first_whole_context_copy(tmp_path: Path) -> None:
    tree(tmp_path, BIG, sparse=True)
    text = "FROM alpine AS build\nCOPY src /src\nADD ./ /all\nFROM alpine\nCOPY . /app\n"
    [finding] = run(tmp_path, text)
    assert finding.span.start == text.index("./ /all")
    assert finding.message.startswith("`ADD ./` copies")


@pytest.mark.parametrize("text", [
    "FROM alpine\nCOPY src/ /app/\n",  # named files only: the rest of the context is not transferred
    "FROM alpine\nCOPY --from=build . /app\n",
    "FROM alpine\nONBUILD COPY . /app\n",
])
def test_silent_without_a_whole_context_copy(tmp_path: Path, text: str) -> None:
    tree(tmp_path, BIG, sparse=True)
    assert run(tmp_path, text) == []


def test_capped_walk(tmp_path: Path) -> None:
    tree(tmp_path, {f"f{i:02}": 10 * MB for i in range(10)}, sparse=True)
    assert run(tmp_path, "FROM alpine\nCOPY . /app\n", max_files=3) == []  # capped below the threshold
    CACHE.clear()
    [finding] = run(tmp_path, "FROM alpine\nCOPY . /app\n", max_files=7)  # the Dockerfile and six of them
    assert "at least 60 MB in 7 files" in finding.message


def test_silent_without_a_context_and_suppressed(tmp_path: Path) -> None:
    rule = rule_by_key(NAME)
    assert rule is not None
    assert analyze("FROM alpine\nCOPY . /app\n", rules=[rule]).findings == []
    tree(tmp_path, BIG, sparse=True)
    assert run(tmp_path, "FROM alpine\n# dockls ignore=DKL054\nCOPY . /app\n") == []
