"""Completion proposals of the engine (dockls.completion), at a cursor written ``‸`` in the fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dockls.completion import Proposal, complete
from dockls.model import Model
from dockls.snippets import TEMPLATES

CURSOR = "‸"


def at(source: str) -> tuple[str, list[Proposal]]:
    offset = source.index(CURSOR)
    text = source.replace(CURSOR, "")
    return text, complete(text, offset)


def labels(source: str) -> list[str]:
    return [proposal.label for proposal in sorted(at(source)[1], key=lambda p: p.sort_key)]


def named(source: str, label: str) -> tuple[str, Proposal]:
    text, proposals = at(source)
    found = [proposal for proposal in proposals if proposal.label == label]
    assert len(found) == 1, [proposal.label for proposal in proposals]
    return text, found[0]


def replaced(source: str, label: str) -> str:
    """The text after accepting ``label`` (plain text insertion)."""
    text, proposal = named(source, label)
    return text[:proposal.span.start] + proposal.insert_text + text[proposal.span.end:]


# Instructions


def test_empty_file_offers_templates_directives_and_first_instructions() -> None:
    found = labels(CURSOR)
    assert found[: len(TEMPLATES)] == [f"multi-stage: {name}" for name in TEMPLATES]
    assert "# syntax=docker/dockerfile:1" in found
    assert {"ARG", "FROM"} <= set(found) and "RUN" not in found
    _, template = named(CURSOR, "multi-stage: go")
    assert template.insert_text == TEMPLATES["go"].text and template.snippet == TEMPLATES["go"].snippet


def test_templates_keep_a_single_syntax_directive() -> None:
    _, template = named(f"# syntax=docker/dockerfile:1.7\n{CURSOR}", "multi-stage: node")
    assert "# syntax" not in template.insert_text
    assert "multi-stage: node" not in labels(f"FROM a\n{CURSOR}")


def test_half_typed_keyword() -> None:
    assert replaced(f"FROM a\n  {CURSOR}RUN x", "COPY") == "FROM a\n  COPY  x"
    assert replaced(f"FROM a\nRU{CURSOR}", "RUN") == "FROM a\nRUN "
    assert replaced(f"FROM a\nR{CURSOR}UN x", "RUN") == "FROM a\nRUN  x"
    _, run = named(f"FROM a\nRU{CURSOR}", "RUN")
    assert run.snippet == "RUN ${1:command}" and run.kind == "keyword"
    assert "MAINTAINER" not in labels(f"FROM a\n{CURSOR}")


def test_only_arg_and_from_before_the_first_from() -> None:
    assert set(labels(f"ARG V=1\n{CURSOR}\nFROM a")) == {"ARG", "FROM"}
    assert set(labels(f"A{CURSOR}")) == {"ARG", "FROM"}


def test_onbuild_trigger_keywords() -> None:
    found = labels(f"FROM a\nONBUILD RU{CURSOR}")
    assert "RUN" in found and not {"ONBUILD", "FROM", "MAINTAINER"} & set(found)
    assert "COPY" in labels(f"FROM a\nONBUILD {CURSOR}")


# Flags and --mount


def test_flags_after_instruction() -> None:
    assert replaced(f"FROM a\nCOPY --f{CURSOR}", "--from") == "FROM a\nCOPY --from="
    assert replaced(f"FROM a\nCOPY --link --f{CURSOR} . .", "--from") == "FROM a\nCOPY --link --from= . ."
    assert "--link" not in labels(f"FROM a\nCOPY --link -{CURSOR}")
    assert labels(f"FROM a\nRUN --mount=type=cache,target=/x -{CURSOR}")[0] == "--mount"  # repeatable
    assert "--mount" in labels(f"FROM a\nRUN {CURSOR}")
    assert labels(f"FROM a\nRUN echo -{CURSOR}") == []  # an argument, not a flag


def test_flag_values() -> None:
    assert labels(f"FROM a\nRUN --network={CURSOR}") == ["default", "none", "host"]
    assert "BUILDPLATFORM" in labels(f"FROM --platform=$B{CURSOR}")  # a variable
    assert "$BUILDPLATFORM" in labels(f"FROM --platform={CURSOR} golang")


def test_mount_types_and_keys() -> None:
    assert replaced(f"FROM a\nRUN --mount=type=ca{CURSOR}", "cache") == "FROM a\nRUN --mount=type=cache"
    keys = labels(f"FROM a\nRUN --mount=type=cache,{CURSOR}")
    assert "type" not in keys and {"target", "sharing", "id"} <= set(keys)
    assert "size" in labels(f"FROM a\nRUN --mount=type=tmpfs,{CURSOR}")
    assert "env" in labels(f"FROM a\nRUN --mount=type=secret,id=x,{CURSOR}")
    assert labels(f"FROM a\nRUN --mount=type=cache,sharing={CURSOR}") == ["shared", "private", "locked"]
    assert labels(f"FROM a\nRUN --mount=type=cache,target=/x,ro={CURSOR}") == ["true", "false"]


@pytest.mark.parametrize(("run", "expected"), [
    ("pip install flask", "/root/.cache/pip"),
    ("npm ci", "/root/.npm"),
    ("apt-get update && apt-get install -y curl", "/var/cache/apt,sharing=locked"),
])
def test_cache_target_fits_the_command(run: str, expected: str) -> None:
    source = f"FROM a\nRUN --mount=type=cache,target={CURSOR} {run}"
    _, proposals = at(source)
    assert expected in [proposal.insert_text for proposal in proposals]


def test_cache_targets_for_go_and_apt_in_one_proposal() -> None:
    go = [p.insert_text for p in at(f"FROM golang:1.27\nRUN --mount=type=cache,target={CURSOR} go build .")[1]]
    assert "/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build" in go
    apt = replaced(f"FROM a\nRUN --mount=type=cache,target={CURSOR} apt-get update",
                   "/var/cache/apt + /var/lib/apt")
    assert apt == ("FROM a\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked "
                   "--mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update")


def test_cache_target_for_a_user_with_a_home() -> None:
    source = f"FROM a\nUSER 1000:1000\nENV HOME=/home/app\nRUN --mount=type=cache,target={CURSOR} pip install x"
    assert [p.insert_text for p in at(source)[1]] == ["/home/app/.cache/pip,uid=1000,gid=1000"]
    # Another user without a known home: no guess.
    assert labels(f"FROM a\nUSER app\nRUN --mount=type=cache,target={CURSOR} pip install x") == []
    assert labels(f"FROM a\nRUN --mount=type=cache,target={CURSOR} make") == []


def test_cache_target_in_onbuild() -> None:
    assert labels(f"FROM a\nONBUILD RUN --mount=type=cache,target={CURSOR} pip install x") == ["/root/.cache/pip"]


# Stages and images


def test_earlier_stage_names() -> None:
    source = f"FROM a AS deps\nFROM b AS build\nCOPY --from={CURSOR}\nFROM c AS later"
    assert labels(source) == ["deps"]
    assert labels(f"FROM a\nFROM b AS x\nCOPY --from={CURSOR}") == ["0"]
    assert labels(f"FROM a AS base\nFROM {CURSOR}")[0] == "base"
    assert labels(f"FROM a AS base\nRUN --mount=type=bind,from={CURSOR}") == []  # its own stage


def test_images_smallest_first_within_a_family() -> None:
    text, proposals = at(f"FROM pyth{CURSOR}")
    python = sorted((p for p in proposals if p.label.startswith("python:")), key=lambda p: p.sort_key)
    assert python and all(p.kind == "image" for p in python)
    assert python[0].label.endswith("-alpine")
    sizes = [float(p.detail.split()[0]) * (1000 if p.detail.split()[1] == "GB" else 1) for p in python]
    assert sizes == sorted(sizes)
    assert re.fullmatch(r"\d+(\.\d)? MB download, as of \d{4}-\d{2}-\d{2}", python[0].detail)
    assert "python:3.9" not in [p.label for p in proposals]  # end of life
    assert all(text[p.span.start:p.span.end] == "pyth" for p in proposals)
    assert "Source: docker-library/repo-info" in python[0].documentation


def test_image_tags_and_as() -> None:
    assert replaced(f"FROM python:3.1{CURSOR}", "python:3.13-slim") == "FROM python:3.13-slim"
    assert "scratch" in labels(f"FROM {CURSOR}")
    assert labels(f"FROM python:3.13-slim {CURSOR}") == ["AS"]
    assert labels(f"FROM python AS x {CURSOR}") == []


# Variables


def test_braced_variable_in_scope() -> None:
    source = f"ARG G=1\nFROM a AS b\nARG TARGETARCH\nENV Y=2\nRUN echo ${{TA{CURSOR}"
    assert replaced(source, "TARGETARCH") == "ARG G=1\nFROM a AS b\nARG TARGETARCH\nENV Y=2\nRUN echo ${TARGETARCH}"
    found = labels(source)
    assert found[:2] == ["TARGETARCH", "Y"] and "G" not in found  # a global ARG needs re-declaring
    assert "HTTP_PROXY" in found
    assert replaced(f"FROM a\nENV Y=2\nRUN echo ${{{CURSOR}}}", "Y") == "FROM a\nENV Y=2\nRUN echo ${Y}"


def test_variables_in_from_and_stage_scopes() -> None:
    found = labels(f"ARG VERSION=3\nFROM python:$V{CURSOR}")
    assert found[0] == "VERSION" and "TARGETPLATFORM" in found and "HTTP_PROXY" not in found
    inherited = labels(f"FROM a AS base\nENV APP=/app\nFROM base\nWORKDIR ${CURSOR}")
    assert inherited[0] == "APP" and "HTTP_PROXY" not in inherited
    assert "APP" not in labels(f"FROM a AS base\nENV APP=/app\nFROM b\nWORKDIR ${CURSOR}")
    assert "LATER" not in labels(f"FROM a\nRUN echo ${CURSOR}\nENV LATER=1")


def test_escaped_dollar_is_not_a_variable() -> None:
    assert labels(f"FROM a\nRUN echo \\${CURSOR}") == []
    assert labels(f"# escape=`\nFROM a\nRUN echo `${CURSOR}") == []


# Directives, comments, heredocs and the end


def test_directives_only_where_still_valid() -> None:
    _, syntax = named(f"# sy{CURSOR}", "# syntax=docker/dockerfile:1")
    assert (syntax.span.start, syntax.span.end) == (0, 4)
    assert "# syntax=docker/dockerfile:1" not in labels(f"# syntax=x\n#{CURSOR}")
    assert "# escape=`" in labels(f"# syntax=x\n#{CURSOR}")
    assert labels(f"# syntax=x\n\n# {CURSOR}") == []  # a blank line ends the header
    assert labels(f"FROM a\n# sy{CURSOR}") == []
    assert labels(f"# a comment\n# sy{CURSOR}") == []
    _, blank = named(f"  {CURSOR}  \nFROM a", "# escape=`")
    assert blank.span == (2, 2)


@pytest.mark.parametrize("source", [
    f"FROM a\n# a comment {CURSOR}\nRUN x",
    f"FROM a\nRUN <<EOF\nRU{CURSOR}\nEOF\n",
    f"FROM a\nRUN <<EOF\n{CURSOR}\nEOF\n",
    f"FROM a\nRUN python3 <<EOF\nprint('$HO{CURSOR}')\n",  # unterminated: the rest is body
    f"FROM a\nRUN echo \\\n  {CURSOR}",
    f"FROM a\nRUN echo \\{CURSOR}\n  x",
    f"FROM a\n {CURSOR} RUN x",
    f"FROM a\nBOGUS --f{CURSOR}",
])
def test_nothing_proposed(source: str) -> None:
    assert labels(source) == []


def test_offsets_outside_the_text() -> None:
    assert complete("FROM a\n", 8) == []
    assert complete("FROM a\n", -1) == []
    assert complete("", 0)  # the empty file itself has proposals


def test_model_and_text_give_the_same_answer() -> None:
    text = "FROM a AS b\nRUN --mount=type=cache,target= pip install x\n"
    offset = text.index("target=") + len("target=")
    assert complete(Model.from_text(text), offset) == complete(text, offset)


# Spans in awkward text


def test_crlf_and_wide_characters() -> None:
    text, proposal = named(f"FROM a\r\nLABEL 😀名前=1\r\nRUN --mount=type=ca{CURSOR}\r\n", "cache")
    assert text[proposal.span.start:proposal.span.end] == "ca"
    assert replaced(f"FROM a\r\nRU{CURSOR}\r\n", "RUN") == "FROM a\r\nRUN \r\n"
    assert "RUN" in labels(f"FROM a\r\n{CURSOR}\r\n")
    text, proposal = named(f"FROM a\n\tENV N=😀名前\n\tRUN echo 😀 $N{CURSOR}", "N")
    assert proposal.detail == "ENV = 😀名前" and text[proposal.span.start:proposal.span.end] == "N"


def test_continuation_with_backtick_escape() -> None:
    source = f"# escape=`\nFROM a\nRUN --mount=type=cache,target=/x `\n    --mount=type=ca{CURSOR} `\n    pip install x"
    assert replaced(source, "cache").count("type=cache") == 2
    # The backtick means Windows, whose cmd shell hides the commands, unless a SHELL says otherwise.
    assert labels(f"# escape=`\nFROM a\nRUN --mount=type=cache,target={CURSOR} `\n    pip install x") == []
    assert "/root/.cache/pip" in labels(f'# escape=`\nFROM a\nSHELL ["/bin/sh", "-c"]\n'
                                        f"RUN --mount=type=cache,target={CURSOR} `\n    pip install x")


def test_flag_on_a_continued_line() -> None:
    source = f"FROM a\nRUN --mount=type=cache,target=/x \\\n    --net{CURSOR} \\\n    true"
    assert replaced(source, "--network").endswith("    --network= \\\n    true")
    # A word split by a continuation: the replaced range stays on the cursor's line.
    text, proposal = named(f"FROM a\nCOPY --fr\\\no{CURSOR}", "--from")
    assert proposal.span == (len(text), len(text))


# Robustness


def test_corpus_offsets_never_fail(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        model = Model.from_text(text)
        starts = [0, *(m.end() for m in re.finditer("\n", text))]
        ends = [m.start() for m in re.finditer(r"\r?\n", text)]
        for offset in sorted({*starts, *ends, *range(0, len(text), 13), len(text)}):
            for proposal in complete(model, offset):
                assert 0 <= proposal.span.start <= offset <= proposal.span.end <= len(text), (path, offset)
