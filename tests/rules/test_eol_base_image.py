"""eol-base-image (DKL023): a base image past its end of life, or deprecated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dockls import images
from dockls.rules import eol_base_image
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "eol-base-image"


class _Today(date):
    """A fixed "today", so scheduled end-of-life dates in the data do not age the tests."""

    @classmethod
    def today(cls) -> _Today:
        return cls(2026, 11, 29)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eol_base_image, "date", _Today)


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)  # a new release line can change behaviour


def test_reports_the_end_of_life_line_with_its_date() -> None:
    text = "FROM node:20\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start:finding.span.end] == "node:20"
    assert "end of life (2026-04-30)" in finding.message
    assert f"as of {images.as_of()}" in finding.message and "`node:22`" in finding.message


def test_reports_a_deprecated_image_with_the_datas_advice() -> None:
    [finding] = findings("FROM openjdk:17-jdk-slim\n", NAME)
    assert "`openjdk` image is deprecated" in finding.message and "eclipse-temurin" in finding.message
    assert finding.fixes == ()


@pytest.mark.parametrize(("before", "after"), [
    ("FROM node:20\n", "FROM node:22\n"),
    ("FROM node:18-alpine AS build\nRUN npm ci\n", "FROM node:22-alpine AS build\nRUN npm ci\n"),
    ("FROM python:3.10-slim\n", "FROM python:3.11-slim\n"),
    ("FROM python:3.9\n", "FROM python:3.11\n"),
    ("FROM docker.io/library/node:20-slim\n", "FROM docker.io/library/node:22-slim\n"),
    ("FROM --platform=$BUILDPLATFORM node:20 AS web\r\nRUN npm run build\r\n",
     "FROM --platform=$BUILDPLATFORM node:22 AS web\r\nRUN npm run build\r\n"),
])
def test_fix(before: str, after: str) -> None:
    assert fixed(before) == after


def test_every_stage_built_from_an_image_is_checked() -> None:
    text = "FROM node:20 AS build\nRUN npm ci\nFROM build AS test\nFROM nginx:alpine\nCOPY --from=build /d /d\n"
    [finding] = findings(text, NAME)
    assert finding.span.start == text.index("node:20")


@pytest.mark.parametrize("text", [
    pytest.param("FROM node:20.11.1-slim\n", id="patch version"),
    pytest.param("ARG NODE=20\nFROM node:${NODE}\n", id="variable"),
    pytest.param("FROM node:20@sha256:" + "b" * 64 + "\n", id="digest"),
])
def test_reported_without_a_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM node:22\n", id="supported line"),
    pytest.param("FROM python:3.12-slim\n", id="supported python"),
    pytest.param("FROM node:200\n", id="unknown line"),
    pytest.param("FROM example.com/node:20\n", id="another registry's image"),
    pytest.param("FROM scratch\n", id="scratch"),
    pytest.param("ARG NODE\nFROM node:${NODE}\n", id="variable without value"),
    pytest.param("FROM node:22 AS node20\nFROM node20\n", id="stage reference"),
    pytest.param("# dockls ignore=eol-base-image\nFROM node:20\n", id="suppressed"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_a_scheduled_end_of_life_counts_once_it_has_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    class _Later(date):
        @classmethod
        def today(cls) -> _Later:
            return cls(2028, 11, 1)  # after python 3.12's scheduled EOL (2028-10)

    monkeypatch.setattr(eol_base_image, "date", _Later)
    [finding] = findings("FROM python:3.12-slim\n", NAME)
    assert "2028-10" in finding.message
    assert [edit.new_text for edit in finding.fixes[0].edits] == ["python:3.13-slim"]


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0  # unsafe fix: checked one by one
