"""Editor commands over existing fixes: ``dockls.createDockerignore <dockerfile-uri>`` creates the
``.dockerignore`` that the rule ``dockerignore-missing`` would create for that Dockerfile, through
``workspace/applyEdit`` (the client creates the file, so it can be undone there)."""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcInvalidParams

from dockls.buildcontext import BuildContext
from dockls.checker import Checker
from dockls.engine import Config, analyze, rule_by_key
from dockls.lsp import DocklsServer, document_path
from dockls.rule import NewFile
from dockls.workspace import read_text

CREATE_DOCKERIGNORE = "dockls.createDockerignore"
MISSING_RULE = "dockerignore-missing"

# The command's result: {"created": "<uri>"} or {"created": None, "reason": "<why not>"}.
Result = dict[str, str | None]


def register(server: DocklsServer) -> None:
    # pygls answers workspace/executeCommand itself and advertises the commands registered this way.
    server.command(CREATE_DOCKERIGNORE)(create_dockerignore)


async def create_dockerignore(ls: DocklsServer, *arguments: object) -> Result:
    """Create the missing ignore file of the Dockerfile ``arguments[0]`` (an open document or a file
    on disk). (pygls resolves these annotations: DocklsServer is imported at run time.)"""
    uri = arguments[0] if arguments else None
    path = document_path(uri) if isinstance(uri, str) else None
    if not isinstance(uri, str) or path is None:
        raise JsonRpcInvalidParams(f"{CREATE_DOCKERIGNORE} needs the file: URI of a Dockerfile")
    doc = ls.documents.get(uri)
    if doc is not None and doc.kind != "dockerfile":
        raise JsonRpcInvalidParams(f"{uri} is not a Dockerfile")
    workspace = ls.workspace_for(path)
    text = doc.text if doc is not None else read_text(workspace, path)
    if text is None:
        raise JsonRpcInvalidParams(f"{uri} is neither open nor a readable file in the workspace")
    if not path.parent.is_dir():
        return _not_created(f"{path.parent} does not exist, so there is no build context")
    checker = Checker(Config(), path, ls.configuration.for_path(path, workspace).context, workspace=workspace)
    context = checker.build_context()
    if context is None:
        return _not_created("the build context is outside the workspace")
    new_files = await asyncio.to_thread(_missing_ignore_files, context, text)
    if not new_files:
        if context.ignore_path is not None:
            return _not_created(f"the build context {context.root} already has {context.ignore_path.name}")
        return _not_created(f"{MISSING_RULE} does not apply: the Dockerfile does not send the whole build "
                            "context (no `COPY .`), or the rule is suppressed in it")
    if not get_capability(ls.client_capabilities, "workspace.apply_edit", False):
        return _not_created("the editor cannot apply workspace edits")
    edit = ls.creating_edit(new_files)
    if edit is None:
        return _not_created("the editor cannot create files, or the file exists already")
    applied = await ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(edit, label="Create .dockerignore"))
    if not applied.applied:
        return _not_created(f"the editor did not apply the edit: {applied.failure_reason or 'no reason given'}")
    return {"created": new_files[0].path.as_uri()}


def _missing_ignore_files(context: BuildContext, text: str) -> tuple[NewFile, ...]:
    """The files the rule's fix creates for this Dockerfile in its (configured) build context; the
    rule runs even where the configuration turns it off, as the user asked for the file explicitly."""
    rule = rule_by_key(MISSING_RULE)
    if rule is None:
        return ()
    analysis = analyze(text, rules=[rule], context=context)
    return tuple(new for finding in analysis.findings for fix in finding.fixes for new in fix.new_files)


def _not_created(reason: str) -> Result:
    return {"created": None, "reason": reason}


