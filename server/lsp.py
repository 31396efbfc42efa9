"""The language server: translates between LSP and the engine, and contains no rule logic.

* Documents are Dockerfiles (by language id or file name) and ignore files; each is checked with its
  configuration and the build context on disk it belongs to (``dockls.checker``), and file events
  (configuration, ignore and compose files, files created or deleted) re-check the open documents.
  The server keeps its own copy of each text and applies incremental changes with
  :class:`~dockls.text.LineIndex` in the negotiated position encoding. pygls' document store is
  switched off: it splits lines with ``str.splitlines``, which also breaks at ``\\f``, ``\\v``,
  ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``, so its line numbers disagree with the
  client's for such texts, and it clamps such "out of range" positions inside the change parameters
  in place, before our handler sees them.
* Analysis runs in a worker thread, one at a time per document. Changes that arrive meanwhile only
  update the text; when the analysis returns and the text (or the configuration) has moved on, its
  result is dropped and the latest text is analysed instead, so bursts coalesce and nothing stale
  is ever published.
* Diagnostics are pulled (``textDocument/diagnostic``) by clients that declare pull support and
  pushed to all others, never both: clients that do both show every finding twice.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import pkgutil
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Literal
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from dockls import __version__
from dockls.budget import budgeted
from dockls.buildcontext import invalidate
from dockls.checker import Checked, Checker
from dockls.config import EDITOR_KEYS, ConfigError, Configuration, Layer, kebab, layer_from_mapping
from dockls.engine import Analysis, analyze, prepare_process
from dockls.files import is_dockerfile, is_ignore_file
from dockls.fixes import fix_all, safe_fixes
from dockls.model import Model
from dockls.rule import Edit, Finding, NewFile, Severity
from dockls.suppressions import ignore_here, ignore_in_file
from dockls.text import Encoding, LineIndex, Span
from dockls.workspace import Workspace

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger("dockls.lsp")

FIX_ALL_KIND = "source.fixAll.dockls"
# Code actions not tied to a finding (see dockls.features); textDocument/codeAction has one handler,
# so this module's handler asks them for their actions.
REFACTOR_KINDS = (lsp.CodeActionKind.Refactor, lsp.CodeActionKind.RefactorRewrite,
                  lsp.CodeActionKind.RefactorExtract)
FIX_ALL_TITLE = "dockls: Fix all auto-fixable problems"
DOCKERFILE_LANGUAGE_IDS = frozenset({"dockerfile", "containerfile"})

_SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}
# Where the editor's settings go among the configuration files' (see dockls.config).
PREFERENCES = ("editorFirst", "filesystemFirst", "editorOnly")
# Configuration files whose changes re-check the open Dockerfiles.
# Files whose changes re-check the open documents: configuration, ignore and compose files, and any
# file created or deleted (the build contexts' contents).
WATCHED_FILES = (
    "**/.dockls.toml", "**/pyproject.toml", "**/.hadolint.yaml", "**/.hadolint.yml",
    "**/.dockerignore", "**/*.dockerignore", "**/.containerignore",
    "**/compose.yaml", "**/compose.yml", "**/docker-compose.yaml", "**/docker-compose.yml",
)
# Seconds of computing a request may take (waiting for the analysis does not count, and each rule of
# the analysis has its own budget) before it is cut off with an empty answer and logged.
REQUEST_BUDGET = 2.0
# Requests never cut off: the session's lifecycle, commands (they send edits to the client midway),
# and pulled diagnostics, whose answer cannot be empty and whose work is the budgeted analysis.
UNBUDGETED = frozenset({lsp.INITIALIZE, lsp.SHUTDOWN, lsp.WORKSPACE_EXECUTE_COMMAND, lsp.TEXT_DOCUMENT_DIAGNOSTIC})
# Analyses (syntax tree, model, findings: ~250 KB for a 150-line file) kept for the most recently
# analysed or asked-about documents; the others keep their text and are analysed again when asked.
KEPT_ANALYSES = 16
# Debounce for re-checking after file events: an `npm install` creates thousands in bursts.
RECHECK_DELAY = 0.3
_ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}

DocumentKind = Literal["dockerfile", "ignore"]
# (server, document, request) → code actions; must be quick and must not raise for odd input.
ActionProvider = Callable[["DocklsServer", "Document", lsp.CodeActionParams], Sequence[lsp.CodeAction]]


@dataclass
class Analysed:
    """The findings for one text, with their diagnostics (aligned by index) in the session's encoding."""

    text: str
    version: int | None
    revision: int
    generation: int
    checker: Checker  # how it was checked: configuration and build context
    lines: LineIndex
    analysis: Checked  # the engine's result: syntax tree (or ignore file), model and findings
    findings: list[Finding]
    diagnostics: list[lsp.Diagnostic]
    result_id: str
    fixed_text: str | None = None  # the fix-all result, computed on the first request for it


@dataclass(frozen=True)
class Snapshot:
    """One revision of a document with its line index and semantic model, but no rule findings."""

    text: str
    revision: int
    lines: LineIndex
    model: Model


@dataclass
class Document:
    uri: str
    kind: DocumentKind
    text: str
    version: int | None
    revision: int = 0  # our own change counter: staleness must not depend on client version numbers
    lines: LineIndex | None = None  # of ``text``, when already built
    analysed: Analysed | None = None
    task: asyncio.Task[None] | None = None
    closed: bool = False
    snapshot_cache: Snapshot | None = None
    published: tuple[int | None, list[lsp.Diagnostic]] | None = None  # the version and diagnostics last pushed

    def forget_analysis(self) -> None:
        """Drop what can be computed again from the text (memory for documents out of use)."""
        self.analysed = None
        self.snapshot_cache = None

    def line_index(self) -> LineIndex:
        if self.lines is None:
            self.lines = LineIndex(self.text)
        return self.lines

    def snapshot(self) -> Snapshot:
        """The current text's model, built on first use per revision: hovers, completion and
        navigation answer from it at once instead of waiting for the rules (parsing reuses the
        unchanged instructions, so this costs little)."""
        cached = self.snapshot_cache
        if cached is None or cached.revision != self.revision:
            cached = Snapshot(self.text, self.revision, self.line_index(), Model.from_text(self.text))
            self.snapshot_cache = cached
        return cached


def document_path(uri: str) -> Path | None:
    """The local file a ``file:`` URI names; None for other schemes (e.g. unsaved documents)."""
    path = to_fs_path(uri)
    return Path(path) if path and urlparse(uri).scheme == "file" else None


def document_kind(uri: str, language_id: str) -> DocumentKind | None:
    name = PurePosixPath(unquote(urlparse(uri).path)).name
    if is_ignore_file(name):
        return "ignore"
    if language_id.lower() in DOCKERFILE_LANGUAGE_IDS or is_dockerfile(name):
        return "dockerfile"
    return None


def dockls_section(settings: object) -> Mapping[str, object]:
    """The ``dockls`` settings from initializationOptions, didChangeConfiguration or
    workspace/configuration, which clients send nested (``{"dockls": {"rules": …}}``), flat
    (``{"dockls.rules": …}``) or as the section itself (``{"rules": …}``). Missing means the defaults."""
    if not isinstance(settings, dict):
        return {}
    if "dockls" in settings:
        section = settings["dockls"]
        return section if isinstance(section, dict) else {}
    flat = {key[len("dockls."):]: value for key, value in settings.items()
            if isinstance(key, str) and key.startswith("dockls.")}
    return flat or {key: value for key, value in settings.items() if isinstance(key, str)}


@dataclass(frozen=True)
class EditorSettings:
    layer: Layer
    preference: str = "editorFirst"


def editor_settings(settings: object) -> EditorSettings:
    """The editor's settings as a configuration layer; what cannot be used is logged and skipped."""
    section = dockls_section(settings)
    preference = next((value for key, value in section.items() if kebab(key) == "configuration-preference"),
                      "editorFirst")
    if preference not in PREFERENCES:
        log.warning("dockls.configurationPreference: %r is not one of %s", preference, ", ".join(PREFERENCES))
        preference = "editorFirst"
    options = {key: value for key, value in section.items() if kebab(key) not in EDITOR_KEYS}
    try:
        layer = layer_from_mapping(options, "editor settings", None)
    except ConfigError as error:
        log.warning("dockls settings: %s", error)
        layer = Layer("editor settings", warnings=(str(error),))
    return EditorSettings(layer, str(preference))


def to_range(lines: LineIndex, span: Span, encoding: Encoding) -> lsp.Range:
    start_line, start_character = lines.position(span.start, encoding)
    end_line, end_character = lines.position(span.end, encoding)
    return lsp.Range(lsp.Position(start_line, start_character), lsp.Position(end_line, end_character))


def to_span(lines: LineIndex, range_: lsp.Range, encoding: Encoding) -> Span:
    start = lines.offset(range_.start.line, range_.start.character, encoding)
    end = lines.offset(range_.end.line, range_.end.character, encoding)
    return Span(min(start, end), max(start, end))


def to_diagnostic(finding: Finding, lines: LineIndex, encoding: Encoding, uri: str = "") -> lsp.Diagnostic:
    related = [
        lsp.DiagnosticRelatedInformation(lsp.Location(uri, to_range(lines, item.span, encoding)), item.message)
        for item in finding.related
    ]
    return lsp.Diagnostic(
        range=to_range(lines, finding.span, encoding),
        message=finding.message,
        severity=_SEVERITIES[finding.effective_severity],
        code=finding.rule.id,
        code_description=lsp.CodeDescription(href=finding.rule.url),
        source="dockls",
        related_information=related or None,
    )


def apply_change(text: str, lines: LineIndex, change: lsp.TextDocumentContentChangeEvent,
                 encoding: Encoding) -> str:
    """``text`` after one content change (``lines`` indexes ``text``)."""
    if isinstance(change, lsp.TextDocumentContentChangePartial):
        span = to_span(lines, change.range, encoding)
        return text[: span.start] + change.text + text[span.end :]
    return change.text


def changed_span(old: str, new: str) -> tuple[Span, str]:
    """The smallest edit turning ``old`` into ``new``: the span of ``old`` and its replacement.
    A ``\\r\\n`` is never split, since a position between its two characters does not exist in LSP."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
        start -= 1
    old_end, new_end = len(old), len(new)
    while old_end > start and new_end > start and old[old_end - 1] == new[new_end - 1]:
        old_end -= 1
        new_end -= 1
    if 0 < old_end < len(old) and old[old_end - 1] == "\r" and old[old_end] == "\n":
        old_end += 1
        new_end += 1
    return Span(start, old_end), new[start:new_end]


def kind_requested(kind: str, only: Sequence[str] | None) -> bool:
    """Whether ``kind`` falls under one of the kinds the client asked for (kinds are hierarchical)."""
    return only is None or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


class DocklsProtocol(LanguageServerProtocol):
    """pygls' protocol without its document store: the open/change/close notifications go straight
    to our handlers (see the module docstring for why)."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls raises for a request whose parameters do not fit the method and never answers it,
        which leaves the client waiting forever: answer it with the error (InvalidParams)."""
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                self._send_response(data["id"], error=lsp.ResponseError(error.code, error.message))
            raise

    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams) -> Iterator[Any]:
        yield self.fm.features[lsp.TEXT_DOCUMENT_DID_OPEN], (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> Iterator[Any]:
        yield self.fm.features[lsp.TEXT_DOCUMENT_DID_CHANGE], (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams) -> Iterator[Any]:
        yield self.fm.features[lsp.TEXT_DOCUMENT_DID_CLOSE], (params,), None


class DocklsServer(LanguageServer):
    """The session state: open documents, configuration and what the client negotiated."""

    def __init__(self) -> None:
        super().__init__("dockls", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=DocklsProtocol)
        self.documents: dict[str, Document] = {}
        self.configuration = Configuration()
        self.reported: set[str] = set()  # configuration problems already shown to the user
        self.generation = 0  # bumped on every configuration change
        self.encoding: Encoding = "utf-16"
        self.pull = False  # the client pulls diagnostics, so none are pushed
        self._recheck: asyncio.TimerHandle | None = None
        # Code actions of dockls.features (refactorings), asked by the one codeAction handler.
        self.action_providers: list[ActionProvider] = []
        self._results = 0
        self.recent: dict[str, Document] = {}  # documents holding an analysis, least recently used first
        self.feature(lsp.INITIALIZE)(initialize)
        self.feature(lsp.INITIALIZED)(initialized)
        self.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
        self.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
        self.feature(lsp.TEXT_DOCUMENT_DID_SAVE)(did_save)
        self.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(did_open)
        self.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(did_change)
        self.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(did_close)
        self.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC, lsp.DiagnosticOptions(
            identifier="dockls", inter_file_dependencies=False, workspace_diagnostics=False))(document_diagnostic)
        self.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
            code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND, *REFACTOR_KINDS]))(code_action)
        register_features(self)

    def feature(self, feature_name: str, options: Any | None = None) -> Callable[[Any], Any]:
        """pygls' registration, with every request's handler under :data:`REQUEST_BUDGET`."""
        register = super().feature(feature_name, options)
        types = lsp.METHOD_TO_TYPES.get(feature_name)
        if types is None or types[1] is None or feature_name in UNBUDGETED:  # notifications: no answer to give
            return register

        def register_budgeted(handler: Any) -> Any:
            register(budgeted(REQUEST_BUDGET, feature_name, handler))
            return handler
        return register_budgeted

    # Errors pygls catches around handlers go to stderr and the client's log, not to pop-ups.
    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        log.error("%s: %s", source.__name__, error)
        self.log_to_client(f"dockls: {source.__name__}: {error}", lsp.MessageType.Error)

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Warning) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # the client went away: stderr already has it
            log.debug("could not send a log message to the client", exc_info=True)

    def roots(self) -> list[Path]:
        """The workspace folders, deepest first, so that a file maps to the innermost one."""
        uris = [folder.uri for folder in self.workspace.folders.values()] or [self.workspace.root_uri]
        paths = {Path(path) for path in map(document_path, filter(None, uris)) if path is not None}
        return sorted(paths, key=lambda path: len(path.parts), reverse=True)

    def configure(self, editor: EditorSettings) -> None:
        """Use new editor settings from now on (the caller re-checks the documents)."""
        layers = [editor.layer]
        files_first = editor.preference == "filesystemFirst"  # the files' settings win over the editor's
        self.configuration = Configuration(
            before=layers if files_first else [], after=[] if files_first else layers,
            isolated=editor.preference == "editorOnly", roots=self.roots(), cache=self.configuration.cache)

    def checker_for(self, doc: Document) -> Checker:
        """How the document is checked: its configuration files (when it is a file) and the editor's
        settings, and its build context. Configuration problems are shown once each, and never stop
        the analysis."""
        path = document_path(doc.uri)
        workspace = self.workspace_for(path)
        resolved = (self.configuration.for_path(path, workspace) if path is not None
                    else self.configuration.for_no_file())
        warnings = list(resolved.warnings)
        if resolved.context is not None and not workspace.allows(resolved.context):
            warnings.append(f"the configured build context {resolved.context} is outside the workspace: it is "
                            "not read, and the rules about the build context do not run")
        for error in resolved.errors:
            if error not in self.reported:
                self.reported.add(error)
                self.show_message(f"dockls: configuration not used: {error}")
        for warning in warnings:
            if warning not in self.reported:
                self.reported.add(warning)
                self.log_to_client(f"dockls: {warning}")
        return Checker(resolved.config, path, resolved.context, doc.kind == "ignore", resolved.max_context_size,
                       workspace)

    def workspace_for(self, path: Path | None) -> Workspace:
        """Where files may be read for the document at ``path``: the workspace folders, or, when the
        client names none, the document's own directory (see dockls.workspace)."""
        return Workspace.of(self.roots() or ([path.parent] if path is not None else []))

    def show_message(self, message: str) -> None:
        log.warning("%s", message)
        try:
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message))
        except Exception:  # the client went away: stderr already has it
            log.debug("could not show a message to the client", exc_info=True)

    def recheck_soon(self) -> None:
        """Re-check everything once the current burst of file events is over."""
        if self._recheck is not None:
            self._recheck.cancel()
        self._recheck = asyncio.get_running_loop().call_later(RECHECK_DELAY, self.recheck_all)

    def recheck_all(self) -> None:
        """After a configuration change: the client pulls again (when it can be told to), or the open
        Dockerfiles are re-checked and pushed."""
        self.generation += 1
        if self.pull:
            if get_capability(self.client_capabilities, "workspace.diagnostics.refresh_support", False):
                self.workspace_diagnostic_refresh(None)
            return
        for doc in self.documents.values():
            self.schedule(doc)

    def publish(self, uri: str, diagnostics: list[lsp.Diagnostic], version: int | None) -> None:
        try:
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))
        except Exception:  # only a lost client gets here, and the server's input closes next
            log.exception("publishing diagnostics for %s failed", uri)

    def schedule(self, doc: Document) -> None:
        if doc.task is None:
            doc.task = asyncio.get_running_loop().create_task(self._analyse(doc))

    async def _analyse(self, doc: Document) -> None:
        """Analyse the latest text until a result is still current when it arrives; push it."""
        try:
            while not doc.closed:
                text, version, revision = doc.text, doc.version, doc.revision
                generation, checker = self.generation, self.checker_for(doc)
                try:
                    analysis, lines, diagnostics = await asyncio.to_thread(
                        _diagnose, text, checker, self.encoding, doc.uri)
                except Exception:
                    log.exception("analysing %s failed", doc.uri)
                    self.log_to_client(f"dockls: analysing {doc.uri} failed (see the server's stderr)")
                    analysis, lines, diagnostics = analyze("", checker.config, rules=()), LineIndex(text), []
                if doc.closed or (revision, generation) != (doc.revision, self.generation):
                    continue  # the text or the configuration changed meanwhile: this result is stale
                for rule in analysis.cut_off:
                    self.log_to_client(f"dockls: rule {rule.id} ({rule.name}) took longer than {checker.budget} s "
                                       f"on {doc.uri} and was cut off; its findings are missing")
                self._results += 1
                doc.analysed = Analysed(text, version, revision, generation, checker, lines, analysis,
                                        analysis.findings, diagnostics, result_id=str(self._results))
                doc.lines = lines
                self.keep_analysis(doc)
                # A document analysed again after its analysis was dropped has nothing new to push.
                if not self.pull and doc.published != (version, diagnostics):
                    doc.published = (version, diagnostics)
                    self.publish(doc.uri, diagnostics, version)
                return
        finally:
            doc.task = None

    def keep_analysis(self, doc: Document) -> None:
        """Mark the document's analysis as the most recently used; drop the least recently used ones
        beyond :data:`KEPT_ANALYSES`."""
        self.recent.pop(doc.uri, None)
        self.recent[doc.uri] = doc
        while len(self.recent) > KEPT_ANALYSES:
            self.recent.pop(next(iter(self.recent))).forget_analysis()

    async def current(self, doc: Document) -> Analysed | None:
        """The analysis of the document's current text and configuration, once it is ready."""
        while not doc.closed:
            analysed = doc.analysed
            if analysed is not None and (analysed.revision, analysed.generation) == (doc.revision,
                                                                                     self.generation):
                self.keep_analysis(doc)
                return analysed
            self.schedule(doc)
            assert doc.task is not None
            await asyncio.shield(doc.task)  # a cancelled request must not cancel the shared analysis
        return None

    def workspace_edit(self, uri: str, lines: LineIndex, version: int | None,
                       edits: Sequence[Edit]) -> lsp.WorkspaceEdit:
        """Edits of the text that ``lines`` indexes, which was the document's text at ``version``."""
        text_edits = [lsp.TextEdit(range=to_range(lines, edit.span, self.encoding),
                                   new_text=edit.new_text) for edit in edits]
        if get_capability(self.client_capabilities, "workspace.workspace_edit.document_changes", False):
            # Versioned, so the client refuses the edit if the document changed since the analysis.
            identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(identifier, list(text_edits))])
        return lsp.WorkspaceEdit(changes={uri: text_edits})

    def creating_edit(self, new_files: Sequence[NewFile]) -> lsp.WorkspaceEdit | None:
        """Files to create with their content; None when the client cannot create files (or one of
        them exists: a fix never overwrites)."""
        operations = get_capability(self.client_capabilities, "workspace.workspace_edit.resource_operations", [])
        if lsp.ResourceOperationKind.Create not in (operations or []) or any(f.path.exists() for f in new_files):
            return None
        changes: list[lsp.TextDocumentEdit | lsp.CreateFile | lsp.RenameFile | lsp.DeleteFile] = []
        for new in new_files:
            uri = new.path.as_uri()
            changes.append(lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True)))
            start = lsp.Position(0, 0)
            changes.append(lsp.TextDocumentEdit(lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                                                [lsp.TextEdit(lsp.Range(start, start), new.text)]))
        return lsp.WorkspaceEdit(document_changes=changes)


def register_features(server: DocklsServer) -> None:
    """Let every module of ``dockls.features`` declare its handlers (imported here, not at the top:
    they import this module)."""
    import dockls.features

    for info in sorted(pkgutil.iter_modules(dockls.features.__path__), key=lambda info: info.name):
        importlib.import_module(f"dockls.features.{info.name}").register(server)


def _diagnose(text: str, checker: Checker, encoding: Encoding,
              uri: str) -> tuple[Checked, LineIndex, list[lsp.Diagnostic]]:
    """Runs in a worker thread: the analysis and the diagnostics of its findings (aligned by index)."""
    analysis = checker(text)
    lines = LineIndex(text)
    return analysis, lines, [to_diagnostic(finding, lines, encoding, uri) for finding in analysis.findings]


async def fixed_text(analysed: Analysed) -> str:
    """The analysed text with every safe fix applied (computed once per analysis, in a worker thread)."""
    if analysed.fixed_text is None:
        checker = analysed.checker
        fixed, _ = await asyncio.to_thread(fix_all, analysed.text, lambda text: checker(text).findings)
        analysed.fixed_text = fixed
    return analysed.fixed_text


# Handlers. pygls passes the server as ``ls``; plain functions run on the message loop in arrival
# order, coroutines are scheduled as tasks.


def initialize(ls: DocklsServer, params: lsp.InitializeParams) -> None:
    # pygls has already chosen the encoding (the first of the client's list it supports, else utf-16)
    # for its own workspace; every conversion here uses the same one.
    ls.encoding = _ENCODINGS.get(str(ls.workspace.position_encoding), "utf-16")
    ls.pull = get_capability(params.capabilities, "text_document.diagnostic", None) is not None
    ls.configure(editor_settings(params.initialization_options))


async def initialized(ls: DocklsServer, params: lsp.InitializedParams) -> None:
    if get_capability(ls.client_capabilities, "workspace.did_change_watched_files.dynamic_registration", False):
        watchers = [lsp.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED_FILES]
        watchers.append(lsp.FileSystemWatcher(glob_pattern="**/*",
                                              kind=lsp.WatchKind.Create | lsp.WatchKind.Delete))
        registration = lsp.Registration(id="dockls-config-files", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                        register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers))
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams([registration]))
        except Exception as error:
            log.warning("registering the configuration file watchers failed: %s", error)
    if get_capability(ls.client_capabilities, "workspace.configuration", False):
        await pull_configuration(ls)


async def pull_configuration(ls: DocklsServer) -> None:
    """Ask the client for the ``dockls`` section (clients with pull-style configuration)."""
    try:
        sections = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="dockls")]))
    except Exception:
        log.exception("workspace/configuration failed")
        return
    if sections and isinstance(sections[0], dict):
        ls.configure(editor_settings({"dockls": sections[0]}))
        ls.recheck_all()


async def did_change_configuration(ls: DocklsServer, params: lsp.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if not settings:
        # Clients with pull-style configuration only say that something changed: ask for it.
        if get_capability(ls.client_capabilities, "workspace.configuration", False):
            await pull_configuration(ls)
        return
    ls.configure(editor_settings(settings))
    ls.recheck_all()


def did_change_watched_files(ls: DocklsServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    # Configuration files are re-read when their modification time changes; walks of the build
    # contexts holding a changed file are dropped. Then everything is checked again, once per burst.
    for change in params.changes:
        path = document_path(change.uri)
        if path is not None:
            invalidate(path)
    ls.recheck_soon()


def did_save(ls: DocklsServer, params: lsp.DidSaveTextDocumentParams) -> None:
    # A saved ignore file changes what the Dockerfiles that use it send (for clients without watchers).
    doc = ls.documents.get(params.text_document.uri)
    path = document_path(params.text_document.uri)
    if doc is not None and doc.kind == "ignore" and path is not None:
        invalidate(path)
        ls.recheck_soon()


def did_open(ls: DocklsServer, params: lsp.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    kind = document_kind(item.uri, item.language_id)
    if kind is None:
        return
    previous = ls.documents.get(item.uri)
    if previous is not None:
        previous.closed = True
    doc = Document(item.uri, kind, item.text, item.version)
    ls.documents[item.uri] = doc
    ls.schedule(doc)


def did_change(ls: DocklsServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return
    for change in params.content_changes:
        doc.text = apply_change(doc.text, doc.line_index(), change, ls.encoding)
        doc.lines = None
    doc.version = params.text_document.version
    doc.revision += 1
    ls.schedule(doc)


def did_close(ls: DocklsServer, params: lsp.DidCloseTextDocumentParams) -> None:
    doc = ls.documents.pop(params.text_document.uri, None)
    if doc is None:
        return
    doc.closed = True
    ls.recent.pop(doc.uri, None)
    if not ls.pull:
        ls.publish(doc.uri, [], None)


async def document_diagnostic(ls: DocklsServer,
                              params: lsp.DocumentDiagnosticParams) -> lsp.DocumentDiagnosticReport:
    doc = ls.documents.get(params.text_document.uri)
    analysed = await ls.current(doc) if doc is not None else None
    if analysed is None:
        return lsp.RelatedFullDocumentDiagnosticReport(items=[])
    if params.previous_result_id == analysed.result_id:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=analysed.result_id)
    return lsp.RelatedFullDocumentDiagnosticReport(items=analysed.diagnostics, result_id=analysed.result_id)


async def code_action(ls: DocklsServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    doc = ls.documents.get(params.text_document.uri)
    analysed = await ls.current(doc) if doc is not None else None
    if analysed is None:
        return None
    only = params.context.only
    uri = params.text_document.uri
    actions: list[lsp.CodeAction] = []

    def edit(edits: Sequence[Edit]) -> lsp.WorkspaceEdit:
        assert analysed is not None
        return ls.workspace_edit(uri, analysed.lines, analysed.version, edits)

    if kind_requested(lsp.CodeActionKind.QuickFix, only):
        wanted = to_span(analysed.lines, params.range, ls.encoding)
        for finding, diagnostic in zip(analysed.findings, analysed.diagnostics):
            if finding.span.start > wanted.end or wanted.start > finding.span.end:
                continue
            preferred = next((fix for fix in finding.fixes if fix.safe), None)
            for fix in finding.fixes:
                change = ls.creating_edit(fix.new_files) if fix.new_files else edit(fix.edits)
                if change is not None:
                    actions.append(lsp.CodeAction(
                        title=fix.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                        is_preferred=fix is preferred, edit=change))
            if not isinstance(analysed.analysis, Analysis):
                continue  # pragmas are Dockerfile comments: nothing to offer in an ignore file
            tree = analysed.analysis.tree
            ignores = (ignore_here(analysed.text, tree, finding), ignore_in_file(analysed.text, tree, finding))
            actions.extend(lsp.CodeAction(
                title=fix.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                edit=edit(fix.edits),
            ) for fix in ignores if fix is not None)
    # Automatic requests without kinds are lightbulb updates on every cursor move, which never show
    # source actions: computing fix-all for them would be wasted work.
    automatic = only is None and params.context.trigger_kind == lsp.CodeActionTriggerKind.Automatic
    if kind_requested(FIX_ALL_KIND, only) and not automatic and safe_fixes(analysed.findings):
        fixed = await fixed_text(analysed)
        if fixed != analysed.text:
            span, new_text = changed_span(analysed.text, fixed)
            actions.append(lsp.CodeAction(
                title=FIX_ALL_TITLE, kind=FIX_ALL_KIND,
                edit=edit([Edit(span, new_text)])))
    assert doc is not None
    for provide in ls.action_providers:
        try:
            actions.extend(provide(ls, doc, params))
        except Exception:  # one broken refactoring must not take the quick fixes with it
            log.exception("code actions of %s failed", getattr(provide, "__name__", provide))
    return actions


async def _serve_pipe(server: DocklsServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """pygls' message loop, fed by an asyncio pipe reader: pygls' own stdio reader hands every header
    line and body to a thread and back, which costs about 0.4 ms per message."""
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        await run_async(stop_event=threading.Event(), reader=reader, protocol=server.protocol, logger=log,
                        error_handler=server.report_server_error)
    except asyncio.IncompleteReadError:
        log.warning("the client closed the connection in the middle of a message")


def serve() -> None:
    """Run the language server over stdin/stdout until the client tells it to exit."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s dockls %(levelname)s %(name)s: %(message)s")
    protocol_in, protocol_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() anywhere must not corrupt the protocol stream
    server = DocklsServer()
    prepare_process()  # the rules imported now, not on the first keystroke
    mode = os.fstat(protocol_in.fileno()).st_mode
    # Editors connect over pipes or socket pairs. Anything else (a terminal, a file) goes through pygls'
    # portable reader, so that no terminal is left in non-blocking mode.
    if os.name == "posix" and (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        asyncio.run(_serve_pipe(server, protocol_in, protocol_out))
    else:
        server.start_io(protocol_in, protocol_out)


if __name__ == "__main__":
    serve()
