"""textDocument/completion and the ``dockls.newDockerfile`` command: LSP types over
:mod:`dockls.completion` and :mod:`dockls.snippets`."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcInvalidParams

from dockls.completion import Proposal, ProposalKind, complete
from dockls.lsp import DocklsServer, to_range
from dockls.rule import Edit
from dockls.snippets import TEMPLATES, template_named
from dockls.text import Span

TRIGGER_CHARACTERS = ["-", "=", "$", "{", ":", " ", "/", ","]
NEW_DOCKERFILE = "dockls.newDockerfile"

_KINDS: dict[ProposalKind, lsp.CompletionItemKind] = {
    "keyword": lsp.CompletionItemKind.Keyword,
    "flag": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.EnumMember,
    "variable": lsp.CompletionItemKind.Variable,
    "image": lsp.CompletionItemKind.Module,
    "stage": lsp.CompletionItemKind.Reference,
    "directive": lsp.CompletionItemKind.Keyword,
    "template": lsp.CompletionItemKind.Snippet,
    "folder": lsp.CompletionItemKind.Folder,
}


def register(server: DocklsServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                   lsp.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))(completion)
    # pygls answers workspace/executeCommand itself and advertises the commands registered this way.
    server.command(NEW_DOCKERFILE)(new_dockerfile)


def completion(ls: DocklsServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    empty = lsp.CompletionList(is_incomplete=False, items=[])
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.kind != "dockerfile":
        return empty
    snapshot = doc.snapshot()
    lines = snapshot.lines
    position = params.position
    if position.line >= len(lines.line_starts):
        return empty
    line_end = lines.line_end(position.line)
    if position.character > lines.position(line_end, ls.encoding)[1]:
        return empty
    offset = lines.offset(position.line, position.character, ls.encoding)
    snippets = bool(get_capability(ls.client_capabilities,
                                   "text_document.completion.completion_item.snippet_support", False))
    ranges: dict[Span, lsp.Range] = {}  # proposals mostly share one span: convert it once
    items = []
    for proposal in complete(snapshot.model, offset):
        range_ = ranges.get(proposal.span)
        if range_ is None:
            range_ = ranges[proposal.span] = to_range(lines, proposal.span, ls.encoding)
        items.append(_item(proposal, range_, snippets))
    return lsp.CompletionList(is_incomplete=False, items=items)


def _item(proposal: Proposal, range_: lsp.Range, snippets: bool) -> lsp.CompletionItem:
    snippet = snippets and proposal.snippet is not None
    return lsp.CompletionItem(
        label=proposal.label,
        kind=_KINDS[proposal.kind],
        detail=proposal.detail or None,
        documentation=lsp.MarkupContent(lsp.MarkupKind.Markdown, proposal.documentation)
        if proposal.documentation else None,
        sort_text=proposal.sort_key or None,
        filter_text=proposal.filter_text,
        insert_text_format=lsp.InsertTextFormat.Snippet if snippet else lsp.InsertTextFormat.PlainText,
        text_edit=lsp.TextEdit(range_, proposal.snippet if snippet and proposal.snippet else proposal.insert_text),
    )


async def new_dockerfile(ls: DocklsServer, *arguments: object) -> str:
    """``dockls.newDockerfile <template> [uri]``: the template's text; with the URI of an open, empty
    document, also inserted into it. (pygls resolves these annotations: DocklsServer is imported at
    run time.)"""
    name = arguments[0] if arguments else None
    template = template_named(name) if isinstance(name, str) else None
    if template is None:
        raise JsonRpcInvalidParams(f"{NEW_DOCKERFILE} needs a template name: {', '.join(TEMPLATES)}")
    text = template.text
    uri = arguments[1] if len(arguments) > 1 else None
    if isinstance(uri, str):
        doc = ls.documents.get(uri)
        if doc is None or doc.text.strip():
            raise JsonRpcInvalidParams(f"{uri} is not an open, empty document")
        snapshot = doc.snapshot()
        if get_capability(ls.client_capabilities, "workspace.apply_edit", False):
            edit = ls.workspace_edit(uri, snapshot.lines, doc.version, [Edit(Span(0, len(snapshot.text)), text)])
            await ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(edit, label="New Dockerfile"))
    return text
