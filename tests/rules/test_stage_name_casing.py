"""stage-name-casing (DKL044): stage names not lower-case, AS not in the case of FROM."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import (
    apply_only_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "stage-name-casing"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=True)


def test_renames_the_stage_and_every_reference() -> None:
    text = ("FROM golang:1.23 AS Builder\nRUN go build -o /out/app .\n"
            "FROM Builder AS test\nRUN --mount=type=bind,from=BUILDER,target=/src go test ./...\n"
            "FROM scratch\nCOPY --from=Builder /out/app /app\nONBUILD COPY --from=Builder /a /b\n")
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "Builder"
    assert "`builder`" in finding.message
    assert fixed(text) == (
        "FROM golang:1.23 AS builder\nRUN go build -o /out/app .\n"
        "FROM builder AS test\nRUN --mount=type=bind,from=builder,target=/src go test ./...\n"
        "FROM scratch\nCOPY --from=builder /out/app /app\nONBUILD COPY --from=Builder /a /b\n")


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("FROM golang as builder\n", "FROM golang AS builder\n", id="upper FROM, lower as"),
    pytest.param("from golang AS builder\n", "from golang as builder\n", id="lower from, upper AS"),
    pytest.param("FROM golang As builder\r\n", "FROM golang AS builder\r\n", id="CRLF, mixed As"),
])
def test_as_casing(text: str, expected: str) -> None:
    assert fixed(text) == expected


def test_both_problems_are_reported_and_fixed_together() -> None:
    text = "FROM a as Build\nFROM b\nCOPY --from=Build /x /y\n"
    assert len(findings(text, NAME)) == 2
    after = fix_all_rule(text, NAME)
    assert after == "FROM a AS build\nFROM b\nCOPY --from=build /x /y\n"
    assert_fix_is_safe(text, after, NAME)


def test_references_before_the_definition_are_images_and_stay() -> None:
    text = "FROM a\nCOPY --from=Tool /x /y\nFROM b AS Tool\n"
    assert fixed(text) == "FROM a\nCOPY --from=Tool /x /y\nFROM b AS tool\n"


@pytest.mark.parametrize("text", [
    pytest.param("FROM golang AS builder\nFROM scratch\nCOPY --from=builder /a /b\n", id="lower-case"),
    pytest.param("from golang as builder\n", id="lower-case keywords"),
    pytest.param("From golang AS builder\n", id="mixed-case FROM is not judged"),
    pytest.param("FROM golang\n", id="no name"),
    pytest.param("FROM golang\n# dockls ignore=stage-name-casing\nFROM golang AS Builder\n", id="suppressed"),
    pytest.param("# check=skip=StageNameCasing\nFROM golang AS Builder\n", id="BuildKit skip StageNameCasing"),
    pytest.param("# check=skip=FromAsCasing\nFROM golang as builder\n", id="BuildKit skip FromAsCasing"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_bad_input_does_not_crash() -> None:
    for text in ["FROM a AS\n", "FROM AS b\n", "FROM\n", "FROM a AS $NAME\n", "ONBUILD FROM x AS Y\n"]:
        findings(text, NAME)


def test_corpus(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
