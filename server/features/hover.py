"""``textDocument/hover``: the engine's hover (``dockls.hover``) at the client's position.

The handler is a coroutine because diagnostics are part of the hover: it waits for the rule analysis
of the current text and answers from that analysis' model, so findings and tokens share one text.
In an ignore document it answers with the build context the file filters (``dockls.contexthover``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.capabilities import get_capability

from dockls.contexthover import ignore_hover
from dockls.hover import hover, plaintext
from dockls.ignorefile import IgnoreModel
from dockls.lsp import to_range
from dockls.model import Model

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer, Document


def register(server: DocklsServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(on_hover)


async def on_hover(ls: DocklsServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is not None and doc.kind == "ignore":
        return await _ignore_hover(ls, doc, params.position)
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
    model = analysed.analysis.model
    if not isinstance(model, Model):
        return None
    result = hover(model, offset, analysed.findings)
    if result is None:
        return None
    return lsp.Hover(contents=_contents(ls, result.markdown), range=to_range(lines, result.span, ls.encoding))


async def _ignore_hover(ls: DocklsServer, doc: Document, position: lsp.Position) -> lsp.Hover | None:
    """An ignore document: the build context it filters, and what each pattern excludes."""
    analysed = await ls.current(doc)
    model = analysed.analysis.model if analysed is not None else None
    if analysed is None or not isinstance(model, IgnoreModel) or position.line >= len(analysed.lines.line_starts):
        return None
    lines = analysed.lines
    offset = lines.offset(position.line, position.character, ls.encoding)
    # The first hover on a context may attribute all of its files to patterns: off the event loop.
    result = await asyncio.get_running_loop().run_in_executor(None, ignore_hover, model, offset)
    if result is None:
        return None
    return lsp.Hover(contents=_contents(ls, result.markdown), range=to_range(lines, result.span, ls.encoding))


def _contents(ls: DocklsServer, markdown: str) -> lsp.MarkupContent:
    formats = get_capability(ls.client_capabilities, "text_document.hover.content_format", None) or []
    if lsp.MarkupKind.Markdown in formats:
        return lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=markdown)
    return lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=plaintext(markdown))
