"""pip-cache-kept (DKL003): pip install keeping its cache in the layer."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.rule import Fix
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings, fix_all_rule

NAME = "pip-cache-kept"


def fixes(text: str) -> tuple[Fix, ...]:
    [finding] = findings(text, NAME)
    return finding.fixes


def no_cache_dir(text: str) -> str:
    """The text after the safe fix of the one finding, checked for safety."""
    first, *_ = fixes(text)
    assert first.safe
    after = apply_fix(text, first)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


# -- what it reports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    "pip install flask", "pip3 install -r requirements.txt", "pip3.12 install flask",
    "/usr/local/bin/pip install flask", "python -m pip install flask", "python3 -m pip install --upgrade pip",
    "python3.11 -u -m pip install flask", "pip --disable-pip-version-check install flask",
    "pip --timeout 60 install flask", "PIP_NO_CACHE_DIR= pip install flask",
])
def test_fires(command: str) -> None:
    text = f"FROM python:3.12-slim\nRUN {command}\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == command
    assert "--no-cache-dir" in finding.message


def test_one_finding_per_install_command() -> None:
    text = "FROM python\nRUN pip install -U pip && pip install -r requirements.txt\n"
    assert len(findings(text, NAME)) == 2


@pytest.mark.parametrize("text", [
    pytest.param("FROM python\nRUN pip install --no-cache-dir flask\n", id="--no-cache-dir"),
    pytest.param("FROM python\nRUN pip install flask --no-cache-dir\n", id="--no-cache-dir after the package"),
    pytest.param("FROM python\nRUN pip install --no-cache flask\n", id="abbreviated --no-cache"),
    pytest.param("FROM python\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n", id="ENV 1"),
    pytest.param("FROM python\nENV PIP_NO_CACHE_DIR=false\nRUN pip install flask\n", id="ENV false also disables"),
    pytest.param("FROM python\nARG PIP_NO_CACHE_DIR=on\nRUN pip install flask\n", id="ARG with a value"),
    pytest.param("FROM python\nARG PIP_NO_CACHE_DIR\nRUN pip install flask\n", id="ARG set at build time"),
    pytest.param("FROM python AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install flask\n",
                 id="ENV inherited from the parent stage"),
    pytest.param("FROM python\nRUN PIP_NO_CACHE_DIR=1 pip install flask\n", id="prefix assignment"),
    pytest.param("FROM python\nRUN export PIP_NO_CACHE_DIR=1 && pip install flask\n", id="exported in the RUN"),
    pytest.param("FROM python\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n",
                 id="cache mount"),
    pytest.param("FROM python\nRUN --mount=type=cache,target=/root/.cache pip install flask\n",
                 id="cache mount on ~/.cache"),
    pytest.param("FROM python\nENV PIP_CACHE_DIR=/pip-cache\nRUN --mount=type=cache,target=/pip-cache pip install x\n",
                 id="cache mount on PIP_CACHE_DIR"),
    pytest.param("FROM python\nRUN --mount=type=cache,target=/c pip install --cache-dir=/c flask\n",
                 id="cache mount on --cache-dir"),
    pytest.param("FROM python\nUSER app\nRUN --mount=type=cache,target=/home/app/.cache pip install flask\n",
                 id="other user with a cache mount on a .cache folder"),
    pytest.param("FROM python AS build\nRUN pip wheel -w /wheels -r requirements.txt && pip install flask\n"
                 "FROM python\nCOPY --from=build /wheels /wheels\n", id="builder stage not in the final image"),
    pytest.param("FROM python\nRUN pip download flask && pip freeze && pipenv install && uv pip install x\n",
                 id="not pip install"),
    pytest.param("FROM python\nRUN python -c 'import pip' install\n", id="python -c"),
    pytest.param("FROM python\n# dockls ignore=pip-cache-kept\nRUN pip install flask\n", id="suppressed"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y python3\n", id="no pip at all"),
    pytest.param('FROM python\nSHELL ["cmd", "/S", "/C"]\nRUN pip install flask\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_an_empty_value_keeps_the_cache_on() -> None:
    assert len(findings("FROM python\nENV PIP_NO_CACHE_DIR=\nRUN pip install flask\n", NAME)) == 1
    text = "FROM python\nENV PIP_NO_CACHE_DIR=1\nRUN PIP_NO_CACHE_DIR='' pip install flask\n"
    assert len(findings(text, NAME)) == 1


def test_cache_mount_on_another_folder_does_not_count() -> None:
    text = "FROM python\nRUN --mount=type=cache,target=/root/.npm pip install flask\n"
    assert len(findings(text, NAME)) == 1


def test_the_final_stages_parent_is_checked() -> None:
    text = "FROM python AS base\nRUN pip install flask\nFROM base\nCMD [\"flask\"]\n"
    assert len(findings(text, NAME)) == 1


# -- the fixes ----------------------------------------------------------------------------------------


def test_no_cache_dir_goes_right_after_install() -> None:
    text = "FROM python\nRUN pip install -r requirements.txt\n"
    assert no_cache_dir(text) == "FROM python\nRUN pip install --no-cache-dir -r requirements.txt\n"


def test_python_m_pip_and_continuation_lines() -> None:
    text = "FROM python\nRUN python3 -m pip install \\\n    flask \\\n    gunicorn\n"
    assert no_cache_dir(text) == ("FROM python\nRUN python3 -m pip install --no-cache-dir \\\n"
                                  "    flask \\\n    gunicorn\n")


def test_cache_mount_is_offered_as_the_unsafe_alternative() -> None:
    text = "FROM python\nRUN --network=host pip install flask\n"
    safe, mount = fixes(text)
    assert safe.safe and not mount.safe
    after = apply_fix(text, mount)
    assert after == "FROM python\nRUN --network=host --mount=type=cache,target=/root/.cache/pip pip install flask\n"
    dockerfile.parse_string(after)
    assert findings(after, NAME) == []
    assert fix_all_rule(text, NAME) == "FROM python\nRUN --network=host pip install --no-cache-dir flask\n"


def test_cache_mount_targets_the_known_cache_folder() -> None:
    text = "FROM python\nENV HOME=/srv\nRUN pip install flask\n"
    assert apply_fix(text, fixes(text)[1]) == ("FROM python\nENV HOME=/srv\n"
                                              "RUN --mount=type=cache,target=/srv/.cache/pip pip install flask\n")
    text = "FROM python\nENV PIP_CACHE_DIR=/pip\nRUN pip install flask\n"
    assert "target=/pip " in apply_fix(text, fixes(text)[1])


@pytest.mark.parametrize("user", ["app", "1000", "app:app", "$NAME"])
def test_no_cache_mount_for_another_user(user: str) -> None:
    text = f"FROM python\nARG NAME=app\nUSER {user}\nRUN pip install flask\n"
    [only] = fixes(text)
    assert only.safe
    assert no_cache_dir(text).endswith("RUN pip install --no-cache-dir flask\n")


@pytest.mark.parametrize("user", ["root", "0", "root:root"])
def test_cache_mount_for_root(user: str) -> None:
    text = f"FROM python\nUSER app\nUSER {user}\nRUN pip install flask\n"
    assert len(fixes(text)) == 2


def test_user_of_the_parent_stage_is_in_force() -> None:
    text = "FROM python AS base\nUSER app\nFROM base\nRUN pip install flask\n"
    assert len(fixes(text)) == 1


def test_exec_form_gets_a_new_string() -> None:
    text = 'FROM python\nRUN ["pip", "install", "flask"]\n'
    assert no_cache_dir(text) == 'FROM python\nRUN ["pip", "install", "--no-cache-dir", "flask"]\n'


def test_exec_form_shell_script() -> None:
    text = 'FROM python\nRUN ["/bin/sh", "-c", "pip install flask"]\n'
    assert no_cache_dir(text) == 'FROM python\nRUN ["/bin/sh", "-c", "pip install --no-cache-dir flask"]\n'


def test_heredoc() -> None:
    text = "FROM python\nRUN <<EOF\nset -e\npip install flask\nEOF\n"
    assert no_cache_dir(text) == "FROM python\nRUN <<EOF\nset -e\npip install --no-cache-dir flask\nEOF\n"


def test_onbuild_trigger() -> None:
    text = "FROM python\nONBUILD RUN pip install -r requirements.txt\n"
    assert no_cache_dir(text) == "FROM python\nONBUILD RUN pip install --no-cache-dir -r requirements.txt\n"


def test_crlf() -> None:
    text = "FROM python\r\nRUN pip install \\\r\n    flask\r\n"
    assert no_cache_dir(text) == "FROM python\r\nRUN pip install --no-cache-dir \\\r\n    flask\r\n"


def test_fix_all_fixes_every_install_of_a_run() -> None:
    text = "FROM python\nRUN pip install -U pip && pip3 install flask\n"
    after = fix_all_rule(text, NAME)
    assert after == "FROM python\nRUN pip install --no-cache-dir -U pip && pip3 install --no-cache-dir flask\n"
    assert_fix_is_safe(text, after, NAME)


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
