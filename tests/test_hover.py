"""The hover engine: which token is under an offset, its exact span, and what the hover says."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls import images
from dockls.engine import analyze
from dockls.hover import SEPARATOR, HoverResult, hover, plaintext, why_it_matters
from dockls.instructions import DIRECTIVES, FLAG_DOCS, INSTRUCTION_DOCS, INSTRUCTIONS, MOUNT_DOCS, MOUNT_TYPES
from dockls.links import registry_page
from dockls.model import Model
from dockls.text import Span

SAMPLE = """\
# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended,StageNameCasing;error=true
ARG BASE=python:3.12
ARG TAG
FROM --platform=$BUILDPLATFORM ${BASE} AS builder
ARG TAG
ENV FOO=bar
RUN --mount=type=cache,target=/root/.cache,sharing=locked pip install $FOO ${TAG:-dev} $TARGETARCH $NOPE
RUN --network=none --mount=from=builder,target=/src,source=/out true
FROM builder AS final
COPY --from=builder --chown=1:1 --link /a /b
COPY --from=ghcr.io/owner/tool:1 /tool /tool
ONBUILD COPY --chmod=755 --from=builder /a /b
HEALTHCHECK --interval=5s CMD true
RUN <<EOF
echo $FOO
EOF
# a comment

FROM scratch
"""


def at(text: str, needle: str, after: int = 0) -> HoverResult | None:
    return hover(Model.from_text(text), text.index(needle) + after)


def markdown_at(text: str, needle: str) -> str:
    result = at(text, needle)
    assert result is not None, needle
    return result.markdown


def token(text: str, result: HoverResult | None) -> str:
    assert result is not None
    return text[result.span.start:result.span.end]


# Base images


def test_base_image_sizes_variants_provenance_and_link() -> None:
    result = at(SAMPLE, "${BASE}", 2)
    assert token(SAMPLE, result) == "${BASE}"
    assert result is not None
    info = images.lookup("python:3.12")
    assert info is not None and info.compressed_bytes is not None and info.on_disk_bytes is not None
    text = result.markdown
    assert "`python:3.12`" in text and "Written as `${BASE}`" in text
    assert f"**{images.format_size(info.compressed_bytes)}** (linux/amd64)" in text
    assert "(linux/arm64/v8)" in text
    assert f"On disk: {images.format_size(info.on_disk_bytes)}" in text
    assert f"As of {info.data_date}" in text and info.source in text
    assert "python:3.12-slim — 43 MB, \N{MINUS SIGN}89%" in text
    assert "[Open on Docker Hub](https://hub.docker.com/_/python)" in text
    assert "only known at build time" in text  # --platform=$BUILDPLATFORM


def test_image_platform_from_the_flag_is_the_emphasised_size() -> None:
    text = "FROM --platform=linux/arm64 python:3.12\n"
    result = at(text, "python")
    arm = images.lookup("python:3.12", "linux/arm64")
    assert result is not None and arm is not None and arm.compressed_bytes is not None
    assert f"**{images.format_size(arm.compressed_bytes)}** (linux/arm64/v8)" in result.markdown
    assert "** (linux/amd64)" not in result.markdown


def test_eol_image_and_unknown_tag_say_so_without_guessing_a_size() -> None:
    text = "FROM node:20-alpine\n"
    result = at(text, "node")
    assert token(text, result) == "node:20-alpine"
    assert result is not None
    assert "No size data" in result.markdown and "End of life" in result.markdown and "MB" not in result.markdown


def test_image_from_an_arg_without_default_is_unknown() -> None:
    text = "ARG BASE\nFROM $BASE\n"
    result = at(text, "$BASE", 1)
    assert token(text, result) == "$BASE"
    assert result is not None and "only known at build time" in result.markdown


def test_variable_inside_an_image_reference_is_the_variable() -> None:
    text = "ARG V=3.12\nFROM python:${V}-slim\n"
    result = at(text, "${V}", 2)
    assert token(text, result) == "${V}"
    assert result is not None and "ARG, global, line 1" in result.markdown and "`3.12`" in result.markdown
    whole = at(text, "python")
    assert token(text, whole) == "python:${V}-slim" and whole is not None and "python:3.12-slim" in whole.markdown


@pytest.mark.parametrize(("reference", "url"), [
    ("python:3.12", "https://hub.docker.com/_/python"),
    ("docker.io/library/python", "https://hub.docker.com/_/python"),
    ("bitnami/redis:7", "https://hub.docker.com/r/bitnami/redis"),
    ("ghcr.io/owner/app:1", "https://ghcr.io/owner/app"),
    ("gcr.io/distroless/static-debian12", "https://gcr.io/distroless/static-debian12"),
    ("quay.io/prometheus/node-exporter", "https://quay.io/repository/prometheus/node-exporter"),
    ("mcr.microsoft.com/dotnet/runtime:8.0", "https://mcr.microsoft.com/artifact/mar/dotnet/runtime"),
    ("registry.example.com/team/app:1", None),
    ("scratch", None),
])
def test_registry_pages(reference: str, url: str | None) -> None:
    ref = images.normalize(reference)
    assert ref is not None
    assert registry_page(ref) == url


def test_scratch_and_copy_from_an_image() -> None:
    scratch = at(SAMPLE, "scratch")
    assert token(SAMPLE, scratch) == "scratch"
    assert scratch is not None and "Reserved empty image" in scratch.markdown
    tool = at(SAMPLE, "ghcr.io/owner")
    assert token(SAMPLE, tool) == "ghcr.io/owner/tool:1"
    assert tool is not None and "https://ghcr.io/owner/tool" in tool.markdown


# Stages


def test_stage_references() -> None:
    from_stage = at(SAMPLE, "builder AS final")
    assert token(SAMPLE, from_stage) == "builder"
    assert from_stage is not None
    assert "**Stage `builder`**" in from_stage.markdown and "line 5" in from_stage.markdown
    assert "Base image `python:3.12`" in from_stage.markdown and "MB download" in from_stage.markdown
    copy_from = at(SAMPLE, "--from=builder --chown", len("--from="))
    assert token(SAMPLE, copy_from) == "builder"
    assert copy_from is not None and copy_from.markdown == from_stage.markdown
    mount_from = at(SAMPLE, "from=builder,target")
    assert token(SAMPLE, mount_from) == "from=builder"
    assert mount_from is not None and mount_from.markdown == from_stage.markdown
    name = at(SAMPLE, "final")
    assert token(SAMPLE, name) == "final"
    assert name is not None and "Built FROM stage `builder`" in name.markdown


# Keywords and flags


@pytest.mark.parametrize(("needle", "span", "expected"), [
    ("FROM --platform", "FROM", "#from"),
    ("--platform", "--platform", "#from"),
    ("RUN --mount", "RUN", "#run)"),
    ("--mount=type=cache", "--mount", "#run---mount)"),
    ("--network", "--network", "#run---network"),
    ("--chown", "--chown", "#copy---chown---chmod"),
    ("--link", "--link", "#copy---link"),
    ("--from=builder --chown", "--from", "#copy---from"),
    ("HEALTHCHECK", "HEALTHCHECK", "#healthcheck"),
    ("--interval", "--interval", "#healthcheck"),
    ("ONBUILD", "ONBUILD", "#onbuild"),
    ("COPY --chmod", "COPY", "#copy)"),
    ("--chmod", "--chmod", "#copy---chown---chmod"),
])
def test_keywords_and_flags(needle: str, span: str, expected: str) -> None:
    result = at(SAMPLE, needle, 1)
    assert token(SAMPLE, result) == span
    assert result is not None and f"https://docs.docker.com/reference/dockerfile/{expected}" in result.markdown


def test_flag_values_and_mount_types_and_options() -> None:
    network = at(SAMPLE, "none")
    assert token(SAMPLE, network) == "--network=none"
    assert network is not None and "`default`, `none`, `host`" in network.markdown
    cache = at(SAMPLE, "type=cache")
    assert token(SAMPLE, cache) == "type=cache"
    assert cache is not None and "#run---mounttypecache" in cache.markdown and "`sharing`" in cache.markdown
    sharing = at(SAMPLE, "sharing=locked", 3)
    assert token(SAMPLE, sharing) == "sharing=locked"
    assert sharing is not None and "`shared`, `private`, `locked`" in sharing.markdown
    target = at(SAMPLE, "target=/src")
    assert token(SAMPLE, target) == "target=/src"
    assert target is not None and "`bind` mount" in target.markdown and "#run---mounttypebind" in target.markdown


def test_add_checksum_anchor_and_unknown_flags() -> None:
    text = "FROM alpine:3\nADD --checksum=sha256:abc https://x/y /y\nCOPY --chwon=1 a b\nRUN --mount=type=nope,x=1 a\n"
    checksum = at(text, "--checksum")
    assert checksum is not None and "#add---checksum" in checksum.markdown
    assert at(text, "--chwon") is None
    assert at(text, "type=nope") is None and at(text, "x=1") is None


# Variables


def test_variables_declared_in_the_stage_and_globally() -> None:
    env = at(SAMPLE, "$FOO ")
    assert token(SAMPLE, env) == "$FOO"
    assert env is not None and "ENV, in stage `builder`, line 7" in env.markdown and "Value here: `bar`" in env.markdown
    arg = at(SAMPLE, "${TAG:-dev}", 3)
    assert token(SAMPLE, arg) == "${TAG:-dev}"
    assert arg is not None
    assert "ARG, in stage `builder`, line 6" in arg.markdown and "global ARG (line 4)" in arg.markdown
    assert "set at build time" in arg.markdown and "the default `dev`" in arg.markdown
    platform = at(SAMPLE, "$BUILDPLATFORM")
    assert token(SAMPLE, platform) == "$BUILDPLATFORM"
    assert platform is not None and "Predefined platform argument" in platform.markdown
    target = at(SAMPLE, "$TARGETARCH")
    assert target is not None and "add `ARG TARGETARCH`" in target.markdown
    undeclared = at(SAMPLE, "$NOPE")
    assert undeclared is not None and "Not declared" in undeclared.markdown


def test_global_arg_not_redeclared_and_env_inherited_from_the_parent_stage() -> None:
    text = "ARG V=1\nFROM alpine:3 AS base\nENV HOME_DIR=/srv\nFROM base\nRUN echo $V $HOME_DIR\n"
    hidden = at(text, "$V")
    assert hidden is not None and "add `ARG V`" in hidden.markdown
    inherited = at(text, "$HOME_DIR")
    assert inherited is not None and "ENV, in stage `base`, line 3" in inherited.markdown
    assert "`/srv`" in inherited.markdown


def test_arg_default_uses_earlier_values_and_env_wins_over_arg() -> None:
    text = "FROM alpine:3\nARG A=x\nARG B=${A}y\nENV A=z\nRUN echo $B $A\n"
    assert "Value here: `xy`" in markdown_at(text, "$B")
    assert "ENV" in markdown_at(text, "$A")


def test_escaped_dollar_and_exec_form_are_not_variables() -> None:
    text = 'FROM alpine:3\nENV A=1\nRUN echo \\$A\nCMD ["echo", "$A"]\n'
    assert at(text, "$A") is None
    assert at(text, '$A"') is None


def test_backtick_escape_directive() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV A=1\nRUN echo `$A $A `\n    done\n"
    assert at(text, "escape") is not None
    assert at(text, "`$A", 1) is None
    second = at(text, "$A `", 0)
    assert token(text, second) == "$A" and second is not None and "ENV" in second.markdown
    image = at(text, "mcr.")
    assert image is not None and "https://mcr.microsoft.com/artifact/mar/windows/servercore" in image.markdown
    run = at(text, "RUN")
    assert token(text, run) == "RUN"


# Directives


def test_directives() -> None:
    syntax = at(SAMPLE, "syntax")
    assert token(SAMPLE, syntax) == "syntax=docker/dockerfile:1"
    assert syntax is not None and "#syntax" in syntax.markdown
    check = at(SAMPLE, "StageNameCasing")
    assert token(SAMPLE, check) == "check=skip=JSONArgsRecommended,StageNameCasing;error=true"
    assert check is not None
    assert "skips `JSONArgsRecommended`, `StageNameCasing`" in check.markdown
    assert "check warnings fail the build" in check.markdown
    assert "every check is skipped" in markdown_at("# check=skip=all\nFROM a:1\n", "all")


# ONBUILD


def test_onbuild_trigger_keyword_and_flags() -> None:
    keyword = at(SAMPLE, "COPY --chmod")
    assert token(SAMPLE, keyword) == "COPY"
    assert keyword is not None and keyword.markdown.startswith("**COPY**")
    source = at(SAMPLE, "builder /a /b\nHEALTH")
    assert token(SAMPLE, source) == "builder" and source is not None and "**Stage `builder`**" in source.markdown


# Where there is nothing


@pytest.mark.parametrize("text", ["", "\n", "FROM", "RU", "RUN --mou", "FROM ", "# just a comment\n", "\ufeff"])
def test_half_typed_and_empty_texts(text: str) -> None:
    model = Model.from_text(text)
    for offset in range(len(text) + 1):
        result = hover(model, offset)
        assert result is None or Span(0, len(text)).covers(result.span)
    assert hover(model, len(text) + 5) is None and hover(model, -1) is None


def test_none_in_comments_blank_lines_heredoc_bodies_and_between_tokens() -> None:
    model = Model.from_text(SAMPLE)
    assert hover(model, SAMPLE.index("# a comment") + 3) is None
    assert hover(model, SAMPLE.index("\n\nFROM scratch") + 1) is None
    assert hover(model, SAMPLE.index("echo $FOO") + 6) is None
    assert hover(model, SAMPLE.index("EOF\n# a")) is None
    assert hover(model, SAMPLE.index("pip install") + 1) is None
    assert hover(model, len(SAMPLE)) is None
    half = "FROM alpine:3\nRUN --mount=type=\n"
    assert hover(Model.from_text(half), half.index("type=") + 2) is None


# Positions


def test_crlf_tabs_emoji_and_cjk_keep_exact_code_point_spans() -> None:
    text = "FROM alpine:3\r\n\tENV 😀名=1\r\nRUN\t--network=host echo \"😀\" $😀 ${名} \\\r\n  && echo $HOME\r\n"
    network = at(text, "--network")
    assert token(text, network) == "--network"
    env = at(text, "ENV")
    assert token(text, env) == "ENV"
    home = at(text, "$HOME")
    assert token(text, home) == "$HOME"
    assert home is not None and "Not declared" in home.markdown
    assert at(text, "😀\" ") is None


def test_continuation_lines_map_flags_and_variables_back_to_the_document() -> None:
    text = "FROM alpine:3\nARG X=1\nRUN --mount=type=cache,\\\ntarget=/c \\\n    echo $X\n"
    option = at(text, "target=/c")
    assert token(text, option) == "target=/c"
    variable = at(text, "$X")
    assert token(text, variable) == "$X" and variable is not None and "`1`" in variable.markdown


# Diagnostics


def test_diagnostic_first_then_the_token() -> None:
    text = "FROM ubuntu\nRUN apt-get update\nRUN apt-get install -y curl\n"
    analysis = analyze(text)
    result = hover(analysis.model, text.index("ubuntu") + 2, analysis.findings)
    assert token(text, result) == "ubuntu"
    assert result is not None
    diagnostic, image = result.markdown.split(SEPARATOR)
    assert diagnostic.startswith("**DKL024 image-untagged**") and "Why it matters:" in diagnostic
    assert "image-untagged.md)" in diagnostic
    assert image.startswith("**`ubuntu`**")


def test_diagnostic_fix_titles_and_their_safety() -> None:
    text = "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\n"
    analysis = analyze(text)
    result = hover(analysis.model, text.index("install") + 1, analysis.findings)
    assert result is not None
    assert "**Fix:** Add --no-install-recommends" in result.markdown
    assert "safe, applied by `--fix`" in result.markdown or "unsafe" in result.markdown


def test_diagnostic_without_a_token_uses_the_finding_span() -> None:
    text = "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y curl\n"
    analysis = analyze(text)
    offset = text.index("apt-get install") + 2
    finding = next(f for f in analysis.findings if offset in f.span)
    result = hover(analysis.model, offset, analysis.findings)
    assert result is not None and result.span.covers(Span(offset, offset + 1))
    assert result.span == min((f.span for f in analysis.findings if offset in f.span),
                              key=lambda s: s.end - s.start)
    assert finding.rule.url in result.markdown


def test_why_it_matters_is_the_first_paragraph() -> None:
    doc = "## What it does\nX.\n\n## Why is this bad?\nFirst line\ncontinues.\n\nSecond.\n\n## Example\n"
    assert why_it_matters(doc) == "First line continues."
    assert why_it_matters("no sections") == ""


# Knowledge base and formatting


def test_every_instruction_flag_and_mount_type_has_a_reference() -> None:
    assert set(INSTRUCTION_DOCS) == set(INSTRUCTIONS)
    assert set(FLAG_DOCS) == {(name, flag.name) for name, spec in INSTRUCTIONS.items() for flag in spec.flags}
    assert set(MOUNT_DOCS) == set(MOUNT_TYPES)
    assert set(DIRECTIVES) == {"syntax", "escape", "check"}
    anchors = [ref.anchor for ref in (*INSTRUCTION_DOCS.values(), *FLAG_DOCS.values(), *MOUNT_DOCS.values())]
    assert all(anchor and anchor == anchor.lower() and " " not in anchor for anchor in anchors)


def test_plaintext_spells_out_links_and_drops_markup() -> None:
    assert plaintext("**RUN** `x`\n\n---\n\n[docs](https://d)") == "RUN x\n\ndocs: https://d"


def test_corpus_offsets_never_raise_and_spans_stay_inside(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        model = Model.from_text(text)
        offsets = set(range(0, len(text) + 1, 13))
        for index, char in enumerate(text):
            if char == "\n":
                offsets.update((index, index + 1))
        for offset in sorted(offsets):
            result = hover(model, offset)
            if result is not None:
                assert 0 <= result.span.start <= result.span.end <= len(text), (path, offset)
