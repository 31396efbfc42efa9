"""Ignore files and build contexts through the real server: an ignore file is a document with its own
diagnostics, and changing it on disk re-checks the open Dockerfiles that use it."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types as lsp

from tests.lsp_client import RecordingClient, capabilities, eventually, open_doc, published, rule_id

DOCKERFILE = "FROM cgr.dev/chainguard/wolfi-base:1\nWORKDIR /app\nCOPY . .\nCOPY README.md /doc/\n"


async def start_in(client: RecordingClient, folder: Path) -> None:
    await client.initialize_session(lsp.InitializeParams(
        capabilities=capabilities("visual-studio-code"), root_uri=folder.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=folder.as_uri(), name="w")]))


def codes(client: RecordingClient, uri: str) -> set[str]:
    return {str(d.code) for d in client.diagnostics.get(uri, ())}


def changed(client: RecordingClient, path: Path, kind: lsp.FileChangeType) -> None:
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams([lsp.FileEvent(path.as_uri(), kind)]))


async def test_changing_the_ignore_file_re_checks_the_dockerfile(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    (tmp_path / "README.md").write_text("# app\n")
    (tmp_path / "main.py").write_text("print('hi')\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    uri = dockerfile.as_uri()
    open_doc(bare, uri, DOCKERFILE)
    assert rule_id("dockerignore-missing") in {str(d.code) for d in await published(bare, uri, 1)}
    # The server watches ignore files and created/deleted files.
    (registration,) = [r for r in bare.registrations if r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    options = registration.register_options  # the client receives it as plain JSON
    assert isinstance(options, dict)
    patterns = {watcher["globPattern"] for watcher in options["watchers"]}
    assert {"**/.dockerignore", "**/*.dockerignore", "**/*"} <= patterns
    # An ignore file appears: dockerignore-missing goes; it excludes README.md: copy-ignored-file comes.
    ignore = tmp_path / ".dockerignore"
    ignore.write_text("*.md\n")
    changed(bare, ignore, lsp.FileChangeType.Created)
    await eventually(lambda: codes(bare, uri) >= {rule_id("copy-ignored-file")}
                     and rule_id("dockerignore-missing") not in codes(bare, uri), "the new ignore file")
    # The ignore file is edited and saved: the Dockerfile is checked again.
    ignore.write_text("*.md\n!README.md\n")
    os.utime(ignore, ns=(1, 1))
    changed(bare, ignore, lsp.FileChangeType.Changed)
    await eventually(lambda: rule_id("copy-ignored-file") not in codes(bare, uri), "the changed ignore file")
    # Deleted again: back to dockerignore-missing.
    ignore.unlink()
    changed(bare, ignore, lsp.FileChangeType.Deleted)
    await eventually(lambda: rule_id("dockerignore-missing") in codes(bare, uri), "the deleted ignore file")


async def test_an_ignore_document_gets_its_own_diagnostics_and_fixes(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "index.js").write_text("module.exports = 1\n" * 100)
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    ignore = tmp_path / ".dockerignore"
    text = "*.log\n!app.log\n!app.log\n[\n"
    ignore.write_text(text)
    uri = ignore.as_uri()
    open_doc(bare, uri, text, language_id="ignore")
    found = {str(d.code) for d in await published(bare, uri, 1)}
    assert {rule_id("dockerignore-syntax"), rule_id("dockerignore-incomplete")} <= found
    (incomplete,) = [d for d in bare.diagnostics[uri] if d.code == rule_id("dockerignore-incomplete")]
    assert "node_modules" in incomplete.message
    actions = await bare.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri), range=incomplete.range,
        context=lsp.CodeActionContext(diagnostics=[incomplete])))
    assert actions and any(isinstance(a, lsp.CodeAction) and a.edit is not None for a in actions)


async def test_missing_ignore_file_is_created_by_a_code_action(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "README.md").write_text("# app\n")
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    uri = dockerfile.as_uri()
    open_doc(bare, uri, DOCKERFILE)
    (missing,) = [d for d in await published(bare, uri, 1) if d.code == rule_id("dockerignore-missing")]
    actions = await bare.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri), range=missing.range,
        context=lsp.CodeActionContext(diagnostics=[missing])))
    creating = [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.edit and a.edit.document_changes
                and any(isinstance(c, lsp.CreateFile) for c in a.edit.document_changes)]
    (action,) = creating
    assert action.edit is not None and action.edit.document_changes is not None
    create, fill = action.edit.document_changes
    assert isinstance(create, lsp.CreateFile) and create.uri == (tmp_path / ".dockerignore").as_uri()
    assert isinstance(fill, lsp.TextDocumentEdit) and fill.text_document.uri == create.uri
    (content,) = fill.edits
    assert isinstance(content, lsp.TextEdit) and ".git" in content.new_text.splitlines()
