"""Semantic tokens of the whole document, in the negotiated position encoding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from dockls.tokens import TOKEN_MODIFIERS, TOKEN_TYPES, encode, semantic_tokens

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer

LEGEND = lsp.SemanticTokensLegend(token_types=list(TOKEN_TYPES), token_modifiers=list(TOKEN_MODIFIERS))


def register(server: DocklsServer) -> None:
    # pygls advertises SemanticTokensOptions(legend=LEGEND, full=True) for this legend.
    server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)(tokens_full)


def tokens_full(ls: DocklsServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.kind != "dockerfile":
        return lsp.SemanticTokens(data=[])
    snapshot = doc.snapshot()
    return lsp.SemanticTokens(data=encode(semantic_tokens(snapshot.model, snapshot.lines), snapshot.lines,
                                          ls.encoding))
