"""Inlay hints on FROM lines: base image sizes and whether each stage reaches the final image."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from dockls.inlays import HintKind, inlay_hints
from dockls.lsp import to_span

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer

_KINDS: dict[HintKind, lsp.InlayHintKind] = {"type": lsp.InlayHintKind.Type,
                                              "parameter": lsp.InlayHintKind.Parameter}


def register(server: DocklsServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT)(hints)


def hints(ls: DocklsServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.kind != "dockerfile":
        return []
    snapshot = doc.snapshot()
    lines = snapshot.lines
    if params.range.start.line >= len(lines.line_starts):
        return []
    found = inlay_hints(snapshot.model, to_span(lines, params.range, ls.encoding))
    result = []
    for hint in found:
        line, character = lines.position(hint.offset, ls.encoding)
        result.append(lsp.InlayHint(
            position=lsp.Position(line, character), label=hint.label,
            kind=_KINDS[hint.kind] if hint.kind else None, padding_left=hint.padding_left,
            tooltip=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=hint.tooltip),
        ))
    return result
