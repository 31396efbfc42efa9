"""toolchain-in-final-image (DKL030): an SDK image or a build in the final stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_fix, assert_each_corpus_fix_is_valid, assert_fix_is_safe, findings

NAME = "toolchain-in-final-image"

GO_APP = """FROM golang:1.22
WORKDIR /src
COPY . .
ENV PORT=8080
RUN go build -o server ./cmd/server
EXPOSE 8080
CMD ["./server"]
"""

GO_APP_FIXED = """FROM golang:1.22 AS build
WORKDIR /src
COPY . .
ENV PORT=8080
RUN go build -o server ./cmd/server

FROM gcr.io/distroless/base-debian12
ENV PORT=8080
WORKDIR /src
COPY --from=build /src/server /src/server
EXPOSE 8080
CMD ["./server"]
"""


def converted(text: str) -> str:
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert not fix.safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


def test_reports_the_sdk_image_with_the_build() -> None:
    [finding] = findings(GO_APP, NAME)
    assert GO_APP[finding.span.start : finding.span.end] == "golang:1.22"
    assert finding.effective_severity is Severity.WARNING
    assert "a Go toolchain" in finding.message and "FROM golang:1.22 AS build" in finding.message
    [related] = finding.related
    assert GO_APP[related.span.start : related.span.end] == "go build -o server ./cmd/server"


def test_go_multi_stage_fix() -> None:
    assert converted(GO_APP) == GO_APP_FIXED


def test_go_fix_with_crlf() -> None:
    assert converted(GO_APP.replace("\n", "\r\n")) == GO_APP_FIXED.replace("\n", "\r\n")


def test_go_fix_keeps_a_stage_name_and_an_absolute_output() -> None:
    text = "FROM golang:1.22 AS app\nRUN go build -o /usr/local/bin/app .\nENTRYPOINT [\"app\"]"
    assert converted(text) == (
        "FROM golang:1.22 AS app\nRUN go build -o /usr/local/bin/app .\n\nFROM gcr.io/distroless/base-debian12\n"
        "WORKDIR /go\nCOPY --from=app /usr/local/bin/app /usr/local/bin/app\nENTRYPOINT [\"app\"]\n")


def test_go_fix_leaves_no_blank_lines_behind() -> None:
    text = "FROM golang:1.22\n\nRUN go build -o app .\n\n# the port\nEXPOSE 80\n\nCMD [\"./app\"]\n"
    assert converted(text) == (
        "FROM golang:1.22 AS build\n\nRUN go build -o app .\n\nFROM gcr.io/distroless/base-debian12\n"
        "WORKDIR /go\nCOPY --from=build /go/app /go/app\n# the port\nEXPOSE 80\nCMD [\"./app\"]\n")


def test_go_fix_from_a_heredoc_build() -> None:
    text = "FROM golang:1.22\nWORKDIR /src\nRUN <<EOF\ngo build -o app .\nEOF\nCMD [\"/src/app\"]\n"
    assert "COPY --from=build /src/app /src/app\nCMD [\"/src/app\"]\n" in converted(text)


@pytest.mark.parametrize("text", [
    pytest.param(GO_APP.replace('CMD ["./server"]', "CMD ./server"), id="shell-form CMD"),
    pytest.param(GO_APP.replace("EXPOSE", "USER app\nEXPOSE"), id="USER"),
    pytest.param(GO_APP.replace("EXPOSE", "HEALTHCHECK CMD curl -f localhost\nEXPOSE"), id="HEALTHCHECK"),
    pytest.param(GO_APP.replace("-o server", "-o $OUT"), id="variable output"),
    pytest.param(GO_APP.replace("-o server", ""), id="no -o"),
    pytest.param(GO_APP.replace("ENV PORT=8080", "ENV PORT=$P"), id="ENV with a variable"),
    pytest.param(GO_APP.replace("golang:1.22", "golang:1.22-alpine"), id="alpine golang"),
    pytest.param(GO_APP.replace("RUN go build", "RUN go build -o a . && go build"), id="two builds"),
    pytest.param(GO_APP.replace("RUN go build -o server ./cmd/server", 'RUN ["go", "build", "-o", "server", "."]'),
                 id="exec form"),
])
def test_no_go_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


RUST_APP = """FROM rust:1.79-bookworm
WORKDIR /usr/src/app
COPY . .
RUN cargo build --release --locked
# the service
CMD ["./target/release/api"]
"""


def test_rust_multi_stage_fix() -> None:
    assert converted(RUST_APP) == """FROM rust:1.79-bookworm AS build
WORKDIR /usr/src/app
COPY . .
RUN cargo build --release --locked

FROM gcr.io/distroless/cc-debian12
WORKDIR /usr/src/app
COPY --from=build /usr/src/app/target/release/api /usr/src/app/target/release/api
# the service
CMD ["./target/release/api"]
"""


def test_rust_fix_follows_a_moved_binary() -> None:
    text = "FROM rust:1\nCOPY . /src\nRUN cd /src && cargo build --release\nRUN mv /src/target/release/x /x\n"
    assert no_fix_offered(text)  # the build changes directory: where target/ lies is not known
    text = "FROM rust:1\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nRUN mv /src/target/release/x /x\n"
    assert converted(text).endswith("\n\nFROM gcr.io/distroless/cc-debian12\nWORKDIR /src\nCOPY --from=build /x /x\n")


NODE_APP = """FROM node:22-bookworm
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build
EXPOSE 3000
CMD ["node", "dist/server.js"]
"""


def test_node_multi_stage_fix() -> None:
    assert converted(NODE_APP) == """FROM node:22-bookworm AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:22-slim
WORKDIR /app
COPY --from=build /app/package*.json ./
RUN npm ci --omit=dev
COPY --from=build /app/dist ./dist
EXPOSE 3000
CMD ["node", "dist/server.js"]
"""


def no_fix_offered(text: str) -> bool:
    [finding] = findings(text, NAME)
    return finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param(RUST_APP.replace("rust:1.79-bookworm", "rust:1.79-alpine"), id="alpine rust"),
    pytest.param(RUST_APP.replace("./target/release/api", "api"), id="rust: no identifiable binary"),
    pytest.param(RUST_APP.replace('CMD ["./target/release/api"]', "CMD ./target/release/api"),
                 id="rust: shell-form CMD"),
    pytest.param(NODE_APP.replace("package*.json", "package.json"), id="npm without a lockfile"),
    pytest.param(NODE_APP.replace("package*.json", "package.json").replace("npm run build", "yarn build"),
                 id="yarn without a lockfile"),
    pytest.param(NODE_APP.replace('CMD ["node", "dist/server.js"]', "CMD node dist/server.js"),
                 id="node: shell-form CMD"),
    pytest.param(NODE_APP.replace("node:22-bookworm", "node:20"), id="node: no -slim tag in the data"),
    pytest.param(NODE_APP.replace('["node", "dist/server.js"]', '["npx", "http-server", "dist"]'),
                 id="static site"),
])
def test_no_rust_or_node_fix(text: str) -> None:
    assert no_fix_offered(text)


@pytest.mark.parametrize("image", [
    "golang:1.22", "rust:1.79", "maven:3.9-eclipse-temurin-21", "gradle:8", "openjdk:17", "eclipse-temurin:21",
    "amazoncorretto:21", "node:20", "node", "node:20-bookworm", "buildpack-deps:bookworm",
    "mcr.microsoft.com/dotnet/sdk:8.0",
])
def test_fires_on_sdk_images(image: str) -> None:
    [finding] = findings(f"FROM {image}\nCOPY . /app\n", NAME)
    assert finding.fixes == ()


@pytest.mark.parametrize("run", [
    "cargo build --release", "npm ci && npm run build", "yarn build", "pnpm run build", "mvn -B package",
    "./gradlew build", "dotnet publish -c Release", "go build -o /app .",
])
def test_fires_on_builds_in_the_final_stage(run: str) -> None:
    text = f"FROM debian:12-slim\nRUN {run}\n"
    [finding] = findings(text, NAME)
    assert "runs in the final stage" in finding.message


def test_build_in_a_stage_the_final_one_is_built_from() -> None:
    assert len(findings("FROM node:20-slim AS base\nRUN npm run build\nFROM base\nCMD [\"node\", \".\"]\n",
                        NAME)) == 1


def test_exec_form_build() -> None:
    assert len(findings('FROM debian:12-slim\nRUN ["cargo", "build", "--release"]\n', NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12\n"
                 "COPY --from=build /app /app\n", id="multi-stage"),
    pytest.param("FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\n", id="JRE"),
    pytest.param("FROM openjdk:8-jre\nCOPY app.jar /app.jar\n", id="openjdk JRE"),
    pytest.param("FROM node:20-slim\nCOPY . .\nCMD [\"node\", \"index.js\"]\n", id="node slim"),
    pytest.param("FROM node:20-alpine\nCOPY . .\n", id="node alpine"),
    pytest.param("FROM buildpack-deps:bookworm-scm\nRUN git --version\n", id="buildpack-deps scm"),
    pytest.param("FROM python:3.12-slim\nRUN pip install app\n", id="no build"),
    pytest.param("FROM debian:12-slim\nRUN echo go build\n", id="only mentioned"),
    pytest.param("FROM debian:12-slim\nRUN npm run test\n", id="another script"),
    pytest.param("FROM debian:12-slim\nONBUILD RUN go build -o /app .\n", id="ONBUILD trigger"),
    pytest.param("ARG IMAGE\nFROM ${IMAGE}\nCOPY . .\n", id="unknown image"),
    pytest.param('FROM debian:12-slim\nSHELL ["pwsh", "-c"]\nRUN go build\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_suppressed() -> None:
    assert findings("FROM debian:12-slim\n# dockls ignore=toolchain-in-final-image\nRUN cargo build\n", NAME) == []
    assert findings("# dockls global ignore=toolchain-in-final-image\nFROM golang:1.22\n", NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    # Every multi-stage conversion offered on a real-world file must keep it valid and remove the finding.
    assert assert_each_corpus_fix_is_valid(corpus, NAME) >= 0
    assert sum(len(findings(path.read_text(errors="replace"), NAME)) for path in corpus) > 0
