"""End-to-end tests of the language server over stdio, driven by pytest-lsp with real clients'
capability profiles: VS Code (UTF-16, pushed diagnostics, versioned workspace edits) and Neovim
(UTF-8 first in its list, pulled diagnostics, plain ``changes`` edits).

Expected positions are computed here with Python's own codecs, not with ``dockls.text``, so a bug
in the server's conversions cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import dockerfile
import pytest
import pytest_lsp
from lsprotocol import types as lsp

import dockls
from dockls.engine import analyze
from dockls.fixes import fix_all
from tests.buildkit import buildkit_error
from tests.lsp_client import (
    BASE,
    WIDE,
    RecordingClient,
    actions_at,
    apply_text_edits,
    capabilities,
    change_doc,
    config,
    edits_for,
    eventually,
    open_doc,
    position_of,
    published,
    pull,
    range_of,
    rule_id,
    start,
    uri_of,
    whole,
)


@pytest_lsp.fixture(config=config([sys.executable, "-m", "dockls"]))
async def via_cli(client: RecordingClient) -> AsyncIterator[None]:
    await start(client, capabilities("visual-studio-code"))
    yield
    await client.shutdown_session()


# Session


async def test_initialize_negotiates_what_the_client_offers(bare: RecordingClient) -> None:
    result = await start(bare, capabilities("visual-studio-code"))
    assert result.server_info is not None
    assert (result.server_info.name, result.server_info.version) == ("dockls", dockls.__version__)
    caps = result.capabilities
    assert caps.position_encoding == "utf-16"
    assert isinstance(caps.text_document_sync, lsp.TextDocumentSyncOptions)
    assert caps.text_document_sync.change == lsp.TextDocumentSyncKind.Incremental
    assert caps.text_document_sync.open_close
    assert isinstance(caps.code_action_provider, lsp.CodeActionOptions)
    assert set(caps.code_action_provider.code_action_kinds or ()) == {
        "quickfix", "source.fixAll.dockls", "refactor", "refactor.rewrite", "refactor.extract"}
    assert isinstance(caps.diagnostic_provider, lsp.DiagnosticOptions)


async def test_neovim_gets_utf8_its_first_choice(bare: RecordingClient) -> None:
    result = await start(bare, capabilities("neovim"))
    assert result.capabilities.position_encoding == "utf-8"


# Pushed diagnostics (VS Code profile: UTF-16)


async def test_diagnostic_fields_and_utf16_range(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, WIDE)
    (diagnostic,) = await published(vscode, uri, 1)
    assert diagnostic.source == "dockls"
    assert diagnostic.code == "DKL000"
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/syntax-error.md")
    assert diagnostic.severity == lsp.DiagnosticSeverity.Error
    assert not diagnostic.tags
    assert diagnostic.range == range_of(WIDE, "broken", "utf-16")
    assert diagnostic.range.start == lsp.Position(1, 14)  # tab 1, "LABEL " 6, 😀 2, 名前 2, "=1 " 3


@pytest.mark.parametrize("offered", [["utf-32"], ["utf-32", "utf-16"], ["utf-8"]])
async def test_ranges_in_the_negotiated_encoding(bare: RecordingClient, offered: list[str]) -> None:
    result = await start(bare, capabilities("visual-studio-code", offered))
    encoding = offered[0]
    assert result.capabilities.position_encoding == encoding
    uri = uri_of("Containerfile")
    open_doc(bare, uri, WIDE, language_id="containerfile")
    (diagnostic,) = await published(bare, uri, 1)
    assert diagnostic.range == range_of(WIDE, "broken", encoding)


async def test_incremental_changes_after_wide_characters(vscode: RecordingClient) -> None:
    uri = uri_of("app.Dockerfile")
    open_doc(vscode, uri, WIDE)
    assert len(await published(vscode, uri, 1)) == 1
    # "broken" → "broken=1": the error is gone.
    end_of_broken = position_of(WIDE, "broken", "utf-16", len("broken"))
    change_doc(vscode, uri, 2, (lsp.Range(end_of_broken, end_of_broken), "=1"))
    assert list(await published(vscode, uri, 2)) == []
    # Insert a new bad item right after the emoji: only correct UTF-16 arithmetic puts it there.
    text = WIDE.replace("broken", "broken=1")
    after_emoji = position_of(text, "😀", "utf-16", 1)
    change_doc(vscode, uri, 3, (lsp.Range(after_emoji, after_emoji), "=x oops "))
    text = text.replace("😀", "😀=x oops ")
    (diagnostic,) = await published(vscode, uri, 3)
    assert diagnostic.range == range_of(text, "oops", "utf-16")


async def test_crlf_document_and_changes_across_line_breaks(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile.crlf")
    text = f"FROM {BASE}\r\nENV a=😀 b\r\nRUN true\r\n"
    open_doc(vscode, uri, text)
    (diagnostic,) = await published(vscode, uri, 1)
    assert diagnostic.range == lsp.Range(position_of(text, " b", "utf-16", 1), position_of(text, " b", "utf-16", 2))
    # Insert two lines at the top, then join "ENV …" with the line above it (deleting a CRLF).
    change_doc(vscode, uri, 2, (lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), "# one\r\n# two\r\n"))
    text = "# one\r\n# two\r\n" + text
    (diagnostic,) = await published(vscode, uri, 2)
    assert diagnostic.range.start == lsp.Position(3, 9)
    join = lsp.Range(position_of(text, "\r\nENV", "utf-16"), position_of(text, "ENV", "utf-16"))
    change_doc(vscode, uri, 3, (join, "\r\nLABEL x=1\r\n"))
    text = text.replace("\r\nENV", "\r\nLABEL x=1\r\nENV")
    (diagnostic,) = await published(vscode, uri, 3)
    assert diagnostic.range.start == position_of(text, " b", "utf-16", 1)
    assert diagnostic.range.start.line == 4


async def test_lines_break_only_where_lsp_says(vscode: RecordingClient) -> None:
    # U+2028, U+0085 and form feed are not line breaks in LSP (Python's splitlines disagrees).
    uri = uri_of("Dockerfile.seps")
    text = f"# a\u2028b\x85c\x0cd\nFROM {BASE}\nLABEL broken\n"
    open_doc(vscode, uri, text)
    (diagnostic,) = await published(vscode, uri, 1)
    assert diagnostic.range == range_of(text, "broken", "utf-16")
    assert diagnostic.range.start.line == 2
    start = position_of(text, "broken", "utf-16")
    change_doc(vscode, uri, 2, (lsp.Range(start, start), "x=1 "))
    text = text.replace("broken", "x=1 broken")
    (diagnostic,) = await published(vscode, uri, 2)
    assert diagnostic.range == range_of(text, "broken", "utf-16")


async def test_several_changes_in_one_notification(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile.multi")
    open_doc(vscode, uri, f"FROM {BASE}\n")
    assert list(await published(vscode, uri, 1)) == []
    end = lsp.Position(1, 0)
    # Each change applies to the result of the one before it.
    change_doc(vscode, uri, 2, (lsp.Range(end, end), "LABEL a\n"), (lsp.Range(lsp.Position(1, 6),
                                                                              lsp.Position(1, 7)), "名b"))
    (diagnostic,) = await published(vscode, uri, 2)
    assert diagnostic.range == lsp.Range(lsp.Position(1, 6), lsp.Position(1, 8))


async def test_burst_of_changes_publishes_only_the_latest(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile.burst")
    text = f"FROM {BASE}\nLABEL ok=1\n"
    open_doc(vscode, uri, text)
    await published(vscode, uri, 1)
    for version in range(2, 42):  # type " x" forty times without waiting
        end = position_of(text, "ok=1", "utf-16", 4)
        change_doc(vscode, uri, version, (lsp.Range(end, end), " x"))
        text = text.replace("ok=1", "ok=1 x")
    final = await published(vscode, uri, 41)
    versions = [p.version for p in vscode.publications(uri)]
    assert versions == sorted(versions)  # never an older analysis after a newer one
    assert len(versions) < 41  # the burst was coalesced
    # The same as a fresh analysis of the final text.
    fresh = uri_of("Dockerfile.fresh")
    open_doc(vscode, fresh, text)
    assert len(final) == 40
    assert [d.range for d in final] == [d.range for d in await published(vscode, fresh, 1)]


async def test_close_clears_diagnostics(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, WIDE)
    assert len(await published(vscode, uri, 1)) == 1
    vscode.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    await eventually(lambda: len(vscode.publications(uri)) == 2, "cleared diagnostics")
    assert list(vscode.publications(uri)[-1].diagnostics) == []


async def test_ignore_files_are_checked_and_other_documents_are_not(vscode: RecordingClient) -> None:
    ignore = uri_of(".dockerignore")
    python = uri_of("Dockerfile.py")
    open_doc(vscode, ignore, "node_modules\n[\n", language_id="ignore")
    open_doc(vscode, python, "LABEL broken\n", language_id="python")
    assert [d.code for d in await published(vscode, ignore, 1)] == [rule_id("dockerignore-syntax")]
    assert await actions_at(vscode, python, whole("x")) == []
    # A Dockerfile opened afterwards is analysed: the Python file was skipped, not queued.
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, WIDE)
    assert len(await published(vscode, uri, 1)) == 1
    assert not vscode.publications(python)


async def test_survives_binary_garbage_and_huge_documents(vscode: RecordingClient) -> None:
    binary = uri_of("Dockerfile.bin")
    garbage = bytes(range(256)).decode("latin-1") * 50 + "\ud800\udfff\x00"
    open_doc(vscode, binary, garbage)
    huge = uri_of("Dockerfile.huge")
    open_doc(vscode, huge, f"FROM {BASE}\n" + "# a comment line\n" * 130_000)  # over engine.MAX_CHARS
    # Nonsense positions in a change must not hurt either.
    change_doc(vscode, binary, 2, (lsp.Range(lsp.Position(10_000, 5), lsp.Position(3, 99_999)), "é"))
    await published(vscode, binary, 2)
    await published(vscode, huge, 1)
    # Still answering, and still right.
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, WIDE)
    (diagnostic,) = await published(vscode, uri, 1)
    assert diagnostic.range == range_of(WIDE, "broken", "utf-16")
    assert [a.title for a in await actions_at(vscode, binary, whole("x"))] == ["Ignore syntax-error in this file"]


async def test_configuration_changes_severity_and_turns_rules_off(bare: RecordingClient) -> None:
    await start(bare, capabilities("visual-studio-code"), {"dockls": {"rules": {"syntax-error": "warning"}}})
    uri = uri_of("Dockerfile")
    open_doc(bare, uri, WIDE)
    (diagnostic,) = await published(bare, uri, 1)
    assert diagnostic.severity == lsp.DiagnosticSeverity.Warning
    bare.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"dockls": {"rules": {"DKL000": "off", "no-such-rule": "error"}}}))
    await eventually(lambda: len(bare.diagnostics.get(uri, [None])) == 0, "the rule turned off")
    bare.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={"dockls": {}}))
    await eventually(lambda: len(bare.diagnostics.get(uri, ())) == 1, "the default back")
    assert bare.diagnostics[uri][0].severity == lsp.DiagnosticSeverity.Error


async def test_configuration_requested_when_the_client_sends_none(bare: RecordingClient) -> None:
    bare.set_configuration({"rules": {"syntax-error": "hint"}}, section="dockls")
    await start(bare, capabilities("visual-studio-code"))
    uri = uri_of("Dockerfile")
    open_doc(bare, uri, WIDE)
    await published(bare, uri, 1)
    bare.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    await eventually(lambda: [d.severity for d in bare.diagnostics[uri]] == [lsp.DiagnosticSeverity.Hint],
                     "the pulled configuration")


# Pulled diagnostics (Neovim profile: UTF-8, no versioned edits)


async def test_pull_diagnostics_instead_of_push(neovim: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(neovim, uri, WIDE)
    report = await pull(neovim, uri)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    (diagnostic,) = report.items
    assert diagnostic.range == range_of(WIDE, "broken", "utf-8")
    assert diagnostic.code == "DKL000"
    assert report.result_id is not None
    unchanged = await pull(neovim, uri, report.result_id)
    assert isinstance(unchanged, lsp.RelatedUnchangedDocumentDiagnosticReport)
    end = position_of(WIDE, "broken", "utf-8", len("broken"))
    change_doc(neovim, uri, 2, (lsp.Range(end, end), "=1"))
    report = await pull(neovim, uri, report.result_id)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    assert list(report.items) == []
    neovim.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
        settings={"dockls": {"rules": {"syntax-error": "off"}}}))
    change_doc(neovim, uri, 3, (lsp.Range(end, lsp.Position(end.line, end.character + 2)), ""))
    report = await pull(neovim, uri)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    assert list(report.items) == []
    assert not neovim.published  # a pulling client never gets pushed diagnostics
    assert isinstance(await pull(neovim, uri_of("never-opened/Dockerfile")), lsp.RelatedFullDocumentDiagnosticReport)


# Code actions. They need a rule with fixes: `consecutive-run` (RUN a, RUN b in a stage of the final
# image → one finding on the second RUN whose safe fix merges them into "RUN a && \" / "    b").

CONSECUTIVE = f"FROM {BASE}\nRUN echo 😀名前\nRUN apk add git\n"
MERGED = f"FROM {BASE}\nRUN echo 😀名前 && \\\n    apk add git\n"
TWO_STAGES = f"FROM {BASE} AS base\nRUN a\nRUN b\n\nFROM base\nRUN c\nRUN d\n"
TWO_STAGES_FIXED = f"FROM {BASE} AS base\nRUN a && \\\n    b\n\nFROM base\nRUN c && \\\n    d\n"


def fixing(actions: Sequence[lsp.CodeAction], diagnostic: lsp.Diagnostic) -> list[lsp.CodeAction]:
    """The quick fixes of one diagnostic, without the two "Ignore …" actions every diagnostic has."""
    return [a for a in ignoring(actions, diagnostic) if not a.title.startswith("Ignore ")]


def ignoring(actions: Sequence[lsp.CodeAction], diagnostic: lsp.Diagnostic) -> list[lsp.CodeAction]:
    return [a for a in actions if a.kind == lsp.CodeActionKind.QuickFix and tuple(a.diagnostics or ()) == (diagnostic,)]


def fixed_by_engine(text: str) -> str:
    return fix_all(text, lambda t: analyze(t).findings)[0]


async def test_quickfix_with_versioned_edit(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, CONSECUTIVE)
    diagnostics = await published(vscode, uri, 1)
    (finding,) = [d for d in diagnostics if d.code == rule_id("consecutive-run")]
    (fix,) = fixing(await actions_at(vscode, uri, lsp.Range(finding.range.start, finding.range.start)), finding)
    assert fix.is_preferred
    assert fix.title.startswith("Merge")
    assert fix.edit is not None and fix.edit.document_changes is not None
    (document_edit,) = fix.edit.document_changes
    assert isinstance(document_edit, lsp.TextDocumentEdit)
    assert document_edit.text_document.version == 1
    assert apply_text_edits(CONSECUTIVE, edits_for(fix.edit, uri), "utf-16") == MERGED
    # Asked for source actions only: no quick fix.
    only_source = await actions_at(vscode, uri, finding.range, only=["source"])
    assert all(a.kind == "source.fixAll.dockls" for a in only_source)
    # Not offered away from the finding.
    assert fixing(await actions_at(vscode, uri, lsp.Range(lsp.Position(0, 0), lsp.Position(0, 1))), finding) == []


async def test_ignore_here_and_in_file_for_every_finding(vscode: RecordingClient) -> None:
    text = f"# syntax=docker/dockerfile:1\r\nFROM {BASE}\r\n\tRUN echo 😀名前\r\n\tRUN apk add git\r\n"
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, text)
    (finding,) = [d for d in await published(vscode, uri, 1) if d.code == rule_id("consecutive-run")]
    actions = await actions_at(vscode, uri, finding.range, ["quickfix"])
    titles = [a.title for a in actions if a.title.startswith("Ignore ")]
    assert titles == ["Ignore consecutive-run for this instruction", "Ignore consecutive-run in this file"]
    here, in_file = (a for a in actions if a.title.startswith("Ignore "))
    assert not here.is_preferred and not in_file.is_preferred
    assert list(here.diagnostics or ()) == [finding] == list(in_file.diagnostics or ())
    ignored_here = apply_text_edits(text, edits_for(here.edit, uri), "utf-16")
    assert ignored_here == text.replace("\tRUN apk", "\t# dockls ignore=consecutive-run\r\n\tRUN apk")
    ignored_in_file = apply_text_edits(text, edits_for(in_file.edit, uri), "utf-16")
    assert ignored_in_file == text.replace("FROM", "# dockls global ignore=consecutive-run\r\nFROM")
    for ignored in (ignored_here, ignored_in_file):
        dockerfile.parse_string(ignored)
        assert "DKL001" not in {f.rule.id for f in analyze(ignored).findings}
        assert analyze(ignored).tree.directive("syntax") is not None


async def test_fix_all(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(vscode, uri, TWO_STAGES)
    await published(vscode, uri, 1)
    for only in (["source.fixAll"], ["source.fixAll.dockls"], ["source"]):
        (action,) = await actions_at(vscode, uri, lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), only)
        assert action.kind == "source.fixAll.dockls"
        fixed = apply_text_edits(TWO_STAGES, edits_for(action.edit, uri), "utf-16")
        assert fixed == fixed_by_engine(TWO_STAGES)
        assert "RUN a && \\\n    b\n" in fixed and "RUN c && \\\n    d\n" in fixed
    assert await actions_at(vscode, uri, whole(TWO_STAGES), ["refactor"]) == []
    # Asked for everything: fix-all too when the user asked, not for the lightbulb's automatic requests.
    invoked = await actions_at(vscode, uri, whole(TWO_STAGES), trigger=lsp.CodeActionTriggerKind.Invoked)
    assert "source.fixAll.dockls" in [a.kind for a in invoked]
    automatic = await actions_at(vscode, uri, whole(TWO_STAGES), trigger=lsp.CodeActionTriggerKind.Automatic)
    assert automatic and "source.fixAll.dockls" not in [a.kind for a in automatic]
    quick_only = await actions_at(vscode, uri, whole(TWO_STAGES), ["quickfix"])
    assert quick_only and all(a.kind == lsp.CodeActionKind.QuickFix for a in quick_only)


async def test_quickfix_in_utf8_with_plain_changes(neovim: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(neovim, uri, CONSECUTIVE)
    report = await pull(neovim, uri)
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    (finding,) = [d for d in report.items if d.code == rule_id("consecutive-run")]
    assert finding.range == lsp.Range(position_of(CONSECUTIVE, "RUN apk", "utf-8"),
                                      position_of(CONSECUTIVE, "RUN apk", "utf-8", 3))
    (fix,) = fixing(await actions_at(neovim, uri, finding.range, ["quickfix"]), finding)
    assert fix.edit is not None and fix.edit.changes is not None and fix.edit.document_changes is None
    assert apply_text_edits(CONSECUTIVE, edits_for(fix.edit, uri), "utf-8") == MERGED


async def test_fix_all_on_crlf_document(vscode: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    text = TWO_STAGES.replace("\n", "\r\n")
    open_doc(vscode, uri, text)
    await published(vscode, uri, 1)
    (action,) = await actions_at(vscode, uri, whole(text), ["source.fixAll"])
    (edit,) = edits_for(action.edit, uri)  # one minimal edit, not the whole document
    assert edit.range.start.line > 0
    assert apply_text_edits(text, [edit], "utf-16") == fixed_by_engine(text)


# Started through the command line entry point


async def test_started_as_python_dash_m_dockls(via_cli: RecordingClient) -> None:
    uri = uri_of("Dockerfile")
    open_doc(via_cli, uri, WIDE)
    (diagnostic,) = await published(via_cli, uri, 1)
    assert diagnostic.range == range_of(WIDE, "broken", "utf-16")


# The real corpus through the real server

async def test_every_corpus_file_gets_diagnostics_and_valid_quick_fixes(
    vscode: RecordingClient, corpus: list[Path]
) -> None:
    """Every corpus Dockerfile: the server publishes the engine's findings, and every quick fix it
    offers, applied the way a client does, leaves a file BuildKit still accepts (where it did)."""
    checked_fixes = 0
    for k, path in enumerate(corpus):
        text = path.read_bytes().decode("utf-8", errors="replace")
        uri = uri_of(f"corpus{k}.Dockerfile")
        open_doc(vscode, uri, text)
        diagnostics = await published(vscode, uri, 1)
        assert [d.code for d in diagnostics] == [f.rule.id for f in analyze(text).findings], path.name
        if buildkit_error(text) is not None:
            continue
        for action in await actions_at(vscode, uri, whole(text), ["quickfix"]):
            fixed = apply_text_edits(text, edits_for(action.edit, uri), "utf-16")
            error = buildkit_error(fixed)
            assert error is None, f"{path.name}: {action.title!r} breaks the file: {error}"
            checked_fixes += 1
        vscode.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    assert checked_fixes > 500
