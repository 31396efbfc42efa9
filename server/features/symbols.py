"""Document symbols (hierarchical or flat, as the client supports) and folding ranges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.capabilities import get_capability

from dockls.lsp import to_range
from dockls.symbols import FoldKind, Symbol, SymbolKind, document_symbols, flatten, folding_ranges
from dockls.text import Encoding, LineIndex

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer

_SYMBOL_KINDS: dict[SymbolKind, lsp.SymbolKind] = {
    "class": lsp.SymbolKind.Class, "function": lsp.SymbolKind.Function, "variable": lsp.SymbolKind.Variable,
    "file": lsp.SymbolKind.File, "property": lsp.SymbolKind.Property, "constant": lsp.SymbolKind.Constant,
    "namespace": lsp.SymbolKind.Namespace, "package": lsp.SymbolKind.Package, "key": lsp.SymbolKind.Key,
    "event": lsp.SymbolKind.Event, "string": lsp.SymbolKind.String, "field": lsp.SymbolKind.Field,
}
_FOLD_KINDS: dict[FoldKind, lsp.FoldingRangeKind] = {
    "comment": lsp.FoldingRangeKind.Comment, "region": lsp.FoldingRangeKind.Region,
}


def register(server: DocklsServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(symbols)
    server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)(folds)


def symbols(ls: DocklsServer,
            params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol] | list[lsp.SymbolInformation]:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.kind != "dockerfile":
        return []
    snapshot = doc.snapshot()
    found = document_symbols(snapshot.model)
    if get_capability(ls.client_capabilities,
                      "text_document.document_symbol.hierarchical_document_symbol_support", False):
        return [_document_symbol(symbol, snapshot.lines, ls.encoding) for symbol in found]
    return [lsp.SymbolInformation(
        name=symbol.name, kind=_SYMBOL_KINDS[symbol.kind], container_name=container,
        location=lsp.Location(doc.uri, to_range(snapshot.lines, symbol.span, ls.encoding)),
    ) for symbol, container in flatten(found)]


def _document_symbol(symbol: Symbol, lines: LineIndex, encoding: Encoding) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=symbol.name, detail=symbol.detail, kind=_SYMBOL_KINDS[symbol.kind],
        range=to_range(lines, symbol.span, encoding),
        selection_range=to_range(lines, symbol.selection, encoding),
        children=[_document_symbol(child, lines, encoding) for child in symbol.children] or None,
    )


def folds(ls: DocklsServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.kind != "dockerfile":
        return []
    snapshot = doc.snapshot()
    # Whole lines only, which is also what clients with lineFoldingOnly want.
    return [lsp.FoldingRange(start_line=fold.start_line, end_line=fold.end_line,
                             kind=_FOLD_KINDS[fold.kind] if fold.kind else None)
            for fold in folding_ranges(snapshot.model, snapshot.lines)]
