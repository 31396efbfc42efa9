"""The client side of the end-to-end tests: a recording pytest-lsp client, capability profiles,
and helpers that compute positions with Python's own codecs (not with ``dockls.text``, so a bug in
the server's conversions cannot hide behind the same bug in the test)."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from dockls.engine import rule_by_key
from dockls.tokens import TOKEN_MODIFIERS, TOKEN_TYPES

SERVER = [sys.executable, "-m", "dockls.lsp"]
TIMEOUT = 20.0

# The base image of the fixtures: tagged and non-root by default, so that only the rules a test is about fire.
BASE = "cgr.dev/chainguard/wolfi-base:1"
# A syntax error (LABEL item without "=") after a tab, an astral emoji and CJK on the same line.
WIDE = f"FROM {BASE}\n\tLABEL 😀名前=1 broken\nRUN true\n"


class RecordingClient(LanguageClient):
    """Keeps every publishDiagnostics (with its version), not only the last one per document."""

    def __init__(self) -> None:
        super().__init__(converter_factory=default_converter)
        self.published: list[lsp.PublishDiagnosticsParams] = []
        features = dict(DEFAULT_CLIENT_FEATURES)
        features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = self._record
        self.registrations: list[lsp.Registration] = []
        register_lsp_features(self, features)
        self.feature(lsp.CLIENT_REGISTER_CAPABILITY)(self._register)

    @staticmethod
    def _register(client: RecordingClient, params: lsp.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)

    @staticmethod
    def _record(client: RecordingClient, params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    def publications(self, uri: str) -> list[lsp.PublishDiagnosticsParams]:
        return [p for p in self.published if p.uri == uri]


def config(command: list[str] = SERVER) -> ClientServerConfig:
    return ClientServerConfig(server_command=command, client_factory=RecordingClient)


def capabilities(profile: str, encodings: Sequence[str] | None = None) -> lsp.ClientCapabilities:
    caps = client_capabilities(profile)
    if encodings is not None:
        caps.general = lsp.GeneralClientCapabilities(position_encodings=list(encodings))
    return caps


async def start(client: LanguageClient, caps: lsp.ClientCapabilities,
                options: Any = None) -> lsp.InitializeResult:
    return await client.initialize_session(lsp.InitializeParams(capabilities=caps, initialization_options=options))


# Helpers


def uri_of(name: str) -> str:
    return f"file:///work/project/{name}"


def units(text: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text)


def split_lines(text: str) -> list[str]:
    """Lines as LSP counts them: only \\n, \\r\\n and \\r break a line."""
    return re.split(r"\r\n|\r|\n", text)


def position_of(text: str, needle: str, encoding: str, after: int = 0) -> lsp.Position:
    """Where ``needle`` starts (or ``after`` characters into it) in ``text``."""
    offset = text.index(needle) + after
    lines = split_lines(text[:offset])
    return lsp.Position(len(lines) - 1, units(lines[-1], encoding))


def range_of(text: str, needle: str, encoding: str) -> lsp.Range:
    return lsp.Range(position_of(text, needle, encoding), position_of(text, needle, encoding, len(needle)))


def offset_of(text: str, position: lsp.Position, encoding: str) -> int:
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    line = split_lines(text)[position.line]
    count = 0
    for index, char in enumerate(line):
        if count >= position.character:
            return start + index
        count += units(char, encoding)
    return start + len(line)


def apply_text_edits(text: str, edits: Sequence[lsp.TextEdit], encoding: str) -> str:
    """Apply LSP text edits (all relative to ``text``, non-overlapping) the way a client does."""
    spans = [(offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text)
             for e in edits]
    for start, end, new_text in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new_text + text[end:]
    return text


def edits_for(edit: lsp.WorkspaceEdit | None, uri: str) -> list[lsp.TextEdit]:
    assert edit is not None
    if edit.document_changes is not None:
        found: list[lsp.TextEdit] = []
        for change in edit.document_changes:
            assert isinstance(change, lsp.TextDocumentEdit) and change.text_document.uri == uri
            found.extend(e for e in change.edits if isinstance(e, lsp.TextEdit))
        return found
    assert edit.changes is not None
    return list(edit.changes[uri])


async def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def published(client: RecordingClient, uri: str, version: int | None) -> Sequence[lsp.Diagnostic]:
    """The diagnostics pushed for ``uri`` at ``version`` (waiting for them)."""
    await eventually(lambda: any(p.version == version for p in client.publications(uri)),
                     f"diagnostics of {uri} v{version}")
    return next(p for p in client.publications(uri) if p.version == version).diagnostics


def open_doc(client: LanguageClient, uri: str, text: str, language_id: str = "dockerfile") -> None:
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        lsp.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)))


def change_doc(client: LanguageClient, uri: str, version: int, *changes: tuple[lsp.Range, str]) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [lsp.TextDocumentContentChangePartial(range=r, text=t) for r, t in changes]))


async def pull(client: LanguageClient, uri: str, previous: str | None = None) -> lsp.DocumentDiagnosticReport:
    return await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri), previous_result_id=previous))


async def actions_at(client: LanguageClient, uri: str, range_: lsp.Range, only: Sequence[str] | None = None,
                     trigger: lsp.CodeActionTriggerKind | None = None) -> list[lsp.CodeAction]:
    result = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri), range=range_,
        context=lsp.CodeActionContext(diagnostics=[], only=list(only) if only is not None else None,
                                      trigger_kind=trigger)))
    found = list(result or [])
    assert all(isinstance(a, lsp.CodeAction) for a in found)
    return [a for a in found if isinstance(a, lsp.CodeAction)]


def rule_id(name: str) -> str:
    rule = rule_by_key(name)
    assert rule is not None, f"rule {name} is missing"
    return rule.id


def whole(text: str, encoding: str = "utf-16") -> lsp.Range:
    lines = split_lines(text)
    return lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines) - 1, units(lines[-1], encoding)))


def absolute_tokens(data: Sequence[int]) -> list[tuple[int, int, int, str, tuple[str, ...]]]:
    """LSP's relative encoding of semantic tokens back to (line, character, length, type, modifiers),
    positions in the session's encoding."""
    assert len(data) % 5 == 0
    decoded = []
    line = character = 0
    for i in range(0, len(data), 5):
        line_delta, start_delta, length, kind, bits = data[i:i + 5]
        line += line_delta
        character = character + start_delta if line_delta == 0 else start_delta
        modifiers = tuple(name for bit, name in enumerate(TOKEN_MODIFIERS) if bits >> bit & 1)
        decoded.append((line, character, length, TOKEN_TYPES[kind], modifiers))
    return decoded
