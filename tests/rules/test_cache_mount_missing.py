"""cache-mount-missing (DKL006): package downloads without a BuildKit cache mount on the tool's cache."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.caches import UNKNOWN_HOME, Context, cache_dirs, downloading_tool
from dockls.engine import rule_by_key
from dockls.model import Model
from dockls.rule import Finding, Severity
from tests.rules.helpers import (
    apply_fix,
    assert_corpus_fixes_are_safe,
    assert_fix_is_safe,
    findings,
    fix_all_rule,
)

NAME = "cache-mount-missing"
SYNTAX = "# syntax=docker/dockerfile:1\n"
PIP = "--mount=type=cache,target=/root/.cache/pip"
APT = "--mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked"
MOVE = "[ ! -e /etc/apt/apt.conf.d/docker-clean ] || mv /etc/apt/apt.conf.d/docker-clean /tmp/"
RESTORE = "{ [ ! -e /tmp/docker-clean ] || mv /tmp/docker-clean /etc/apt/apt.conf.d/; }"
GO_MOD = "--mount=type=cache,target=/go/pkg/mod"
GO_BUILD = "--mount=type=cache,target=/root/.cache/go-build"


def only(text: str) -> Finding:
    [finding] = findings(text, NAME)
    return finding


def fixed(text: str, *, safe: bool = True) -> str:
    """The text after the fix of the only finding, checked for safety."""
    fix = only(text).fixes[0]
    assert fix.safe is safe
    after = apply_fix(text, fix)
    if safe:
        assert_fix_is_safe(text, after, NAME)
    else:
        dockerfile.parse_string(after)
    assert findings(after, NAME) == []
    return after


def builder(image: str, run: str) -> str:
    """A RUN in a builder stage whose result only is copied out (fixes there are safe)."""
    return f"{SYNTAX}FROM {image} AS build\nRUN {run}\nFROM scratch\nCOPY --from=build /out /out\n"


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_download_command() -> None:
    text = "FROM python:3.12\nRUN pip install -r requirements.txt\n"
    finding = only(text)
    assert text[finding.span.start : finding.span.end] == "pip install -r requirements.txt"
    assert finding.effective_severity is Severity.INFO
    assert finding.rule.category == "cache" and finding.rule.id == "DKL006"
    assert "`pip install`" in finding.message and "/root/.cache/pip" in finding.message
    assert f"add `{PIP}`" in finding.message


@pytest.mark.parametrize(("image", "run", "targets"), [
    ("python:3.12", "pip install -r r.txt", ["/root/.cache/pip"]),
    ("python:3.12", "python3 -m pip install flask", ["/root/.cache/pip"]),
    ("python:3.12", "pip3.12 download -d /out flask", ["/root/.cache/pip"]),
    ("python:3.12", "pip-sync requirements.txt", ["/root/.cache/pip"]),
    ("python:3.12", "uv sync --frozen", ["/root/.cache/uv"]),
    ("python:3.12", "uv pip install --system flask", ["/root/.cache/uv"]),
    ("python:3.12", "poetry install --no-root", ["/root/.cache/pypoetry/cache", "/root/.cache/pypoetry/artifacts"]),
    ("python:3.12", "pipenv install --system --deploy", ["/root/.cache/pipenv", "/root/.cache/pip"]),
    ("node:22", "npm ci", ["/root/.npm"]),
    ("node:22", "npm i --omit=dev", ["/root/.npm"]),
    ("node:22", "yarn install --frozen-lockfile", ["/usr/local/share/.cache/yarn"]),
    ("node:22", "yarn", ["/usr/local/share/.cache/yarn"]),
    ("node:22", "pnpm install --frozen-lockfile", ["/root/.local/share/pnpm/store"]),
    ("golang:1.22", "go mod download", ["/go/pkg/mod"]),
    ("golang:1.22", "go build -o /out/app ./cmd/app", ["/go/pkg/mod", "/root/.cache/go-build"]),
    ("docker.io/library/golang:1.22-alpine", "CGO_ENABLED=0 go install ./...",
     ["/go/pkg/mod", "/root/.cache/go-build"]),
    ("debian:12", "go build ./...", ["/root/go/pkg/mod", "/root/.cache/go-build"]),
    ("rust:1.80", "cargo build --release", ["/usr/local/cargo/registry", "/usr/local/cargo/git"]),
    ("debian:12", "cargo +nightly fetch", ["/root/.cargo/registry", "/root/.cargo/git"]),
    ("maven:3-eclipse-temurin-21", "mvn -B -DskipTests package", ["/root/.m2/repository"]),
    ("eclipse-temurin:21", "./mvnw dependency:go-offline", ["/root/.m2/repository"]),
    ("gradle:8", "gradle build --no-daemon", ["/root/.gradle/caches"]),
    ("eclipse-temurin:21", "./gradlew bootJar", ["/root/.gradle/caches", "/root/.gradle/wrapper"]),
    ("ruby:3.3", "bundle install --jobs 4", ["/usr/local/bundle/cache"]),
    ("php:8.3", "composer install --no-dev", ["/root/.composer/cache"]),
    ("php:8.3", "php composer.phar install", ["/root/.composer/cache"]),
    ("composer:2", "composer install", ["/tmp/cache"]),
    ("mcr.microsoft.com/dotnet/sdk:8.0", "dotnet restore", ["/root/.nuget/packages"]),
    ("mcr.microsoft.com/dotnet/sdk:8.0", "dotnet publish -c Release -o /out", ["/root/.nuget/packages"]),
    ("alpine:3.20", "apk add curl", ["/var/cache/apk"]),
    ("fedora:40", "dnf makecache", ["/var/cache/dnf"]),
    ("fedora:41", "dnf makecache", ["/var/cache/libdnf5"]),
    ("rockylinux:9", "yum makecache", ["/var/cache/yum", "/var/cache/dnf"]),
])
def test_fires_for_each_tool(image: str, run: str, targets: list[str]) -> None:
    text = builder(image, run)
    finding = only(text)
    for target in targets:
        assert target in finding.message
    after = fixed(text)
    mounts = " ".join(f"--mount=type=cache,target={target}" for target in targets)
    assert f"\nRUN {mounts} {run}\n" in after


@pytest.mark.parametrize("text", [
    pytest.param("FROM python\nRUN pip install --no-cache-dir flask\n", id="pip --no-cache-dir"),
    pytest.param("FROM python\nRUN pip install --no-cache flask\n", id="pip --no-cache"),
    pytest.param("FROM python\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n", id="PIP_NO_CACHE_DIR"),
    pytest.param("FROM python\nARG PIP_NO_CACHE_DIR\nRUN pip install flask\n", id="PIP_NO_CACHE_DIR build arg"),
    pytest.param("FROM python\nRUN PIP_NO_CACHE_DIR=off pip install flask\n", id="PIP_NO_CACHE_DIR prefix"),
    pytest.param("FROM python\nRUN export PIP_NO_CACHE_DIR=1 && pip install flask\n", id="PIP_NO_CACHE_DIR export"),
    pytest.param("FROM python\nRUN uv pip install --no-cache --system flask\n", id="uv --no-cache"),
    pytest.param("FROM python\nENV UV_NO_CACHE=1\nRUN uv sync\n", id="UV_NO_CACHE"),
    pytest.param("FROM python\nRUN pip install flask && rm -rf /root/.cache/pip\n", id="pip cache removed"),
    pytest.param("FROM python\nRUN pip install flask && rm -rf ~/.cache\n", id="folder above removed"),
    pytest.param("FROM python\nRUN pip install flask && pip cache purge\n", id="pip cache purge"),
    pytest.param("FROM node\nRUN npm ci && npm cache clean --force\n", id="npm cache clean"),
    pytest.param("FROM node\nRUN npm ci && rm -rf /root/.npm/_cacache\n", id="npm _cacache removed"),
    pytest.param("FROM node\nRUN yarn install && yarn cache clean\n", id="yarn cache clean"),
    pytest.param("FROM node\nRUN pnpm install && pnpm store prune\n", id="pnpm store prune"),
    pytest.param("FROM golang\nRUN go build ./... && go clean -modcache -cache\n", id="go clean"),
    pytest.param("FROM php\nRUN composer install && composer clear-cache\n", id="composer clear-cache"),
    pytest.param("FROM php\nRUN composer install --no-cache\n", id="composer --no-cache"),
    pytest.param("FROM php\nENV COMPOSER_CACHE_DIR=/dev/null\nRUN composer install\n", id="composer cache off"),
    pytest.param("FROM alpine\nRUN apk add --no-cache curl\n", id="apk --no-cache"),
    pytest.param("FROM alpine\nRUN apk add curl && rm -rf /var/cache/apk/*\n", id="apk cache removed"),
    pytest.param("FROM alpine\nRUN apk add --no-network --virtual .rundeps so:libz.so.1\n", id="apk --no-network"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
                 id="apt lists removed"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && apt-get clean\n", id="apt-get clean"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y curl && apt-get dist-clean\n",
                 id="apt-get dist-clean"),
    pytest.param("FROM debian\nRUN apt-get install -s curl\n", id="apt-get simulate"),
    pytest.param("FROM fedora\nRUN dnf install -y git && dnf clean all\n", id="dnf clean all"),
    pytest.param("FROM centos:7\nRUN yum install -y git && yum clean all\n", id="yum clean all"),
    pytest.param("FROM fedora\nRUN dnf install -y git && rm -rf /var/cache/dnf\n", id="dnf cache removed"),
    pytest.param(f"FROM python\nRUN {PIP} pip install flask\n", id="cache mount"),
    pytest.param("FROM python\nRUN --mount=type=cache,target=/root/.cache pip install flask\n",
                 id="cache mount on a folder above"),
    pytest.param("FROM python\nRUN --mount=type=tmpfs,target=/root/.cache/pip pip install flask\n", id="tmpfs mount"),
    pytest.param(f"FROM debian\nRUN {APT} apt-get update && apt-get install -y curl\n", id="apt mounts"),
    pytest.param(f"FROM golang\nRUN {GO_MOD} {GO_BUILD} go build ./...\n", id="go mounts"),
    pytest.param(f"FROM golang\nRUN {GO_MOD} go mod download\n", id="go mod needs no build cache"),
    pytest.param("FROM node\nRUN npm ci --offline\n", id="npm --offline"),
    pytest.param("FROM node\nRUN npm run build && yarn run lint && npx tsc\n", id="no download"),
    pytest.param("FROM maven\nRUN mvn -o package && mvn --version\n", id="mvn offline"),
    pytest.param("FROM golang\nRUN go version && go env\n", id="go without download"),
    pytest.param("FROM ruby\nRUN bundle exec rake assets:precompile\n", id="bundle exec"),
    pytest.param("FROM golang\nRUN --network=none go build ./...\n", id="no network"),
    pytest.param("FROM python\nRUN echo pip install flask\n", id="only mentioned"),
    pytest.param('FROM python\nSHELL ["pwsh", "-c"]\nRUN pip install flask\n', id="non-POSIX shell"),
    pytest.param("FROM python\n# dockls ignore=cache-mount-missing\nRUN pip install flask\n", id="suppressed"),
    pytest.param("FROM python\n# dockls ignore=DKL006\nRUN pip install flask\n", id="suppressed by id"),
    pytest.param("# dockls global ignore=DKL006\nFROM python\nRUN pip install flask\n", id="suppressed globally"),
    pytest.param("FROM python\nARG CACHE\nENV PIP_CACHE_DIR=$CACHE\nRUN pip install flask\n", id="unknown folder"),
    pytest.param("FROM ruby\nENV BUNDLE_PATH=vendor/bundle\nRUN bundle install\n", id="bundle path"),
    pytest.param("FROM debian\nRUN bundle install\n", id="system gems: folder not known"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_deleting_the_cache_before_downloading_does_not_count() -> None:
    assert len(findings("FROM python\nRUN rm -rf /root/.cache/pip && pip install flask\n", NAME)) == 1


def test_one_finding_per_tool_and_run() -> None:
    text = "FROM python\nRUN apt-get update && apt-get install -y gcc && pip install a && pip install b\n"
    assert [f.message.split("`")[1] for f in findings(text, NAME)] == ["apt-get update", "pip install"]


def test_a_cache_mount_on_another_folder_does_not_count() -> None:
    text = f"{SYNTAX}FROM python\nRUN --mount=type=cache,target=/root/.npm pip install flask\n"
    assert fixed(text) == (f"{SYNTAX}FROM python\n"
                           f"RUN --mount=type=cache,target=/root/.npm {PIP} pip install flask\n")


def test_only_the_missing_mount_is_added() -> None:
    text = f"{SYNTAX}FROM golang AS build\nRUN {GO_MOD} \\\n    go build -o /out/app .\nFROM scratch\n"
    finding = only(text)
    assert "/root/.cache/go-build" in finding.message and "/go/pkg/mod" not in finding.message
    assert fixed(text) == (f"{SYNTAX}FROM golang AS build\nRUN {GO_MOD} {GO_BUILD} \\\n    go build -o /out/app .\n"
                           "FROM scratch\n")


def test_every_stage_is_checked() -> None:
    text = ("FROM node:22 AS web\nRUN npm ci\nFROM python:3.12 AS worker\nRUN pip install flask\n"
            "FROM scratch\nCOPY --from=web /out /web\n")
    assert [f.message.split("`")[1] for f in findings(text, NAME)] == ["npm ci", "pip install"]
    assert "Stages" in (rule_by_key(NAME) or pytest.fail()).doc


# -- the fix -------------------------------------------------------------------------------------------


def test_adds_the_mount_and_the_syntax_directive() -> None:
    text = "FROM python:3.12\nRUN pip install flask\n"
    assert fixed(text) == f"{SYNTAX}FROM python:3.12\nRUN {PIP} pip install flask\n"


def test_keeps_an_existing_syntax_directive() -> None:
    text = "# syntax=docker/dockerfile:1.7\nFROM python\nRUN --network=host pip install flask\n"
    assert fixed(text) == f"# syntax=docker/dockerfile:1.7\nFROM python\nRUN --network=host {PIP} pip install flask\n"


def test_heredoc_run() -> None:
    text = f"{SYNTAX}FROM node\nRUN <<EOF\nset -e\nnpm ci\nnpm run build\nEOF\n"
    assert fixed(text) == (f"{SYNTAX}FROM node\nRUN --mount=type=cache,target=/root/.npm <<EOF\nset -e\nnpm ci\n"
                           "npm run build\nEOF\n")


def test_exec_form_run() -> None:
    text = f'{SYNTAX}FROM python\nRUN ["pip", "install", "flask"]\n'
    assert fixed(text) == f'{SYNTAX}FROM python\nRUN {PIP} ["pip", "install", "flask"]\n'


def test_onbuild_trigger() -> None:
    text = f"{SYNTAX}FROM node\nONBUILD RUN npm ci\n"
    assert fixed(text) == f"{SYNTAX}FROM node\nONBUILD RUN --mount=type=cache,target=/root/.npm npm ci\n"


def test_onbuild_trigger_of_a_dependency_store_is_not_fixed_automatically() -> None:
    text = f"{SYNTAX}FROM golang\nONBUILD RUN go mod download\n"
    assert "ONBUILD trigger" in only(text).message
    assert fixed(text, safe=False) == f"{SYNTAX}FROM golang\nONBUILD RUN {GO_MOD} go mod download\n"


def test_crlf() -> None:
    text = "FROM python\r\nRUN pip install \\\r\n    flask\r\n"
    assert fixed(text) == f"# syntax=docker/dockerfile:1\r\nFROM python\r\nRUN {PIP} pip install \\\r\n    flask\r\n"


def test_drops_the_no_cache_option_the_mount_makes_pointless() -> None:
    text = f"{SYNTAX}FROM python AS build\nRUN pip install --no-cache-dir torch && pip install -r r.txt\n"
    assert fixed(text) == f"{SYNTAX}FROM python AS build\nRUN {PIP} pip install torch && pip install -r r.txt\n"


def test_drops_a_no_cache_option_alone_on_its_line() -> None:
    text = f"{SYNTAX}FROM alpine\nRUN apk add \\\n    --no-cache \\\n    curl \\\n && apk add git\n"
    assert fixed(text) == (f"{SYNTAX}FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add \\\n"
                           "    curl \\\n && apk add git\n")


def test_keeps_the_no_cache_option_of_a_command_using_another_folder() -> None:
    text = f"{SYNTAX}FROM python\nRUN pip install --no-cache-dir --cache-dir=/c a && pip install b\n"
    assert fixed(text) == (f"{SYNTAX}FROM python\n"
                           f"RUN {PIP} pip install --no-cache-dir --cache-dir=/c a && pip install b\n")


def test_go_mod_download_then_go_build_both_get_the_mounts() -> None:
    text = (f"{SYNTAX}FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
            "RUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n")
    first, second = findings(text, NAME)
    assert [r.message for r in first.related] == ["reads go's cache too: the fix mounts it here as well"]
    assert apply_fix(text, first.fixes[0]) == (
        f"{SYNTAX}FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN {GO_MOD} go mod download\nCOPY . .\n"
        f"RUN {GO_MOD} go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n")
    after = fix_all_rule(text, NAME)
    assert after == (
        f"{SYNTAX}FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN {GO_MOD} go mod download\nCOPY . .\n"
        f"RUN {GO_MOD} {GO_BUILD} go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n")
    assert_fix_is_safe(text, after, NAME)
    # Fixing the second RUN alone mounts the module cache from the first one on.
    assert apply_fix(text, second.fixes[0]) == (
        f"{SYNTAX}FROM golang:1.22 AS build\nCOPY go.mod go.sum ./\nRUN {GO_MOD} go mod download\nCOPY . .\n"
        f"RUN {GO_MOD} {GO_BUILD} go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\n")


def test_a_later_offline_build_in_a_stage_built_from_this_one_gets_the_mount() -> None:
    text = (f"{SYNTAX}FROM maven:3 AS deps\nRUN mvn dependency:go-offline\nFROM deps AS build\nRUN mvn -o package\n"
            "FROM scratch\nCOPY --from=build /target/app.jar /app.jar\n")
    m2 = "--mount=type=cache,target=/root/.m2/repository"
    assert fixed(text) == (f"{SYNTAX}FROM maven:3 AS deps\nRUN {m2} mvn dependency:go-offline\nFROM deps AS build\n"
                           f"RUN {m2} mvn -o package\nFROM scratch\nCOPY --from=build /target/app.jar /app.jar\n")


def test_a_later_run_naming_the_folder_gets_the_mount() -> None:
    text = f"{SYNTAX}FROM node AS build\nRUN npm ci\nRUN ls /root/.npm/_cacache\nFROM scratch\n"
    npm = "--mount=type=cache,target=/root/.npm"
    assert fixed(text) == (f"{SYNTAX}FROM node AS build\nRUN {npm} npm ci\nRUN {npm} ls /root/.npm/_cacache\n"
                           "FROM scratch\n")


def test_a_later_run_of_a_plain_cache_tool_is_left_alone() -> None:
    text = f"{SYNTAX}FROM node AS build\nRUN npm ci\nRUN npm run build\nFROM scratch\n"
    assert fixed(text) == (f"{SYNTAX}FROM node AS build\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
                           "RUN npm run build\nFROM scratch\n")


def test_a_dependency_store_in_the_final_image_is_not_fixed_automatically() -> None:
    text = f"{SYNTAX}FROM golang\nRUN go mod download\nCMD [\"go\", \"run\", \".\"]\n"
    finding = only(text)
    assert "final image" in finding.message and not finding.fixes[0].safe
    assert fixed(text, safe=False) == (f"{SYNTAX}FROM golang\nRUN {GO_MOD} go mod download\n"
                                       "CMD [\"go\", \"run\", \".\"]\n")


def test_a_plain_cache_in_the_final_image_is_fixed() -> None:
    assert only("FROM python\nRUN pip install flask\nCMD [\"flask\", \"run\"]\n").fixes[0].safe


@pytest.mark.parametrize("copy", [
    "COPY --from=deps /root/.m2 /root/.m2",
    "COPY --from=deps /root/.m2/repository/org /org",
    "COPY --from=deps / /",
    "RUN --mount=type=bind,from=deps,source=/root/.m2,target=/m2 cp -r /m2 /root/.m2",
])
def test_a_copy_of_the_cache_out_of_the_stage_is_not_fixed_automatically(copy: str) -> None:
    text = f"{SYNTAX}FROM maven AS deps\nRUN mvn dependency:go-offline\nFROM maven\n{copy}\n"
    finding = only(text)
    assert "copies maven's cache from this stage" in finding.message
    assert not finding.fixes[0].safe


def test_a_whole_stage_copied_with_a_plain_cache_in_it_is_fixed() -> None:
    assert only("FROM python AS build\nRUN pip install flask\nFROM scratch\nCOPY --from=build / /\n").fixes[0].safe


def test_yarn_2_cache_moved_by_yarn_cache_folder_is_not_fixed_automatically() -> None:
    text = f"{SYNTAX}FROM node AS build\nENV YARN_CACHE_FOLDER=/yarn\nRUN yarn install --immutable\nFROM scratch\n"
    assert "Plug'n'Play" in only(text).message
    fixed(text, safe=False)
    assert only(text.replace("--immutable", "--frozen-lockfile")).fixes[0].safe  # Yarn 1


def test_dnf_keeps_the_packages_it_downloads() -> None:
    text = f"{SYNTAX}FROM fedora:40\nRUN dnf install -y git && dnf makecache\n"
    assert fixed(text) == (f"{SYNTAX}FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf "
                           "dnf install --setopt=keepcache=1 -y git && dnf makecache\n")


# -- apt and docker-clean --------------------------------------------------------------------------


def test_apt_moves_docker_clean_aside_for_the_run() -> None:
    text = f"{SYNTAX}FROM debian\nRUN apt-get update && apt-get install -y curl\n"
    assert fixed(text) == (f"{SYNTAX}FROM debian\nRUN {APT} {MOVE} && apt-get update && apt-get install -y curl && "
                           f"{RESTORE}\n")


def test_apt_docker_clean_in_a_multi_line_run() -> None:
    text = (f"{SYNTAX}FROM debian\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends \\\n"
            "        curl git\n")
    assert fixed(text) == (
        f"{SYNTAX}FROM debian\nRUN {APT} {MOVE} && apt-get update && \\\n"
        "    apt-get install -y --no-install-recommends \\\n"
        f"        curl git && \\\n    {RESTORE}\n")


def test_apt_docker_clean_in_leading_operator_style() -> None:
    text = f"{SYNTAX}FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl\n"
    assert fixed(text) == (f"{SYNTAX}FROM debian\nRUN {APT} {MOVE} && apt-get update \\\n"
                           "    && apt-get install -y curl \\\n"
                           f"    && {RESTORE}\n")


def test_apt_docker_clean_in_a_heredoc() -> None:
    text = f"{SYNTAX}FROM ubuntu\nRUN <<EOF\n#!/bin/sh\nset -e\napt-get update\napt-get install -y curl\nEOF\n"
    assert fixed(text) == (f"{SYNTAX}FROM ubuntu\nRUN {APT} <<EOF\n#!/bin/sh\n{MOVE}\nset -e\napt-get update\n"
                           f"apt-get install -y curl\n{RESTORE}\nEOF\n")


def test_apt_docker_clean_in_a_heredoc_without_errexit() -> None:
    text = f"{SYNTAX}FROM ubuntu\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"
    assert fixed(text) == (f"{SYNTAX}FROM ubuntu\nRUN {APT} <<EOF\n{MOVE}\napt-get update\n"
                           f"apt-get install -y curl && {RESTORE}\nEOF\n")


def test_apt_docker_clean_in_a_crlf_heredoc() -> None:
    text = ("# syntax=docker/dockerfile:1\r\nFROM ubuntu\r\nRUN <<EOF\r\nset -e\r\napt-get update\r\n"
            "apt-get install -y curl\r\nEOF\r\n")
    assert fixed(text) == (f"{SYNTAX[:-1]}\r\nFROM ubuntu\r\nRUN {APT} <<EOF\r\n{MOVE}\r\nset -e\r\n"
                           f"apt-get update\r\napt-get install -y curl\r\n{RESTORE}\r\nEOF\r\n")


def test_apt_update_alone_needs_no_docker_clean_handling() -> None:
    text = f"{SYNTAX}FROM debian AS base\nRUN apt-get update\nFROM scratch\n"
    assert fixed(text) == f"{SYNTAX}FROM debian AS base\nRUN {APT} apt-get update\nFROM scratch\n"


def test_apt_docker_clean_already_handled_in_an_earlier_run() -> None:
    text = (f"{SYNTAX}FROM debian\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
            "RUN apt-get update && apt-get install -y curl\n")
    assert fixed(text) == (f"{SYNTAX}FROM debian\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
                           f"RUN {APT} apt-get update && apt-get install -y curl\n")


def test_apt_install_after_an_update_in_an_earlier_run_mounts_both() -> None:
    text = f"{SYNTAX}FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n"
    update, install = findings(text, NAME)
    expected = (f"{SYNTAX}FROM debian\nRUN {APT} apt-get update\n"
                f"RUN {APT} {MOVE} && apt-get install -y curl && {RESTORE}\n")
    assert apply_fix(text, update.fixes[0]) == expected
    assert apply_fix(text, install.fixes[0]) == expected  # the lists the install reads come along
    assert [r.message for r in install.related] == ["fills apt's cache first: the fix mounts it from here on"]
    assert_fix_is_safe(text, expected, NAME)


def test_apt_install_reading_lists_of_an_unknown_layer_is_not_fixed_automatically() -> None:
    text = f"{SYNTAX}FROM debian\nRUN apt-get install -y curl\n"
    assert "without an `apt-get update` of its own" in only(text).message
    assert fixed(text, safe=False) == f"{SYNTAX}FROM debian\nRUN {APT} {MOVE} && apt-get install -y curl && {RESTORE}\n"


@pytest.mark.parametrize("run", [
    'RUN ["apt-get", "install", "-y", "curl"]',
    "RUN apt-get update && apt-get install -y curl && exit 0",
    "RUN apt-get update && apt-get install -y curl &",
])
def test_apt_without_a_way_to_restore_docker_clean_has_no_fix(run: str) -> None:
    assert only(f"FROM debian\n{run}\n").fixes == ()


# -- users and relocated caches --------------------------------------------------------------------


def test_non_root_user_without_home_gets_no_mount() -> None:
    finding = only("FROM node\nUSER node\nRUN npm ci\n")
    assert finding.fixes == ()
    assert "user `node`" in finding.message and "home folder is not known" in finding.message
    assert "~/.npm" in finding.message


def test_non_root_user_whose_mount_is_on_any_home_is_silent() -> None:
    assert findings("FROM node\nUSER node\nRUN --mount=type=cache,target=/home/node/.npm,uid=1000 npm ci\n", NAME) == []


def test_named_user_with_home_gets_no_mount_without_its_id() -> None:
    finding = only("FROM python\nUSER app\nENV HOME=/home/app\nRUN pip install --user flask\n")
    assert finding.fixes == () and "uid=<id>" in finding.message and "/home/app/.cache/pip" in finding.message


@pytest.mark.parametrize(("user", "owner"), [("1000", "uid=1000"), ("1000:1001", "uid=1000,gid=1001")])
def test_numeric_user_with_home_gets_a_mount_it_owns(user: str, owner: str) -> None:
    text = f"{SYNTAX}FROM python\nUSER {user}\nENV HOME=/home/app\nRUN pip install --user flask\n"
    assert fixed(text) == (f"{SYNTAX}FROM python\nUSER {user}\nENV HOME=/home/app\n"
                           f"RUN --mount=type=cache,target=/home/app/.cache/pip,{owner} pip install --user flask\n")


def test_user_root_again() -> None:
    assert only("FROM node\nUSER node\nRUN echo\nUSER root\nRUN npm ci\n").fixes


def test_user_of_the_parent_stage() -> None:
    assert only("FROM node AS base\nUSER node\nFROM base\nRUN npm ci\n").fixes == ()


@pytest.mark.parametrize(("env", "run", "target"), [
    ("ENV PIP_CACHE_DIR=/cache/pip", "pip install flask", "/cache/pip"),
    ("ENV XDG_CACHE_HOME=/xdg", "pip install flask", "/xdg/pip"),
    ("ENV HOME=/app", "pip install flask", "/app/.cache/pip"),
    ("ARG CACHE=/c\nENV PIP_CACHE_DIR=${CACHE}/pip", "pip install flask", "/c/pip"),
    ("", "PIP_CACHE_DIR=/p pip install flask", "/p"),
    ("", "pip install --cache-dir /p flask", "/p"),
    ("ENV UV_CACHE_DIR=/uv", "uv sync", "/uv"),
    ("ENV npm_config_cache=/npm", "npm ci", "/npm"),
    ("ENV NPM_CONFIG_CACHE=/npm", "npm ci", "/npm"),
    ("", "npm ci --cache /tmp/npm", "/tmp/npm"),
    ("ENV YARN_CACHE_FOLDER=/yarn", "yarn install", "/yarn"),
    ("ENV PNPM_HOME=/pnpm", "pnpm install", "/pnpm/store"),
    ("ENV GOMODCACHE=/mod", "go mod download", "/mod"),
    ("ENV GOPATH=/gopath", "go mod download", "/gopath/pkg/mod"),
    ("ENV GOCACHE=/gocache", "go vet ./...", "/gocache"),
    ("ENV CARGO_HOME=/cargo", "cargo fetch", "/cargo/registry"),
    ("ENV GRADLE_USER_HOME=/gradle", "gradle build", "/gradle/caches"),
    ("", "mvn -Dmaven.repo.local=/m2 package", "/m2"),
    ("ENV COMPOSER_HOME=/composer", "composer install", "/composer/cache"),
    ("ENV COMPOSER_CACHE_DIR=/cc", "composer install", "/cc"),
    ("ENV NUGET_PACKAGES=/nuget", "dotnet restore", "/nuget"),
    ("ENV GEM_HOME=/gems", "bundle install", "/gems/cache"),
])
def test_relocated_caches(env: str, run: str, target: str) -> None:
    text = f"{SYNTAX}FROM debian AS build\n{env}\nRUN {run}\nFROM scratch\n"
    run_line = next(line for line in fixed(text).splitlines() if line.startswith("RUN "))
    assert f"--mount=type=cache,target={target} " in run_line


# -- the cache-kept rules never contradict this one ------------------------------------------------


KEPT_CASES = [
    ("apt-lists-not-removed", "FROM debian\nRUN apt-get update && apt-get install -y curl\n"),
    ("apt-lists-not-removed", "FROM debian\nRUN apt-get update \\\n && apt-get install -y curl git\n"),
    ("pip-cache-kept", "FROM python:3.12\nRUN pip install flask\n"),
    ("pip-cache-kept", "FROM python:3.12\nRUN pip install --no-cache-dir torch && pip install flask\n"),
    ("pip-cache-kept", "FROM python:3.12\nRUN python3 -m pip install -r requirements.txt\n"),
    ("apk-cache-kept", "FROM alpine\nRUN apk add curl\n"),
    ("apk-cache-kept", "FROM alpine\nRUN apk update && apk upgrade && apk add curl\n"),
    ("dnf-cache-kept", "FROM fedora:40\nRUN dnf install -y git\n"),
    ("dnf-cache-kept", "FROM centos:7\nRUN yum install -y git\n"),
    ("dnf-cache-kept", "FROM registry.access.redhat.com/ubi9/ubi-minimal\nRUN microdnf install -y git\n"),
    ("npm-cache-kept", "FROM node:22\nRUN npm ci\n"),
    ("npm-cache-kept", "FROM node:22\nRUN yarn install --frozen-lockfile\n"),
]


def _rule_exists(name: str) -> None:
    if rule_by_key(name) is None:
        pytest.skip(f"{name} is not there yet")


def _apply_first_fixes(text: str, rule: str) -> str:
    """Apply the first fix of the rule's first finding until it has none left: its safe fix, or for a
    finding it only offers unsafe fixes for (`yarn cache clean`), the first of those."""
    for _ in range(5):
        found = [finding for finding in findings(text, rule) if finding.fixes]
        if not found:
            break
        text = apply_fix(text, found[0].fixes[0])
    return text


@pytest.mark.parametrize(("kept", "text"), KEPT_CASES)
def test_the_cache_kept_rules_fix_silences_this_rule(kept: str, text: str) -> None:
    _rule_exists(kept)
    assert findings(text, NAME) and findings(text, kept)
    after = _apply_first_fixes(text, kept)
    assert findings(after, kept) == []
    assert findings(after, NAME) == []


@pytest.mark.parametrize(("kept", "text"), KEPT_CASES)
def test_this_rules_fix_silences_the_cache_kept_rule(kept: str, text: str) -> None:
    _rule_exists(kept)
    after = fix_all_rule(text, NAME)
    assert findings(after, NAME) == []
    assert findings(after, kept) == []
    assert_fix_is_safe(text, after, NAME)


# -- the knowledge module --------------------------------------------------------------------------


def _dirs(text: str) -> tuple[str, ...] | None:
    model = Model.from_text(text)
    run = model.runs[-1]
    command = run.commands[-1]
    tool = downloading_tool(command)
    assert tool is not None
    return cache_dirs(tool, command, Context.of(model, run))


def test_cache_dirs_under_an_unknown_home() -> None:
    assert _dirs("FROM python\nUSER app\nRUN pip install flask\n") == (f"{UNKNOWN_HOME}/.cache/pip",)


def test_cache_dirs_for_root_yarn_and_another_user() -> None:
    assert _dirs("FROM node\nRUN yarn add left-pad\n") == ("/usr/local/share/.cache/yarn",)
    assert _dirs("FROM node\nUSER 1000\nENV HOME=/home/node\nRUN yarn add left-pad\n") == ("/home/node/.cache/yarn",)


def test_context_of_a_numeric_user() -> None:
    model = Model.from_text("FROM golang:1.22@sha256:abc\nUSER 1000:1000\nRUN go build\n")
    ctx = Context.of(model, model.runs[0])
    assert (ctx.root, ctx.uid, ctx.home, ctx.image, ctx.env["GOPATH"]) == (False, "1000:1000", None, "golang", "/go")


@pytest.mark.parametrize("text", [
    "FROM python\nRUN pip install $(cat requirements.txt) && \\\n",
    "FROM python\nUSER $UNSET\nRUN pip install x\n",
    "FROM python\nRUN pip\n",
    'FROM python\nRUN ["sh", "-c", "pip install \\"x\\""]\n',
    "FROM node\nRUN npm ci --cache\n",
    "FROM golang\nENV GOPATH=\nRUN go build\n",
    "RUN pip install x\n",
])
def test_odd_input_does_not_break_it(text: str) -> None:
    for finding in findings(text, NAME):
        for fix in finding.fixes:
            apply_fix(text, fix)


# -- real-world files --------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
