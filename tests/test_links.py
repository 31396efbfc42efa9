"""Document links: registry pages of base images and the files COPY/ADD read from the build context."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dockls.links import document_links, registry_page_url
from dockls.model import Model


@pytest.mark.parametrize(("reference", "url"), [
    ("alpine", "https://hub.docker.com/_/alpine"),
    ("alpine:3.20", "https://hub.docker.com/_/alpine"),
    ("library/python:3.12-slim@sha256:" + "a" * 64, "https://hub.docker.com/_/python"),
    ("docker.io/library/node:22", "https://hub.docker.com/_/node"),
    ("index.docker.io/bitnami/redis", "https://hub.docker.com/r/bitnami/redis"),
    ("bitnami/redis:7.2", "https://hub.docker.com/r/bitnami/redis"),
    ("quay.io/prometheus/node-exporter:v1.8.0", "https://quay.io/repository/prometheus/node-exporter"),
    ("mcr.microsoft.com/dotnet/sdk:8.0", "https://mcr.microsoft.com/artifact/mar/dotnet/sdk"),
    ("ghcr.io/astral-sh/uv:0.4", "https://ghcr.io/astral-sh/uv"),
    ("gcr.io/distroless/static-debian12:nonroot", "https://gcr.io/distroless/static-debian12"),
    ("public.ecr.aws/docker/library/alpine:3", "https://gallery.ecr.aws/docker/library/alpine"),
    ("cgr.dev/chainguard/wolfi-base:latest", "https://images.chainguard.dev/directory/image/wolfi-base/overview"),
    ("cgr.dev/acme/private", None),
    ("registry.example.com:5000/team/app:1", None),
    ("localhost/app", None),
    ("docker.io/a/b/c", None),
    ("scratch", None),
    ("$BASE", None),
    ("alpine:${VERSION}", None),
    ("Alpine", None),
    ("", None),
    ("alpine:", None),
    ("ubuntu@", None),
    ("//", None),
])
def test_registry_page_url(reference: str, url: str | None) -> None:
    assert registry_page_url(reference) == url


def linked(text: str, context: Path | None = None) -> list[tuple[str, str]]:
    return [(text[link.span.start:link.span.end], link.target)
            for link in document_links(Model.from_text(text), context)]


def test_base_images_link_but_stages_and_variables_do_not() -> None:
    text = ("ARG V=3.20\nFROM alpine:$V AS base\nFROM --platform=$BUILDPLATFORM golang:1.23 AS Build\n"
            "FROM base\nFROM build AS again\nFROM scratch\nFROM quay.io/org/img\n")
    assert linked(text) == [
        ("golang:1.23", "https://hub.docker.com/_/golang"),
        ("quay.io/org/img", "https://quay.io/repository/org/img"),
    ]


def test_wide_characters_and_crlf_keep_exact_spans() -> None:
    text = "# 😀 名前\r\nFROM\tnode:22 AS 😀\r\n"
    assert linked(text) == [("node:22", "https://hub.docker.com/_/node")]


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("print()\n")
    (root / "requirements.txt").write_text("\n")
    (root / "名前.txt").write_text("\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    os.symlink(tmp_path / "secret.txt", root / "escape.txt")
    os.symlink(root / "requirements.txt", root / "alias.txt")
    return root


def file_links(text: str, context: Path) -> list[tuple[str, str]]:
    return [(word, target) for word, target in linked(text, context) if target.startswith("file:")]


def test_copy_sources_inside_the_context(context: Path) -> None:
    text = ("FROM alpine\nCOPY requirements.txt src/main.py /app/\nADD [\"名前.txt\", \"/x\"]\n"
            "ONBUILD COPY src/main.py /y\nCOPY --chown=1 ./requirements.txt alias.txt missing.txt src /z\n")
    requirements = (context / "requirements.txt").as_uri()
    main = (context / "src" / "main.py").as_uri()
    assert file_links(text, context) == [
        ("requirements.txt", requirements),
        ("src/main.py", main),
        ("名前.txt", (context / "名前.txt").as_uri()),
        ("src/main.py", main),
        ("./requirements.txt", requirements),
        ("alias.txt", requirements),  # a symlink that stays inside: its target
    ]


def test_never_outside_the_context_or_for_non_files(context: Path) -> None:
    text = (
        "FROM alpine AS build\nCOPY ../secret.txt /a\nCOPY src/../../secret.txt /a\nCOPY escape.txt /a\n"
        f"COPY {context / 'requirements.txt'} /a\nCOPY /requirements.txt /a\nCOPY *.txt /a\n"
        "COPY $FILE /a\nADD https://example.com/requirements.txt /a\nCOPY --from=build requirements.txt /a\n"
        "COPY <<requirements.txt /a\nx\nrequirements.txt\nCOPY \"requirements.txt\" /a\n"
        "ADD git@github.com:o/r.git /a\nCOPY requirements.txt\n"
    )
    assert file_links(text, context) == []


def test_no_file_links_without_a_context() -> None:
    assert linked("FROM alpine\nCOPY requirements.txt /a\n") == [("alpine", "https://hub.docker.com/_/alpine")]


def test_missing_context_directory(tmp_path: Path) -> None:
    assert file_links("FROM a\nCOPY x /y\n", tmp_path / "nowhere") == []


@pytest.mark.parametrize("text", ["", "FROM", "FROM ", "COPY", "COPY a", "FROM a\nCOPY [\"a\"", "FROM a\nADD <<",
                                  "\x00"])
def test_half_typed_input(text: str, context: Path) -> None:
    for link in document_links(Model.from_text(text), context):
        assert link.span.end <= len(text)


def test_corpus_robustness(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        for link in document_links(Model.from_text(text), path.parent):
            assert 0 <= link.span.start < link.span.end <= len(text)
            assert re.match(r"^(https://|file:///)", link.target), link.target
