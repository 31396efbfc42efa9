"""Inlay hints (dockls.inlays): base image sizes and each stage's way into the final image."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from dockls import images
from dockls.inlays import BUILD_ONLY, FINAL, UNUSED, Hint, inlay_hints
from dockls.model import Model
from dockls.text import Span

PYTHON = "python:3.12-slim"


def hints_of(text: str, within: Span | None = None) -> list[Hint]:
    return inlay_hints(Model.from_text(text), within)


def where(text: str, hint: Hint) -> str:
    """The text before the hint on its line."""
    return text[:hint.offset].rsplit("\n", 1)[-1]


def test_size_after_the_image_with_provenance() -> None:
    info = images.lookup(PYTHON)
    assert info is not None and info.compressed_bytes is not None
    text = f"FROM {PYTHON}\nRUN true\n"
    [hint] = hints_of(text)
    assert hint.label == images.format_size(info.compressed_bytes)
    assert hint.kind == "type" and hint.padding_left
    assert where(text, hint) == f"FROM {PYTHON}"
    assert "linux/amd64" in hint.tooltip and f"as of {info.data_date}" in hint.tooltip


def test_platform_flag_selects_the_size() -> None:
    info = images.lookup(PYTHON, "linux/arm64")
    assert info is not None and info.compressed_bytes is not None
    [hint] = hints_of(f"FROM --platform=linux/arm64 {PYTHON}\n")
    assert hint.label == images.format_size(info.compressed_bytes)
    assert info.platform in hint.tooltip
    # Decided at build time: the default platform's size.
    [default] = hints_of(f"FROM --platform=$BUILDPLATFORM {PYTHON}\n")
    assert default.tooltip == hints_of(f"FROM {PYTHON}\n")[0].tooltip


def test_unknown_images_get_no_size() -> None:
    for text in ("FROM example.com/team/app:1.2\n", "FROM python:3.12-slim-nonexistent-tag\n",
                 "ARG TAG\nFROM python:$TAG\n", "FROM\n", "FROM $\n", ""):
        assert hints_of(text) == [], text
    assert images.lookup("example.com/team/app:1.2") is None


def test_stage_roles() -> None:
    text = (
        f"FROM {PYTHON} AS base\n"  # the final image is built on it
        "FROM base AS deps\n"  # copied from by the last stage
        "FROM deps AS tools\n"  # built only for deps' parent chain? no: deps' child, unused
        "FROM example.com/x:1 AS cache\n"  # mounted by deps… no, by the last stage
        "FROM example.com/y:1 AS lonely\n"  # nothing refers to it
        "FROM lonely AS child\n"  # refers to lonely, but nothing needs child
        "FROM base\n"
        "COPY --from=deps /a /a\n"
        "RUN --mount=from=cache,target=/c true\n"
    )
    roles = [(where(text, hint).split()[-1], hint.label) for hint in hints_of(text) if hint.kind is None]
    assert roles == [("base", FINAL), ("deps", BUILD_ONLY), ("tools", UNUSED), ("cache", BUILD_ONLY),
                     ("lonely", UNUSED), ("child", UNUSED), ("base", FINAL)]
    lonely = [hint for hint in hints_of(text) if hint.kind is None][4]
    assert "(child)" in lonely.tooltip


def test_references_by_index_and_onbuild_is_not_followed() -> None:
    text = (
        "FROM example.com/a:1\n"
        "FROM example.com/c:1 AS two\n"
        "FROM example.com/d:1\n"
        "ONBUILD COPY --from=two /x /x\n"
        "COPY --from=0 /a /a\n"
    )
    assert [hint.label for hint in hints_of(text)] == [BUILD_ONLY, UNUSED, FINAL]


def test_a_reference_through_a_build_argument_leaves_the_others_unlabelled() -> None:
    text = (
        "FROM example.com/a:1 AS one\n"
        "FROM example.com/b:1 AS two\n"
        "FROM example.com/c:1 AS three\n"
        "FROM example.com/d:1\n"
        "ARG SRC=one\n"
        "COPY --from=two /a /a\n"
        "COPY --from=${SRC} /b /b\n"
    )
    assert [hint.label for hint in hints_of(text)] == [BUILD_ONLY, FINAL]
    assert [where(text, hint) for hint in hints_of(text)] == [
        "FROM example.com/b:1 AS two", "FROM example.com/d:1"]


def test_single_stage_files_get_no_role_hint() -> None:
    assert hints_of("FROM example.com/a:1\nRUN true\n") == []


def test_only_within_the_requested_range() -> None:
    text = f"FROM {PYTHON} AS a\nRUN true\nFROM {PYTHON}\n"
    everything = hints_of(text)
    assert len(everything) == 4
    second_line = text.index("FROM", 1)
    assert hints_of(text, Span(second_line, len(text))) == everything[2:]
    assert hints_of(text, Span(0, text.index("\n"))) == everything[:2]
    assert hints_of(text, Span(text.index("RUN"), text.index("RUN") + 3)) == []


def test_crlf_wide_characters_and_backtick_escape() -> None:
    text = f"# escape=`\r\nFROM {PYTHON} AS 😀\r\nLABEL 名=1 `\r\n  x=2\r\nFROM 😀\r\n"
    hints = hints_of(text)
    assert [hint.label for hint in hints][1:] == [FINAL, FINAL]
    assert text[hints[0].offset - len(PYTHON):hints[0].offset] == PYTHON
    assert all(0 <= hint.offset <= len(text) for hint in hints)


def test_whole_corpus_at_sampled_ranges(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        model = Model.from_text(text)
        everything = inlay_hints(model)
        assert all(0 <= hint.offset <= len(text) and hint.label for hint in everything), path
        line_starts = [0, *(i + 1 for i, char in enumerate(text) if char == "\n")]
        offsets = sorted({*line_starts, *(start - 1 for start in line_starts[1:]), *range(0, len(text), 13)})
        for start, end in pairwise(offsets):
            within = inlay_hints(model, Span(start, end))
            assert within == [hint for hint in everything if start <= hint.offset <= end], path
