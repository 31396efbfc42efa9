"""``textDocument/hover``: the engine's hover (``dockls.hover``) at the client's position.

The handler is a coroutine because diagnostics are part of the hover: it waits for the rule analysis
of the current text and answers from that analysis' model, so findings and tokens share one text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.capabilities import get_capability

from dockls.hover import hover, plaintext
from dockls.lsp import to_range

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer


def register(server: DocklsServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(on_hover)


async def on_hover(ls: DocklsServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.kind != "dockerfile":
        return None
    analysed = await ls.current(doc)
    if analysed is None:
        return None
    lines = analysed.lines
    position = params.position
    if position.line >= len(lines.line_starts):
        return None
    offset = lines.offset(position.line, position.character, ls.encoding)
    result = hover(analysed.analysis.model, offset, analysed.findings)
    if result is None:
        return None
    formats = get_capability(ls.client_capabilities, "text_document.hover.content_format", None) or []
    if lsp.MarkupKind.Markdown in formats:
        contents = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=result.markdown)
    else:
        contents = lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=plaintext(result.markdown))
    return lsp.Hover(contents=contents, range=to_range(lines, result.span, ls.encoding))
