"""End-to-end completion and ``dockls.newDockerfile`` over stdio, with VS Code's and Neovim's
capability profiles (UTF-16 and UTF-8 positions)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from dockls.snippets import TEMPLATES
from tests.lsp_client import (
    RecordingClient,
    apply_text_edits,
    capabilities,
    config,
    edits_for,
    eventually,
    open_doc,
    position_of,
    start,
    uri_of,
)


def _accept_edits(client: RecordingClient) -> list[lsp.ApplyWorkspaceEditParams]:
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    return applied


@pytest_lsp.fixture(config=config())
async def plain(client: RecordingClient) -> AsyncIterator[None]:
    """VS Code's capabilities without snippet support."""
    caps = capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.text_document.completion is not None
    assert caps.text_document.completion.completion_item is not None
    caps.text_document.completion.completion_item.snippet_support = False
    await start(client, caps)
    yield
    await client.shutdown_session()


async def complete_at(client: RecordingClient, uri: str, position: lsp.Position) -> list[lsp.CompletionItem]:
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri), position=position))
    assert isinstance(result, lsp.CompletionList)
    return list(result.items)


def edit_of(item: lsp.CompletionItem) -> lsp.TextEdit:
    assert isinstance(item.text_edit, lsp.TextEdit)
    return item.text_edit


def item_named(items: list[lsp.CompletionItem], label: str) -> lsp.CompletionItem:
    found = [item for item in items if item.label == label]
    assert len(found) == 1, [item.label for item in items]
    return found[0]


async def test_capabilities(bare: RecordingClient) -> None:
    result = await start(bare, capabilities("visual-studio-code"))
    options = result.capabilities.completion_provider
    assert options is not None and {"-", "=", "$", "{", ":", " ", "/", ","} <= set(options.trigger_characters or [])
    commands = result.capabilities.execute_command_provider
    assert commands is not None and "dockls.newDockerfile" in commands.commands


async def test_mount_type_in_containerfile(vscode: RecordingClient) -> None:
    uri = uri_of("Containerfile")
    text = 'FROM a\nLABEL x="😀名前"\nRUN --mount=type=ca'
    open_doc(vscode, uri, text)
    items = await complete_at(vscode, uri, position_of(text, "type=ca", "utf-16", len("type=ca")))
    cache = item_named(items, "cache")
    assert cache.kind == lsp.CompletionItemKind.EnumMember
    assert apply_text_edits(text, [edit_of(cache)], "utf-16") == text.replace("type=ca", "type=cache")


async def variable_after_wide_characters(client: RecordingClient, encoding: str) -> None:
    uri = uri_of("x.Dockerfile")
    text = 'FROM a\nARG TARGETARCH\nRUN echo "😀名前" ${TA'
    open_doc(client, uri, text)
    items = await complete_at(client, uri, position_of(text, "${TA", encoding, 4))
    item = item_named(items, "TARGETARCH")
    assert apply_text_edits(text, [edit_of(item)], encoding) == text + "RGETARCH}"


async def test_variable_after_wide_characters_utf16(vscode: RecordingClient) -> None:
    await variable_after_wide_characters(vscode, "utf-16")


async def test_variable_after_wide_characters_utf8(neovim: RecordingClient) -> None:
    await variable_after_wide_characters(neovim, "utf-8")


async def test_snippets_for_snippet_clients(neovim: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(neovim, uri, "")
    items = await complete_at(neovim, uri, lsp.Position(0, 0))
    go = item_named(items, "multi-stage: go")
    assert go.insert_text_format == lsp.InsertTextFormat.Snippet
    assert edit_of(go).new_text == TEMPLATES["go"].snippet
    assert go.kind == lsp.CompletionItemKind.Snippet


async def test_plain_text_without_snippet_support(plain: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    text = "FROM a\nRU"
    open_doc(plain, uri, text)
    run = item_named(await complete_at(plain, uri, lsp.Position(1, 2)), "RUN")
    assert run.insert_text_format == lsp.InsertTextFormat.PlainText
    assert apply_text_edits(text, [edit_of(run)], "utf-16") == "FROM a\nRUN "
    open_doc(plain, uri_of("empty/Dockerfile"), "")
    python = item_named(await complete_at(plain, uri_of("empty/Dockerfile"), lsp.Position(0, 0)),
                        "multi-stage: python")
    assert edit_of(python).new_text == TEMPLATES["python"].text


async def test_empty_answers(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    text = "FROM a\nRUN <<EOF\nRU\nEOF\n"
    open_doc(vscode, uri, text)
    assert await complete_at(vscode, uri, lsp.Position(2, 2)) == []  # heredoc body
    assert await complete_at(vscode, uri, lsp.Position(9, 0)) == []  # past the last line
    assert await complete_at(vscode, uri, lsp.Position(0, 40)) == []  # past the line's end
    open_doc(vscode, uri_of(".dockerignore"), "node_modules\n")
    assert await complete_at(vscode, uri_of(".dockerignore"), lsp.Position(0, 3)) == []
    assert await complete_at(vscode, uri_of("never-opened/Dockerfile"), lsp.Position(0, 0)) == []


async def test_new_dockerfile_command(vscode: RecordingClient) -> None:
    applied = _accept_edits(vscode)
    text = await vscode.workspace_execute_command_async(lsp.ExecuteCommandParams("dockls.newDockerfile", ["rust"]))
    assert text == TEMPLATES["rust"].text
    uri = uri_of("new/Dockerfile")
    open_doc(vscode, uri, "")
    text = await vscode.workspace_execute_command_async(
        lsp.ExecuteCommandParams("dockls.newDockerfile", ["node", uri]))
    assert text == TEMPLATES["node"].text
    await eventually(lambda: bool(applied), "workspace/applyEdit")
    assert apply_text_edits("", edits_for(applied[0].edit, uri), "utf-16") == TEMPLATES["node"].text


async def test_new_dockerfile_refuses_bad_arguments(neovim: RecordingClient) -> None:
    with pytest.raises(JsonRpcInvalidParams):
        await neovim.workspace_execute_command_async(lsp.ExecuteCommandParams("dockls.newDockerfile", ["cobol"]))
    uri = uri_of("Dockerfile")
    open_doc(neovim, uri, "FROM a\n")
    with pytest.raises(JsonRpcInvalidParams):
        await neovim.workspace_execute_command_async(
            lsp.ExecuteCommandParams("dockls.newDockerfile", ["go", uri]))
