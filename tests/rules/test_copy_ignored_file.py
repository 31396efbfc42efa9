"""copy-ignored-file (DKL053): a COPY/ADD source the ignore file excludes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.buildcontext import context_for
from dockls.engine import analyze, rule_by_key
from dockls.rule import Finding, Severity
from tests.rules.helpers import flagged_text
from tests.trees import tree

NAME = "copy-ignored-file"


pytestmark = pytest.mark.usefixtures("fresh_walks")


def run(root: Path, text: str, name: str = "Dockerfile") -> list[Finding]:
    rule = rule_by_key(NAME)
    assert rule is not None
    dockerfile = root / name
    dockerfile.write_text(text)
    return analyze(text, rules=[rule], context=context_for(dockerfile)).findings


PROJECT: dict[str, int | str] = {"README.md": 10, "CHANGES.md": 10, "pyproject.toml": 10, "src/app.py": 10,
                                 "src/__pycache__/app.pyc": 10, "config/a.yaml": 10, "config/b.yaml": 10,
                                 "docs/x.md": 10}


def test_an_excluded_file_is_an_error_naming_the_line(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "# docs\n\n*.md\n"})
    text = "FROM python:3.13-slim\nCOPY README.md pyproject.toml ./\nRUN pip install .\n"
    [finding] = run(tmp_path, text)
    assert text[finding.span.start:finding.span.end] == "README.md"
    assert finding.effective_severity is Severity.ERROR
    assert finding.message == ("`README.md` is excluded by `.dockerignore` line 3: `*.md`, so it is not in the "
                               "build context and the build fails")


def test_an_excluded_file_missing_on_disk_is_still_reported(tmp_path: Path) -> None:
    tree(tmp_path, {".dockerignore": "secrets\n"})
    [finding] = run(tmp_path, "FROM alpine\nCOPY secrets/token /run/\n")
    assert "line 1: `secrets`" in finding.message


def test_an_excluded_directory(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "config\n"})
    [finding] = run(tmp_path, "FROM alpine\nCOPY ./config/ /etc/app/\n")
    assert finding.effective_severity is Severity.ERROR and "`./config/` is excluded by" in finding.message


def test_a_directory_partly_brought_back_is_a_warning(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "config\n!config/a.yaml\n"})
    [finding] = run(tmp_path, "FROM alpine\nCOPY config /etc/app/\n")
    assert finding.effective_severity is Severity.WARNING
    assert "only 1 file of it that `!` exceptions re-include will be copied (1 left out)" in finding.message


def test_glob_every_match_excluded_is_an_error(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "*.md\n"})
    [finding] = run(tmp_path, "FROM alpine\nCOPY *.md /docs/\n")
    assert finding.effective_severity is Severity.ERROR
    assert finding.message == ("`*.md`: every file it matches (2 files, e.g. `CHANGES.md`) is excluded by "
                               "`.dockerignore` line 1: `*.md`, so it copies nothing")


def test_glob_some_matches_excluded_is_a_warning(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "CHANGES.md\n"})
    [finding] = run(tmp_path, "FROM alpine\nCOPY *.md /docs/\n")
    assert finding.effective_severity is Severity.WARNING
    assert "1 of the 2 files it matches (e.g. `CHANGES.md`) are excluded" in finding.message


def test_exception_re_including_the_file(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "*.md\n!README.md\n"})
    assert run(tmp_path, "FROM alpine\nCOPY README.md /\n") == []


@pytest.mark.parametrize("text", [
    "FROM alpine\nCOPY . /app\n",  # the whole context: what the ignore file is for
    "FROM alpine\nCOPY src/ /app/\n",  # only src/__pycache__ inside it is left out
    "FROM alpine\nCOPY --from=build /README.md /\n",
    "FROM alpine\nCOPY <<README.md /x\nhi\nREADME.md\n",
    "FROM alpine\nADD https://example.com/README.md /\n",
    "FROM alpine\nARG F=README.md\nCOPY $F /\n",
    "FROM alpine\nONBUILD COPY README.md /\n",
    "FROM alpine\nCOPY pyproject.toml /\n",
])
def test_silent(tmp_path: Path, text: str) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "*.md\n**/__pycache__\n"})
    assert run(tmp_path, text) == []


def test_silent_without_ignore_file_or_context(tmp_path: Path) -> None:
    tree(tmp_path, PROJECT)
    assert run(tmp_path, "FROM alpine\nCOPY README.md /\n") == []
    rule = rule_by_key(NAME)
    assert rule is not None
    assert analyze("FROM alpine\nCOPY README.md /\n", rules=[rule]).findings == []


def test_per_dockerfile_ignore_file_wins(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "*.md\n", "api.Dockerfile.dockerignore": "*.toml\n"})
    text = "FROM alpine\nCOPY README.md pyproject.toml /\n"
    [finding] = run(tmp_path, text, "api.Dockerfile")
    assert text[finding.span.start:finding.span.end] == "pyproject.toml"
    assert "`api.Dockerfile.dockerignore` line 1" in finding.message


def test_all_stages_exec_form_and_crlf(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "docs\r\n"})
    text = 'FROM alpine AS a\r\nCOPY ["docs/x.md", "/a"]\r\nFROM alpine\r\nADD docs /b\r\n'
    found = run(tmp_path, text)
    assert flagged_text(text, found) == ['"docs/x.md"', "docs"]


def test_buildkit_check_skip_and_suppression(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "*.md\n"})
    assert run(tmp_path, "# check=skip=CopyIgnoredFile\nFROM alpine\nCOPY README.md /\n") == []
    assert run(tmp_path, "FROM alpine\n# dockls ignore=copy-ignored-file\nCOPY README.md /\n") == []
