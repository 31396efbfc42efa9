"""Finding inputs under directories (names, .gitignore, --exclude, symlinks) and the progress line."""

from __future__ import annotations

import io
import itertools
import os
import sys
from pathlib import Path

import pytest

from dockls.cli import Progress, main
from dockls.files import find_inputs, is_dockerfile, is_ignore_file


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("FROM alpine\n" if not name.endswith("ignore") else "*.log\n", encoding="utf-8")


def _found(root: Path, *exclude: str, cwd: Path | None = None) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in find_inputs(root, exclude, cwd or root))


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", [
    "Dockerfile", "dockerfile", "DOCKERFILE", "Dockerfile.dev", "Dockerfile.prod.arm64", "api.Dockerfile",
    "api.dockerfile", "Containerfile", "Containerfile.dev", "Containerfile-arm64", "web.containerfile",
])
def test_dockerfile_names(name: str) -> None:
    assert is_dockerfile(name) and is_dockerfile(Path("some/dir") / name)
    assert not is_ignore_file(name)


@pytest.mark.parametrize("name", [
    "Dockerfile.py", "Dockerfile.md", "Dockerfile.sh", "Containerfile.yaml", "Dockerfile.", "Dockerfiles",
    "Dockerfile-dev", "mydockerfile", "docker-compose.yml", "Dockerfile.dockerignore", ".dockerignore",
])
def test_names_that_are_not_dockerfiles(name: str) -> None:
    assert not is_dockerfile(name)


@pytest.mark.parametrize("name", [".dockerignore", ".containerignore", "Dockerfile.dockerignore",
                                  "api.Dockerfile.dockerignore"])
def test_ignore_file_names(name: str) -> None:
    assert is_ignore_file(name)


# --------------------------------------------------------------------------- .gitignore and --exclude


def test_gitignore_at_every_level_applies_relative_to_its_directory(tmp_path: Path) -> None:
    _touch(tmp_path, "Dockerfile", "build/Dockerfile", "app/Dockerfile", "app/gen/Dockerfile",
           "app/keep.Dockerfile", "app/tmp.Dockerfile", "gen/Dockerfile", "lib/app/gen/Dockerfile")
    (tmp_path / ".gitignore").write_text("build/\n*.Dockerfile\n", encoding="utf-8")
    (tmp_path / "app" / ".gitignore").write_text("/gen/\n!keep.Dockerfile\n", encoding="utf-8")
    assert _found(tmp_path) == ["Dockerfile", "app/Dockerfile", "app/keep.Dockerfile", "gen/Dockerfile",
                                "lib/app/gen/Dockerfile"]


def test_git_info_exclude_and_gitignore_above_the_walked_directory(tmp_path: Path) -> None:
    _touch(tmp_path, "svc/Dockerfile", "svc/old.Dockerfile", "svc/local.Dockerfile")
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local.Dockerfile\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("svc/old.Dockerfile\n", encoding="utf-8")
    assert _found(tmp_path / "svc") == ["Dockerfile"]
    assert _found(tmp_path) == ["svc/Dockerfile"]


def test_a_directory_named_explicitly_is_searched_even_when_ignored_or_excluded(tmp_path: Path) -> None:
    _touch(tmp_path, "build/Dockerfile", "build/out/Dockerfile", "build/skip.Dockerfile")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n", encoding="utf-8")
    (tmp_path / "build" / ".gitignore").write_text("skip.Dockerfile\n", encoding="utf-8")
    assert _found(tmp_path) == []
    assert _found(tmp_path / "build") == ["Dockerfile", "out/Dockerfile"]
    assert _found(tmp_path / "build", "build", cwd=tmp_path) == ["Dockerfile", "out/Dockerfile"]
    assert _found(tmp_path / "build", "out/", cwd=tmp_path) == ["Dockerfile"]


def test_gitignore_above_a_repository_is_not_honoured(tmp_path: Path) -> None:
    _touch(tmp_path, "repo/Dockerfile")
    (tmp_path / ".gitignore").write_text("repo/\n", encoding="utf-8")
    (tmp_path / "repo" / ".git").mkdir()
    assert _found(tmp_path / "repo") == ["Dockerfile"]


def test_exclude_patterns_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    _touch(tmp_path, "project/Dockerfile", "project/vendor/Dockerfile", "project/a/vendor/Dockerfile",
           "project/test.Dockerfile")
    project = tmp_path / "project"
    assert _found(project, "vendor/", cwd=project) == ["Dockerfile", "test.Dockerfile"]
    assert _found(project, "/vendor/", cwd=project) == ["Dockerfile", "a/vendor/Dockerfile", "test.Dockerfile"]
    assert _found(project, "project/*.Dockerfile", cwd=tmp_path) == [
        "Dockerfile", "a/vendor/Dockerfile", "vendor/Dockerfile"]


def test_cli_exclude_skips_walked_files_but_never_named_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(tmp_path, "Dockerfile", "vendor/Dockerfile", "ignored/Dockerfile")
    (tmp_path / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--check", "--isolated", "--select", "syntax-error", "--exclude", "vendor", "."]) == 0
    assert capsys.readouterr().err == "No problems found (1 file checked).\n"
    named = ["vendor/Dockerfile", "ignored/Dockerfile"]
    assert main(["--check", "--isolated", "--select", "syntax-error", "--exclude", "vendor", *named]) == 0
    assert capsys.readouterr().err == "No problems found (2 files checked).\n"


def test_an_unreadable_or_odd_gitignore_never_crashes(tmp_path: Path) -> None:
    _touch(tmp_path, "Dockerfile", "sub/Dockerfile", "sub/x.Dockerfile")
    (tmp_path / ".gitignore").mkdir()  # a directory where a file is expected
    (tmp_path / "sub" / ".gitignore").write_bytes(b"\xff\xfe[\n\\\n!\nx.Dockerfile\n")
    assert _found(tmp_path) == ["Dockerfile", "sub/Dockerfile"]  # invalid lines skipped, as git does


def test_an_invalid_exclude_pattern_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--exclude", "!", str(tmp_path)]) == 2
    assert "--exclude: '!' is not a valid gitignore pattern" in capsys.readouterr().err


# --------------------------------------------------------------------------- symlinks


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")
def test_symlinks_are_not_followed_out_of_the_tree(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    _touch(root, "Dockerfile", "real/base.Dockerfile")
    _touch(outside, "Dockerfile", "deep/Dockerfile")
    (root / "linked-dir").symlink_to(outside, target_is_directory=True)
    (root / "inner-dir").symlink_to(root / "real", target_is_directory=True)
    (root / "out.Dockerfile").symlink_to(outside / "Dockerfile")
    (root / "in.Dockerfile").symlink_to(root / "real" / "base.Dockerfile")
    (root / "loop").symlink_to(root, target_is_directory=True)
    assert _found(root) == ["Dockerfile", "in.Dockerfile", "real/base.Dockerfile"]


# --------------------------------------------------------------------------- progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_writes_nothing_when_not_a_terminal() -> None:
    stream, clock = io.StringIO(), _Clock()
    progress = Progress(stream, 50, clock)
    for _ in range(50):
        clock.now += 1
        progress.advance()
    progress.close()
    assert stream.getvalue() == ""


def test_progress_shows_after_a_moment_at_most_ten_times_a_second_and_is_erased() -> None:
    stream, clock = _Terminal(), _Clock()
    progress = Progress(stream, 40, clock)
    for _ in range(10):  # the first 0.2 s: too soon to show anything
        clock.now += 0.02
        progress.advance()
    assert stream.getvalue() == ""
    for _ in range(30):  # 0.6 s more, advancing every 20 ms
        clock.now += 0.02
        progress.advance()
    lines = stream.getvalue().split("\r")[1:]
    assert all(line.startswith("checking: ") and line.endswith("/40 files") for line in lines)
    counts = [int(line.removeprefix("checking: ").split("/")[0]) for line in lines]
    # Shown from 0.5 s (about the 25th file) on, then once per 0.1 s (every 5 files).
    assert 3 <= len(counts) <= 4 and 24 <= counts[0] <= 26
    assert all(later - earlier >= 5 for earlier, later in itertools.pairwise(counts))
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_quick_progress_on_a_terminal_leaves_nothing_behind() -> None:
    stream = _Terminal()
    progress = Progress(stream, 3)
    for _ in range(3):
        progress.advance()
    progress.close()
    assert stream.getvalue() == ""


def test_cli_on_a_non_terminal_prints_no_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(tmp_path, *(f"s{k}/Dockerfile" for k in range(5)))
    monkeypatch.setattr(Progress, "DELAY", 0.0)
    monkeypatch.setattr(Progress, "INTERVAL", 0.0)
    assert main(["--check", "--isolated", "--select", "syntax-error", str(tmp_path)]) == 0
    assert capsys.readouterr().err == "No problems found (5 files checked).\n"


def test_cli_on_a_terminal_prints_progress_then_erases_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch(tmp_path, *(f"s{k}/Dockerfile" for k in range(5)))
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(Progress, "DELAY", 0.0)
    monkeypatch.setattr(Progress, "INTERVAL", 0.0)
    assert main(["--check", "--isolated", "--select", "syntax-error", "--format", "json", "--output",
                 str(tmp_path / "report.json"), str(tmp_path)]) == 0
    assert terminal.getvalue() == (
        "".join(f"\rchecking: {k}/5 files" for k in range(1, 6)) + "\r\x1b[KNo problems found (5 files checked).\n"
    )
