"""image-latest (DKL025, hadolint DL3007): FROM with the latest tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls import images
from dockls.model import Model
from tests.rules.helpers import findings

NAME = "image-latest"
DIGEST = "@sha256:" + "d" * 64


def test_reports_the_image_and_what_latest_was() -> None:
    text = "FROM node:latest\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start:finding.span.end] == "node:latest"
    info = images.lookup("node:latest")
    assert info is not None and info.resolved
    assert f"as of {info.data_date} it was {info.resolved}" in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    "FROM python:latest\n",
    "FROM python:latest AS build\nRUN make\nFROM alpine:3.20\n",
    "FROM --platform=linux/arm64 ubuntu:latest\n",
    "FROM docker.io/library/debian:latest\n",
    "FROM localhost:5000/app:latest\n",
    "ARG TAG=latest\nFROM python:${TAG}\n",
    "ARG BASE\nFROM $BASE:latest\n",
    "FROM alpine:3.20\r\nFROM node:latest\r\n",
])
def test_fires(text: str) -> None:
    assert len(findings(text, NAME)) == 1


def test_literal_latest_after_a_variable_names_it_as_written() -> None:
    [finding] = findings("ARG BASE\nFROM ${BASE}:latest\n", NAME)
    assert finding.message.startswith("`${BASE}:latest`")


@pytest.mark.parametrize("text", [
    pytest.param("FROM python:3.12\n", id="tagged"),
    pytest.param("FROM python\n", id="untagged is image-untagged's"),
    pytest.param(f"FROM python:latest{DIGEST}\n", id="digest pins it"),
    pytest.param("FROM scratch\n", id="scratch"),
    pytest.param("FROM python:3.12 AS latest\nFROM latest\n", id="earlier stage named latest"),
    pytest.param("ARG TAG\nFROM python:${TAG}\n", id="variable without value"),
    pytest.param("FROM localhost:5000/latest\n", id="port, not tag"),
    pytest.param("# dockls ignore=image-latest\nFROM python:latest\n", id="suppressed"),
    pytest.param("# hadolint ignore=DL3007\nFROM python:latest\n", id="hadolint pragma"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    for path in corpus:  # never raises, and only the image of a FROM is reported
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        images_of_from = {stage.image_span for stage in Model.from_text(text).stages}
        for finding in findings(text, NAME):
            assert finding.span in images_of_from
