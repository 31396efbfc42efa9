"""The language server's configuration, end to end over stdio: configuration files next to the
documents, the editor's settings over or under them, live changes, and problems shown to the user."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types as lsp

from tests.lsp_client import RecordingClient, capabilities, eventually, open_doc, published

# Two findings of rules with hadolint equivalents: heavy-base-image (full python image) and
# consecutive-run (RUN, RUN).
DOCKERFILE = "FROM python:3.12\nRUN pip install --no-cache-dir flask\nRUN echo done\nUSER nobody\n"


async def open_in(client: RecordingClient, tmp_path: Path, settings: object = None,
                  folder: Path | None = None) -> str:
    caps = capabilities("visual-studio-code")
    workspace = folder or tmp_path
    await client.initialize_session(lsp.InitializeParams(
        capabilities=caps, initialization_options=settings, root_uri=workspace.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=workspace.as_uri(), name="w")]))
    dockerfile = tmp_path / "svc" / "Dockerfile"
    dockerfile.parent.mkdir(parents=True, exist_ok=True)
    dockerfile.write_text(DOCKERFILE)
    uri = dockerfile.as_uri()
    open_doc(client, uri, DOCKERFILE)
    return uri


def codes(client: RecordingClient, uri: str) -> set[str]:
    return {str(d.code) for d in client.diagnostics.get(uri, ())}


async def test_configuration_file_applies_and_changes_live(bare: RecordingClient, tmp_path: Path) -> None:
    config_file = tmp_path / ".dockls.toml"
    config_file.write_text('ignore = ["consecutive-run"]\n')
    uri = await open_in(bare, tmp_path)
    diagnostics = await published(bare, uri, 1)
    assert {str(d.code) for d in diagnostics} == {"DKL022"}
    # The server asked to be told about configuration files.
    (registration,) = [r for r in bare.registrations if r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert registration.register_options is not None
    # The file changes: the bare reports it, the server re-checks the open document.
    config_file.write_text('ignore = ["heavy-base-image"]\n[rules]\nconsecutive-run = "error"\n')
    os.utime(config_file, ns=(1, 1))
    bare.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(
        [lsp.FileEvent(uri=config_file.as_uri(), type=lsp.FileChangeType.Changed)]))
    await eventually(lambda: codes(bare, uri) == {"DKL001"}, "the changed configuration file")
    (diagnostic,) = bare.diagnostics[uri]
    assert diagnostic.severity == lsp.DiagnosticSeverity.Error


async def test_hadolint_file_and_editor_settings_win(bare: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / ".hadolint.yaml").write_text("ignored: [DL3059]\n")  # consecutive-run's equivalent
    uri = await open_in(bare, tmp_path, {"dockls": {"rules": {"heavy-base-image": "hint"}}})
    diagnostics = await published(bare, uri, 1)
    assert [(str(d.code), d.severity) for d in diagnostics] == [("DKL022", lsp.DiagnosticSeverity.Hint)]
    # editorOnly: the files no longer count.
    bare.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"dockls": {"configurationPreference": "editorOnly"}}))
    await eventually(lambda: codes(bare, uri) == {"DKL001", "DKL022"}, "the files ignored")


async def test_files_first_preference(bare: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dockls]\nrules = { heavy-base-image = "error" }\n')
    settings = {"dockls": {"rules": {"heavy-base-image": "hint"}, "configurationPreference": "filesystemFirst"}}
    uri = await open_in(bare, tmp_path, settings)
    diagnostics = await published(bare, uri, 1)
    assert {(str(d.code), d.severity) for d in diagnostics} >= {("DKL022", lsp.DiagnosticSeverity.Error)}


async def test_editor_per_file_ignores_and_select(bare: RecordingClient, tmp_path: Path) -> None:
    settings = {"dockls": {"select": ["size", "layers"], "perFileIgnores": {"svc/**": ["DKL022"]}}}
    uri = await open_in(bare, tmp_path, settings)
    assert {str(d.code) for d in await published(bare, uri, 1)} == {"DKL001"}


async def test_broken_configuration_file_is_shown_once_and_defaults_apply(bare: RecordingClient,
                                                                         tmp_path: Path) -> None:
    (tmp_path / ".dockls.toml").write_text("select = [\n")
    uri = await open_in(bare, tmp_path)
    diagnostics = await published(bare, uri, 1)
    assert {str(d.code) for d in diagnostics} == {"DKL001", "DKL022"}
    await eventually(lambda: any(".dockls.toml" in m.message for m in bare.messages), "the error message")
    (message,) = [m for m in bare.messages if ".dockls.toml" in m.message]
    assert message.type == lsp.MessageType.Warning and "configuration not used" in message.message


async def test_search_stops_at_the_workspace_folder(bare: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / ".dockls.toml").write_text('ignore = ["consecutive-run"]\n')
    uri = await open_in(bare, tmp_path, folder=tmp_path / "svc")
    assert {str(d.code) for d in await published(bare, uri, 1)} == {"DKL001", "DKL022"}
