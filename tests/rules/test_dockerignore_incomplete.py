"""dockerignore-incomplete (DKL051): what should almost never be sent, and the ignore file lets through."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.buildcontext import BuildContext, context_for, invalidate
from dockls.engine import analyze_ignore, rule_by_key
from dockls.fixes import apply_edits
from dockls.ignorefile import parse_ignore
from dockls.rule import Finding, Severity
from dockls.rules.dockerignore_incomplete import RULE
from tests.conftest import CORPUS
from tests.rules.helpers import ignore_findings

NAME = "dockerignore-incomplete"


def project(root: Path, files: dict[str, int], dockerfile: str = "FROM scratch\nCOPY . /\n") -> BuildContext:
    """A context on disk: each file with that many bytes."""
    (root / "Dockerfile").write_text(dockerfile)
    for name, size in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    invalidate(root)
    return context_for(root / "Dockerfile")


def findings(text: str, context: BuildContext | None, *dockerfiles: str) -> list[Finding]:
    return ignore_findings(RULE, text, context, *dockerfiles)


def fixed(text: str, context: BuildContext, *dockerfiles: str) -> str:
    """The fix applied: no new invalid pattern, and the rule is silent on the result."""
    found = findings(text, context, *dockerfiles)
    assert len(found) == 1 and not found[0].fixes[0].safe
    after = apply_edits(text, found[0].fixes[0].edits)
    assert sum(p.error is not None for p in parse_ignore(after).patterns) == \
        sum(p.error is not None for p in parse_ignore(text).patterns)
    assert findings(after, context, *dockerfiles) == []
    return after


def test_the_engine_runs_it_on_ignore_files(tmp_path: Path) -> None:
    context = project(tmp_path, {".git/HEAD": 10})
    assert rule_by_key(NAME) is RULE and RULE.target == "dockerignore"
    assert [f.rule for f in analyze_ignore("", context=context).findings] == [RULE]


def test_one_finding_listing_each_entry_by_size(tmp_path: Path) -> None:
    context = project(tmp_path, {
        ".git/objects/pack": 5000,
        "node_modules/left-pad/index.js": 3000,
        "node_modules/left-pad/node_modules/x.js": 10,   # inside the outer node_modules: not listed again
        "web/node_modules/y.js": 20,
        ".env": 4,
        ".env.example": 4,                               # a template, committed on purpose
        "src/app.py": 100,
    })
    text = "*.log\n"
    found = findings(text, context)
    assert len(found) == 1
    assert found[0].span.start == 0 and found[0].span.end == len("*.log")
    assert found[0].effective_severity is Severity.WARNING
    assert found[0].message == (
        "the ignore file lets through what should almost never be sent to the builder: `.git` (5 kB), "
        "`**/node_modules` (3 kB, 2 places), `**/.env` (4 B, a secret)")
    assert fixed(text, context) == "*.log\n.git\n**/node_modules\n**/.env\n"


def test_caches_virtualenvs_junk_and_secrets_anywhere(tmp_path: Path) -> None:
    context = project(tmp_path, {
        "api/env/pyvenv.cfg": 30,                 # a virtualenv, whatever its name
        "api/env/lib/site.py": 300,
        "api/pkg/__pycache__/m.cpython-312.pyc": 50,
        ".idea/workspace.xml": 40,
        "docs/.DS_Store": 6,
        "src/.main.c.swp": 12,
        "certs/server.pem": 8,
        "deploy/id_rsa": 7,
        "home/.aws/credentials": 9,
        ".env.production": 5,
    })
    found = findings("", context)
    assert len(found) == 1
    assert found[0].span.start == 0 and found[0].span.end == 0
    assert found[0].message == (
        "the ignore file lets through what should almost never be sent to the builder: `api/env` (330 B), "
        "`**/__pycache__` (50 B, api/pkg/__pycache__), `**/.idea` (40 B), `**/*.swp` (12 B, src/.main.c.swp), "
        "`**/.aws` (9 B, home/.aws, a secret), `**/*.pem` (8 B, certs/server.pem, a secret), "
        "`**/id_rsa*` (7 B, deploy/id_rsa, a secret), `**/.DS_Store` (6 B, docs/.DS_Store), "
        "`**/.env.production` (5 B, a secret)")
    after = fixed("", context)
    assert after.splitlines()[0] == "api/env"


def test_crlf_bom_and_missing_final_newline(tmp_path: Path) -> None:
    context = project(tmp_path, {".git/HEAD": 10, ".npmrc": 3})
    text = "\ufeff# ignore\r\n*.log"
    found = findings(text, context)
    assert found[0].span.start == 1 and found[0].span.end == len("\ufeff# ignore")
    assert fixed(text, context) == "\ufeff# ignore\r\n*.log\r\n.git\r\n**/.npmrc\r\n"


@pytest.mark.parametrize("text", [
    ".git\nnode_modules\n",
    "/.git/\n**/node_modules/\n",
    ".git/*\nnode_modules/**\n",          # the directories' files are all excluded
    "*\n",
    "**\n",
])
def test_silent_when_everything_is_excluded(tmp_path: Path, text: str) -> None:
    context = project(tmp_path, {".git/HEAD": 10, "node_modules/a/b.js": 10, "src/a.js": 10})
    assert findings(text, context) == []


def test_a_deliberate_exception_is_respected(tmp_path: Path) -> None:
    context = project(tmp_path, {"node_modules/a/b.js": 10, "node_modules/keep/x.js": 10})
    assert findings("node_modules\n!node_modules/keep\n", context) == []


def test_silent_without_a_context_or_when_nothing_is_there(tmp_path: Path) -> None:
    assert findings("", None) == []
    assert findings("", project(tmp_path, {"src/main.go": 10, ".gitignore": 5, "build.sh": 5})) == []


def test_a_file_the_dockerfile_copies_by_name_is_left_out(tmp_path: Path) -> None:
    dockerfile = "FROM node:20\nCOPY package.json .npmrc ./\nRUN npm ci\nCOPY . .\n"
    context = project(tmp_path, {".npmrc": 30, "package.json": 10}, dockerfile)
    assert findings("", context, dockerfile) == []
    assert len(findings("", context)) == 1  # without the Dockerfile it is reported


@pytest.mark.parametrize(("dockerfile", "expected"), [
    ("FROM rust AS build\nCOPY . .\nRUN cargo build --release\n", ["target"]),
    ("FROM maven\nCOPY . .\nRUN ./mvnw -B package\n", ["target"]),
    ("FROM node\nCOPY . .\nRUN npm ci && npm run build\n", ["build", "dist"]),
    ("FROM golang\nCOPY . .\nRUN go build -o build/app ./cmd/app\n", ["build"]),
    ("FROM gradle\nCOPY . .\nRUN gradle build\n", ["build"]),
    ("FROM python\nCOPY . .\nRUN python -m build\n", ["dist"]),
    ("FROM node\nCOPY dist/ /app/\n", []),                            # prebuilt output, copied by name
    ("FROM node\nCOPY . .\nRUN npm run build\nCOPY dist /srv\n", ["build"]),  # dist is copied by name
    ("FROM alpine\nCOPY . .\n", []),
])
def test_build_outputs_only_when_a_dockerfile_builds_them(tmp_path: Path, dockerfile: str,
                                                          expected: list[str]) -> None:
    context = project(tmp_path, {"target/a": 1, "dist/a.js": 1, "build/b": 1, "src/x": 1}, dockerfile)
    found = findings("", context, dockerfile)
    listed = [] if not found else sorted(line for line in apply_edits("", found[0].fixes[0].edits).splitlines())
    assert listed == expected
    assert findings("", context) == []  # no Dockerfile: build outputs are never guessed


def test_corpus_ignore_files_never_raise() -> None:
    files = sorted(CORPUS.glob("*ignore")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("corpus absent")
    count = sum(len(findings(path.read_bytes().decode("utf-8", errors="replace"), None)) for path in files)
    print(f"{NAME}: {count} findings in {len(files)} corpus ignore files")
    assert count == 0  # without a context on disk the rule stays silent


def test_checking_a_directory_file_by_file_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context = project(tmp_path, {"node_modules/a.js": 1, "node_modules/b.js": 1, "node_modules/c.map": 1})
    text = "node_modules/*.js\n"  # excludes the files one by one, not the directory
    assert len(findings(text, context)) == 1  # c.map is sent
    monkeypatch.setattr("dockls.rules.dockerignore_incomplete._MAX_FILES_CHECKED", 2)
    assert findings(text, context) == []  # a.js and b.js excluded: the rest is not looked at
