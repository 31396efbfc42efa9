"""Unit tests of the language server's translation helpers (no process, no protocol)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from lsprotocol import types as lsp

from dockls.config import Layer
from dockls.engine import rule_by_key
from dockls.lsp import (
    FIX_ALL_KIND,
    EditorSettings,
    apply_change,
    changed_span,
    dockls_section,
    document_kind,
    editor_settings,
    kind_requested,
    to_diagnostic,
    to_range,
    to_span,
)
from dockls.rule import Finding, Related, Severity
from dockls.text import Encoding, LineIndex, Span


def change(start: tuple[int, int], end: tuple[int, int], text: str) -> lsp.TextDocumentContentChangePartial:
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(lsp.Position(*start), lsp.Position(*end)), text=text)


@pytest.mark.parametrize(("encoding", "column"), [("utf-16", 8), ("utf-8", 12), ("utf-32", 7)])
def test_apply_change_counts_columns_in_the_encoding(encoding: Encoding, column: int) -> None:
    text = "FROM alpine\r\nRUN 😀名 x\r\n"  # "x" is at code point 7 of line 1
    lines = LineIndex(text)
    changed = apply_change(text, lines, change((1, column), (1, column + 1), "y"), encoding)
    assert changed == "FROM alpine\r\nRUN 😀名 y\r\n"


def test_apply_change_across_a_crlf_and_past_the_end() -> None:
    text = "a\r\nb\r\nc"
    lines = LineIndex(text)
    assert apply_change(text, lines, change((0, 1), (1, 0), ""), "utf-16") == "ab\r\nc"
    assert apply_change(text, lines, change((2, 1), (2, 1), "\r\nd"), "utf-16") == "a\r\nb\r\nc\r\nd"
    # Positions past a line's end clamp to it, past the last line to the end of the text.
    assert apply_change(text, lines, change((0, 99), (0, 99), "!"), "utf-16") == "a!\r\nb\r\nc"
    assert apply_change(text, lines, change((9, 0), (9, 0), "!"), "utf-16") == "a\r\nb\r\nc!"
    # A reversed range is read as the same range.
    assert apply_change(text, lines, change((1, 0), (0, 1), "-"), "utf-16") == "a-b\r\nc"


def test_apply_change_whole_document() -> None:
    whole = lsp.TextDocumentContentChangeWholeDocument(text="FROM scratch\n")
    assert apply_change("anything", LineIndex("anything"), whole, "utf-16") == "FROM scratch\n"


def test_range_conversions_round_trip() -> None:
    text = "# 😀\u2028x\rLABEL 名=1 broken\n"
    lines = LineIndex(text)
    span = Span(text.index("broken"), len(text) - 1)
    for encoding in ("utf-16", "utf-8", "utf-32"):
        range_ = to_range(lines, span, encoding)
        assert range_.start.line == 1  # \r breaks a line, U+2028 does not
        assert to_span(lines, range_, encoding) == span


@pytest.mark.parametrize(("old", "new", "span", "replacement"), [
    ("abc", "abc", Span(3, 3), ""),
    ("RUN a\nRUN b\n", "RUN a && \\\n    b\n", Span(5, 9), " && \\\n   "),
    ("x\r\n\r\ny", "x\r\ny", Span(3, 5), ""),
    ("x\r\ny", "x\rz", Span(1, 4), "\rz"),  # the common prefix "x\r" would end inside the CRLF
    ("a\r\nb", "a\nb", Span(1, 3), "\n"),  # and so would the common suffix "\nb"
    ("", "FROM a\n", Span(0, 0), "FROM a\n"),
    ("FROM a\n", "", Span(0, 7), ""),
])
def test_changed_span_is_minimal(old: str, new: str, span: Span, replacement: str) -> None:
    assert changed_span(old, new) == (span, replacement)


def test_changed_span_never_splits_a_crlf() -> None:
    pieces = ["a", "b", "\r\n", "\n", "\r", " "]
    generator = random.Random(7)
    for _ in range(3000):
        old = "".join(generator.choices(pieces, k=generator.randint(0, 8)))
        new = "".join(generator.choices(pieces, k=generator.randint(0, 8)))
        span, replacement = changed_span(old, new)
        assert old[: span.start] + replacement + old[span.end :] == new
        for offset in (span.start, span.end):
            assert not (0 < offset < len(old) and old[offset - 1] == "\r" and old[offset] == "\n"), (old, new)


def test_kind_requested_follows_the_kind_hierarchy() -> None:
    assert kind_requested(FIX_ALL_KIND, None)
    assert kind_requested(FIX_ALL_KIND, ["source"])
    assert kind_requested(FIX_ALL_KIND, ["source.fixAll"])
    assert kind_requested(FIX_ALL_KIND, [FIX_ALL_KIND])
    assert not kind_requested(FIX_ALL_KIND, ["quickfix", "source.organizeImports"])
    assert not kind_requested("quickfix", ["quick"])
    assert kind_requested("quickfix", ["refactor", "quickfix"])


@pytest.mark.parametrize(("uri", "language_id", "kind"), [
    ("file:///p/Dockerfile", "plaintext", "dockerfile"),
    ("file:///p/api.Dockerfile", "", "dockerfile"),
    ("file:///p/Containerfile.prod", "", "dockerfile"),
    ("file:///p/weird-name", "dockerfile", "dockerfile"),
    ("untitled:Untitled-1", "containerfile", "dockerfile"),
    ("file:///c%3A/My%20Project/Dockerfile", "", "dockerfile"),
    ("file:///p/.dockerignore", "ignore", "ignore"),
    ("file:///p/app.Dockerfile.dockerignore", "dockerfile", "ignore"),
    ("file:///p/Dockerfile.py", "python", None),
    ("file:///p/README.md", "markdown", None),
])
def test_document_kind(uri: str, language_id: str, kind: str | None) -> None:
    assert document_kind(uri, language_id) == kind


@pytest.mark.parametrize("settings", [
    {"dockls": {"rules": {"syntax-error": "off"}}},
    {"dockls.rules": {"syntax-error": "off"}},
    {"rules": {"syntax-error": "off"}},
])
def test_settings_shapes(settings: object) -> None:
    assert dockls_section(settings) == {"rules": {"syntax-error": "off"}}


@pytest.mark.parametrize("settings", [None, [], "rules", {"dockls": None}, {}])
def test_missing_or_malformed_settings_mean_defaults(settings: object) -> None:
    assert editor_settings(settings) == EditorSettings(Layer("editor settings"))


def test_editor_settings_resolve_rules_and_skip_what_they_do_not_know() -> None:
    syntax = rule_by_key("syntax-error")
    assert syntax is not None
    editor = editor_settings({"dockls": {"rules": {"SYNTAX-ERROR": " Warning ", "no-such-rule": "error"},
                                         "extendSelect": ["size"], "configurationPreference": "editorOnly",
                                         "colour": "blue"}})
    assert editor.preference == "editorOnly"
    assert editor.layer.severities == {syntax.id: Severity.WARNING}
    assert editor.layer.extend_select and all(rule_by_key(i).category == "size"  # type: ignore[union-attr]
                                              for i in editor.layer.extend_select)
    assert "rules: unknown rule or category 'no-such-rule'" in editor.layer.warnings
    assert "unknown setting 'colour'" in editor.layer.warnings
    assert editor_settings({"rules": {"syntax-error": "loud"}}).layer.severities == {}
    assert editor_settings({"configurationPreference": "sideways"}).preference == "editorFirst"
    # A setting of the wrong type is reported, and the rest of the defaults stay.
    broken = editor_settings({"select": 3})
    assert broken.layer.select is None and broken.layer.warnings


def test_diagnostic_carries_related_locations_in_the_session_encoding() -> None:
    rule = rule_by_key("cleanup-in-later-layer")
    assert rule is not None
    text = "FROM debian\n# 😀\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n"
    finding = Finding(rule, Span(text.index("rm -rf"), len(text) - 1), "later",
                      related=(Related(Span(text.index("RUN apt"), text.index("RUN apt") + 3), "earlier"),))
    diagnostic = to_diagnostic(finding, LineIndex(text), "utf-16", "file:///Dockerfile")
    assert diagnostic.related_information is not None
    (related,) = diagnostic.related_information
    assert related.location.uri == "file:///Dockerfile" and related.message == "earlier"
    assert related.location.range == lsp.Range(lsp.Position(2, 0), lsp.Position(2, 3))
    assert to_diagnostic(replace(finding, related=()), LineIndex(text), "utf-16").related_information is None
