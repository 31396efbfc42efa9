"""Every editor feature, through the real server, at a sample of positions of every corpus file: no
request may come back with an error, and every range in an answer lies inside the document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from tests.lsp_client import RecordingClient, open_doc, published, units

# Positions per file: each line's start and end, and the middle of every 4th line.
EVERY_NTH_MIDDLE = 4


def sample_positions(text: str) -> Iterator[lsp.Position]:
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text)):
        width = units(line, "utf-16")
        yield lsp.Position(number, 0)
        yield lsp.Position(number, width)
        if number % EVERY_NTH_MIDDLE == 0 and width > 1:
            yield lsp.Position(number, width // 2)
    yield lsp.Position(number + 5, 3)  # past the end


def ranges_in(value: Any) -> Iterator[lsp.Range]:
    """Every Range anywhere in an answer."""
    if isinstance(value, lsp.Range):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from ranges_in(item)
    elif hasattr(value, "__attrs_attrs__"):
        for attribute in value.__attrs_attrs__:
            yield from ranges_in(getattr(value, attribute.name))


async def test_features_answer_everywhere_on_the_corpus(vscode: RecordingClient, corpus: list[Path]) -> None:
    checked = 0
    for k, path in enumerate(corpus[::3]):  # a third of the corpus keeps this under a minute
        text = path.read_bytes().decode("utf-8", errors="replace")
        uri = f"file:///work/project/features{k}.Dockerfile"
        open_doc(vscode, uri, text)
        await published(vscode, uri, 1)
        lines = re.split(r"\r\n|\r|\n", text)
        document = lsp.TextDocumentIdentifier(uri)
        answers: list[Any] = [
            await vscode.text_document_document_symbol_async(lsp.DocumentSymbolParams(document)),
            await vscode.text_document_folding_range_async(lsp.FoldingRangeParams(document)),
            await vscode.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(document)),
            await vscode.text_document_document_link_async(lsp.DocumentLinkParams(document)),
            await vscode.text_document_inlay_hint_async(lsp.InlayHintParams(
                text_document=document, range=lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines), 0)))),
        ]
        for position in list(sample_positions(text))[::2]:
            answers.append(await vscode.text_document_hover_async(lsp.HoverParams(document, position)))
            answers.append(await vscode.text_document_completion_async(lsp.CompletionParams(document, position)))
            answers.append(await vscode.text_document_definition_async(lsp.DefinitionParams(document, position)))
            answers.append(await vscode.text_document_references_async(lsp.ReferenceParams(
                text_document=document, position=position,
                context=lsp.ReferenceContext(include_declaration=True))))
            answers.append(await vscode.text_document_prepare_rename_async(
                lsp.PrepareRenameParams(text_document=document, position=position)))
            checked += 1
        for found in ranges_in(answers):
            for end in (found.start, found.end):
                assert end.line < len(lines) and end.character <= units(lines[end.line], "utf-16"), (path.name, found)
        vscode.text_document_did_close(lsp.DidCloseTextDocumentParams(document))
    assert checked > 1000
