"""The language server: translates between LSP and the engine, and contains no rule logic.

* Documents are Dockerfiles (by language id or file name) and ignore files (accepted, not analysed
  yet). The server keeps its own copy of each text, applies incremental changes with
  :class:`~dockls.text.LineIndex` in the negotiated position encoding, and never uses pygls' copy:
  pygls splits lines with ``str.splitlines``, which also breaks at ``\\f``, ``\\v``, ``\\x1c``-``\\x1e``,
  ``\\x85``, ``\\u2028`` and ``\\u2029``, so its line numbers disagree with the client's for such texts.
* Analysis runs in a worker thread, one at a time per document. Changes that arrive meanwhile only
  update the text; when the analysis returns and the text (or the configuration) has moved on, its
  result is dropped and the latest text is analysed instead, so bursts coalesce and nothing stale
  is ever published.
* Diagnostics are pulled (``textDocument/diagnostic``) by clients that declare pull support and
  pushed to all others, never both: clients that do both show every finding twice.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer

from dockls import __version__
from dockls.engine import Config, analyze, rule_by_key
from dockls.files import is_dockerfile, is_ignore_file
from dockls.fixes import fix_all, safe_fixes
from dockls.rule import Edit, Finding, Severity
from dockls.text import Encoding, LineIndex, Span

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger("dockls.lsp")

FIX_ALL_KIND = "source.fixAll.dockls"
FIX_ALL_TITLE = "dockls: Fix all auto-fixable problems"
DOCKERFILE_LANGUAGE_IDS = frozenset({"dockerfile", "containerfile"})

_SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}
_SETTING_LEVELS: dict[str, Severity | None] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
    "hint": Severity.HINT,
    "off": None,
}
_ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}

DocumentKind = Literal["dockerfile", "ignore"]


@dataclass
class Analysed:
    """The findings for one text, with their diagnostics (aligned by index) in the session's encoding."""

    text: str
    version: int | None
    revision: int
    generation: int
    config: Config
    lines: LineIndex
    findings: list[Finding]
    diagnostics: list[lsp.Diagnostic]
    result_id: str
    fixed_text: str | None = None  # the fix-all result, computed on the first request for it


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

    def line_index(self) -> LineIndex:
        if self.lines is None:
            self.lines = LineIndex(self.text)
        return self.lines


def document_kind(uri: str, language_id: str) -> DocumentKind | None:
    name = PurePosixPath(unquote(urlparse(uri).path)).name
    if is_ignore_file(name):
        return "ignore"
    if language_id.lower() in DOCKERFILE_LANGUAGE_IDS or is_dockerfile(name):
        return "dockerfile"
    return None


def rules_setting(settings: object) -> Mapping[object, object]:
    """The ``dockls.rules`` map from initializationOptions or didChangeConfiguration settings, which
    clients send nested (``{"dockls": {"rules": …}}``), flat (``{"dockls.rules": …}``) or as the
    ``dockls`` section itself (``{"rules": …}``). Missing means the defaults."""
    if not isinstance(settings, dict):
        return {}
    if isinstance(settings.get("dockls.rules"), dict):
        return settings["dockls.rules"]  # type: ignore[no-any-return]
    section = settings.get("dockls", settings)
    if isinstance(section, dict) and isinstance(section.get("rules"), dict):
        return section["rules"]  # type: ignore[no-any-return]
    return {}


def config_from_rules(rules: Mapping[object, object]) -> Config:
    """Severities keyed by rule id; unknown rules and levels are logged and skipped."""
    severities: dict[str, Severity | None] = {}
    for key, value in rules.items():
        rule = rule_by_key(key) if isinstance(key, str) else None
        if rule is None:
            log.warning("dockls.rules: unknown rule %r", key)
            continue
        if not isinstance(value, str) or value.strip().lower() not in _SETTING_LEVELS:
            log.warning("dockls.rules: %r for %s is not one of error, warning, info, hint, off", value, key)
            continue
        severities[rule.id] = _SETTING_LEVELS[value.strip().lower()]
    return Config(severities=severities)


def to_range(lines: LineIndex, span: Span, encoding: Encoding) -> lsp.Range:
    start_line, start_character = lines.position(span.start, encoding)
    end_line, end_character = lines.position(span.end, encoding)
    return lsp.Range(lsp.Position(start_line, start_character), lsp.Position(end_line, end_character))


def to_span(lines: LineIndex, range_: lsp.Range, encoding: Encoding) -> Span:
    start = lines.offset(range_.start.line, range_.start.character, encoding)
    end = lines.offset(range_.end.line, range_.end.character, encoding)
    return Span(min(start, end), max(start, end))


def to_diagnostic(finding: Finding, lines: LineIndex, encoding: Encoding) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=to_range(lines, finding.span, encoding),
        message=finding.message,
        severity=_SEVERITIES[finding.effective_severity],
        code=finding.rule.id,
        code_description=lsp.CodeDescription(href=finding.rule.url),
        source="dockls",
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


class DocklsServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("dockls", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.documents: dict[str, Document] = {}
        self.config = Config()
        self.generation = 0  # bumped on every configuration change
        self.encoding: Encoding = "utf-16"
        self.pull = False  # the client pulls diagnostics, so none are pushed
        self._results = 0
        self._register()

    def _register(self) -> None:
        self.feature(lsp.INITIALIZE)(self.on_initialize)
        self.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(self.on_open)
        self.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(self.on_change)
        self.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(self.on_close)
        self.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(self.on_configuration)
        self.feature(
            lsp.TEXT_DOCUMENT_DIAGNOSTIC,
            lsp.DiagnosticOptions(identifier="dockls", inter_file_dependencies=False,
                                  workspace_diagnostics=False),
        )(self.on_pull_diagnostics)
        self.feature(
            lsp.TEXT_DOCUMENT_CODE_ACTION,
            lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND]),
        )(self.on_code_action)

    # Errors pygls catches around handlers go to stderr and the client's log, not to pop-ups.
    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        log.error("%s: %s", source.__name__, error)
        self.log_to_client(f"dockls: {source.__name__}: {error}", lsp.MessageType.Error)

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Warning) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:  # the client went away: stderr already has it
            log.debug("could not send a log message to the client", exc_info=True)

    # Session

    def on_initialize(self, params: lsp.InitializeParams) -> None:
        # pygls has chosen the encoding (the first of the client's list it supports, else utf-16) and
        # converts with it in its own workspace; every conversion here uses the same one.
        self.encoding = _ENCODINGS.get(str(self.workspace.position_encoding), "utf-16")
        self.pull = get_capability(params.capabilities, "text_document.diagnostic", None) is not None
        self.config = config_from_rules(rules_setting(params.initialization_options))

    async def on_configuration(self, params: lsp.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if settings is None and get_capability(self.client_capabilities, "workspace.configuration", False):
            # Clients with pull-style configuration only say that something changed.
            try:
                sections = await self.workspace_configuration_async(
                    lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section="dockls")]))
            except Exception:
                log.exception("workspace/configuration failed")
                return
            settings = {"dockls": sections[0]} if sections else None
        if settings is None:
            return
        self.config = config_from_rules(rules_setting(settings))
        self.generation += 1
        if self.pull:
            if get_capability(self.client_capabilities, "workspace.diagnostics.refresh_support", False):
                self.workspace_diagnostic_refresh(None)
            return
        for doc in self.documents.values():
            if doc.kind == "dockerfile":
                self._schedule(doc)

    # Documents

    def on_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        kind = document_kind(item.uri, item.language_id)
        if kind is None:
            return
        previous = self.documents.get(item.uri)
        if previous is not None:
            previous.closed = True
        doc = Document(item.uri, kind, item.text, item.version)
        self.documents[item.uri] = doc
        if kind == "dockerfile":
            self._schedule(doc)

    # A plain function, so changes are applied in the order they arrive, before anything else runs.
    def on_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = self.documents.get(params.text_document.uri)
        if doc is None:
            return
        for change in params.content_changes:
            doc.text = apply_change(doc.text, doc.line_index(), change, self.encoding)
            doc.lines = None
        doc.version = params.text_document.version
        doc.revision += 1
        if doc.kind == "dockerfile":
            self._schedule(doc)

    def on_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        doc = self.documents.pop(params.text_document.uri, None)
        if doc is None:
            return
        doc.closed = True
        if doc.kind == "dockerfile" and not self.pull:
            self._publish(doc.uri, [], None)

    def _publish(self, uri: str, diagnostics: list[lsp.Diagnostic], version: int | None) -> None:
        try:
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))
        except Exception:  # only a lost client gets here; the server's stdin closes next
            log.exception("publishing diagnostics for %s failed", uri)

    # Analysis

    def _schedule(self, doc: Document) -> None:
        if doc.task is None:
            doc.task = asyncio.get_running_loop().create_task(self._analyse(doc))

    async def _analyse(self, doc: Document) -> None:
        """Analyse the latest text until a result is still current when it arrives; publish it."""
        try:
            while not doc.closed:
                text, version, revision = doc.text, doc.version, doc.revision
                generation, config = self.generation, self.config
                try:
                    findings, lines, diagnostics = await asyncio.to_thread(
                        self._findings, text, config, self.encoding)
                except Exception:
                    log.exception("analysing %s failed", doc.uri)
                    self.log_to_client(f"dockls: analysing {doc.uri} failed (see the server's stderr)")
                    findings, lines, diagnostics = [], LineIndex(text), []
                if doc.closed or (revision, generation) != (doc.revision, self.generation):
                    continue  # the text or the configuration changed meanwhile: this result is stale
                self._results += 1
                doc.analysed = Analysed(text, version, revision, generation, config, lines, findings,
                                        diagnostics, str(self._results))
                doc.lines = lines
                if not self.pull:
                    self._publish(doc.uri, diagnostics, version)
                return
        finally:
            doc.task = None

    @staticmethod
    def _findings(text: str, config: Config,
                  encoding: Encoding) -> tuple[list[Finding], LineIndex, list[lsp.Diagnostic]]:
        findings = analyze(text, config).findings
        lines = LineIndex(text)
        return findings, lines, [to_diagnostic(finding, lines, encoding) for finding in findings]

    async def _current(self, doc: Document) -> Analysed | None:
        """The analysis of the document's current text and configuration, once it is ready."""
        while not doc.closed:
            analysed = doc.analysed
            if analysed is not None and (analysed.revision, analysed.generation) == (doc.revision,
                                                                                     self.generation):
                return analysed
            self._schedule(doc)
            assert doc.task is not None
            await asyncio.shield(doc.task)  # a cancelled request must not cancel the shared analysis
        return None

    # Requests

    async def on_pull_diagnostics(self, params: lsp.DocumentDiagnosticParams) -> lsp.DocumentDiagnosticReport:
        doc = self.documents.get(params.text_document.uri)
        analysed = await self._current(doc) if doc is not None and doc.kind == "dockerfile" else None
        if analysed is None:
            return lsp.RelatedFullDocumentDiagnosticReport(items=[])
        if params.previous_result_id == analysed.result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=analysed.result_id)
        return lsp.RelatedFullDocumentDiagnosticReport(items=analysed.diagnostics, result_id=analysed.result_id)

    async def on_code_action(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        doc = self.documents.get(params.text_document.uri)
        analysed = await self._current(doc) if doc is not None and doc.kind == "dockerfile" else None
        if doc is None or analysed is None:
            return None
        only = params.context.only
        actions: list[lsp.CodeAction] = []
        if kind_requested(lsp.CodeActionKind.QuickFix, only):
            actions.extend(self._quick_fixes(doc.uri, analysed, to_span(analysed.lines, params.range,
                                                                        self.encoding)))
        if kind_requested(FIX_ALL_KIND, only) and safe_fixes(analysed.findings):
            fixed = await self._fixed_text(analysed)
            if fixed != analysed.text:
                span, new_text = changed_span(analysed.text, fixed)
                actions.append(lsp.CodeAction(
                    title=FIX_ALL_TITLE, kind=FIX_ALL_KIND,
                    edit=self._workspace_edit(doc.uri, analysed, [Edit(span, new_text)])))
        return actions

    def _quick_fixes(self, uri: str, analysed: Analysed, wanted: Span) -> list[lsp.CodeAction]:
        actions: list[lsp.CodeAction] = []
        for finding, diagnostic in zip(analysed.findings, analysed.diagnostics):
            if finding.span.start > wanted.end or wanted.start > finding.span.end:
                continue
            preferred = next((fix for fix in finding.fixes if fix.safe), None)
            for fix in finding.fixes:
                actions.append(lsp.CodeAction(
                    title=fix.title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                    is_preferred=fix is preferred, edit=self._workspace_edit(uri, analysed, fix.edits)))
        return actions

    async def _fixed_text(self, analysed: Analysed) -> str:
        if analysed.fixed_text is None:
            config = analysed.config
            fixed, _ = await asyncio.to_thread(fix_all, analysed.text, lambda t: analyze(t, config).findings)
            analysed.fixed_text = fixed
        return analysed.fixed_text

    def _workspace_edit(self, uri: str, analysed: Analysed, edits: Sequence[Edit]) -> lsp.WorkspaceEdit:
        text_edits = [lsp.TextEdit(range=to_range(analysed.lines, edit.span, self.encoding),
                                   new_text=edit.new_text) for edit in edits]
        if get_capability(self.client_capabilities, "workspace.workspace_edit.document_changes", False):
            # Versioned, so the client refuses the edit if the document changed since the analysis.
            identifier = lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=analysed.version)
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(identifier, list(text_edits))])
        return lsp.WorkspaceEdit(changes={uri: text_edits})


def serve() -> None:
    """Run the language server over stdin/stdout until the client tells it to exit."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s dockls %(levelname)s %(name)s: %(message)s")
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() anywhere must not corrupt the protocol stream
    DocklsServer().start_io(sys.stdin.buffer, protocol_out)


if __name__ == "__main__":
    serve()
