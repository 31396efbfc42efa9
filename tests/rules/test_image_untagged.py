"""image-untagged (DKL024, hadolint DL3006): FROM without a tag or digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls import images
from dockls.model import Model
from tests.rules.helpers import findings

NAME = "image-untagged"
DIGEST = "@sha256:" + "c" * 64


def test_reports_the_image_and_what_latest_was() -> None:
    text = "FROM node\nCMD [\"node\"]\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start:finding.span.end] == "node"
    info = images.lookup("node:latest")
    assert info is not None and info.resolved
    assert "`node:latest`" in finding.message
    assert f"as of {info.data_date} it was {info.resolved}" in finding.message
    assert finding.fixes == ()


def test_unknown_image_names_no_version() -> None:
    [finding] = findings("FROM example.com/team/app\n", NAME)
    assert finding.message.endswith("pin a version tag")


@pytest.mark.parametrize("text", [
    "FROM python\n",
    "FROM python AS build\nRUN make\nFROM alpine:3.20\n",
    "FROM --platform=linux/arm64 ubuntu\n",
    "FROM docker.io/library/debian\n",
    "FROM localhost:5000/app\n",
    "ARG BASE=python\nFROM $BASE\n",
    "FROM alpine:3.20\r\nFROM node\r\n",
])
def test_fires(text: str) -> None:
    assert len(findings(text, NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM python:3.12\n", id="tagged"),
    pytest.param("FROM python:latest\n", id="latest is image-latest's"),
    pytest.param(f"FROM python{DIGEST}\n", id="digest"),
    pytest.param("FROM scratch\n", id="scratch"),
    pytest.param("FROM python:3.12 AS base\nFROM base\n", id="earlier stage"),
    pytest.param("FROM python:3.12 AS base\nFROM BASE\n", id="earlier stage, other case"),
    pytest.param("ARG PY=3.12\nFROM python:${PY}\n", id="tag from ARG"),
    pytest.param("ARG BASE\nFROM $BASE\n", id="variable without value"),
    pytest.param("FROM localhost:5000/app:1.0\n", id="registry with port, tagged"),
    pytest.param("# dockls ignore=image-untagged\nFROM python\n", id="suppressed"),
    pytest.param("# hadolint ignore=DL3006\nFROM python\n", id="hadolint pragma"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    for path in corpus:  # never raises, and only the image of a FROM is reported
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        images_of_from = {stage.image_span for stage in Model.from_text(text).stages}
        for finding in findings(text, NAME):
            assert finding.span in images_of_from
