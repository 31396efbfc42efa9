"""dockls in a real Neovim: headless ``nvim`` runs tests/editors/neovim_client.lua, which starts the
server (with ``vim.lsp.start_client``, the 0.7 API, or through a snippet taken from docs/editors.md),
waits for its diagnostics, applies a quick fix through Neovim's own workspace-edit code and writes
the file; the JSON it leaves behind is checked here.

Expected positions come from Python's codecs, not from ``dockls.text``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dockerfile
import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENT = ROOT / "tests" / "editors" / "neovim_client.lua"
EDITORS_DOC = ROOT / "docs" / "editors.md"
NVIM = shutil.which("nvim")

pytestmark = pytest.mark.skipif(
    NVIM is None,
    reason="nvim is not installed: run tests/editors/install_neovim.sh (Debian: apt-get install -y neovim)")

# The second RUN holds a `cd` (an informational finding) after a 3-byte and a 4-byte UTF-8
# character, so its column differs in every encoding; merging it into the first RUN is safe
# because the `cd` comes last.
DOCKERFILE = (
    "FROM cgr.dev/chainguard/wolfi-base:1\n"
    "RUN echo ok > /a\n"
    'RUN echo "✓ 😀" > /greeting && cd /tmp && touch x\n'
    'CMD ["sh"]\n'
)
MERGED = (
    "FROM cgr.dev/chainguard/wolfi-base:1\n"
    "RUN echo ok > /a && \\\n"
    '    echo "✓ 😀" > /greeting && cd /tmp && touch x\n'
    'CMD ["sh"]\n'
)
IGNOREFILE = "node_modules\n.git\nnode_modules\n"
HINT = 4  # LSP DiagnosticSeverity: the documented snippets set consecutive-run to "hint"
# Each wait inside Neovim is bounded by the script; this bounds the whole run.
NVIM_TIMEOUT_S = 90


def nvim_version() -> tuple[int, int]:
    assert NVIM is not None
    first_line = subprocess.run([NVIM, "--version"], capture_output=True, text=True,
                                check=True, timeout=30).stdout.splitlines()[0]
    match = re.match(r"NVIM v(\d+)\.(\d+)", first_line)
    assert match, first_line
    return int(match[1]), int(match[2])


def column(line: str, code_points: int, encoding: str) -> int:
    """The LSP character offset of the ``code_points``-th character of ``line``."""
    prefix = line[:code_points]
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    return len(prefix.encode("utf-16-le")) // 2


def lua_blocks(markdown: str) -> list[str]:
    return re.findall(r"```lua\n(.*?)```", markdown, flags=re.DOTALL)


def documented_snippet(marker: str) -> str:
    """The Lua block of docs/editors.md that contains ``marker``."""
    blocks = [block for block in lua_blocks(EDITORS_DOC.read_text(encoding="utf-8")) if marker in block]
    assert len(blocks) == 1, f"expected one Lua block with {marker!r} in {EDITORS_DOC}"
    return blocks[0]


def isolated_env(home: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """No user configuration, state or plugins; Neovim's LSP log goes to the temporary home."""
    env = {**os.environ, "HOME": str(home)}
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[variable] = str(home / variable.lower())
    env.update(extra)
    return env


def run_neovim(tmp_path: Path, inputs: Mapping[str, str]) -> dict[str, Any]:
    assert NVIM is not None
    output = tmp_path / "result.json"
    env = isolated_env(tmp_path / "home", {
        "DOCKLS_OUTPUT": str(output),
        "DOCKLS_FIX_RULE": "DKL001",
        "DOCKLS_FIX_PREFIX": "Merge",
        **inputs,
    })
    completed = subprocess.run(
        [NVIM, "--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n",
         "-c", f"luafile {CLIENT}"],
        env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=NVIM_TIMEOUT_S)
    assert output.exists(), f"nvim wrote no result (exit {completed.returncode}): {completed.stderr}"
    result: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    return result


def project(tmp_path: Path) -> Path:
    """A project with a .git directory and the Dockerfile in a subdirectory of it."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "app").mkdir()
    path = root / "app" / "Dockerfile"
    path.write_text(DOCKERFILE, encoding="utf-8")
    return path


def dockls_on_path(tmp_path: Path) -> str:
    """A PATH whose ``dockls`` is this test's Python running ``-m dockls``, so the documented
    ``cmd = { 'dockls' }`` starts the code under test."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "dockls"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dockls "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def check_merged_file(result: dict[str, Any], path: Path) -> None:
    assert result["applied"] == "Merge the 2 RUN instructions into one"
    assert result["text"] == path.read_text(encoding="utf-8") == MERGED
    dockerfile.parse_string(result["text"])  # BuildKit's parser accepts the fixed file


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_start_client_diagnoses_and_applies_a_quick_fix(tmp_path: Path, encoding: str) -> None:
    path = project(tmp_path)
    started = time.monotonic()
    result = run_neovim(tmp_path, {
        "DOCKLS_CMD": json.dumps([sys.executable, "-m", "dockls"]),
        "DOCKLS_DOCKERFILE": str(path),
        "DOCKLS_ENCODING": encoding,
    })
    print(f"Neovim {result['nvim_version']} round trip ({encoding}): {time.monotonic() - started:.1f} s")

    assert result["filetype"] == "dockerfile"
    assert result["offset_encoding"] == encoding
    by_code = {diagnostic["code"]: diagnostic for diagnostic in result["diagnostics"]}
    assert set(by_code) == {"DKL001", "DKL037"}
    assert {diagnostic["source"] for diagnostic in result["diagnostics"]} == {"dockls"}
    assert "consecutive RUN instructions" in by_code["DKL001"]["message"]
    assert by_code["DKL001"]["range"] == {"start": {"line": 2, "character": 0},
                                          "end": {"line": 2, "character": 3}}
    run_line = DOCKERFILE.splitlines()[2]
    cd_start = run_line.index("cd /tmp")
    assert by_code["DKL037"]["range"] == {
        "start": {"line": 2, "character": column(run_line, cd_start, encoding)},
        "end": {"line": 2, "character": column(run_line, cd_start + len("cd /tmp"), encoding)},
    }
    assert [action["title"] for action in result["actions"]] == [
        "Merge the 2 RUN instructions into one",
        "Ignore consecutive-run for this instruction",
        "Ignore consecutive-run in this file",
    ]
    check_merged_file(result, path)


def test_documented_snippet_for_neovim_0_7(tmp_path: Path) -> None:
    path = project(tmp_path)
    ignorefile = path.parent / ".dockerignore"
    ignorefile.write_text(IGNOREFILE, encoding="utf-8")
    snippet = tmp_path / "snippet.lua"
    snippet.write_text(documented_snippet("vim.lsp.start_client"), encoding="utf-8")

    result = run_neovim(tmp_path, {
        "PATH": dockls_on_path(tmp_path),
        "DOCKLS_SNIPPET": str(snippet),
        "DOCKLS_DOCKERFILE": str(path),
        "DOCKLS_IGNOREFILE": str(ignorefile),
        "DOCKLS_FIX_SEVERITY": str(HINT),  # the snippet's example setting reached the server
    })

    assert result["root_dir"] == str(path.parent.parent)  # the .git directory's parent
    check_merged_file(result, path)
    assert result["ignorefile"]["filetype"] == "dockerignore"
    assert "DKL050" in {diagnostic["code"] for diagnostic in result["ignorefile"]["diagnostics"]}


def test_documented_snippet_for_neovim_0_11(tmp_path: Path) -> None:
    version = nvim_version()
    if version < (0, 11):
        pytest.skip(f"the vim.lsp.config snippet needs Neovim >= 0.11; this is {version[0]}.{version[1]}")
    path = project(tmp_path)
    ignorefile = path.parent / ".dockerignore"
    ignorefile.write_text(IGNOREFILE, encoding="utf-8")
    snippet = tmp_path / "snippet.lua"
    snippet.write_text(documented_snippet("vim.lsp.config("), encoding="utf-8")

    result = run_neovim(tmp_path, {
        "PATH": dockls_on_path(tmp_path),
        "DOCKLS_SNIPPET": str(snippet),
        "DOCKLS_DOCKERFILE": str(path),
        "DOCKLS_IGNOREFILE": str(ignorefile),
        "DOCKLS_FIX_SEVERITY": str(HINT),
    })

    assert result["root_dir"] == str(path.parent.parent)
    check_merged_file(result, path)
    assert result["ignorefile"]["filetype"] == "dockerignore"
    assert "DKL050" in {diagnostic["code"] for diagnostic in result["ignorefile"]["diagnostics"]}


def test_every_documented_lua_snippet_compiles(tmp_path: Path) -> None:
    """Snippets that cannot run here (nvim-lspconfig is not installed, 0.11 APIs) are at least
    valid Lua for Neovim's LuaJIT."""
    assert NVIM is not None
    blocks = lua_blocks(EDITORS_DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    for index, block in enumerate(blocks):
        (tmp_path / f"block{index}.lua").write_text(block, encoding="utf-8")
    check = (
        "local failures = {} "
        f"for i = 0, {len(blocks) - 1} do "
        f"  local _, err = loadfile('{tmp_path}/block' .. i .. '.lua') "
        "  if err then table.insert(failures, err) end "
        "end "
        "io.stdout:write(table.concat(failures, '\\n')) "
        "vim.cmd('qa!')"
    )
    completed = subprocess.run(
        [NVIM, "--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n", "-c", f"lua {check}"],
        env=isolated_env(tmp_path / "home", {}), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=NVIM_TIMEOUT_S)
    assert completed.stdout.strip() == "" and completed.stderr.strip() == "", (completed.stdout, completed.stderr)
