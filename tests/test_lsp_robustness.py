"""Hardening of the protocol layer, against the real server process: requests for documents that were
never opened, positions outside the text, unknown methods, malformed parameters, odd change streams,
bursts of changes, closing and shutting down in the middle of work. After every nasty step the server
must still answer a normal request correctly."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import Future
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcMethodNotFound

from dockls.engine import analyze
from dockls.lsp import KEPT_ANALYSES
from tests.lsp_client import (
    BASE,
    TIMEOUT,
    RecordingClient,
    apply_text_edits,
    capabilities,
    change_doc,
    config,
    eventually,
    open_doc,
    published,
    pull,
    start,
    uri_of,
)

# Fires DKL000 (a LABEL item without "="), and nothing else on a tagged, non-root base.
BROKEN = f"FROM {BASE}\nLABEL broken\nRUN true\n"
CLEAN = f"FROM {BASE}\nRUN true\n"
NEVER_OPENED = uri_of("never-opened/Dockerfile")


@pytest_lsp.fixture(config=config())
async def unmanaged(client: RecordingClient) -> AsyncIterator[None]:
    """A session the test initializes and ends itself."""
    yield


def codes(diagnostics: Any) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def expected_codes(text: str) -> list[str]:
    return sorted(f.rule.id for f in analyze(text).findings)


def identifier(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri)


async def write(client: RecordingClient, message: dict[str, Any]) -> None:
    """Send a message as plain JSON: the client's converter would refuse (or fix) bad parameters."""
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    writer = client.protocol.writer
    assert writer is not None
    written = writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    if inspect.isawaitable(written):
        await written


async def raw(client: RecordingClient, method: str, params: Any) -> Any:
    """Send a request as plain JSON and wait for its answer (an error raises its JsonRpcException)."""
    msg_id = str(uuid.uuid4())
    future: Future[Any] = Future()
    client.protocol._request_futures[msg_id] = future
    await write(client, {"id": msg_id, "method": method, "params": params})
    return await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)


async def assert_serving(client: RecordingClient, uri: str = uri_of("alive/Dockerfile")) -> None:
    """The server still answers hovers and reports the right diagnostics for a fresh document."""
    if uri not in {p.uri for p in client.published}:
        open_doc(client, uri, BROKEN)
    hover = await client.text_document_hover_async(lsp.HoverParams(identifier(uri), lsp.Position(0, 1)))
    assert hover is not None
    report = await pull(client, uri)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    assert codes(report.items) == expected_codes(BROKEN)


# Documents that were never opened: empty results, not errors


async def test_requests_for_unknown_documents_answer_empty(vscode: RecordingClient) -> None:
    doc = identifier(NEVER_OPENED)
    origin = lsp.Position(0, 0)
    everything = lsp.Range(origin, lsp.Position(5, 0))
    client = vscode
    assert await client.text_document_hover_async(lsp.HoverParams(doc, origin)) is None
    completion = await client.text_document_completion_async(lsp.CompletionParams(doc, origin))
    items = completion.items if isinstance(completion, lsp.CompletionList) else completion
    assert not items
    assert not await client.text_document_definition_async(lsp.DefinitionParams(doc, origin))
    assert not await client.text_document_references_async(
        lsp.ReferenceParams(lsp.ReferenceContext(include_declaration=True), doc, origin))
    assert not await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(doc, origin))
    assert not await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(doc))
    assert not await client.text_document_folding_range_async(lsp.FoldingRangeParams(doc))
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(doc))
    assert tokens is None or not tokens.data
    assert not await client.text_document_code_action_async(
        lsp.CodeActionParams(doc, everything, lsp.CodeActionContext(diagnostics=[])))
    assert not await client.text_document_inlay_hint_async(lsp.InlayHintParams(doc, everything))
    assert not await client.text_document_document_link_async(lsp.DocumentLinkParams(doc))
    assert not await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(doc, origin))
    report = await pull(client, NEVER_OPENED)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport) and not report.items
    await assert_serving(client)


# Positions outside the text


@pytest.mark.parametrize("position", [
    (1, 500), (1, 2**31 - 1), (40, 0), (2**31 - 1, 2**31 - 1),
], ids=["past-line-end", "huge-character", "past-file-end", "huge-both"])
async def test_positions_outside_the_text(vscode: RecordingClient, position: tuple[int, int]) -> None:
    uri = uri_of("outside/Dockerfile")
    open_doc(vscode, uri, BROKEN)
    await published(vscode, uri, 1)
    where = lsp.Position(*position)
    doc = identifier(uri)
    span = lsp.Range(lsp.Position(0, 0), where)
    await vscode.text_document_hover_async(lsp.HoverParams(doc, where))
    await vscode.text_document_completion_async(lsp.CompletionParams(doc, where))
    await vscode.text_document_definition_async(lsp.DefinitionParams(doc, where))
    await vscode.text_document_references_async(
        lsp.ReferenceParams(lsp.ReferenceContext(include_declaration=True), doc, where))
    await vscode.text_document_document_highlight_async(lsp.DocumentHighlightParams(doc, where))
    await vscode.text_document_prepare_rename_async(lsp.PrepareRenameParams(doc, where))
    await vscode.text_document_code_action_async(
        lsp.CodeActionParams(doc, span, lsp.CodeActionContext(diagnostics=[])))
    await vscode.text_document_inlay_hint_async(lsp.InlayHintParams(doc, span))
    await assert_serving(vscode, uri)


@pytest.mark.parametrize("position", [{"line": -1, "character": 0}, {"line": 0, "character": -5},
                                      {"line": 2**40, "character": 2**40}],
                         ids=["negative-line", "negative-character", "beyond-uinteger"])
async def test_out_of_range_numbers_get_an_answer(vscode: RecordingClient, position: dict[str, int]) -> None:
    uri = uri_of("numbers/Dockerfile")
    open_doc(vscode, uri, BROKEN)
    await published(vscode, uri, 1)
    # Positions are uinteger in LSP: the request is refused with an error, not left unanswered.
    for method in (lsp.TEXT_DOCUMENT_HOVER, lsp.TEXT_DOCUMENT_COMPLETION, lsp.TEXT_DOCUMENT_DEFINITION):
        with pytest.raises(JsonRpcInvalidParams):
            await raw(vscode, method, {"textDocument": {"uri": uri}, "position": position})
    await assert_serving(vscode, uri)


# Unknown methods and malformed parameters


async def test_unknown_method_is_method_not_found(vscode: RecordingClient) -> None:
    with pytest.raises(JsonRpcMethodNotFound):
        await raw(vscode, "textDocument/noSuchThing", {"textDocument": {"uri": NEVER_OPENED}})
    await write(vscode, {"method": "$/noSuchNotification", "params": {"x": 1}})
    await write(vscode, {"method": "dockls/noSuchNotification", "params": {"x": 1}})
    await assert_serving(vscode)


@pytest.mark.parametrize("params", [
    {},
    {"textDocument": {"uri": NEVER_OPENED}},
    {"textDocument": "Dockerfile", "position": {"line": 0, "character": 0}},
    {"textDocument": {"uri": NEVER_OPENED}, "position": {"line": "zero", "character": 0}},
], ids=["empty", "no-position", "document-string", "line-string"])
async def test_malformed_params_are_invalid_params(vscode: RecordingClient, params: dict[str, Any]) -> None:
    with pytest.raises(JsonRpcInvalidParams):
        await raw(vscode, lsp.TEXT_DOCUMENT_HOVER, params)
    await assert_serving(vscode)


async def test_malformed_notifications_are_ignored(vscode: RecordingClient) -> None:
    await write(vscode, {"method": lsp.TEXT_DOCUMENT_DID_OPEN, "params": {"textDocument": {"uri": 1}}})
    await write(vscode, {"method": lsp.TEXT_DOCUMENT_DID_CHANGE, "params": {"contentChanges": "nope"}})
    await write(vscode, {"method": lsp.TEXT_DOCUMENT_DID_CLOSE, "params": {}})
    await assert_serving(vscode)


# Odd change streams


async def test_overlapping_out_of_order_changes_and_version_gaps(vscode: RecordingClient) -> None:
    uri = uri_of("overlap/Dockerfile")
    open_doc(vscode, uri, CLEAN)
    await published(vscode, uri, 1)

    def at(line: int, start: int, end_line: int, end: int) -> lsp.Range:
        return lsp.Range(lsp.Position(line, start), lsp.Position(end_line, end))

    # Applied one after the other, each against the text the previous one left: the second overlaps
    # the first's insertion and reaches past its line's end (clamped there), the third goes backwards,
    # and the versions jump around.
    batches = [
        (7, [(at(1, 0, 1, 0), "LABEL a\n"), (at(1, 6, 1, 80), "broken"), (at(0, 0, 0, 0), "# head\n")]),
        (3, [(at(2, 0, 3, 3), "LABEL x y")]),
        (1000, [(at(0, 2, 0, 4), "")]),
    ]
    text = CLEAN
    for version, changes in batches:
        change_doc(vscode, uri, version, *changes)
        for range_, new_text in changes:
            text = apply_text_edits(text, [lsp.TextEdit(range_, new_text)], "utf-16")
    assert text == f"# ad\nFROM {BASE}\nLABEL x y true\n"
    diagnostics = await published(vscode, uri, 1000)
    expected = sorted((f.rule.id, text[: f.span.start].count("\n")) for f in analyze(text).findings)
    assert expected and sorted((str(d.code), d.range.start.line) for d in diagnostics) == expected
    report = await pull(vscode, uri)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    assert codes(report.items) == codes(diagnostics)
    await assert_serving(vscode)


async def test_burst_of_changes_coalesces(vscode: RecordingClient) -> None:
    uri = uri_of("burst/Dockerfile")
    open_doc(vscode, uri, CLEAN)
    await published(vscode, uri, 1)
    text = CLEAN
    end = lsp.Position(2, 0)
    for version in range(2, 502):
        addition = f"LABEL k{version}=v\n" if version % 7 else "LABEL oops\n"
        change_doc(vscode, uri, version, (lsp.Range(end, end), addition))
        text += addition
        end = lsp.Position(end.line + 1, 0)
    diagnostics = await published(vscode, uri, 501)
    assert codes(diagnostics) == expected_codes(text)
    assert len(vscode.publications(uri)) < 50  # intermediate analyses were dropped, not queued
    await assert_serving(vscode)


async def test_close_while_analysing_publishes_nothing_after_the_empty_list(vscode: RecordingClient) -> None:
    uri = uri_of("closing/Dockerfile")
    big = f"FROM {BASE}\n" + "".join(f"RUN apt-get install -y pkg{i}\nLABEL item{i}\n" for i in range(300))
    open_doc(vscode, uri, big)
    vscode.text_document_did_close(lsp.DidCloseTextDocumentParams(identifier(uri)))
    await eventually(lambda: any(p.version is None for p in vscode.publications(uri)), "the empty list on close")
    await assert_serving(vscode)
    await asyncio.sleep(0.5)
    after_close = vscode.publications(uri)
    closing = next(i for i, p in enumerate(after_close) if p.version is None)
    assert not after_close[closing].diagnostics
    assert after_close[closing + 1:] == []


async def test_shutdown_in_the_middle_of_work(unmanaged: RecordingClient) -> None:
    await start(unmanaged, capabilities("visual-studio-code"))
    uri = uri_of("shutdown/Dockerfile")
    big = f"FROM {BASE}\n" + "".join(f"RUN apt-get install -y pkg{i}\n" for i in range(300))
    open_doc(unmanaged, uri, big)
    change_doc(unmanaged, uri, 2, (lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), "# x\n"))
    # A request still waiting for the analysis when the shutdown arrives.
    pending = asyncio.ensure_future(unmanaged.text_document_code_action_async(lsp.CodeActionParams(
        identifier(uri), lsp.Range(lsp.Position(0, 0), lsp.Position(9, 0)), lsp.CodeActionContext(diagnostics=[]))))
    await asyncio.wait_for(unmanaged.shutdown_async(None), TIMEOUT)  # answered, not left hanging
    unmanaged.exit(None)
    server = unmanaged._server
    assert server is not None
    assert await asyncio.wait_for(server.wait(), TIMEOUT) == 0
    pending.cancel()


@pytest.mark.asyncio
async def test_many_documents_keep_few_analyses_and_answer_for_all(vscode: RecordingClient) -> None:
    """Beyond KEPT_ANALYSES documents the least recently used analyses are dropped (memory): such a
    document is analysed again when asked about, and its unchanged diagnostics are not pushed again."""
    uris = [uri_of(f"many/{number}/Dockerfile") for number in range(KEPT_ANALYSES + 4)]
    for uri in uris:
        open_doc(vscode, uri, BROKEN)
    await eventually(lambda: all(vscode.publications(uri) for uri in uris), "diagnostics for every document")
    first = uris[0]
    hover = await vscode.text_document_hover_async(lsp.HoverParams(identifier(first), lsp.Position(1, 1)))
    assert hover is not None and "LABEL" in str(hover.contents)
    symbols = await vscode.text_document_document_symbol_async(lsp.DocumentSymbolParams(identifier(first)))
    assert symbols
    assert [codes(p.diagnostics) for p in vscode.publications(first)] == [expected_codes(BROKEN)]
