"""The multi-stage templates: sound Dockerfiles that dockls' own rules accept, and their snippet form."""

from __future__ import annotations

import re

import dockerfile
import pytest

from dockls.engine import analyze
from dockls.model import Model
from dockls.snippets import TEMPLATES, Template, render, template_named, to_snippet

ALL = list(TEMPLATES.values())


@pytest.mark.parametrize("template", ALL, ids=[t.name for t in ALL])
def test_template_passes_every_rule(template: Template) -> None:
    text = template.text
    assert "{{" not in text
    dockerfile.parse_string(text)  # BuildKit's parser accepts it
    assert analyze(text).findings == []


@pytest.mark.parametrize("template", ALL, ids=[t.name for t in ALL])
def test_template_shape(template: Template) -> None:
    text = template.text
    model = Model.from_text(text)
    assert text.startswith("# syntax=docker/dockerfile:1\n")
    assert len(model.stages) >= 3
    assert any(stage.name == "test" for stage in model.stages)
    assert any(mount.type == "cache" for run in model.runs for mount in run.mounts)
    final = model.stages[-1].instructions
    users = [inst for inst in final if inst.keyword == "USER"]
    assert users and users[-1].args not in ("root", "0")
    starts = [inst for inst in final if inst.keyword in ("CMD", "ENTRYPOINT")]
    assert starts and all(inst.json for inst in starts)


def test_expected_templates_and_bases() -> None:
    assert set(TEMPLATES) == {"go", "rust", "node", "python", "java", "static-site"}
    assert "distroless/static" in TEMPLATES["go"].text
    assert "distroless/cc" in TEMPLATES["rust"].text
    assert "npm ci --omit=dev" in TEMPLATES["node"].text
    assert "venv" in TEMPLATES["python"].text
    java = Model.from_text(TEMPLATES["java"].text)
    assert java.stages[0].image.endswith("-jdk") and java.stages[-1].image.endswith("-jre-alpine")
    assert Model.from_text(TEMPLATES["static-site"].text).stages[-1].image == "nginx:alpine-slim"


def test_render_fills_defaults_and_repeats() -> None:
    body = "FROM {{1:x}} AS {{2:b}}\nCOPY --from={{2:b}} /a /a{{0}}\n"
    assert render(body) == "FROM x AS b\nCOPY --from=b /a /a\n"


def test_snippet_escapes_dockerfile_syntax() -> None:
    body = "RUN echo ${HOME} \\\n    $X {{1:a$b}}{{0}}"
    assert to_snippet(body) == "RUN echo \\${HOME\\} \\\\\n    \\$X ${1:a\\$b}$0"


@pytest.mark.parametrize("template", ALL, ids=[t.name for t in ALL])
def test_snippet_unescaped_equals_text(template: Template) -> None:
    """Reading the snippet back (placeholders → defaults, escapes dropped) gives the rendered text."""
    snippet = template.snippet
    plain = re.sub(r"\$\{\d+:((?:\\.|[^}\\])*)\}", r"\1", snippet)
    plain = re.sub(r"(?<!\\)\$\d+", "", plain)
    assert re.sub(r"\\(.)", r"\1", plain) == template.text


def test_template_named() -> None:
    assert template_named(" Go ") is TEMPLATES["go"]
    assert template_named("cobol") is None
