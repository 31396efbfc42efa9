"""heavy-base-image (DKL022): a full base variant in the final image where a much smaller one exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls import images
from tests.rules.helpers import (
    apply_only_fix,
    assert_each_corpus_fix_is_valid,
    findings,
)

NAME = "heavy-base-image"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)  # packages of the full variant may be missing


def test_message_states_both_sizes_the_saving_and_the_date() -> None:
    text = "FROM python:3.12\nCOPY . /app\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start:finding.span.end] == "python:3.12"
    full, slim = images.lookup("python:3.12"), images.lookup("python:3.12-slim")
    assert full is not None and slim is not None and full.compressed_bytes and slim.compressed_bytes
    assert f"`python:3.12` is a {images.format_size(full.compressed_bytes)} download" in finding.message
    assert f"`python:3.12-slim` is {images.format_size(slim.compressed_bytes)}" in finding.message
    assert images.format_size(full.compressed_bytes - slim.compressed_bytes) in finding.message
    assert f"as of {full.data_date}" in finding.message and "linux/amd64" in finding.message


@pytest.mark.parametrize(("before", "after"), [
    ("FROM python:3.12\n", "FROM python:3.12-slim\n"),
    ("FROM node:22 AS app\nCMD [\"node\"]\n", "FROM node:22-slim AS app\nCMD [\"node\"]\n"),
    ("FROM docker.io/library/python:3.13\n", "FROM docker.io/library/python:3.13-slim\n"),
    ("FROM rust\n", "FROM rust:slim\n"),
    ("FROM eclipse-temurin:21-jdk\n", "FROM eclipse-temurin:21-jre\n"),
    ("FROM --platform=linux/amd64 python:3.12\r\nCMD [\"python\"]\r\n",
     "FROM --platform=linux/amd64 python:3.12-slim\r\nCMD [\"python\"]\r\n"),
])
def test_fix(before: str, after: str) -> None:
    assert fixed(before) == after


def test_multi_stage_reports_only_the_root_of_the_final_image() -> None:
    text = "FROM python:3.12 AS build\nRUN pip wheel .\nFROM python:3.12 AS base\nFROM base\nCOPY --from=build /w /w\n"
    [finding] = findings(text, NAME)
    assert finding.span.start == text.index("python:3.12 AS base")


def test_constant_platform_uses_that_platforms_sizes() -> None:
    [finding] = findings("FROM --platform=linux/arm64 python:3.12\n", NAME)
    full = images.lookup("python:3.12", "linux/arm64")
    assert full is not None and full.compressed_bytes
    assert images.format_size(full.compressed_bytes) in finding.message and "linux/arm64/v8" in finding.message


def test_arg_substituted_base_is_reported_without_a_fix() -> None:
    [finding] = findings("ARG PY=3.12\nFROM python:${PY}\n", NAME)
    assert finding.fixes == ()


def test_digest_is_reported_without_a_fix() -> None:
    [finding] = findings("FROM python:3.12@sha256:" + "a" * 64 + "\n", NAME)
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM python:3.12-slim\n", id="already slim (alpine is not suggested)"),
    pytest.param("FROM node:22-slim\n", id="node slim"),
    pytest.param("FROM ruby:slim\n", id="only alpine is smaller"),
    pytest.param("FROM golang:1.27\n", id="only alpine is smaller for golang"),
    pytest.param("FROM ubuntu:latest\n", id="another release is not a variant"),
    pytest.param("FROM mysql:latest\n", id="saving too small"),
    pytest.param("FROM python:3.9\n", id="stale reading"),
    pytest.param("FROM scratch\nCOPY app /\n", id="scratch"),
    pytest.param("FROM example.com/team/python:3.12\n", id="unknown image"),
    pytest.param("ARG PY\nFROM python:${PY}\n", id="variable without value"),
    pytest.param("FROM python:3.12 AS build\nRUN make\nFROM python:3.12-slim\nCOPY --from=build /a /a\n",
                 id="builder stage"),
    pytest.param("FROM python:3.12\nFROM alpine:3.20\n", id="earlier unrelated stage"),
    pytest.param("# dockls ignore=heavy-base-image\nFROM python:3.12\n", id="suppressed"),
    pytest.param("# dockls ignore=DKL022\nFROM python:3.12\n", id="suppressed by id"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0  # unsafe fix: checked one by one
