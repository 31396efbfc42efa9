"""The composite GitHub Action in ``action.yml``: its shape, and its check step run as the runner runs it
(bash, inputs rendered with their defaults or given values) on fixture files."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]

WITH_WARNINGS = "FROM python:3.12-slim\nRUN apt-get update\nRUN apt-get install -y curl\n"
CLEAN = 'FROM scratch\nCOPY app /app\nUSER 65532:65532\nENTRYPOINT ["/app"]\n'

INPUT_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")


def _action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    return action


def _step(name: str) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in _action()["runs"]["steps"] if s.get("name") == name)
    return step


def test_inputs_and_defaults() -> None:
    inputs = _action()["inputs"]
    defaults = {name: spec["default"] for name, spec in inputs.items()}
    assert defaults == {
        "paths": ".", "format": "github", "severity-threshold": "warning", "install": "", "python-version": "",
        "args": "",
    }
    for spec in inputs.values():
        assert spec["description"]
        assert spec["required"] is False


def test_steps_shape() -> None:
    action = _action()
    assert action["name"] == "dockls" and action["description"]
    assert action["runs"]["using"] == "composite"
    assert "outputs" not in action  # the step's exit status and the annotations are the result
    steps = action["runs"]["steps"]
    assert [step["name"] for step in steps] == ["Set up Python", "Install dockls", "Check Dockerfiles"]
    setup = steps[0]
    assert setup["uses"].startswith("actions/setup-python@") and setup["if"] == "inputs.python-version != ''"
    declared = set(action["inputs"])
    for step in steps[1:]:
        assert step["shell"] == "bash"  # composite run steps must name their shell
        # Inputs reach scripts only through env, so that an input cannot inject shell code.
        assert "${{" not in step["run"]
        for value in step["env"].values():
            assert INPUT_EXPRESSION.fullmatch(value) and INPUT_EXPRESSION.fullmatch(value)[1] in declared
    install = steps[1]["run"]
    assert '"${DOCKLS_INSTALL:-$GITHUB_ACTION_PATH}"' in install  # default: the action's own checkout
    assert '>> "$GITHUB_PATH"' in install


def _run_check(root: Path, **given: str) -> subprocess.CompletedProcess[str]:
    """The check step as the runner runs it, with ``dockls`` being this checkout's ``python -m dockls``."""
    inputs = _action()["inputs"]
    values = {name: given.get(name.replace("-", "_"), spec["default"]) for name, spec in inputs.items()}
    step = _step("Check Dockerfiles")
    env = {**os.environ, **{key: INPUT_EXPRESSION.sub(lambda m: values[m[1]], value)
                            for key, value in step["env"].items()}}
    script = re.sub(r"^dockls ", f"{shlex.quote(sys.executable)} -m dockls ", step["run"], flags=re.MULTILINE)
    assert script != step["run"]
    (root.parent / "step.sh").write_text(script, encoding="utf-8")
    # GitHub runs `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`.
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(root.parent / "step.sh")]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)


def _project(tmp_path: Path, dockerfile: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (root / ".dockerignore").write_text(".git\n", encoding="utf-8")
    return root


def _annotations(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def test_defaults_annotate_and_fail_on_warnings(tmp_path: Path) -> None:
    result = _run_check(_project(tmp_path, WITH_WARNINGS))
    assert result.returncode == 1, result.stderr
    annotations = _annotations(result.stdout)
    assert annotations == result.stdout.splitlines()  # github format: nothing but workflow commands
    assert any(line.startswith("::warning file=Dockerfile,line=2,") and "apt-update-alone" in line
               for line in annotations)


def test_defaults_pass_on_clean_files(tmp_path: Path) -> None:
    result = _run_check(_project(tmp_path, CLEAN))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _annotations(result.stdout) == []
    assert "No problems found (2 files checked)." in result.stderr


def test_severity_threshold_input(tmp_path: Path) -> None:
    result = _run_check(_project(tmp_path, WITH_WARNINGS), severity_threshold="error")
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("::warning ") for line in _annotations(result.stdout))


def test_paths_and_args_are_split_into_words(tmp_path: Path) -> None:
    root = _project(tmp_path, CLEAN)
    (root / "services").mkdir()
    (root / "services" / "api.Dockerfile").write_text(WITH_WARNINGS, encoding="utf-8")
    (root / "services" / "notes.md").write_text(WITH_WARNINGS, encoding="utf-8")
    result = _run_check(root, paths="Dockerfile  services", args="--format sarif --output dockls.sarif")
    assert result.returncode == 1, result.stderr
    assert {line.split(",")[0] for line in _annotations(result.stdout)} == {
        "::warning file=services/api.Dockerfile", "::notice file=services/api.Dockerfile"}
    sarif = json.loads((root / "dockls.sarif").read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"services/api.Dockerfile"}


def test_format_input(tmp_path: Path) -> None:
    result = _run_check(_project(tmp_path, WITH_WARNINGS), format="concise")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("Dockerfile:1:1: ")
    assert _annotations(result.stdout) == []
