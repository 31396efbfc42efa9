"""`dockls --fix` and `--diff` with fixes that create files (a missing .dockerignore)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.buildcontext import CACHE
from dockls.cli import main

DOCKERFILE = "FROM alpine:3.20\nWORKDIR /app\nCOPY . .\nUSER 65532\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    CACHE.clear()
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path


def test_diff_shows_the_new_file_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--diff", "--select", "dockerignore-missing", str(project / "Dockerfile")]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"--- /dev/null\n+++ {project / '.dockerignore'}\n")
    assert "+.git\n" in out
    assert not (project / ".dockerignore").exists()


def test_fix_creates_the_file_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--fix", "--select", "dockerignore-missing", str(project / "Dockerfile")]) == 0
    err = capsys.readouterr().err
    assert f"created {project / '.dockerignore'}" in err and "Fixed 1 problem in 1 file; 0 remain." in err
    created = (project / ".dockerignore").read_text()
    assert ".git" in created.splitlines()
    assert (project / "Dockerfile").read_text() == DOCKERFILE
    # The second run finds the file and has nothing left to do.
    assert main(["--fix", "--select", "dockerignore-missing", str(project / "Dockerfile")]) == 0
    assert "No problems found" in capsys.readouterr().err
    assert (project / ".dockerignore").read_text() == created


def test_stdin_has_no_build_context(project: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DOCKERFILE.encode())))
    assert main(["--fix", "--select", "dockerignore-missing", "-"]) == 0
    assert capsys.readouterr().out == DOCKERFILE
    assert not (project / ".dockerignore").exists()
