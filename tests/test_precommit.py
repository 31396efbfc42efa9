"""The pre-commit hooks in ``.pre-commit-hooks.yaml``: their ``files`` pattern picks exactly the files dockls
recognises, and their entries behave as pre-commit runs them (entry + the matching file names)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dockls.files import is_dockerfile, is_ignore_file

REPO = Path(__file__).resolve().parents[1]

# apt-get update alone in its RUN (a warning) and two RUNs that --fix merges.
WITH_WARNINGS = "FROM python:3.12-slim\nRUN apt-get update\nRUN apt-get install -y curl\n"
CLEAN = 'FROM scratch\nCOPY app /app\nUSER 65532:65532\nENTRYPOINT ["/app"]\n'

NAMES = [
    "Dockerfile", "dockerfile", "DOCKERFILE", "Containerfile", "containerfile",
    "Dockerfile.dev", "Dockerfile.prod.arm64", "Dockerfile.py.dev", "Dockerfile.dev.", "Containerfile.dev",
    "Containerfile-arm64", "Containerfile.", "containerfile_dev",
    "app.dockerfile", "app.Dockerfile", "web.DockerFile", ".dockerfile", "x.containerfile", "x.Containerfile",
    ".dockerignore", ".containerignore", "app.dockerignore", "Dockerfile.dockerignore", "app.Dockerfile.dockerignore",
    # not Dockerfiles
    "Dockerfile.py", "Dockerfile.PY", "Dockerfile.dev.py", "Dockerfile.md", "Dockerfile.yml", "Dockerfile.sh",
    "Dockerfile.orig", "Dockerfile.swp", "Dockerfile.", "Dockerfiles", "MyDockerfile", "Containerfile-dev.py",
    "Containerfile.md", "Dockerfile-dev", "Dockerfile_dev",
    "docker-compose.yml", "compose.yaml", "dockerfile.go", "README.md", ".Dockerignore", "dockerignore",
    ".containerignore.bak", "x.containerignore", "Dockerfile.DockerIgnore",
]


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def _recognised(path: str) -> bool:
    return is_dockerfile(path) or is_ignore_file(path)


def test_hooks_shape() -> None:
    hooks = _hooks()
    assert set(hooks) == {"dockls", "dockls-fix"}
    assert hooks["dockls"]["entry"] == "dockls --check"
    assert hooks["dockls-fix"]["entry"] == "dockls --fix"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["name"]
        assert hook["files"] == hooks["dockls"]["files"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("folder", ["", "x/", "deep/er/"])
def test_files_pattern_agrees_with_dockls(name: str, folder: str) -> None:
    # pre-commit searches the pattern in the path relative to the repository root.
    pattern = re.compile(_hooks()["dockls"]["files"])
    path = folder + name
    assert bool(pattern.search(path)) == _recognised(path)


def test_table_covers_both_answers() -> None:
    assert {_recognised(name) for name in NAMES} == {True, False}
    assert _recognised("x/Dockerfile") and not _recognised("Dockerfile.py")
    assert not _recognised("Dockerfile/x.txt")


def _run_hook(hook_id: str, root: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook as pre-commit does: its entry, then every matching file (relative path) as arguments."""
    hook = _hooks()[hook_id]
    pattern = re.compile(hook["files"])
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    matching = [path for path in files if pattern.search(path)]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "dockls"
    command = [sys.executable, "-m", "dockls", *entry[1:], *matching]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120, check=False)


def _project(root: Path, dockerfile: str) -> None:
    (root / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    (root / ".dockerignore").write_text(".git\n", encoding="utf-8")
    # Not Dockerfiles: they must not be passed to the hook (a Python file would be full of "findings").
    (root / "Dockerfile.py").write_text("print('not a Dockerfile')\n", encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("# notes\n", encoding="utf-8")


def test_check_hook_fails_on_warnings(tmp_path: Path) -> None:
    _project(tmp_path, WITH_WARNINGS)
    result = _run_hook("dockls", tmp_path)
    assert result.returncode == 1, result.stderr
    assert "apt-update-alone" in result.stdout
    assert result.args[-2:] == [".dockerignore", "Dockerfile"]  # not Dockerfile.py nor docs/notes.md
    assert "Dockerfile.py" not in result.stdout + result.stderr


def test_check_hook_passes_clean_files(tmp_path: Path) -> None:
    _project(tmp_path, CLEAN)
    result = _run_hook("dockls", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems found (2 files checked)." in result.stderr


def test_check_hook_passes_when_no_dockerfile_matches(tmp_path: Path) -> None:
    # pre-commit skips a hook whose pattern matches nothing; were it run anyway, `dockls --check` with
    # no path searches '.', which here holds no Dockerfile.
    (tmp_path / "Dockerfile.py").write_text("print('not a Dockerfile')\n", encoding="utf-8")
    result = _run_hook("dockls", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fix_hook_fixes_then_is_stable(tmp_path: Path) -> None:
    _project(tmp_path, WITH_WARNINGS)
    dockerfile = tmp_path / "Dockerfile"
    first = _run_hook("dockls-fix", tmp_path)
    fixed = dockerfile.read_text(encoding="utf-8")
    assert fixed != WITH_WARNINGS
    assert fixed.count("RUN ") == 1  # the two RUNs were merged
    assert "Fixed" in first.stderr
    _run_hook("dockls-fix", tmp_path)
    assert dockerfile.read_text(encoding="utf-8") == fixed
    assert (tmp_path / "Dockerfile.py").read_text(encoding="utf-8") == "print('not a Dockerfile')\n"
