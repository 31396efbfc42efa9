"""``dockls.createDockerignore`` over stdio: it creates the ignore file that the rule
``dockerignore-missing`` proposes, through ``workspace/applyEdit``, and says why when it creates none."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from dockls.buildcontext import context_for
from dockls.engine import analyze, rule_by_key
from tests.lsp_client import RecordingClient, capabilities, open_doc

DOCKERFILE = "FROM cgr.dev/chainguard/wolfi-base:1\nWORKDIR /app\nCOPY . .\n"
COMMAND = "dockls.createDockerignore"


def accept_edits(client: RecordingClient, applied: bool = True) -> list[lsp.ApplyWorkspaceEditParams]:
    """Record the edits the server asks for, and answer that they were (or were not) applied."""
    received: list[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        received.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=applied, failure_reason=None if applied else "read-only")

    return received


async def start_in(client: RecordingClient, folder: Path, caps: lsp.ClientCapabilities | None = None) -> None:
    await client.initialize_session(lsp.InitializeParams(
        capabilities=caps or capabilities("visual-studio-code"), root_uri=folder.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=folder.as_uri(), name="w")]))


async def run(client: RecordingClient, *arguments: object) -> object:
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(COMMAND, list(arguments)))


def project(folder: Path, dockerfile: str = DOCKERFILE) -> Path:
    (folder / "main.py").write_text("print('hi')\n")
    (folder / ".env").write_text("TOKEN=1\n")
    path = folder / "Dockerfile"
    path.write_text(dockerfile)
    return path


def expected_text(path: Path) -> str:
    rule = rule_by_key("dockerignore-missing")
    assert rule is not None
    (finding,) = analyze(path.read_text(), rules=[rule], context=context_for(path)).findings
    return finding.fixes[0].new_files[0].text


def created(params: lsp.ApplyWorkspaceEditParams) -> tuple[str, str]:
    """(uri, text) of the one file a creating edit makes."""
    changes = params.edit.document_changes
    assert changes is not None and len(changes) == 2
    create, fill = changes
    assert isinstance(create, lsp.CreateFile) and isinstance(fill, lsp.TextDocumentEdit)
    assert fill.text_document.uri == create.uri
    (edit,) = fill.edits
    assert isinstance(edit, lsp.TextEdit) and edit.range.start == edit.range.end == lsp.Position(0, 0)
    return create.uri, edit.new_text


async def test_the_command_is_advertised(bare: RecordingClient, tmp_path: Path) -> None:
    result = await bare.initialize_session(lsp.InitializeParams(capabilities=capabilities("visual-studio-code")))
    commands = result.capabilities.execute_command_provider
    assert commands is not None and COMMAND in commands.commands


async def test_creates_the_ignore_file_of_an_open_dockerfile(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    received = accept_edits(bare)
    path = project(tmp_path)
    open_doc(bare, path.as_uri(), DOCKERFILE)
    ignore_uri = (tmp_path / ".dockerignore").as_uri()
    assert await run(bare, path.as_uri()) == {"created": ignore_uri}
    (params,) = received
    uri, text = created(params)
    assert uri == ignore_uri
    assert text == expected_text(path)
    assert ".env" in text.splitlines() and ".git" in text.splitlines()


async def test_creates_it_for_a_dockerfile_on_disk_that_is_not_open(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    received = accept_edits(bare)
    (tmp_path / "svc").mkdir()
    path = project(tmp_path / "svc")
    assert await run(bare, path.as_uri()) == {"created": (tmp_path / "svc" / ".dockerignore").as_uri()}
    assert created(received[0])[1] == expected_text(path)


async def test_the_open_text_wins_over_the_file_on_disk(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    received = accept_edits(bare)
    path = project(tmp_path, "FROM scratch\nCOPY main.py /\n")  # on disk: nothing sends the whole context
    open_doc(bare, path.as_uri(), DOCKERFILE)
    assert (await run(bare, path.as_uri()) or {}) == {"created": (tmp_path / ".dockerignore").as_uri()}
    assert len(received) == 1


async def test_creates_nothing_when_an_ignore_file_exists(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    received = accept_edits(bare)
    path = project(tmp_path)
    (tmp_path / ".dockerignore").write_text(".git\n")
    result = await run(bare, path.as_uri())
    assert isinstance(result, dict) and result["created"] is None and ".dockerignore" in result["reason"]
    assert received == []


async def test_creates_nothing_when_the_context_is_not_sent(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    received = accept_edits(bare)
    path = project(tmp_path, "FROM scratch\nCOPY main.py /\n")
    result = await run(bare, path.as_uri())
    assert isinstance(result, dict) and result["created"] is None and "COPY ." in result["reason"]
    assert received == []


async def test_reports_an_edit_the_editor_refused(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    accept_edits(bare, applied=False)
    path = project(tmp_path)
    result = await run(bare, path.as_uri())
    assert isinstance(result, dict) and result["created"] is None and "read-only" in result["reason"]


async def test_reports_an_editor_that_cannot_create_files(bare: RecordingClient, tmp_path: Path) -> None:
    caps = capabilities("visual-studio-code")
    assert caps.workspace is not None and caps.workspace.workspace_edit is not None
    caps.workspace.workspace_edit.resource_operations = []
    await start_in(bare, tmp_path, caps)
    received = accept_edits(bare)
    path = project(tmp_path)
    result = await run(bare, path.as_uri())
    assert isinstance(result, dict) and result["created"] is None and "cannot create files" in result["reason"]
    assert received == []


@pytest.mark.parametrize("arguments", [[], [42], ["untitled:Untitled-1"], ["file:///nowhere/at/all/Dockerfile"]])
async def test_refuses_bad_arguments(bare: RecordingClient, tmp_path: Path, arguments: list[object]) -> None:
    await start_in(bare, tmp_path)
    with pytest.raises(JsonRpcInvalidParams):
        await run(bare, *arguments)


async def test_refuses_an_ignore_file(bare: RecordingClient, tmp_path: Path) -> None:
    await start_in(bare, tmp_path)
    uri = (tmp_path / ".dockerignore").as_uri()
    open_doc(bare, uri, ".git\n", "ignore")
    with pytest.raises(JsonRpcInvalidParams):
        await run(bare, uri)
