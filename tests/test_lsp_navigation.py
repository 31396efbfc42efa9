"""Definition, references, highlights, rename and document links over stdio, in the VS Code (UTF-16)
and Neovim (UTF-8) profiles, with wide characters before every name."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest
from lsprotocol import types as lsp

from tests.lsp_client import (
    RecordingClient,
    apply_text_edits,
    capabilities,
    edits_for,
    open_doc,
    position_of,
    range_of,
    start,
    uri_of,
)

PROFILES = ["visual-studio-code", "neovim"]
TEXT = (
    "ARG 😀=1\n"
    "ARG VERSION=3.20\n"
    "FROM alpine:${VERSION} AS Builder\n"
    "ARG VERSION\n"
    "LABEL note=\"😀名前\" v=$VERSION\n"
    "RUN echo \"名前 $VERSION\" 'x $VERSION'\n"
    "FROM builder AS test\n"
    "FROM --platform=$BUILDPLATFORM alpine\n"
    "ARG TARGETARCH\n"
    "COPY --from=0 /a /b\n"
    "RUN --mount=type=bind,from=BUILDER,target=/src echo 名前 $TARGETARCH\n"
    "ONBUILD COPY --from=builder /x /y\n"
)


async def session(client: RecordingClient, profile: str) -> str:
    """Start the session; the negotiated position encoding."""
    result = await start(client, capabilities(profile))
    return str(result.capabilities.position_encoding or "utf-16")


def doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri)


def texts(text: str, found: list[lsp.Location] | list[lsp.DocumentHighlight] | None, encoding: str) -> list[str]:
    """The text each returned range covers, computed with the test's own position arithmetic."""
    marker = "\x00"
    result = []
    for item in found or []:
        edited = apply_text_edits(text, [lsp.TextEdit(item.range, marker + "\x01")], encoding)
        start = edited.index(marker)
        end = start + len(text) + 2 - len(edited)  # the replaced length
        result.append(text[start:end])
    return result


@pytest.mark.parametrize("profile", PROFILES)
async def test_definition_references_and_highlights(bare: RecordingClient, profile: str) -> None:
    encoding = await session(bare, profile)
    uri = uri_of("Containerfile")
    open_doc(bare, uri, TEXT)
    use = position_of(TEXT, "BUILDER", encoding, 3)
    found = await bare.text_document_definition_async(lsp.DefinitionParams(doc(uri), use))
    assert isinstance(found, list)
    assert [item.range for item in found if isinstance(item, lsp.Location)] == [range_of(TEXT, "Builder", encoding)]

    refs = await bare.text_document_references_async(lsp.ReferenceParams(
        text_document=doc(uri), position=use, context=lsp.ReferenceContext(include_declaration=False)))
    assert texts(TEXT, refs, encoding) == ["builder", "0", "BUILDER", "builder"]
    refs = await bare.text_document_references_async(lsp.ReferenceParams(
        text_document=doc(uri), position=use, context=lsp.ReferenceContext(include_declaration=True)))
    assert texts(TEXT, refs, encoding) == ["Builder", "builder", "0", "BUILDER", "builder"]

    version_use = position_of(TEXT, "$VERSION\"", encoding, 2)
    highlights = await bare.text_document_document_highlight_async(lsp.DocumentHighlightParams(doc(uri), version_use))
    assert highlights is not None
    assert [(h.range.start.line, h.kind) for h in highlights] == [
        (1, lsp.DocumentHighlightKind.Write), (2, lsp.DocumentHighlightKind.Read),
        (3, lsp.DocumentHighlightKind.Write), (4, lsp.DocumentHighlightKind.Read),
        (5, lsp.DocumentHighlightKind.Read),
    ]
    assert texts(TEXT, highlights, encoding) == ["VERSION"] * 5
    assert highlights[4].range.start == position_of(TEXT, "VERSION\" 'x", encoding)


@pytest.mark.parametrize("profile", PROFILES)
async def test_prepare_rename_and_rename(bare: RecordingClient, profile: str) -> None:
    encoding = await session(bare, profile)
    uri = uri_of("app.Dockerfile")
    open_doc(bare, uri, TEXT)

    async def prepare(needle: str, after: int = 0) -> object:
        return await bare.text_document_prepare_rename_async(lsp.PrepareRenameParams(
            doc(uri), position_of(TEXT, needle, encoding, after)))

    assert await prepare("$TARGETARCH", 3) is None  # predefined
    assert await prepare("alpine", 2) is None  # an image
    assert await prepare("--from=0", 7) is None  # a stage index
    assert await prepare("BUILDER", 1) == range_of(TEXT, "BUILDER", encoding)

    edit = await bare.text_document_rename_async(lsp.RenameParams(
        doc(uri), position_of(TEXT, "BUILDER", encoding, 1), "compile"))
    renamed = apply_text_edits(TEXT, edits_for(edit, uri), encoding)
    assert renamed.count("compile") == 4 and "builder" not in renamed.lower() and "--from=0" in renamed
    dockerfile.parse_string(renamed)

    edit = await bare.text_document_rename_async(lsp.RenameParams(
        doc(uri), position_of(TEXT, "$VERSION\"", encoding, 1), "RELEASE"))
    renamed = apply_text_edits(TEXT, edits_for(edit, uri), encoding)
    assert renamed.count("RELEASE") == 5 and "'x $VERSION'" in renamed


@pytest.mark.parametrize("profile", PROFILES)
async def test_invalid_new_names_are_errors(bare: RecordingClient, profile: str) -> None:
    encoding = await session(bare, profile)
    uri = uri_of("Dockerfile")
    open_doc(bare, uri, TEXT)
    for needle, new_name, message in (("Builder", "Compile", "not a valid stage name"),
                                      ("Builder", "test", "already exists"),
                                      ("VERSION=", "9lives", "not a valid variable name")):
        with pytest.raises(Exception, match=message):
            await bare.text_document_rename_async(lsp.RenameParams(
                doc(uri), position_of(TEXT, needle, encoding, 1), new_name))


async def test_empty_answers_where_there_is_nothing(bare: RecordingClient) -> None:
    encoding = await session(bare, "visual-studio-code")
    uri = uri_of("Dockerfile")
    open_doc(bare, uri, TEXT)
    ignore = uri_of(".dockerignore")
    open_doc(bare, ignore, "$VERSION\n", language_id="ignore")
    past_line = lsp.Position(0, 200)
    past_end = lsp.Position(400, 0)
    for target, position in ((uri, past_line), (uri, past_end), (uri_of("never-opened.Dockerfile"), lsp.Position(0, 0)),
                             (ignore, lsp.Position(0, 2)), (uri, position_of(TEXT, "echo", encoding))):
        assert await bare.text_document_definition_async(lsp.DefinitionParams(doc(target), position)) is None
        assert not await bare.text_document_references_async(lsp.ReferenceParams(
            text_document=doc(target), position=position, context=lsp.ReferenceContext(include_declaration=True)))
        assert not await bare.text_document_document_highlight_async(lsp.DocumentHighlightParams(doc(target), position))
        assert await bare.text_document_prepare_rename_async(lsp.PrepareRenameParams(doc(target), position)) is None
        assert await bare.text_document_rename_async(lsp.RenameParams(doc(target), position, "X")) is None
    assert not await bare.text_document_document_link_async(lsp.DocumentLinkParams(doc(ignore)))
    assert not await bare.text_document_document_link_async(lsp.DocumentLinkParams(doc(uri_of("gone"))))


@pytest.mark.parametrize("profile", PROFILES)
async def test_document_links(bare: RecordingClient, profile: str, tmp_path: Path) -> None:
    encoding = await session(bare, profile)
    (tmp_path / "名前.txt").write_text("x\n")
    (tmp_path.parent / "outside.txt").write_text("x\n")
    text = ("FROM quay.io/org/😀 AS bad\nFROM ghcr.io/astral-sh/uv:0.4 AS uv\nFROM uv\n"
            "COPY 名前.txt ../outside.txt missing.txt /app/\n")
    uri = (tmp_path / "Containerfile").as_uri()
    open_doc(bare, uri, text)
    links = await bare.text_document_document_link_async(lsp.DocumentLinkParams(doc(uri)))
    assert links is not None
    assert [(link.range, link.target) for link in links] == [
        (range_of(text, "ghcr.io/astral-sh/uv:0.4", encoding), "https://ghcr.io/astral-sh/uv"),
        (range_of(text, "名前.txt", encoding), (tmp_path / "名前.txt").as_uri()),
    ]
