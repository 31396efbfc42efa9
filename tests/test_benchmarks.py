"""Smoke test of the benchmarks: each script runs in its quickest mode against dockls alone (no peer)
and prints the figures it is for. Nothing here judges speed: the figures are only checked to be there.

The scripts run at once, in parallel, so the whole module costs about as long as its slowest script.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SAMPLE = ROOT.parent / "shared" / "tools" / "Dockerfile.sample"
NUMBER = r"\d[\d,]*\.\d+"

if not SAMPLE.is_file():
    pytest.skip(f"the benchmarks' sample {SAMPLE} is absent", allow_module_level=True)

# script → its arguments (``{corpus}``: a folder of generated Dockerfiles)
RUNS = {
    "all.py": ["--quick", "--no-peers", "--corpus", "{corpus}"],
    "lsp_latency.py": ["--rounds", "1", "--edits", "2", "--lines", "300"],
    "editor_features.py": ["--every", "40", "--repeat", "1"],
    "startup.py": ["--runs", "1"],
    "memory.py": ["--documents", "3"],
    "growth.py": ["--scales", "1", "2", "--repeat", "1", "--edits", "3"],
    "throughput.py": ["--no-peers", "--repeat", "1", "--corpus", "{corpus}"],
    "context_walk.py": ["--files", "300", "--repeat", "1"],
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Each script's standard output (the test fails on a non-zero exit)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from dockerfiles import sample, variant, write
    finally:
        sys.path.remove(str(BENCHMARKS))
    corpus = tmp_path_factory.mktemp("corpus")
    for number in (1, 2, 3):  # named like the shared corpus: owner__repo__Dockerfile
        write(corpus, f"owner__repo{number}__Dockerfile", variant(sample(), number))
    processes = {
        script: subprocess.Popen([sys.executable, str(BENCHMARKS / script),
                                  *(argument.format(corpus=corpus) for argument in arguments)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for script, arguments in RUNS.items()
    }
    results = {}
    for script, process in processes.items():
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, f"{script} failed:\n{stdout}\n{stderr}"
        results[script] = stdout
    yield results


def test_all_prints_a_summary_row_with_a_figure_for_every_measure(outputs: dict[str, str]) -> None:
    summary = outputs["all.py"].split("== summary", 1)[1]
    for measure in ("edit -> diagnostics, sample", "edit -> diagnostics, 3,000 lines", "hover", "completion",
                    "start-up -> first diagnostics", "VmRSS, 10 documents", "--check throughput",
                    "analyze() per-line cost, 3x/1x", "edit -> diagnostics per-line cost, 3x/1x"):
        row = re.search(rf"^{re.escape(measure)}.*$", summary, re.MULTILINE)
        assert row, f"no summary row for {measure}:\n{summary}"
        cells = [cell.strip() for cell in row[0].split("|")]
        assert re.fullmatch(rf"{NUMBER}( ms| MB| files/s)?", cells[1]), row[0]
        assert cells[2:4] == ["-", "-"], row[0]  # no peer, no ratio
        assert cells[5] in {"yes", "NO", "-"}, row[0]
    assert "PYTHONDONTWRITEBYTECODE unset" in outputs["all.py"]


def test_lsp_latency_prints_the_median_and_the_engines_share(outputs: dict[str, str]) -> None:
    output = outputs["lsp_latency.py"]
    assert "file: Dockerfile, 300 lines; 1 rounds x 2 timed edits" in output
    assert re.search(rf"^A .*-m dockls --stdio\n  median +{NUMBER} ms +p90", output, re.MULTILINE)
    assert re.search(rf"engine alone .*: median {NUMBER} ms", output)


def test_editor_features_times_hover_and_completion(outputs: dict[str, str]) -> None:
    for request in ("hover", "completion"):
        assert re.search(rf"^{request} +{NUMBER} / +{NUMBER} ms$", outputs["editor_features.py"], re.MULTILINE)


def test_startup_says_bytecode_caches_are_on(outputs: dict[str, str]) -> None:
    output = outputs["startup.py"]
    assert "PYTHONDONTWRITEBYTECODE unset" in output
    assert re.search(rf"median +{NUMBER} ms .* n=1$", output, re.MULTILINE)


def test_memory_reads_resident_and_peak(outputs: dict[str, str]) -> None:
    output = outputs["memory.py"]
    assert "3 open documents" in output
    assert re.search(rf"VmRSS +{NUMBER} MB +VmHWM +{NUMBER} MB +\(after initialize, no document: VmRSS +{NUMBER} MB",
                     output)


def test_growth_shows_per_line_cost_for_each_size(outputs: dict[str, str]) -> None:
    output = outputs["growth.py"]
    for measure in ("analyze() in-process", "edit → diagnostics, dockls"):
        for scale in ("1x", "2x"):
            assert re.search(rf"^ +{scale} +\d+ +\d+  {re.escape(measure)} +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER}$",
                             output, re.MULTILINE), f"{measure} at {scale}:\n{output}"


def test_throughput_counts_files_per_second(outputs: dict[str, str]) -> None:
    output = outputs["throughput.py"]
    assert "(3 Dockerfiles," in output
    assert re.search(rf"dockls +{NUMBER} s +{NUMBER} files/s +\(\d+ findings\)", output)
    assert "hadolint" not in output


def test_context_walk_times_each_case(outputs: dict[str, str]) -> None:
    assert re.search(r"cold.*\d", outputs["context_walk.py"])
    assert re.search(r"warm.*\d", outputs["context_walk.py"])
