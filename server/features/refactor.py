"""Refactoring code actions (combine/split RUNs, heredoc ↔ ``&&``, mounts, ``COPY --link``, smaller
base images …): an action provider for the code-action handler; the logic is ``dockls.refactor``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from dockls.lsp import kind_requested, to_span
from dockls.refactor import refactorings

if TYPE_CHECKING:
    from dockls.lsp import DocklsServer, Document


def register(server: DocklsServer) -> None:
    server.action_providers.append(provide_refactorings)


def provide_refactorings(ls: DocklsServer, doc: Document, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    if doc.kind != "dockerfile":
        return []
    snapshot = doc.snapshot()
    if params.range.start.line >= len(snapshot.lines.line_starts):
        return []  # past the end: the clamped offset would name the last line instead
    span = to_span(snapshot.lines, params.range, ls.encoding)
    only = params.context.only
    return [
        lsp.CodeAction(title=found.title, kind=found.kind,
                       edit=ls.workspace_edit(doc.uri, snapshot.lines, doc.version, found.edits))
        for found in refactorings(snapshot.model, span) if kind_requested(found.kind, only)
    ]
