"""cross-compile-on-build-platform (DKL027): a cross-compiling builder stage runs under emulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "cross-compile-on-build-platform"
RUNTIME = "FROM gcr.io/distroless/static\nCOPY --from=build /out/app /app\n"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


def test_go_build_gets_the_flag_the_target_variables_and_the_args() -> None:
    text = "FROM golang:1.23 AS build\nRUN CGO_ENABLED=0 go build -o /out/app .\n" + RUNTIME
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "golang:1.23"
    assert finding.effective_severity is Severity.INFO
    assert "`go build`" in finding.message and "GOOS=$TARGETOS GOARCH=$TARGETARCH" in finding.message
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n"
                           "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
                           + RUNTIME)


def test_go_build_already_targeting_only_gets_the_flag() -> None:
    text = ("FROM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n"
            "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n" + RUNTIME)
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n"
                           "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n" + RUNTIME)


def test_go_build_with_goarch_exported_gets_only_goos() -> None:
    text = ("FROM golang:1.23 AS build\nARG TARGETARCH\n"
            "RUN export GOARCH=$TARGETARCH && go build -o /out/app .\n" + RUNTIME)
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS\nARG TARGETARCH\n"
                           "RUN export GOARCH=$TARGETARCH && GOOS=$TARGETOS go build -o /out/app .\n" + RUNTIME)


def test_rust_target_triple() -> None:
    text = ("FROM rust:1.82 AS build\nRUN cargo build --release --target x86_64-unknown-linux-musl\n"
            "FROM scratch\nCOPY --from=build /target/app /app\n")
    [finding] = findings(text, NAME)
    assert "`cargo build`" in finding.message
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM rust:1.82 AS build\n"
                           "RUN cargo build --release --target x86_64-unknown-linux-musl\n"
                           "FROM scratch\nCOPY --from=build /target/app /app\n")


@pytest.mark.parametrize("command", ["npm run build", "yarn build", "pnpm run build:prod", "yarn run build"])
def test_javascript_build(command: str) -> None:
    text = (f"FROM node:22 AS web\nRUN npm ci && {command}\n"
            "FROM nginx:1.27\nCOPY --from=web /app/dist /usr/share/nginx/html\n")
    [finding] = findings(text, NAME)
    assert f"`{command}`" in finding.message
    assert fixed(text) == (f"FROM --platform=$BUILDPLATFORM node:22 AS web\nRUN npm ci && {command}\n"
                           "FROM nginx:1.27\nCOPY --from=web /app/dist /usr/share/nginx/html\n")


def test_heredoc_run() -> None:
    text = "FROM golang:1.23 AS build\nRUN <<EOF\nset -e\ngo build -o /out/app .\nEOF\n" + RUNTIME
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n"
                           "RUN <<EOF\nset -e\nGOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\nEOF\n"
                           + RUNTIME)


def test_crlf() -> None:
    text = ("FROM golang:1.23 AS build\r\nRUN go build -o /out/app .\r\n"
            "FROM scratch\r\nCOPY --from=build /out/app /app\r\n")
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\r\nARG TARGETOS TARGETARCH\r\n"
                           "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\r\n"
                           "FROM scratch\r\nCOPY --from=build /out/app /app\r\n")


def test_copied_by_stage_index() -> None:
    text = "FROM golang:1.23\nRUN GOOS=linux go build -o /out/app .\nFROM scratch\nCOPY --from=0 /out/app /app\n"
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23\nARG TARGETARCH\n"
                           "RUN GOOS=linux GOARCH=$TARGETARCH go build -o /out/app .\n"
                           "FROM scratch\nCOPY --from=0 /out/app /app\n")


def test_exec_form_go_build_is_reported_without_a_fix() -> None:
    text = 'FROM golang:1.23 AS build\nRUN ["go", "build", "-o", "/out/app", "."]\n' + RUNTIME
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


def test_exec_form_with_target_variables_in_env_gets_the_flag() -> None:
    text = ('FROM golang:1.23 AS build\nARG TARGETOS TARGETARCH\nENV GOOS=$TARGETOS GOARCH=$TARGETARCH\n'
            'RUN ["go", "build", "-o", "/out/app", "."]\n' + RUNTIME)
    assert fixed(text).startswith("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n")


def test_several_builds_in_one_stage_are_one_finding() -> None:
    text = ("FROM golang:1.23 AS build\nRUN go build -o /out/a ./a\nRUN go build -o /out/b ./b\n"
            "FROM scratch\nCOPY --from=build /out /bin\n")
    [finding] = findings(text, NAME)
    assert len(finding.related) == 2
    assert fixed(text) == ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\n"
                           "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/a ./a\n"
                           "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/b ./b\n"
                           "FROM scratch\nCOPY --from=build /out /bin\n")


@pytest.mark.parametrize("text", [
    pytest.param("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build -o /out/app .\n" + RUNTIME,
                 id="already BUILDPLATFORM"),
    pytest.param("FROM --platform=${BUILDPLATFORM} golang:1.23 AS build\nRUN go build -o /out/app .\n" + RUNTIME,
                 id="already BUILDPLATFORM braced"),
    pytest.param("FROM --platform=linux/amd64 golang:1.23 AS build\nRUN go build -o /out/app .\n" + RUNTIME,
                 id="platform chosen on purpose"),
    pytest.param("FROM golang:1.23\nRUN go build -o /out/app .\nCMD [\"/out/app\"]\n", id="final stage"),
    pytest.param("FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM build\nCMD [\"/out/app\"]\n",
                 id="stage the final image is built FROM"),
    pytest.param("FROM golang:1.23 AS build\nRUN go build -o /out/app .\nFROM alpine\nRUN echo hi\n",
                 id="stage not copied from"),
    pytest.param("FROM golang:1.23 AS build\nRUN go test ./...\n" + RUNTIME, id="no build"),
    pytest.param("FROM golang:1.23 AS build\nRUN CGO_ENABLED=1 go build -o /out/app .\n" + RUNTIME,
                 id="cgo needs a cross toolchain"),
    pytest.param("FROM rust:1.82 AS build\nRUN cargo build --release\n"
                 "FROM scratch\nCOPY --from=build /target/app /app\n", id="rust without target triple"),
    pytest.param("FROM node:22 AS deps\nRUN npm ci && npm run build\n"
                 "FROM node:22-slim\nCOPY --from=deps /app/node_modules ./node_modules\n",
                 id="node_modules copied out"),
    pytest.param("FROM node:22 AS web\nRUN npm test\nFROM nginx\nCOPY --from=web /app/dist /srv\n",
                 id="js without build"),
    pytest.param("FROM golang:1.23 AS build\nONBUILD RUN go build -o /out/app .\n" + RUNTIME, id="ONBUILD"),
    pytest.param("FROM golang:1.23 AS build\nRUN echo go build\n" + RUNTIME, id="go build as an argument"),
    pytest.param("FROM golang:1.23 AS build\nRUN python3 <<EOF\nprint('go build')\nEOF\n" + RUNTIME,
                 id="heredoc for another program"),
    pytest.param("# dockls ignore=cross-compile-on-build-platform\nFROM golang:1.23 AS build\n"
                 "RUN go build -o /out/app .\n" + RUNTIME, id="suppressed"),
    pytest.param("# dockls ignore=DKL027\nFROM golang:1.23 AS build\nRUN go build -o /out/app .\n" + RUNTIME,
                 id="suppressed by id"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


@pytest.mark.parametrize("text", ["", "FROM", "FROM golang AS build\nRUN go build\nCOPY --from=build\n",
                                  "FROM golang AS b\nRUN go\nFROM scratch\nCOPY --from= / /\n"])
def test_bad_input_does_not_crash(text: str) -> None:
    findings(text, NAME)


def test_each_corpus_fix_stays_valid(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
