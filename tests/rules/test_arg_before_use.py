"""arg-before-use (DKL007): an ARG declared above RUNs that do not use it, moved down to its first use."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import (
    apply_fix,
    apply_only_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "arg-before-use"


def fixed(text: str) -> str:
    """The text after the one finding's safe fix, checked for safety; the rule is silent on it."""
    return apply_only_fix(text, NAME, safe=True)


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_name_with_the_runs_it_invalidates() -> None:
    text = ("FROM golang:1.23 AS build\nARG VERSION\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n"
            "COPY . .\nRUN go build -ldflags \"-X main.version=${VERSION}\" -o /app .\n")
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "VERSION"
    assert finding.span.start == text.index("VERSION")
    assert finding.effective_severity is Severity.INFO
    assert finding.message.startswith("ARG VERSION is first used on line 7: the RUN on line 5 in between does not")
    assert "declare it right before line 7" in finding.message
    [related] = finding.related
    assert related.span.start == text.index("RUN go build")
    assert fixed(text) == ("FROM golang:1.23 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n"
                           "COPY . .\nARG VERSION\nRUN go build -ldflags \"-X main.version=${VERSION}\" -o /app .\n")


def test_counts_every_run_in_between() -> None:
    text = "FROM debian\nARG V=1\nRUN apt-get update\nRUN mkdir /app\nRUN useradd app\nRUN echo $V\n"
    [finding] = findings(text, NAME)
    assert "the 3 RUNs on lines 3, 4, 5 in between do not use it" in finding.message


@pytest.mark.parametrize("use", [
    "RUN echo ${V}", "RUN echo ${V:-x}", "RUN printenv V", "RUN awk 'BEGIN { print ENVIRON[\"V\"] }'",
    "COPY app-$V.tar /app/", "ENV APP_VERSION=$V", "LABEL version=$V", "WORKDIR /opt/$V",
    "RUN --mount=type=cache,id=cache-$V,target=/c true", "ARG W=${V}-x",
])
def test_any_mention_is_a_use(use: str) -> None:
    text = f"FROM debian\nARG V=1\nRUN apt-get install -y curl\n{use}\n"
    [finding] = findings(text, NAME)
    assert "is first used on line 4" in finding.message
    assert fixed(text) == f"FROM debian\nRUN apt-get install -y curl\nARG V=1\n{use}\n"


@pytest.mark.parametrize(("run", "shown"), [
    ("./build.sh", "./build.sh"), ("make", "make"), ("sh -c 'make all'", "sh"), ("npm ci", "npm"),
    ("pip install -r requirements.txt", "pip"), ("pip install .", "pip"), ("python3 setup.py install", "python3"),
    ("go generate ./...", "go"), ("cargo build --release", "cargo"), ("find . -exec ./fix {} ;", "find"),
    ("env", "env"),
])
def test_a_run_that_may_read_any_variable_is_a_possible_use(run: str, shown: str) -> None:
    text = f"FROM debian\nARG V=1\nRUN apt-get install -y curl\nRUN {run}\nRUN echo $V\n"
    [finding] = findings(text, NAME)
    assert f"may first be used on line 4 (that RUN runs `{shown}`" in finding.message
    assert fixed(text) == f"FROM debian\nRUN apt-get install -y curl\nARG V=1\nRUN {run}\nRUN echo $V\n"


@pytest.mark.parametrize("run", [
    "apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
    "apk add --no-cache curl", "dnf install -y curl && dnf clean all", "mkdir -p /app && chown app /app",
    "useradd -m app", "curl -fsSL https://example.com/x.tgz | tar -xz -C /opt", "git clone https://x/y.git /src",
    "pip install --no-cache-dir requests", "npm install -g --ignore-scripts pnpm", "go mod download",
    "cargo fetch", "find /tmp -name '*.log' -delete",
])
def test_runs_of_known_commands_do_not_use_it(run: str) -> None:
    text = f"FROM debian\nARG V=1\nRUN {run}\nRUN echo $V\n"
    assert len(findings(text, NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nARG V=1\nRUN echo $V\n", id="used by the next instruction"),
    pytest.param("FROM debian\nARG V=1\nCOPY . /src\nWORKDIR /src\nRUN echo $V\n", id="no RUN in between"),
    pytest.param("FROM debian\nARG V=1\nRUN ./build.sh\nRUN echo $V\n", id="first RUN may use it"),
    pytest.param("ARG V=1\nFROM debian:$V\nRUN apt-get install -y curl\n", id="global ARG"),
    pytest.param("FROM debian\nARG V=1\nRUN apt-get install -y curl\nONBUILD RUN echo $V\n", id="used by ONBUILD"),
    pytest.param("FROM debian\nARG V=1\nRUN apt-get install -y curl\nENV V=2\nRUN echo $V\n",
                 id="declared again by ENV"),
    pytest.param("FROM debian\nARG V=1\nRUN apt-get install -y curl\nARG V=2\nRUN echo $V\n",
                 id="declared again by ARG"),
    pytest.param("FROM debian\nARG HTTP_PROXY\nRUN apt-get update\nRUN echo $HTTP_PROXY\n", id="proxy"),
    pytest.param("FROM debian\nARG https_proxy\nRUN apt-get update\nRUN echo $https_proxy\n", id="proxy lower case"),
    pytest.param("FROM debian\nARG DEBIAN_FRONTEND=noninteractive\nRUN mkdir /x\nRUN apt-get install -y curl\n",
                 id="DEBIAN_FRONTEND"),
    pytest.param("FROM python\nARG PIP_INDEX_URL\nRUN apt-get install -y gcc\nRUN pip install x\n", id="PIP_"),
    pytest.param("FROM node\nARG NPM_CONFIG_REGISTRY\nRUN mkdir /app\nRUN npm ci\n", id="NPM_CONFIG_"),
    pytest.param("FROM node\nARG npm_config_cache\nRUN mkdir /app\nRUN npm ci\n", id="npm_config_"),
    pytest.param("FROM node\nARG NODE_ENV=production\nRUN mkdir /app\nRUN npm ci\n", id="NODE_ENV"),
    pytest.param("FROM golang\nARG GOPROXY\nRUN apt-get install -y git\nRUN go mod download\n", id="GOPROXY"),
    pytest.param("FROM golang\nARG CGO_ENABLED=0\nRUN mkdir /src\nRUN go build .\n", id="CGO_ENABLED"),
    pytest.param("FROM golang\nARG GOOS GOARCH\nRUN mkdir /src\nRUN go build .\n", id="GOOS GOARCH"),
    pytest.param("FROM debian\nARG TZ=UTC\nRUN mkdir /x\nRUN date\n", id="TZ"),
    pytest.param("FROM golang\nARG TARGETARCH\nRUN go mod download\nRUN GOARCH=$TARGETARCH go build .\n",
                 id="TARGETARCH without FROM --platform"),
    pytest.param("FROM --platform=$BUILDPLATFORM golang\nARG BUILDARCH\nRUN go mod download\nRUN echo $BUILDARCH\n",
                 id="BUILDARCH"),
    pytest.param("FROM debian AS base\nARG V=1\nRUN apt-get install -y curl\nFROM base\nRUN echo $V\n",
                 id="unused here, inherited by a stage built FROM it"),
    pytest.param("FROM debian\n# dockls ignore=arg-before-use\nARG V=1\nRUN apt-get install -y curl\nRUN echo $V\n",
                 id="suppressed"),
    pytest.param("# dockls global ignore=DKL007\nFROM debian\nARG V=1\nRUN apt-get install -y curl\nRUN echo $V\n",
                 id="suppressed globally"),
    pytest.param("# escape=`\nFROM mcr.microsoft.com/windows/servercore\nARG V=1\nRUN dir\nRUN echo %V%\n",
                 id="Windows: what cmd reads is unknown"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-Command"]\nARG V=1\nRUN Get-Item x\nRUN echo $env:V\n',
                 id="PowerShell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_names_that_only_look_like_tool_variables_are_checked() -> None:
    # Go reads GOFLAGS, GOPROXY … but not GOSU_VERSION or GOLANG_VERSION.
    for name in ("GOSU_VERSION", "GOLANG_VERSION"):
        text = f"FROM debian\nARG {name}=1\nRUN apt-get install -y curl\nRUN echo ${name}\n"
        assert len(findings(text, NAME)) == 1


def test_target_platform_args_in_a_cross_compiling_stage() -> None:
    text = ("FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\n"
            "COPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
            "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n")
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["TARGETOS", "TARGETARCH"]
    # Both names move to the same place: the whole line moves, once.
    assert fix_all_rule(text, NAME) == (
        "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\n"
        "RUN go mod download\nCOPY . .\nARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n")


def test_multi_stage_every_stage_is_checked() -> None:
    text = ("FROM debian AS build\nARG V=1\nRUN apt-get install -y gcc\nRUN make V=$V\n"
            "FROM debian\nARG W=1\nRUN mkdir /app\nCOPY --from=build /out /app\nLABEL w=$W\n")
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["V", "W"]
    assert fix_all_rule(text, NAME) == (
        "FROM debian AS build\nRUN apt-get install -y gcc\nARG V=1\nRUN make V=$V\n"
        "FROM debian\nRUN mkdir /app\nCOPY --from=build /out /app\nARG W=1\nLABEL w=$W\n")


def test_a_stage_only_sees_its_own_instructions() -> None:
    text = "FROM debian AS a\nARG V=1\nRUN mkdir /x\nFROM debian\nARG V\nRUN echo $V\n"
    [finding] = findings(text, NAME)
    assert finding.message.startswith("ARG V is never used in this stage")


# -- heredocs, ONBUILD, exec form, mounts -----------------------------------------------------------------


def test_a_heredoc_run_of_known_commands_does_not_use_it() -> None:
    text = ("FROM debian\nARG V=1\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n"
            "RUN echo $V\n")
    assert fixed(text) == ("FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\n"
                           "ARG V=1\nRUN echo $V\n")


def test_a_mention_in_a_heredoc_body_is_a_use() -> None:
    text = "FROM debian\nARG V=1\nRUN mkdir /x\nRUN <<EOF\necho $V > /x/v\nEOF\n"
    assert fixed(text) == "FROM debian\nRUN mkdir /x\nARG V=1\nRUN <<EOF\necho $V > /x/v\nEOF\n"
    text = "FROM debian\nARG V=1\nRUN mkdir /x\nRUN python3 <<EOF\nprint(1)\nEOF\n"
    assert "that RUN runs `python3`" in findings(text, NAME)[0].message


def test_onbuild_runs_are_neither_uses_nor_skipped() -> None:
    text = "FROM debian\nARG V=1\nONBUILD RUN make\nRUN mkdir /x\nRUN echo $V\n"
    assert fixed(text) == "FROM debian\nONBUILD RUN make\nRUN mkdir /x\nARG V=1\nRUN echo $V\n"


def test_exec_form_runs() -> None:
    text = 'FROM debian\nARG V=1\nRUN ["apt-get", "install", "-y", "curl"]\nRUN ["/bin/sh", "-c", "echo $V"]\n'
    assert fixed(text) == ('FROM debian\nRUN ["apt-get", "install", "-y", "curl"]\nARG V=1\n'
                           'RUN ["/bin/sh", "-c", "echo $V"]\n')
    text = 'FROM debian\nARG V=1\nRUN ["apt-get", "install", "-y", "curl"]\nRUN ["./build"]\nRUN echo $V\n'
    assert "may first be used on line 4" in findings(text, NAME)[0].message


def test_runs_with_a_cache_mount() -> None:
    text = ("FROM golang\nARG V=1\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n"
            "RUN --mount=type=cache,target=/root/.cache/go-build go build -ldflags=-X=main.v=$V .\n")
    assert fixed(text) == ("FROM golang\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nARG V=1\n"
                           "RUN --mount=type=cache,target=/root/.cache/go-build go build -ldflags=-X=main.v=$V .\n")


def test_alpine_and_fedora_package_managers() -> None:
    text = "FROM alpine:3.20\nARG V=1\nRUN apk add --no-cache curl\nRUN echo $V > /v\n"
    assert fixed(text) == "FROM alpine:3.20\nRUN apk add --no-cache curl\nARG V=1\nRUN echo $V > /v\n"
    text = "FROM fedora:40\nARG V=1\nRUN dnf install -y curl && dnf clean all\nRUN echo $V > /v\n"
    assert len(findings(text, NAME)) == 1


# -- the fix ------------------------------------------------------------------------------------------


def test_the_comment_block_moves_with_the_arg_and_the_targets_stays_attached() -> None:
    text = ("FROM debian\n# The release to package\n# (set by CI)\nARG VERSION=dev\n\nRUN apt-get install -y curl\n\n"
            "# Write the version\nRUN echo $VERSION > /version\n")
    assert fixed(text) == ("FROM debian\n\nRUN apt-get install -y curl\n\n# The release to package\n# (set by CI)\n"
                           "ARG VERSION=dev\n# Write the version\nRUN echo $VERSION > /version\n")


def test_one_name_of_several_moves_onto_its_own_line() -> None:
    text = "FROM debian\nARG A=1 B=2\nRUN echo $A\nRUN echo $B\n"
    assert fixed(text) == "FROM debian\nARG A=1\nRUN echo $A\nARG B=2\nRUN echo $B\n"
    text = "FROM debian\nARG B=2 A=1\nRUN echo $A\nRUN echo $B\n"
    assert fixed(text) == "FROM debian\nARG A=1\nRUN echo $A\nARG B=2\nRUN echo $B\n"


def test_names_with_different_targets_each_move_onto_their_own_line() -> None:
    text = "FROM debian\n  ARG A B C=3\n  RUN mkdir /x\n  RUN echo $A\n  RUN echo $B $C\n"
    after = fix_all_rule(text, NAME)
    # One fix per instruction and pass: A leaves the line first, then B and C move down together.
    assert after == "FROM debian\n  RUN mkdir /x\n  ARG A\n  RUN echo $A\n  ARG B C=3\n  RUN echo $B $C\n"
    assert_fix_is_safe(text, after, NAME)


def test_a_default_that_refers_to_other_variables_keeps_its_value() -> None:
    text = ("FROM debian\nARG BASE=1\nARG FULL=${BASE}-x\nRUN mkdir /x\nENV BASE=2\nRUN mkdir /y\n"
            "RUN echo $FULL\n")
    [finding] = findings(text, NAME)
    assert "can move down to line 5, where ENV sets `BASE` that its default refers to" in finding.message
    # Once FULL has moved, BASE is used by it, below a RUN: it follows.
    after = fix_all_rule(text, NAME)
    assert after == ("FROM debian\nRUN mkdir /x\nARG BASE=1\nARG FULL=${BASE}-x\nENV BASE=2\nRUN mkdir /y\n"
                     "RUN echo $FULL\n")
    assert_fix_is_safe(text, after, NAME)


def test_moves_to_before_env_that_persists_it() -> None:
    text = "FROM debian\nARG V=1\nRUN apt-get install -y curl\nENV V=$V\nRUN ./start.sh\n"
    assert fixed(text) == "FROM debian\nRUN apt-get install -y curl\nARG V=1\nENV V=$V\nRUN ./start.sh\n"


def test_crlf_files_keep_their_line_breaks() -> None:
    text = "FROM debian\r\nARG A B\r\nRUN mkdir /x\r\nRUN echo $A\r\nCOPY $B /b\r\n"
    assert fix_all_rule(text, NAME) == "FROM debian\r\nRUN mkdir /x\r\nARG A\r\nRUN echo $A\r\nARG B\r\nCOPY $B /b\r\n"
    text = "FROM debian\r\nARG V=1\r\nRUN mkdir /x\r\nRUN echo $V\r\n"
    assert fixed(text) == "FROM debian\r\nRUN mkdir /x\r\nARG V=1\r\nRUN echo $V\r\n"


def test_an_unused_arg_is_reported_with_an_unsafe_removal() -> None:
    text = "FROM debian\nARG UNUSED=1\nRUN apt-get install -y curl\nRUN mkdir /x\n"
    [finding] = findings(text, NAME)
    assert finding.message.startswith("ARG UNUSED is never used in this stage, but BuildKit puts the value in their")
    [fix] = finding.fixes
    assert not fix.safe
    assert apply_fix(text, fix) == "FROM debian\nRUN apt-get install -y curl\nRUN mkdir /x\n"
    assert fix_all_rule(text, NAME) == text
    text = "FROM debian\nARG USED UNUSED\nRUN mkdir /x\nRUN echo $USED\n"
    unused = next(f for f in findings(text, NAME) if "never used" in f.message)
    assert apply_fix(text, unused.fixes[0]) == "FROM debian\nARG USED\nRUN mkdir /x\nRUN echo $USED\n"


def test_fix_all_is_idempotent_with_several_args() -> None:
    text = ("FROM debian\nARG A=1\nARG B=2\n# c\nARG C=3\nRUN apt-get install -y curl\nRUN mkdir /x\n"
            "RUN echo $A $B\nRUN echo $C\n")
    after = fix_all_rule(text, NAME)
    assert after == ("FROM debian\nRUN apt-get install -y curl\nRUN mkdir /x\nARG A=1\nARG B=2\nRUN echo $A $B\n"
                     "# c\nARG C=3\nRUN echo $C\n")
    assert_fix_is_safe(text, after, NAME)


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
