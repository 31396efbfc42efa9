"""Definition, references, highlights, rename and document links (engine: dockls.navigation,
dockls.links)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcInvalidParams

from dockls import links, navigation
from dockls.lsp import Snapshot, document_path, to_range
from dockls.rule import Edit

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer


def _at(ls: DocklsServer, uri: str, position: lsp.Position) -> tuple[Snapshot, int] | None:
    """The snapshot of a Dockerfile and the offset of ``position``; None for unknown documents,
    ignore files and positions past the end of a line or of the document."""
    doc = ls.documents.get(uri)
    if doc is None or doc.kind != "dockerfile":
        return None
    snapshot = doc.snapshot()
    lines = snapshot.lines
    if not 0 <= position.line < len(lines.line_starts) or position.character < 0:
        return None
    end = lines.line_end(position.line)
    if position.character > lines.position(end, ls.encoding)[1]:
        return None
    return snapshot, lines.offset(position.line, position.character, ls.encoding)


def definition(ls: DocklsServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
    found = _at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    snapshot, offset = found
    spans = navigation.definitions(snapshot.model, offset)
    uri = params.text_document.uri
    return [lsp.Location(uri, to_range(snapshot.lines, span, ls.encoding)) for span in spans] or None


def references(ls: DocklsServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    found = _at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    snapshot, offset = found
    spans = navigation.references(snapshot.model, offset, params.context.include_declaration)
    uri = params.text_document.uri
    return [lsp.Location(uri, to_range(snapshot.lines, span, ls.encoding)) for span in spans]


def highlight(ls: DocklsServer, params: lsp.DocumentHighlightParams) -> list[lsp.DocumentHighlight] | None:
    found = _at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    snapshot, offset = found
    return [
        lsp.DocumentHighlight(
            to_range(snapshot.lines, span, ls.encoding),
            lsp.DocumentHighlightKind.Write if declaration else lsp.DocumentHighlightKind.Read,
        )
        for span, declaration in navigation.highlights(snapshot.model, offset)
    ]


def prepare_rename(ls: DocklsServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
    found = _at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    snapshot, offset = found
    span = navigation.rename_range(snapshot.model, offset)
    return to_range(snapshot.lines, span, ls.encoding) if span is not None else None


def rename(ls: DocklsServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    uri = params.text_document.uri
    found = _at(ls, uri, params.position)
    if found is None:
        return None
    snapshot, offset = found
    try:
        edits = navigation.rename(snapshot.model, offset, params.new_name)
    except navigation.RenameError as error:
        raise JsonRpcInvalidParams(str(error)) from error
    if not edits:
        return None
    doc = ls.documents.get(uri)
    version = doc.version if doc is not None else None
    return ls.workspace_edit(uri, snapshot.lines, version, [Edit(span, text) for span, text in edits])


def document_link(ls: DocklsServer, params: lsp.DocumentLinkParams) -> list[lsp.DocumentLink]:
    uri = params.text_document.uri
    doc = ls.documents.get(uri)
    if doc is None or doc.kind != "dockerfile":
        return []
    snapshot = doc.snapshot()
    path = document_path(uri)
    folder = path.parent if path is not None and ls.workspace_for(path).allows(path.parent) else None
    found = links.document_links(snapshot.model, folder)
    tooltips = get_capability(ls.client_capabilities, "text_document.document_link.tooltip_support", False)
    return [lsp.DocumentLink(to_range(snapshot.lines, link.span, ls.encoding), target=link.target,
                             tooltip=link.tooltip if tooltips else None) for link in found]


def register(server: DocklsServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DEFINITION)(definition)
    server.feature(lsp.TEXT_DOCUMENT_REFERENCES)(references)
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)(highlight)
    server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)(prepare_rename)
    server.feature(lsp.TEXT_DOCUMENT_RENAME, lsp.RenameOptions(prepare_provider=True))(rename)
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_LINK, lsp.DocumentLinkOptions(resolve_provider=False))(document_link)
