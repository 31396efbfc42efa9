"""End to end over stdio: document symbols, folding ranges, semantic tokens and inlay hints, with the
VS Code (UTF-16) and Neovim (UTF-8) profiles. Positions are checked with Python's codecs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from dockls import images
from dockls.inlays import FINAL, UNUSED
from dockls.tokens import TOKEN_TYPES
from tests.lsp_client import RecordingClient, capabilities, config, open_doc, range_of, start, uri_of
from tests.test_tokens import decode

PYTHON = "python:3.12-slim"
TEXT = (
    "# syntax=docker/dockerfile:1\r\n"
    f"FROM {PYTHON} AS 😀名\r\n"
    "RUN --mount=type=cache,target=/root/.cache \\\r\n"
    "    pip install 名前 $HOME\r\n"
    "\r\n"
    "FROM example.com/other:1 AS unused\r\n"
    "FROM 😀名\r\n"
    "CMD [\"echo\", \"🎉 ${X}\"]\r\n"
)


@pytest_lsp.fixture(config=config())
async def flat(client: RecordingClient) -> AsyncIterator[None]:
    caps = capabilities("visual-studio-code")
    assert caps.text_document is not None
    caps.text_document.document_symbol = lsp.DocumentSymbolClientCapabilities(
        hierarchical_document_symbol_support=False)
    await start(client, caps)
    yield
    await client.shutdown_session()


def ident(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri)


async def symbols(client: LanguageClient, uri: str) -> list[lsp.DocumentSymbol] | list[lsp.SymbolInformation]:
    return list(await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(ident(uri))) or [])


async def folds(client: LanguageClient, uri: str) -> list[lsp.FoldingRange]:
    return list(await client.text_document_folding_range_async(lsp.FoldingRangeParams(ident(uri))) or [])


async def tokens(client: LanguageClient, uri: str) -> list[int]:
    result = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(ident(uri)))
    return list(result.data) if result is not None else []


async def hints(client: LanguageClient, uri: str, range_: lsp.Range) -> list[lsp.InlayHint]:
    return list(await client.text_document_inlay_hint_async(lsp.InlayHintParams(ident(uri), range_)) or [])


EVERYTHING = lsp.Range(lsp.Position(0, 0), lsp.Position(1000, 0))


def contains(outer: lsp.Range, inner: lsp.Range) -> bool:
    return ((outer.start.line, outer.start.character) <= (inner.start.line, inner.start.character)
            and (inner.end.line, inner.end.character) <= (outer.end.line, outer.end.character))


async def test_structure_in_utf16_for_vscode(vscode: RecordingClient) -> None:
    await check_structure(vscode, "utf-16")


async def test_structure_in_utf8_for_neovim(neovim: RecordingClient) -> None:
    await check_structure(neovim, "utf-8")


async def check_structure(client: RecordingClient, encoding: str) -> None:
    uri = uri_of("Containerfile")
    open_doc(client, uri, TEXT)

    found = await symbols(client, uri)
    assert all(isinstance(s, lsp.DocumentSymbol) for s in found)
    stage = found[1]
    assert isinstance(stage, lsp.DocumentSymbol)
    assert (stage.name, stage.detail, stage.kind) == ("😀名", PYTHON, lsp.SymbolKind.Class)
    assert stage.selection_range == range_of(TEXT, "😀名", encoding)
    assert stage.children is not None and stage.children[0].selection_range == range_of(TEXT, "RUN", encoding)
    assert contains(stage.range, stage.selection_range)
    assert all(contains(stage.range, child.range) for child in stage.children)

    assert [(f.start_line, f.end_line) for f in await folds(client, uri)] == [(1, 3), (2, 3), (6, 7)]

    decoded = decode(TEXT, await tokens(client, uri), encoding)
    assert [t for t in decoded if t[1] == "variable"] == [("$HOME", "variable", ()), ("${X}", "variable", ())]
    assert ("😀名", "class", ("declaration",)) in decoded and ('"🎉 ', "string", ()) in decoded

    labels = [(hint.position, hint.label) for hint in await hints(client, uri, EVERYTHING)]
    info = images.lookup(PYTHON)
    assert info is not None and info.compressed_bytes is not None
    after_image = range_of(TEXT, PYTHON, encoding).end
    assert labels[0] == (after_image, images.format_size(info.compressed_bytes))
    assert [label for _, label in labels[1:]] == [FINAL, UNUSED, FINAL]
    assert labels[1][0] == range_of(TEXT, f"{PYTHON} AS 😀名", encoding).end
    # Only the requested lines.
    only_line_5 = lsp.Range(lsp.Position(5, 0), lsp.Position(5, 100))
    assert [hint.label for hint in await hints(client, uri, only_line_5)] == [UNUSED]


async def test_capabilities(bare: RecordingClient) -> None:
    result = (await start(bare, capabilities("visual-studio-code"))).capabilities
    assert result.document_symbol_provider and result.folding_range_provider and result.inlay_hint_provider
    options = result.semantic_tokens_provider
    assert isinstance(options, lsp.SemanticTokensOptions) and options.full is True
    assert list(options.legend.token_types) == list(TOKEN_TYPES)


async def test_flat_symbols_for_clients_without_hierarchy(flat: RecordingClient) -> None:
    uri = uri_of("app.Dockerfile")
    open_doc(flat, uri, TEXT)
    found = await symbols(flat, uri)
    assert all(isinstance(s, lsp.SymbolInformation) for s in found)
    names = [(s.name, s.container_name) for s in found if isinstance(s, lsp.SymbolInformation)]
    assert ("😀名", None) in names and ("CMD [\"echo\", \"🎉 ${X}\"]", "stage 2") in names


async def test_empty_answers_for_unknown_ignore_and_broken_documents(vscode: RecordingClient) -> None:
    never_opened = uri_of("nowhere/Dockerfile")
    ignore = uri_of(".dockerignore")
    open_doc(vscode, ignore, "node_modules\n# FROM x\n")
    for uri in (never_opened, ignore):
        assert await symbols(vscode, uri) == []
        assert await folds(vscode, uri) == []
        assert await tokens(vscode, uri) == []
        assert await hints(vscode, uri, EVERYTHING) == []
    broken = uri_of("broken.Dockerfile")
    half_typed = "FROM\nRUN --mount=\\\nONBUILD\nCOPY <<EOF\n"
    open_doc(vscode, broken, half_typed)
    assert [s.name for s in await symbols(vscode, broken)] == ["stage 0"]
    assert [(f.start_line, f.end_line) for f in await folds(vscode, broken)] == [(0, 3), (1, 2)]
    # The continuation makes the next line the flag's value.
    assert [t[:2] for t in decode(half_typed, await tokens(vscode, broken), "utf-16")] == [
        ("FROM", "keyword"), ("RUN", "keyword"), ("--mount", "parameter"), ("ONBUILD", "string"),
        ("COPY", "keyword"), ("<<EOF", "operator")]
    assert await hints(vscode, broken, lsp.Range(lsp.Position(99, 0), lsp.Position(120, 0))) == []
