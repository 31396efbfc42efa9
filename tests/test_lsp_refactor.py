"""End-to-end tests of the refactoring code actions over stdio, in VS Code's (UTF-16, versioned edits)
and Neovim's (UTF-8, plain changes) profiles."""

from __future__ import annotations

import dockerfile
from lsprotocol import types as lsp

from tests.lsp_client import (
    RecordingClient,
    actions_at,
    apply_text_edits,
    edits_for,
    open_doc,
    position_of,
    uri_of,
)

CHAIN = "FROM alpine:3.20\n\tRUN echo 😀名前 && apk add --no-cache git\n"
SPLIT = "FROM alpine:3.20\n\tRUN echo 😀名前 && \\\n\t    apk add --no-cache git\n"


def at(text: str, needle: str, encoding: str, after: int = 0) -> lsp.Range:
    position = position_of(text, needle, encoding, after)
    return lsp.Range(position, position)


def titled(actions: list[lsp.CodeAction], prefix: str) -> lsp.CodeAction:
    (action,) = [a for a in actions if a.title.startswith(prefix)]
    return action


async def test_split_chain_in_vscode_with_versioned_edit(vscode: RecordingClient) -> None:
    uri = uri_of("x.Dockerfile")
    open_doc(vscode, uri, CHAIN)
    actions = await actions_at(vscode, uri, at(CHAIN, "apk", "utf-16"))
    split = titled(actions, "Split the chain into one command per line")
    assert split.kind == lsp.CodeActionKind.RefactorRewrite
    assert split.edit is not None and split.edit.document_changes is not None
    (change,) = split.edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit) and change.text_document.version == 1
    assert apply_text_edits(CHAIN, edits_for(split.edit, uri), "utf-16") == SPLIT
    runs = titled(actions, "Split into 2 RUN instructions")
    assert runs.kind == lsp.CodeActionKind.RefactorExtract
    separate = apply_text_edits(CHAIN, edits_for(runs.edit, uri), "utf-16")
    assert separate == "FROM alpine:3.20\n\tRUN echo 😀名前\n\tRUN apk add --no-cache git\n"
    dockerfile.parse_string(separate)
    # The kinds the client asks for.
    extract = await actions_at(vscode, uri, at(CHAIN, "apk", "utf-16"), ["refactor.extract"])
    assert [a.title for a in extract] == ["Split into 2 RUN instructions"]
    assert all(a.kind == lsp.CodeActionKind.RefactorRewrite
               for a in await actions_at(vscode, uri, at(CHAIN, "apk", "utf-16"), ["refactor.rewrite"]))
    quick = await actions_at(vscode, uri, at(CHAIN, "apk", "utf-16"), ["quickfix"])
    assert not [a for a in quick if a.kind is not None and a.kind.startswith("refactor")]


async def test_combine_runs_in_neovim_utf8(neovim: RecordingClient) -> None:
    text = "FROM alpine:3.20\nRUN echo 名前\nRUN echo 😀 done\n"
    uri = uri_of("Containerfile")
    open_doc(neovim, uri, text)
    selection = lsp.Range(position_of(text, "echo 名前", "utf-8"), position_of(text, "done", "utf-8"))
    actions = await actions_at(neovim, uri, selection, ["refactor"])
    combine = titled(actions, "Combine the 2 RUN instructions with `&&`")
    assert combine.edit is not None and combine.edit.changes is not None
    merged = apply_text_edits(text, edits_for(combine.edit, uri), "utf-8")
    assert merged == "FROM alpine:3.20\nRUN echo 名前 && \\\n    echo 😀 done\n"
    heredoc = titled(actions, "Combine the 2 RUN instructions into one heredoc RUN")
    as_heredoc = apply_text_edits(text, edits_for(heredoc.edit, uri), "utf-8")
    assert as_heredoc == "# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN <<EOF\necho 名前 &&\necho 😀 done\nEOF\n"
    dockerfile.parse_string(as_heredoc)


async def test_heredoc_round_trip_and_smaller_image_in_neovim(neovim: RecordingClient) -> None:
    text = "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN pip --version && echo 名前\n"
    uri = uri_of("Dockerfile")
    open_doc(neovim, uri, text)
    to_heredoc = titled(await actions_at(neovim, uri, at(text, "RUN", "utf-8")), "Convert to a heredoc script")
    script = apply_text_edits(text, edits_for(to_heredoc.edit, uri), "utf-8")
    assert script.endswith("RUN <<EOF\nset -e\npip --version\necho 名前\nEOF\n")
    slim = titled(await actions_at(neovim, uri, at(text, "python", "utf-8")), "Switch to python:3.12-slim (")
    assert apply_text_edits(text, edits_for(slim.edit, uri), "utf-8").startswith(
        "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\n")


async def test_multistage_conversion_in_vscode(vscode: RecordingClient) -> None:
    text = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n'
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, text)
    actions = await actions_at(vscode, uri, at(text, "CMD", "utf-16"), ["refactor.rewrite"])
    convert = titled(actions, "Convert to a multi-stage build")
    converted = apply_text_edits(text, edits_for(convert.edit, uri), "utf-16")
    assert "FROM golang:1.22 AS build\n" in converted and "COPY --from=build /app /app\n" in converted
    dockerfile.parse_string(converted)


async def test_nothing_past_the_end_in_heredocs_ignore_files_or_unknown_documents(vscode: RecordingClient) -> None:
    text = "# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN <<EOF\nset -e\na\nb\nEOF\n"
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, text)
    past = lsp.Range(lsp.Position(40, 0), lsp.Position(40, 3))
    assert await actions_at(vscode, uri, past, ["refactor"]) == []
    assert await actions_at(vscode, uri, at(text, "a\nb", "utf-16"), ["refactor"]) == []
    on_run = await actions_at(vscode, uri, at(text, "RUN", "utf-16"), ["refactor"])
    assert [a.title for a in on_run] == ["Convert the heredoc script to a `&&` chain"]
    ignore = uri_of(".dockerignore")
    open_doc(vscode, ignore, "RUN a && b\n", language_id="ignore")
    assert await actions_at(vscode, ignore, at("RUN a && b\n", "a", "utf-16"), ["refactor"]) == []
    assert await actions_at(vscode, uri_of("never-opened.Dockerfile"), past, ["refactor"]) == []
