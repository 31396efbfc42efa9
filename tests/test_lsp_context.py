"""The build context over stdio: hover on `COPY .` in a Dockerfile and in a `.dockerignore` document,
with real files in tmp_path, in VS Code's (UTF-16) and Neovim's (UTF-8) profiles."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from tests.lsp_client import RecordingClient, open_doc, position_of, range_of

# Wide characters before the tokens, so that UTF-16 and UTF-8 columns differ from code points.
DOCKERFILE = "FROM alpine\nLABEL note=\"😀名\"\nCOPY . /app\n"
IGNORE = "# 😀 context\nnode_modules\n**/*.log\n"


def project(root: Path) -> Path:
    for name, size in {"src/app.js": 3000, "node_modules/x/index.js": 7000, "logs/a.log": 10, "b.log": 20}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    (root / ".dockerignore").write_text(IGNORE)
    (root / "Dockerfile").write_text(DOCKERFILE)
    return root


async def hover_at(client: RecordingClient, uri: str, position: lsp.Position) -> lsp.Hover | None:
    return await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri), position=position))


def markdown(result: lsp.Hover | None) -> str:
    assert result is not None and isinstance(result.contents, lsp.MarkupContent)
    return result.contents.value


async def check_copy_dot(client: RecordingClient, root: Path, encoding: str) -> None:
    uri = (root / "Dockerfile").as_uri()
    open_doc(client, uri, DOCKERFILE)
    found = await hover_at(client, uri, position_of(DOCKERFILE, ". /app", encoding))
    assert found is not None and found.range == lsp.Range(position_of(DOCKERFILE, ". /app", encoding),
                                                          position_of(DOCKERFILE, ". /app", encoding, 1))
    text = markdown(found)
    assert "**Build context**" in text and "`.dockerignore` excludes 7 kB in 3 files." in text
    assert "`src/` 3 kB (1 file)" in text and "This `COPY .` brings in everything that is sent" in text


async def check_ignore_document(client: RecordingClient, root: Path, encoding: str) -> None:
    uri = (root / ".dockerignore").as_uri()
    open_doc(client, uri, IGNORE, "ignore")
    first = await hover_at(client, uri, position_of(IGNORE, "context", encoding))
    assert first is not None and first.range == range_of(IGNORE, "# 😀 context", encoding)
    assert "**Build context**" in markdown(first)
    pattern = await hover_at(client, uri, position_of(IGNORE, "*.log", encoding, 2))
    assert pattern is not None and pattern.range == range_of(IGNORE, "**/*.log", encoding)
    assert markdown(pattern).startswith("`**/*.log` excludes 30 B in 2 files.")
    assert "`b.log` 20 B" in markdown(pattern) and "`logs/a.log` 10 B" in markdown(pattern)
    assert await hover_at(client, uri, lsp.Position(10, 0)) is None  # past the end


async def test_copy_dot_hover_vscode(vscode: RecordingClient, tmp_path: Path) -> None:
    await check_copy_dot(vscode, project(tmp_path), "utf-16")


async def test_copy_dot_hover_neovim(neovim: RecordingClient, tmp_path: Path) -> None:
    await check_copy_dot(neovim, project(tmp_path), "utf-8")


async def test_ignore_document_hover_vscode(vscode: RecordingClient, tmp_path: Path) -> None:
    await check_ignore_document(vscode, project(tmp_path), "utf-16")


async def test_ignore_document_hover_neovim(neovim: RecordingClient, tmp_path: Path) -> None:
    await check_ignore_document(neovim, project(tmp_path), "utf-8")


async def test_unsaved_ignore_document_has_no_hover(vscode: RecordingClient) -> None:
    uri = "untitled:Untitled-1.dockerignore"
    open_doc(vscode, uri, IGNORE, "ignore")
    assert await hover_at(vscode, uri, lsp.Position(1, 2)) is None


async def test_per_dockerfile_ignore_document(neovim: RecordingClient, tmp_path: Path) -> None:
    project(tmp_path)
    (tmp_path / ".dockerignore").unlink()
    text = "src\n"
    (tmp_path / "api.Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "api.Dockerfile.dockerignore").write_text(text)
    uri = (tmp_path / "api.Dockerfile.dockerignore").as_uri()
    open_doc(neovim, uri, text, "ignore")
    found = await hover_at(neovim, uri, lsp.Position(0, 1))
    assert markdown(found).startswith("`src` excludes 3 kB in 1 file.")
    dockerfile_uri = (tmp_path / "Dockerfile").as_uri()  # the plain Dockerfile has no ignore file
    open_doc(neovim, dockerfile_uri, DOCKERFILE)
    copy = await hover_at(neovim, dockerfile_uri, position_of(DOCKERFILE, "COPY", "utf-8"))
    assert "No `.dockerignore`: everything under the root is sent." in markdown(copy)
    assert "**COPY**" in markdown(copy)  # the keyword's own documentation follows
