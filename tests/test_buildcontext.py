"""The build context: root and ignore-file resolution, the bounded walk, its cache, summaries and
``dockls context``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dockls import buildcontext
from dockls.buildcontext import (
    BuildContext,
    ContextCache,
    ContextFile,
    DirectoryTotal,
    context_for,
    invalidate,
    walk_directory,
)
from dockls.checker import Checker
from dockls.cli import main
from dockls.engine import Config, analyze_ignore

pytestmark = pytest.mark.usefixtures("fresh_walks")


def write(path: Path, content: bytes | str = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


IGNORE = "node_modules\n*.log\n!keep.log\n.git\n"
DOCKERFILE = "FROM scratch\nCOPY . /app\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small context with exactly known sizes (see test_summary_figures)."""
    root = tmp_path / "project"
    write(root / "Dockerfile", DOCKERFILE)
    write(root / ".dockerignore", IGNORE)
    write(root / "app" / "main.py", b"m" * 100)
    write(root / "app" / "util.py", b"u" * 50)
    write(root / "app" / "data" / "blob.bin", b"b" * 1000)
    write(root / "node_modules" / "a" / "index.js", b"a" * 5000)
    write(root / "node_modules" / "b" / "index.js", b"b" * 3000)
    write(root / ".git" / "HEAD", b"h" * 20)
    write(root / ".git" / "objects" / "x", b"x" * 4000)
    write(root / "debug.log", b"d" * 70)
    write(root / "keep.log", b"k" * 30)
    write(root / "README.md", b"r" * 10)
    return root


# --------------------------------------------------------------------------- resolution


def test_the_dockerfiles_directory_is_the_default_root(project: Path) -> None:
    context = context_for(project / "Dockerfile")
    assert context.root == project.resolve()
    assert context.root_from == "dockerfile"
    assert context.ignore_path == project.resolve() / ".dockerignore"
    assert context.ignore is not None


def test_a_configured_root_wins(tmp_path: Path) -> None:
    write(tmp_path / "docker" / "Dockerfile", DOCKERFILE)
    write(tmp_path / "docker-compose.yml", "services:\n  web:\n    build: ./docker\n")
    write(tmp_path / ".dockerignore", "*.tmp\n")
    context = context_for(tmp_path / "docker" / "Dockerfile", configured_root=tmp_path)
    assert (context.root, context.root_from) == (tmp_path.resolve(), "configured")
    assert context.ignore_path == tmp_path.resolve() / ".dockerignore"


def test_compose_string_build_names_the_context(tmp_path: Path) -> None:
    write(tmp_path / "svc" / "Dockerfile", DOCKERFILE)
    write(tmp_path / "compose.yaml", "services:\n  web:\n    build: ./svc\n")
    context = context_for(tmp_path / "svc" / "Dockerfile")
    assert (context.root, context.root_from) == ((tmp_path / "svc").resolve(), "compose")
    assert context.compose_file == tmp_path.resolve() / "compose.yaml"


def test_compose_mapping_with_a_dockerfile_relative_to_the_context(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile.web", DOCKERFILE)
    write(tmp_path / "app" / "main.py", "print()\n")
    write(tmp_path / "docker-compose.yaml", """
services:
  db:
    image: postgres
  worker:
    build: {context: ./other}
  web:
    build:
      context: app
      dockerfile: ../Dockerfile.web
""")
    context = context_for(dockerfile)
    assert (context.root, context.root_from) == ((tmp_path / "app").resolve(), "compose")


def test_compose_mapping_defaults_to_dot_and_dockerfile(tmp_path: Path) -> None:
    write(tmp_path / "compose.yml", "services:\n  web:\n    build: {}\n")
    nested = write(tmp_path / "a" / "Dockerfile", DOCKERFILE)
    own = write(tmp_path / "Dockerfile", DOCKERFILE)
    assert context_for(own).root_from == "compose"
    assert context_for(nested).root_from == "dockerfile"  # ./Dockerfile is not a/Dockerfile


@pytest.mark.parametrize(
    "compose",
    [
        "services:\n  web:\n    build:\n      context: .\n      dockerfile: Other.Dockerfile\n",
        "services:\n  web:\n    image: nginx\n",
        "services:\n  web:\n    build: https://github.com/org/repo.git\n",
        "services: [\n",  # broken YAML
        "services:\n  web:\n    build: {context: 7, dockerfile: [1]}\n",
        "- just\n- a list\n",
        "",
        "\0binary",
    ],
)
def test_compose_without_a_matching_service_is_ignored(tmp_path: Path, compose: str) -> None:
    dockerfile = write(tmp_path / "sub" / "Dockerfile", DOCKERFILE)
    write(tmp_path / "compose.yaml", compose.replace("context: .", "context: sub"))
    context = context_for(dockerfile)
    assert (context.root, context.root_from, context.compose_file) == (dockerfile.parent, "dockerfile", None)


def test_compose_files_are_searched_up_to_three_levels_above(tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", "services:\n  near:\n    build: {dockerfile: a/b/c/Dockerfile}\n"
          "  far:\n    build: {dockerfile: a/b/c/d/Dockerfile}\n")
    three_up = write(tmp_path / "a" / "b" / "c" / "Dockerfile", DOCKERFILE)
    four_up = write(tmp_path / "a" / "b" / "c" / "d" / "Dockerfile", DOCKERFILE)
    assert context_for(three_up).root == tmp_path.resolve()
    assert context_for(four_up).root == four_up.parent.resolve()


def test_a_symlinked_dockerfile_keeps_its_own_directory(tmp_path: Path) -> None:
    target = write(tmp_path / "shared" / "Dockerfile", DOCKERFILE)
    link = tmp_path / "app" / "Dockerfile"
    link.parent.mkdir()
    link.symlink_to(target)
    assert context_for(link).root == (tmp_path / "app").resolve()


def test_the_dockerfiles_own_ignore_file_wins(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "app.Dockerfile", DOCKERFILE)
    write(tmp_path / ".dockerignore", "*\n")
    own = write(tmp_path / "app.Dockerfile.dockerignore", "*.md\n")
    assert context_for(dockerfile).ignore_path == own.resolve()
    assert context_for(write(tmp_path / "Dockerfile", DOCKERFILE)).ignore_path == tmp_path.resolve() / ".dockerignore"


def test_containerignore_is_read_only_without_dockerignore(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Containerfile", DOCKERFILE)
    write(tmp_path / ".containerignore", "*.md\n")
    assert context_for(dockerfile).ignore_path == tmp_path.resolve() / ".containerignore"
    write(tmp_path / ".dockerignore", "*.txt\n")
    assert context_for(dockerfile).ignore_path == tmp_path.resolve() / ".dockerignore"


def test_no_ignore_file_sends_everything(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", DOCKERFILE)
    (tmp_path / ".dockerignore").mkdir()  # a directory is not an ignore file
    context = context_for(dockerfile)
    assert (context.ignore_path, context.ignore) == (None, None)
    assert [file.path for file in context.sent()] == ["Dockerfile"]
    assert context.excluded() == []


def test_the_ignore_file_is_reread_when_it_changes(project: Path) -> None:
    context = context_for(project / "Dockerfile")
    assert "README.md" in {file.path for file in context.sent()}
    ignore = write(project / ".dockerignore", IGNORE + "*.md\n")
    os.utime(ignore, ns=(1, 1))  # a different mtime even on a coarse clock
    assert "README.md" not in {file.path for file in context.sent()}
    assert "README.md" in {file.path for file in context.excluded()}


# --------------------------------------------------------------------------- the walk


def test_walk_lists_every_file_sorted_with_sizes(project: Path) -> None:
    walk = context_for(project / "Dockerfile").walk()
    assert [file.path for file in walk.files] == [
        ".dockerignore", ".git/HEAD", ".git/objects/x", "Dockerfile", "README.md", "app/data/blob.bin",
        "app/main.py", "app/util.py", "debug.log", "keep.log", "node_modules/a/index.js", "node_modules/b/index.js",
    ]
    assert walk.files[5] == ContextFile("app/data/blob.bin", 1000)
    assert walk.directories == [".git", ".git/objects", "app", "app/data", "node_modules", "node_modules/a",
                                "node_modules/b"]
    assert (walk.capped, walk.unreadable) == (None, 0)


def test_symlinks_leaving_the_root_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret" / "huge.bin", b"s" * 10_000)
    root = tmp_path / "root"
    write(root / "Dockerfile", DOCKERFILE)
    (root / "escape").symlink_to(outside)
    (root / "file-link").symlink_to(outside / "secret" / "huge.bin")
    walk = walk_directory(root)
    listed = {file.path: file for file in walk.files}
    assert set(listed) == {"Dockerfile", "escape", "file-link"}
    assert listed["escape"] == ContextFile("escape", len(str(outside)), symlink=True)
    assert listed["file-link"].symlink and listed["file-link"].size < 10_000


def test_symlink_loops_are_safe(tmp_path: Path) -> None:
    write(tmp_path / "a" / "file", "x")
    (tmp_path / "a" / "up").symlink_to("..")
    (tmp_path / "self").symlink_to(".")
    (tmp_path / "dangling").symlink_to("nowhere")
    walk = walk_directory(tmp_path)
    assert [(file.path, file.symlink) for file in walk.files] == [
        ("a/file", False), ("a/up", True), ("dangling", True), ("self", True),
    ]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 directory")
def test_an_unreadable_directory_is_skipped_and_counted(tmp_path: Path) -> None:
    write(tmp_path / "ok.txt", "ok")
    locked = tmp_path / "locked"
    write(locked / "inside.txt", "x")
    locked.chmod(0)
    try:
        walk = walk_directory(tmp_path)
    finally:
        locked.chmod(0o755)
    assert [file.path for file in walk.files] == ["ok.txt"]
    assert walk.unreadable == 1


def test_a_directory_that_cannot_be_listed_is_skipped_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "ok.txt", "ok")
    write(tmp_path / "locked" / "inside.txt", "x")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if path.endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(buildcontext.os, "scandir", scandir)
    walk = walk_directory(tmp_path)
    assert [file.path for file in walk.files] == ["ok.txt"]
    assert (walk.directories, walk.unreadable) == (["locked"], 1)


def test_a_missing_root_walks_to_nothing(tmp_path: Path) -> None:
    walk = walk_directory(tmp_path / "gone")
    assert (walk.files, walk.capped, walk.unreadable) == ([], None, 1)


def test_the_file_cap_stops_the_walk_and_says_so(tmp_path: Path) -> None:
    for number in range(10):
        write(tmp_path / f"d{number % 3}" / f"f{number}", "x")
    capped = walk_directory(tmp_path, max_files=4)
    assert len(capped.files) == 4
    assert capped.capped == "stopped after 4 files"
    assert walk_directory(tmp_path, max_files=10).capped is None  # exactly at the limit is complete


def test_the_time_cap_stops_the_walk_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / "f", "x")
    walk = walk_directory(tmp_path, max_seconds=0.0)
    assert walk.files == []
    assert walk.capped == "stopped after 0 s (0 files walked)"


def test_summary_reports_the_cap(project: Path) -> None:
    context = context_for(project / "Dockerfile")
    context.max_files = 3
    assert context.summary().capped == "stopped after 3 files"


def test_progress_is_reported_per_directory(project: Path) -> None:
    counts: list[int] = []
    walk_directory(project, progress=counts.append)
    assert len(counts) == 8  # the root and its 7 directories
    assert counts == sorted(counts) and counts[-1] == 12


# --------------------------------------------------------------------------- cache


def test_walks_are_cached_per_root_and_invalidated_by_paths_inside(project: Path, tmp_path: Path) -> None:
    context = context_for(project / "Dockerfile")
    first = context.walk()
    assert context_for(project / "Dockerfile").walk() is first
    invalidate(tmp_path / "elsewhere.txt")
    assert context.walk() is first
    write(project / "app" / "new.py", "x")
    invalidate(project / "app" / "new.py")
    second = context.walk()
    assert second is not first
    assert context.exists("app/new.py")
    invalidate(tmp_path)  # a parent of the root: everything below may have changed
    assert context.walk() is not second


def test_a_capped_walk_is_redone_for_larger_limits(project: Path) -> None:
    cache = ContextCache()
    small = cache.walk(project, max_files=2)
    assert cache.walk(project, max_files=2) is small
    full = cache.walk(project, max_files=100)
    assert full.capped is None
    assert cache.walk(project, max_files=2) is full  # a complete walk answers smaller limits too


def test_the_cache_keeps_the_most_recently_used_roots(tmp_path: Path) -> None:
    cache = ContextCache(capacity=2)
    roots = [tmp_path / name for name in "abc"]
    for root in roots:
        root.mkdir()
        cache.walk(root)
    assert [root in cache for root in roots] == [False, True, True]


def test_stale_walks_are_redone(tmp_path: Path) -> None:
    cache = ContextCache(max_age=-1.0)  # every walk is already too old
    assert cache.walk(tmp_path) is not cache.walk(tmp_path)


# --------------------------------------------------------------------------- figures


def test_summary_figures(project: Path) -> None:
    summary = context_for(project / "Dockerfile").summary(top=3)
    sent = len(DOCKERFILE) + len(IGNORE) + 100 + 50 + 1000 + 30 + 10
    assert (summary.total_bytes, summary.file_count) == (sent, 7)
    assert (summary.excluded_bytes, summary.excluded_count) == (5000 + 3000 + 20 + 4000 + 70, 5)
    assert summary.largest == [ContextFile("app/data/blob.bin", 1000), ContextFile("app/main.py", 100),
                               ContextFile("app/util.py", 50)]
    assert summary.largest_directories == [DirectoryTotal("app", 1150, 3)]
    assert (summary.capped, summary.unreadable) == (None, 0)


def test_sent_and_excluded_files(project: Path) -> None:
    context = context_for(project / "Dockerfile")
    assert [file.path for file in context.sent()] == [
        ".dockerignore", "Dockerfile", "README.md", "app/data/blob.bin", "app/main.py", "app/util.py", "keep.log",
    ]
    assert [file.path for file in context.excluded()] == [
        ".git/HEAD", ".git/objects/x", "debug.log", "node_modules/a/index.js", "node_modules/b/index.js",
    ]


def test_an_exception_below_an_excluded_directory_is_honoured(tmp_path: Path) -> None:
    write(tmp_path / ".dockerignore", "vendor\n!vendor/keep/**\n")
    write(tmp_path / "vendor" / "drop" / "x.go", "x")
    write(tmp_path / "vendor" / "keep" / "y.go", "y")
    context = context_for(write(tmp_path / "Dockerfile", DOCKERFILE))
    assert "vendor/keep/y.go" in {file.path for file in context.sent()}
    assert "vendor/drop/x.go" in {file.path for file in context.excluded()}


def test_exists_and_size_of(project: Path) -> None:
    context = context_for(project / "Dockerfile")
    assert context.exists("app") and context.exists("./app/main.py") and context.exists("/app/data/")
    assert context.exists("node_modules/a")  # excluded, but on disk
    assert context.exists("../app/main.py")  # as in BuildKit, ".." stops at the root
    assert not context.exists("missing") and not context.exists("app/main.py/x")
    assert context.size_of("app") == 1150
    assert context.size_of("app/util.py") == 50
    assert context.size_of("node_modules") == 8000
    assert context.size_of(".") == context.size_of("") == sum(file.size for file in context.walk().files)
    assert context.size_of("missing") == 0


def test_an_empty_directory_exists_with_size_zero(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    context = BuildContext(tmp_path, None)
    assert context.exists("empty") and context.size_of("empty") == 0


# --------------------------------------------------------------------------- dockls context


def test_cli_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["context", str(project), "--format", "json", "--top", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    root = project.resolve()
    assert report == {
        "root": str(root),
        "root_from": "configured",
        "compose_file": None,
        "dockerfile": str(root / "Dockerfile"),
        "ignore_file": str(root / ".dockerignore"),
        "sent": {"bytes": len(DOCKERFILE) + len(IGNORE) + 1190, "files": 7},
        "excluded": {"bytes": 12090, "files": 5},
        "largest_files": [{"path": "app/data/blob.bin", "bytes": 1000}, {"path": "app/main.py", "bytes": 100}],
        "largest_directories": [{"path": "app", "bytes": 1150, "files": 3}],
        "capped": None,
        "unreadable": 0,
    }


def test_cli_text(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent)
    assert main(["context", "project", "--top", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "context: project (given)",
        "dockerfile: project/Dockerfile",
        "ignore file: project/.dockerignore",
        "sent: 1.2 kB in 7 files",
        "excluded: 12 kB in 5 files",
        "largest directories sent:",
        "  app/  1.1 kB (3 files)",
        "largest files sent:",
        "  app/data/blob.bin  1 kB",
        "  app/main.py  100 B",
    ]
    assert captured.err == ""  # no progress line when stderr is not a terminal


def test_cli_reports_a_cap(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["context", str(project), "--max-files", "2", "--top", "0"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "note: the walk stopped after 2 files, so these figures are incomplete"
    )


def test_cli_dockerfile_uses_its_compose_context(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compose = "services:\n  web:\n    build: {context: ., dockerfile: docker/web.Dockerfile}\n"
    write(tmp_path / "compose.yaml", compose)
    dockerfile = write(tmp_path / "docker" / "web.Dockerfile", DOCKERFILE)
    write(tmp_path / "docker" / "web.Dockerfile.dockerignore", "docker\n")
    write(tmp_path / "src" / "main.go", b"g" * 40)
    assert main(["context", "--dockerfile", str(dockerfile), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["root"], report["root_from"]) == (str(tmp_path.resolve()), "compose")
    assert report["compose_file"] == str(tmp_path.resolve() / "compose.yaml")
    assert report["ignore_file"] == str(dockerfile.resolve()) + ".dockerignore"
    assert (report["sent"], report["excluded"]) == (
        {"bytes": 40 + len(compose), "files": 2}, {"bytes": len(DOCKERFILE) + 7, "files": 2}
    )


@pytest.mark.parametrize(
    "argv",
    [["context", "no/such/dir"], ["context", "--dockerfile", "no/such/Dockerfile"], ["context", "--max-files", "0"],
     ["context", "--top", "x"], ["context", "--max-seconds", "nan"]],
)
def test_cli_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_an_ignore_file_in_a_folder_that_does_not_exist_filters_no_context(tmp_path: Path) -> None:
    """An unsaved `.dockerignore` in a new folder: nothing on disk to compare its patterns with."""
    text = "nothing-matches-this\n"
    missing = tmp_path / "not-created-yet" / ".dockerignore"
    checked = Checker(Config(), missing, ignore_file=True)(text)
    assert [f.rule.name for f in checked.findings] == [f.rule.name for f in analyze_ignore(text).findings]
