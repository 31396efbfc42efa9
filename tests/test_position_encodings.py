"""Every range the server returns maps back to the right characters, whatever position encoding the
client negotiated (UTF-8, UTF-16, UTF-32, or none offered: UTF-16), with LF, CRLF, lone CR and mixed
line endings, a BOM, tabs, astral emoji, ZWJ sequences, CJK and combining characters before the
tokens on the same line and on earlier lines, in Dockerfiles and in an ignore file. A position a
client sends inside a character (a surrogate pair, a multi-byte UTF-8 sequence) means the boundary
after that character.

Ranges are turned back into code-point offsets with ``tests.lsp_client``'s converter (Python's own
codecs, not ``dockls.text``) and compared with what the engine computes in process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from dockls import links, navigation
from dockls.completion import complete
from dockls.engine import analyze, analyze_ignore
from dockls.fixes import apply_edits, fix_all
from dockls.hover import hover
from dockls.inlays import inlay_hints
from dockls.rule import Finding, Fix
from dockls.suppressions import ignore_here, ignore_in_file
from dockls.symbols import Symbol, document_symbols, folding_ranges
from dockls.syntax import Dockerfile
from dockls.text import LineIndex, Span
from dockls.tokens import TOKEN_TYPES, semantic_tokens
from tests.lsp_client import (
    RecordingClient,
    absolute_tokens,
    actions_at,
    apply_text_edits,
    capabilities,
    change_doc,
    edits_for,
    offset_of,
    open_doc,
    position_of,
    published,
    rule_id,
    split_lines,
    start,
    units,
    uri_of,
    whole,
)

ZWJ_FAMILY = "👩\u200d👩\u200d👧"
E_ACUTE = "e\u0301"  # combining: two code points, one glyph
# "<CR>" becomes a lone CR in documents with mixed line endings (a line break for LSP, whitespace
# inside a comment for BuildKit), and the document's line ending elsewhere.
LINES = (
    "FROM ubuntu AS base",
    f"# 🐳 ビルド {ZWJ_FAMILY} café {E_ACUTE} — 注释 \u2028\x85\x0c no line breaks for LSP",
    "# second 🐳<CR># 続き 名前",
    "FROM\tnode:latest AS build",
    f'LABEL description="🐳 名前 {ZWJ_FAMILY} {E_ACUTE}" x=1',
    'ENV GREETING="こんにちは 🐳" \\',
    f'\tMORE="{ZWJ_FAMILY}\tcombining {E_ACUTE}"',
    'RUN echo "🐳 名前 é" && apt-get install curl',
    f'RUN echo "{ZWJ_FAMILY} done" \\',
    "\t&& echo 😀 ${MORE}",
    "ADD 🐳/データ.txt /app/",
    "RUN <<EOF",
    'echo "🐳 heredoc 名前 $GREETING"',
    'echo "名前 🐳" && apt-get install wget',
    "EOF",
    "FROM base",
    "\tRUN echo 名前 && apt install -y jq",
    f'RUN echo "🐳 {ZWJ_FAMILY}" > /etc/motd',
    "COPY --from=build /app /app",
)


def document(endings: tuple[str, ...], bom: bool) -> str:
    text = "".join(line + endings[i % len(endings)] for i, line in enumerate(LINES))
    return ("\ufeff" if bom else "") + text.replace("<CR>", "\r" if len(endings) > 1 else endings[0])


# A BOM is the text's first character for editors that keep it (VS Code strips it, others may not).
DOCUMENTS = {
    "lf": document(("\n",), bom=False),
    "crlf-bom": document(("\r\n",), bom=True),
    "mixed": document(("\n", "\r\n"), bom=False),
    "mixed-bom": document(("\r\n", "\n"), bom=True),
    "directive-bom": "\ufeff# syntax=docker/dockerfile:1\r\n" + document(("\r\n",), bom=False),
}
MIXED = DOCUMENTS["mixed-bom"]
# What the rules flag in every document: (rule name, the exact text of its range).
FLAGGED = {
    ("image-untagged", "ubuntu"),
    ("image-latest", "node:latest"),
    ("apt-missing-yes", "apt-get install curl"),
    ("apt-missing-yes", "apt-get install wget"),  # in a heredoc body
    ("add-instead-of-copy", "ADD"),
    ("apt-use-apt-get", "apt install -y jq"),
    ("consecutive-run", "RUN"),
}
KEYWORDS = {"FROM", "AS", "LABEL", "ENV", "RUN", "ADD", "COPY"}

# The offered encodings. None offers none (VS Code's profile), which means UTF-16: checked with the
# diagnostics only, since everything else is then the same as for ["utf-16"].
OFFERS = pytest.mark.parametrize("offered", [["utf-8"], ["utf-16"], ["utf-32"]], ids=["utf-8", "utf-16", "utf-32"])
OFFERS_OR_NOT = pytest.mark.parametrize("offered", [["utf-8"], ["utf-16"], ["utf-32"], None],
                                        ids=["utf-8", "utf-16", "utf-32", "none"])


async def negotiate(client: RecordingClient, offered: list[str] | None) -> str:
    result = await start(client, capabilities("visual-studio-code", offered))
    encoding = result.capabilities.position_encoding
    assert encoding == (offered[0] if offered else "utf-16")
    return encoding


def exact_offset(text: str, position: lsp.Position, encoding: str) -> int:
    """The offset of ``position``, which must fall on a character boundary inside its line."""
    offset = offset_of(text, position, encoding)
    assert position_at(text, offset, encoding) == position, f"{position} is no character boundary"
    return offset


def position_at(text: str, offset: int, encoding: str) -> lsp.Position:
    return position_of(text, "", encoding, offset)


def span_of(text: str, range_: lsp.Range, encoding: str) -> Span:
    return Span(exact_offset(text, range_.start, encoding), exact_offset(text, range_.end, encoding))


def range_at(text: str, span: Span, encoding: str) -> lsp.Range:
    return lsp.Range(position_at(text, span.start, encoding), position_at(text, span.end, encoding))


def engine_view(text: str) -> list[tuple[str, Span, list[Span]]]:
    """The findings of the engine as (rule id, span, related spans)."""
    return [(f.rule.id, f.span, [r.span for r in f.related]) for f in analyze(text).findings]


def server_view(text: str, diagnostics: Sequence[lsp.Diagnostic],
                encoding: str) -> list[tuple[str, Span, list[Span]]]:
    return [(str(d.code), span_of(text, d.range, encoding),
             [span_of(text, r.location.range, encoding) for r in d.related_information or ()])
            for d in diagnostics]


async def open_all(client: RecordingClient) -> dict[str, str]:
    """Opens every document; its URI → its text."""
    opened = {uri_of(f"{name}.Dockerfile"): text for name, text in DOCUMENTS.items()}
    for uri, text in opened.items():
        open_doc(client, uri, text)
    return opened


# Diagnostics and quick fixes


@OFFERS_OR_NOT
async def test_diagnostics_cover_exactly_the_flagged_text(bare: RecordingClient, offered: list[str] | None) -> None:
    encoding = await negotiate(bare, offered)
    for uri, text in (await open_all(bare)).items():
        diagnostics = list(await published(bare, uri, 1))
        assert server_view(text, diagnostics, encoding) == engine_view(text), uri
        flagged = {(str(d.code), text[slice(*span_of(text, d.range, encoding))]) for d in diagnostics}
        assert {(rule_id(rule), token) for rule, token in FLAGGED} <= flagged, uri
        assert not any("\ufeff" in token for _, token in flagged), uri
        if text.startswith("\ufeffFROM"):  # the BOM is a character on line 0 (one UTF-16 unit, three bytes)
            untagged = next(d for d in diagnostics if d.code == rule_id("image-untagged"))
            column = len("\ufeffFROM ".encode()) if encoding == "utf-8" else len("\ufeffFROM ")
            assert untagged.range.start == lsp.Position(0, column)


def engine_fixes(text: str, tree: Dockerfile, finding: Finding) -> dict[str, Fix]:
    """The code actions the engine offers for one finding (fixes creating files aside), by title."""
    offered = [*finding.fixes, ignore_here(text, tree, finding), ignore_in_file(text, tree, finding)]
    return {fix.title: fix for fix in offered if fix is not None and not fix.new_files}


@OFFERS
async def test_quick_fixes_edit_what_the_engine_edits(bare: RecordingClient, offered: list[str] | None) -> None:
    encoding = await negotiate(bare, offered)
    for uri, text in (await open_all(bare)).items():
        diagnostics = list(await published(bare, uri, 1))
        analysis = analyze(text)
        for diagnostic, finding in zip(diagnostics, analysis.findings, strict=True):
            expected = engine_fixes(text, analysis.tree, finding)
            actions = [a for a in await actions_at(bare, uri, diagnostic.range, ["quickfix"])
                       if list(a.diagnostics or ()) == [diagnostic]]
            assert sorted(a.title for a in actions) == sorted(expected), (uri, finding.rule.name)
            for action in actions:
                edits, fix = edits_for(action.edit, uri), expected[action.title]
                assert sorted((span_of(text, e.range, encoding), e.new_text) for e in edits) == sorted(
                    (e.span, e.new_text) for e in fix.edits), (uri, action.title)
                assert apply_text_edits(text, edits, encoding) == apply_edits(text, fix.edits), (uri, action.title)
        (fix_everything,) = await actions_at(bare, uri, whole(text, encoding), ["source.fixAll"])
        (edit,) = edits_for(fix_everything.edit, uri)
        span_of(text, edit.range, encoding)  # on character boundaries
        fixed, _ = fix_all(text, lambda t: analyze(t).findings)
        assert apply_text_edits(text, [edit], encoding) == fixed, uri


# An ignore file: BuildKit splits it at "\n" only, so a pattern may hold a lone CR (two LSP lines).
IGNORE = f"\ufeff# 🐳 コメント\r\n名前/🐳\r\n\t{ZWJ_FAMILY}/[\r\n名前/🐳\n!nothing/🐳\rbuild/\n"


@OFFERS
async def test_ignore_file_diagnostics_and_fixes(bare: RecordingClient, offered: list[str] | None) -> None:
    encoding = await negotiate(bare, offered)
    uri = "untitled:.dockerignore"  # not on disk: no build context, so the findings are the text's own
    open_doc(bare, uri, IGNORE, language_id="ignore")
    diagnostics = list(await published(bare, uri, 1))
    findings = analyze_ignore(IGNORE).findings
    assert [(str(d.code), IGNORE[slice(*span_of(IGNORE, d.range, encoding))]) for d in diagnostics] == [
        (rule_id("dockerignore-syntax"), "["), (rule_id("dockerignore-duplicate"), "名前/🐳"),
        (rule_id("dockerignore-useless-negation"), "!nothing/🐳\rbuild/")]
    assert [span_of(IGNORE, d.range, encoding) for d in diagnostics] == [f.span for f in findings]
    for diagnostic, finding in zip(diagnostics, findings, strict=True):
        actions = await actions_at(bare, uri, diagnostic.range, ["quickfix"])
        assert [a.title for a in actions] == [fix.title for fix in finding.fixes]
        for action, fix in zip(actions, finding.fixes, strict=True):
            edits = edits_for(action.edit, uri)
            assert apply_text_edits(IGNORE, edits, encoding) == apply_edits(IGNORE, fix.edits), fix.title


# Editor features


def symbol_spans(symbol: Symbol) -> list[tuple[str, Span, Span]]:
    return [(symbol.name, symbol.span, symbol.selection), *(s for c in symbol.children for s in symbol_spans(c))]


def served_symbol_spans(text: str, symbol: lsp.DocumentSymbol, encoding: str) -> list[tuple[str, Span, Span]]:
    return [(symbol.name, span_of(text, symbol.range, encoding), span_of(text, symbol.selection_range, encoding)),
            *(s for c in symbol.children or () for s in served_symbol_spans(text, c, encoding))]


def line_at(text: str, offset: int) -> int:
    return len(split_lines(text[:offset])) - 1


def decode_tokens(text: str, data: Sequence[int], encoding: str) -> list[tuple[Span, str, tuple[str, ...]]]:
    """LSP's relative encoding of semantic tokens back to spans, types and modifiers."""
    decoded = []
    for line, character, length, kind, modifiers in absolute_tokens(data):
        span = span_of(text, lsp.Range(lsp.Position(line, character), lsp.Position(line, character + length)),
                       encoding)
        decoded.append((span, kind, modifiers))
    return decoded


async def served_tokens(client: RecordingClient, uri: str, text: str, encoding: str) -> list[
        tuple[Span, str, tuple[str, ...]]]:
    answer = await client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(lsp.TextDocumentIdentifier(uri)))
    assert isinstance(answer, lsp.SemanticTokens)
    return decode_tokens(text, answer.data, encoding)


def engine_tokens(text: str) -> list[tuple[Span, str, tuple[str, ...]]]:
    return [(t.span, t.type, t.modifiers) for t in semantic_tokens(analyze(text).model, LineIndex(text))]


@OFFERS
async def test_editor_features(bare: RecordingClient, offered: list[str] | None) -> None:
    """Hover, document symbols, folding ranges, document links, inlay hints and semantic tokens."""
    encoding = await negotiate(bare, offered)
    for uri, text in (await open_all(bare)).items():
        await published(bare, uri, 1)
        analysis = analyze(text)
        model, document_id = analysis.model, lsp.TextDocumentIdentifier(uri)
        expected_tokens = [(t.span, t.type, t.modifiers) for t in semantic_tokens(model, LineIndex(text))]
        # Hover in the middle of every token and of every flagged range.
        spans = [span for span, _, _ in expected_tokens] + [f.span for f in analysis.findings]
        for span in spans:
            middle = (span.start + span.end) // 2
            expected = hover(model, middle, analysis.findings)
            answer = await bare.text_document_hover_async(
                lsp.HoverParams(document_id, position_at(text, middle, encoding)))
            assert (answer.range if answer else None) == (range_at(text, expected.span, encoding) if expected
                                                          else None), (uri, text[span.start:span.end])
        served = await bare.text_document_document_symbol_async(lsp.DocumentSymbolParams(document_id))
        assert served is not None and all(isinstance(s, lsp.DocumentSymbol) for s in served)
        assert [s for item in served if isinstance(item, lsp.DocumentSymbol)
                for s in served_symbol_spans(text, item, encoding)] == [
            s for symbol in document_symbols(model) for s in symbol_spans(symbol)], uri
        folds = await bare.text_document_folding_range_async(lsp.FoldingRangeParams(document_id))
        assert [(f.start_line, f.end_line) for f in folds or ()] == [
            (f.start_line, f.end_line) for f in folding_ranges(model, LineIndex(text))], uri
        # The stages after the first (a single line) fold from their FROM line, counted the way LSP counts.
        stage_lines = {line_at(text, stage.from_instruction.span.start) for stage in model.stages[1:]}
        assert stage_lines <= {f.start_line for f in folds or ()}, uri
        served_links = await bare.text_document_document_link_async(lsp.DocumentLinkParams(document_id))
        assert [(span_of(text, link.range, encoding), link.target) for link in served_links or ()] == [
            (link.span, link.target) for link in links.document_links(model, Path("/work/project"))], uri
        hints = await bare.text_document_inlay_hint_async(lsp.InlayHintParams(document_id, whole(text, encoding)))
        expected_hints = inlay_hints(model)
        assert expected_hints, "the fixture's images have sizes in the data set"
        assert [(exact_offset(text, h.position, encoding), h.label) for h in hints or ()] == [
            (h.offset, h.label) for h in expected_hints], uri
        tokens = await served_tokens(bare, uri, text, encoding)
        assert tokens == expected_tokens, uri
        words = {kind: {text[slice(*span)] for span, k, _ in tokens if k == kind} for kind in TOKEN_TYPES}
        assert words["keyword"] == KEYWORDS, uri
        assert words["parameter"] == {"--from"}, uri
        assert {"ubuntu", "node:latest"} <= words["type"], uri
        assert words["property"] == {"description", "x"}, uri
        assert words["variable"] == {"GREETING", "MORE", "${MORE}", "$GREETING"}, uri
        assert words["macro"] == ({"# syntax=docker/dockerfile:1"} if "syntax" in text else set()), uri
        assert {text[slice(*span)] for span, k, _ in tokens if k == "comment"} >= {LINES[1], "# 続き 名前"}, uri
        assert not any("\ufeff" in text[slice(*span)] for span, _, _ in tokens), uri  # no token includes the BOM


@OFFERS
async def test_navigation_and_completion(bare: RecordingClient, offered: list[str] | None) -> None:
    """At every token of the document with mixed line endings after a BOM."""
    encoding = await negotiate(bare, offered)
    uri, text = uri_of("Dockerfile"), MIXED
    open_doc(bare, uri, text)
    model, document_id = analyze(text).model, lsp.TextDocumentIdentifier(uri)
    for token in semantic_tokens(model, LineIndex(text)):
        middle = (token.span.start + token.span.end) // 2
        position = position_at(text, middle, encoding)
        where = (uri, text[slice(*token.span)])
        served_highlights = await bare.text_document_document_highlight_async(
            lsp.DocumentHighlightParams(document_id, position))
        assert [(span_of(text, h.range, encoding), h.kind == lsp.DocumentHighlightKind.Write)
                for h in served_highlights or ()] == navigation.highlights(model, middle), where
        served_references = await bare.text_document_references_async(lsp.ReferenceParams(
            context=lsp.ReferenceContext(include_declaration=True), text_document=document_id, position=position))
        assert [span_of(text, r.range, encoding) for r in served_references or ()] == navigation.references(
            model, middle, True), where
        served_definitions = await bare.text_document_definition_async(lsp.DefinitionParams(document_id, position))
        assert isinstance(served_definitions, list | None)
        assert [span_of(text, d.range, encoding) for d in served_definitions or ()
                if isinstance(d, lsp.Location)] == navigation.definitions(model, middle), where
        renamable = await bare.text_document_prepare_rename_async(lsp.PrepareRenameParams(document_id, position))
        expected_rename = navigation.rename_range(model, middle)
        assert renamable == (range_at(text, expected_rename, encoding) if expected_rename else None), where
        # Completion where the token ends, as if it had just been typed.
        completions = await bare.text_document_completion_async(
            lsp.CompletionParams(document_id, position_at(text, token.span.end, encoding)))
        assert isinstance(completions, lsp.CompletionList)
        assert [(item.label, span_of(text, item.text_edit.range, encoding)) for item in completions.items
                if isinstance(item.text_edit, lsp.TextEdit)] == [
            (p.label, p.span) for p in complete(model, token.span.end)], where


# Incremental changes expressed in the negotiated encoding


def changed(text: str, range_: lsp.Range, new_text: str, encoding: str) -> str:
    return apply_text_edits(text, [lsp.TextEdit(range_, new_text)], encoding)


def range_in(text: str, needle: str, encoding: str, start: int = 0, end: int | None = None) -> lsp.Range:
    """The range of ``needle[start:end]`` at ``needle``'s first occurrence."""
    at = text.index(needle)
    return range_at(text, Span(at + start, at + (len(needle) if end is None else end)), encoding)


@OFFERS
async def test_incremental_changes(bare: RecordingClient, offered: list[str] | None) -> None:
    encoding = await negotiate(bare, offered)
    uri, text = uri_of("Dockerfile"), MIXED
    open_doc(bare, uri, text)
    await published(bare, uri, 1)
    # Each change is computed on the text the previous one left: the changes of one notification
    # apply one after the other.
    steps: list[list[Callable[[str], tuple[lsp.Range, str]]]] = [
        # Insert after an astral emoji: a new apt-get finding right after it.
        [lambda t: (range_in(t, "😀", encoding, 1, 1), " && apt-get install vim")],
        # Delete a CJK character, then a combining accent.
        [lambda t: (range_in(t, '"🐳 名前 é"', encoding, 3, 4), ""),
         lambda t: (range_in(t, f'{E_ACUTE}" x=1', encoding, 1, 2), "")],
        # Replace across a CRLF: join a continuation line with the one above it.
        [lambda t: (range_in(t, 'done" \\\r\n\t&&', encoding, 6), "&&")],
        # Inside a ZWJ sequence (between code points of one glyph), then right after the BOM.
        [lambda t: (range_in(t, ZWJ_FAMILY, encoding, 2, 3), "👨"),
         lambda t: (range_at(t, Span(1, 1), encoding), "# 🐳 名前\r\n")],
        # A flag and a tab before the flagged image (now on line 1, below the new comment).
        [lambda t: (range_in(t, "ubuntu AS", encoding, 0, 0), "--platform=$BUILDPLATFORM\t")],
    ]
    for version, step in enumerate(steps, start=2):
        changes = []
        for change in step:
            range_, new_text = change(text)
            changes.append((range_, new_text))
            text = changed(text, range_, new_text, encoding)
        change_doc(bare, uri, version, *changes)
        assert server_view(text, await published(bare, uri, version), encoding) == engine_view(text), version
    assert all(edit in text for edit in (" && apt-get install vim", '"🐳 前 é"', 'done" &&', "👩\u200d👨",
                                          "\ufeff# 🐳 名前\r\nFROM --platform"))
    assert await served_tokens(bare, uri, text, encoding) == engine_tokens(text)


# Positions that split a character


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
async def test_positions_inside_a_character_get_sane_answers(bare: RecordingClient, encoding: str) -> None:
    await negotiate(bare, [encoding])
    uri, text = uri_of("Dockerfile"), MIXED
    open_doc(bare, uri, text)
    await published(bare, uri, 1)
    document_id = lsp.TextDocumentIdentifier(uri)
    splits = []  # (position inside a character, offset of the character's end), last characters first
    for char in ("😀", "名", "🐳"):  # in reverse text order, so that inserting leaves the others in place
        at = text.index(char)
        start = position_at(text, at, encoding)
        splits += [(lsp.Position(start.line, start.character + k), at + 1) for k in range(1, units(char, encoding))]
    assert splits

    async def answers(position: lsp.Position) -> list[object]:
        return [
            await bare.text_document_hover_async(lsp.HoverParams(document_id, position)),
            await bare.text_document_completion_async(lsp.CompletionParams(document_id, position)),
            await bare.text_document_definition_async(lsp.DefinitionParams(document_id, position)),
            await bare.text_document_document_highlight_async(lsp.DocumentHighlightParams(document_id, position)),
            await bare.text_document_prepare_rename_async(lsp.PrepareRenameParams(document_id, position)),
            await actions_at(bare, uri, lsp.Range(position, position)),
            await bare.text_document_inlay_hint_async(lsp.InlayHintParams(document_id, lsp.Range(position, position))),
        ]

    # A position inside a character means the boundary after it.
    for position, end in splits:
        assert await answers(position) == await answers(position_at(text, end, encoding)), position
    # An edit at a split position lands after the character: the server never splits one.
    for version, (position, end) in enumerate(splits, start=2):
        change_doc(bare, uri, version, (lsp.Range(position, position), "x"))
        text = text[:end] + "x" + text[end:]
        assert server_view(text, await published(bare, uri, version), encoding) == engine_view(text)
    assert await served_tokens(bare, uri, text, encoding) == engine_tokens(text)
