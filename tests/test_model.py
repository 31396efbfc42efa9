"""Semantic model: stages, ARG/ENV scoping as BuildKit does it, SHELL, and each RUN's commands."""

from __future__ import annotations

import pytest

from dockls.model import Model, expand
from dockls.shell import parse_script


def text_of(model: Model, start: int, end: int) -> str:
    return model.text[start:end]


def test_stages_base_images_and_parents() -> None:
    model = Model.from_text(
        "ARG PY=3.12\nARG REG\n"
        "FROM python:${PY}-slim AS Build\n"
        "FROM ${REG}/app:1 AS other\n"
        "FROM build AS final\n"
        "FROM --platform=$BUILDPLATFORM golang:${GO:-1.23}\n"
    )
    build, other, final, last = model.stages
    assert (build.name, build.image, build.image_known) == ("build", "python:3.12-slim", True)
    assert (other.image, other.image_known) == ("/app:1", False)  # REG has no value: unknown
    assert final.parent is build and final.image == "build"
    assert (last.image, last.name, last.label) == ("golang:1.23", None, "3")
    assert model.final_stages == [last]
    assert model.stage_named("BUILD") is build and model.stage_named("1") is other


def test_final_stages_follow_the_from_chain() -> None:
    model = Model.from_text("FROM a AS base\nFROM b AS builder\nFROM base AS runtime\n")
    base, builder, runtime = model.stages
    assert model.final_stages == [runtime, base]
    assert model.is_final(base) and not model.is_final(builder)


def test_arg_and_env_scoping() -> None:
    model = Model.from_text(
        "ARG VERSION=1\nARG ONLY_GLOBAL=g\n"
        "FROM a AS base\nARG VERSION\nENV HOME_DIR=/srv V=$VERSION\nRUN echo 1\n"
        "FROM base\nARG LOCAL=${ONLY_GLOBAL:-unset}\nRUN echo 2\n"
    )
    first, second = model.runs
    assert first.env["VERSION"] == "1"  # re-declared in the stage: takes the global value
    assert first.env["V"] == "1"
    assert "ONLY_GLOBAL" not in first.env  # global ARGs are not visible without ARG
    assert second.env["HOME_DIR"] == "/srv"  # ENV is inherited from the parent stage
    assert second.env["LOCAL"] == "unset" and "VERSION" not in second.env


@pytest.mark.parametrize(
    ("word", "scope", "result"),
    [
        ("$A-${B}", {"A": "1", "B": "2"}, ("1-2", True)),
        ("${A:-x}", {"A": ""}, ("x", True)),
        ("${A:-x}", {}, ("x", True)),
        ("${A:+y}", {"A": "1"}, ("y", True)),
        ("${A:+y}", {"A": ""}, ("", True)),
        ("${A}", {"A": None}, ("", False)),
        ("${MISSING}", {}, ("", False)),
        ("plain", {}, ("plain", True)),
    ],
)
def test_expand(word: str, scope: dict[str, str | None], result: tuple[str, bool]) -> None:
    assert expand(word, scope) == result


def test_runs_commands_mounts_and_shell() -> None:
    model = Model.from_text(
        "FROM debian\n"
        "RUN --mount=type=cache,target=/var/cache/apt DEBIAN_FRONTEND=noninteractive apt-get install -y 'a b' \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "SHELL [\"powershell\", \"-Command\"]\n"
        "RUN Get-Item x\n"
    )
    run, ps = model.runs
    assert [c.name for c in run.commands] == ["apt-get", "rm"]
    install = run.commands[0]
    assert install.assignments == ("DEBIAN_FRONTEND=noninteractive",)
    assert [w.text for w in install.args] == ["install", "-y", "a b"]
    assert text_of(model, install.args[2].span.start, install.args[2].span.end) == "'a b'"
    assert text_of(model, run.commands[1].span.start, run.commands[1].span.end) == "rm -rf /var/lib/apt/lists/*"
    assert run.cache_mount_covers("/var/cache/apt/archives") and not run.cache_mount_covers("/var/lib/apt")
    assert ps.opaque and ps.commands == () and ps.shell == ("powershell", "-Command")


def test_heredoc_bodies_exec_form_and_onbuild() -> None:
    model = Model.from_text(
        "FROM a\n"
        "RUN <<EOF\npip install x\nEOF\n"
        "RUN python3 <<EOF\nimport os\nEOF\n"
        "RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"
        'RUN ["sh", "-c", "npm ci && npm run build"]\n'
        'RUN ["npm", "ci"]\n'
        "ONBUILD RUN echo 日本 && make\n"
    )
    heredoc, python, shebang, sh_c, exec_form, onbuild = model.runs
    assert [c.name for c in heredoc.commands] == ["pip"]
    assert text_of(model, heredoc.commands[0].span.start, heredoc.commands[0].span.end) == "pip install x"
    assert [c.name for c in python.commands] == ["python3"]
    assert shebang.commands == ()
    assert [c.name for c in sh_c.commands] == ["npm", "npm"]
    assert text_of(model, sh_c.commands[1].span.start, sh_c.commands[1].span.end) == "npm run build"
    assert [w.text for w in exec_form.commands[0].words] == ["npm", "ci"]
    assert onbuild.holder.keyword == "ONBUILD" and onbuild.instruction.keyword == "RUN"
    assert [c.name for c in onbuild.commands] == ["echo", "make"]


def test_shell_is_inherited_from_the_parent_stage() -> None:
    model = Model.from_text('FROM a AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
                            "FROM base\nRUN echo 1\nFROM a\nRUN echo 2\n")
    inherited, fresh = model.runs
    assert inherited.shell == ("/bin/bash", "-o", "pipefail", "-c")
    assert fresh.shell == ("/bin/sh", "-c")


def test_windows_escape_makes_runs_opaque() -> None:
    model = Model.from_text("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir c:\\\n")
    assert model.runs[0].opaque


def test_shell_parse_of_non_ascii_and_errors() -> None:
    script = parse_script("echo 😀 && ls 日本", lambda i: i + 10)
    assert [c.name for c in script.commands] == ["echo", "ls"]
    assert script.commands[1].span.start == 10 + len("echo 😀 && ")
    assert parse_script("if then fi (", lambda i: i).has_errors
