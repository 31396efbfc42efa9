"""textDocument/hover over stdio: ranges in the negotiated encoding, markdown or plain text as the
client asks, diagnostics in the hover, and empty answers where there is nothing to say."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_lsp
from lsprotocol import types as lsp

from tests.lsp_client import (
    RecordingClient,
    capabilities,
    config,
    open_doc,
    position_of,
    published,
    range_of,
    start,
    uri_of,
)

# Wide characters before the tokens, so that UTF-16 and UTF-8 columns differ from code points.
TEXT = (
    "# syntax=docker/dockerfile:1\n"
    "ARG NAME=1\n"
    "FROM python:3.12 AS builder\n"
    "LABEL note=\"😀名\"\n"
    "RUN --mount=type=cache,target=/root/.cache echo \"😀\" $😀 ${NAME:-x} && pip install x\n"
    "FROM builder\n"
    "COPY --from=builder /a /b\n"
)


@pytest_lsp.fixture(config=config())
async def plain(client: RecordingClient) -> AsyncIterator[None]:
    caps = capabilities("visual-studio-code")
    assert caps.text_document is not None
    caps.text_document.hover = lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.PlainText])
    await start(client, caps)
    yield
    await client.shutdown_session()


async def hover_at(client: RecordingClient, uri: str, position: lsp.Position) -> lsp.Hover | None:
    return await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri), position=position))


def markup(result: lsp.Hover | None) -> lsp.MarkupContent:
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    return result.contents


async def check_tokens(client: RecordingClient, encoding: str, uri: str) -> None:
    open_doc(client, uri, TEXT)
    for needle, expected in (("--mount", "#run---mount"), ("type=cache", "#run---mounttypecache"),
                             ("builder\nCOPY", "**Stage `builder`**"), ("builder /a", "**Stage `builder`**"),
                             ("syntax", "#syntax")):
        word = "syntax=docker/dockerfile:1" if needle == "syntax" else needle.split("\n")[0].split(" ")[0]
        result = await hover_at(client, uri, position_of(TEXT, needle, encoding, 1))
        expected_range = lsp.Range(position_of(TEXT, needle, encoding), position_of(TEXT, needle, encoding, len(word)))
        assert result is not None and result.range == expected_range, needle
        content = markup(result)
        assert content.kind == lsp.MarkupKind.Markdown and expected in content.value, needle


async def test_vscode_utf16_ranges_on_a_dockerfile(vscode: RecordingClient) -> None:
    await check_tokens(vscode, "utf-16", uri_of("Dockerfile"))


async def test_neovim_utf8_ranges_on_a_containerfile(neovim: RecordingClient) -> None:
    await check_tokens(neovim, "utf-8", uri_of("Containerfile"))


async def test_variable_after_wide_characters(neovim: RecordingClient) -> None:
    uri = uri_of("app.Dockerfile")
    open_doc(neovim, uri, TEXT, language_id="plaintext")
    result = await hover_at(neovim, uri, position_of(TEXT, "${NAME:-x}", "utf-8", 3))
    assert result is not None and result.range == range_of(TEXT, "${NAME:-x}", "utf-8")
    assert "the default `x`" in markup(result).value and "global ARG (line 2)" in markup(result).value


async def test_diagnostic_comes_first_in_the_hover(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    text = "FROM ubuntu\nRUN true\n"
    open_doc(vscode, uri, text)
    await published(vscode, uri, 1)
    result = await hover_at(vscode, uri, position_of(text, "ubuntu", "utf-16", 2))
    assert result is not None and result.range == range_of(text, "ubuntu", "utf-16")
    value = markup(result).value
    assert value.index("image-untagged") < value.index("\n---\n") < value.index("**`ubuntu`**")


async def test_plain_text_for_clients_without_markdown(plain: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(plain, uri, TEXT)
    content = markup(await hover_at(plain, uri, position_of(TEXT, "RUN", "utf-16", 1)))
    assert content.kind == lsp.MarkupKind.PlainText
    assert "**" not in content.value and "https://docs.docker.com/reference/dockerfile/#run" in content.value


async def test_nothing_to_say(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, TEXT)
    lines = TEXT.split("\n")
    assert await hover_at(vscode, uri, lsp.Position(len(lines) + 3, 0)) is None
    assert await hover_at(vscode, uri, lsp.Position(len(lines) - 1, 0)) is None
    assert await hover_at(vscode, uri, lsp.Position(2, 400)) is None
    ignore = uri_of(".dockerignore")
    open_doc(vscode, ignore, "FROM\n", language_id="ignore")
    assert await hover_at(vscode, ignore, lsp.Position(0, 1)) is None
    assert await hover_at(vscode, uri_of("never-opened/Dockerfile"), lsp.Position(0, 1)) is None
