"""Findings rendered for people and CI systems: one pure function per ``--format`` (see docs/cli.md).

:func:`report_of` turns a finding into a :class:`Report`, plain picklable data (positions, source
lines, fixes), so a worker process can send it back and every reporter renders from it alone.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from dockls.rule import Finding, Rule, Severity
from dockls.text import LineIndex, Span

JSON_VERSION = 1
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/dockls/dockls"


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based, in code points
    offset: int  # 0-based code-point offset into the document


@dataclass(frozen=True)
class Replacement:
    start: Position
    end: Position
    text: str


@dataclass(frozen=True)
class FixData:
    title: str
    safe: bool
    replacements: tuple[Replacement, ...]


@dataclass(frozen=True)
class RelatedData:
    start: Position
    end: Position
    message: str


@dataclass(frozen=True)
class Report:
    """One finding with everything any format needs."""

    path: str
    rule_id: str
    rule_name: str
    severity: str  # a Severity value
    message: str
    fix: str  # "safe", "unsafe" or "none"
    url: str
    start: Position
    end: Position
    source_lines: tuple[str, ...]  # the document's lines from start.line to end.line, without "\n"
    fixes: tuple[FixData, ...] = ()
    related: tuple[RelatedData, ...] = ()

    @property
    def rank(self) -> int:
        return Severity(self.severity).rank


def fix_kind(finding: Finding) -> str:
    """What ``--fix`` can do for this finding: "safe", "unsafe" (code action only) or "none"."""
    if any(fix.safe for fix in finding.fixes):
        return "safe"
    return "unsafe" if finding.fixes else "none"


def _position(index: LineIndex, offset: int) -> Position:
    line, column = index.position(offset, "utf-32")
    return Position(line + 1, column + 1, offset)


def report_of(path: str, text: str, index: LineIndex, finding: Finding) -> Report:
    start, end = _position(index, finding.span.start), _position(index, finding.span.end)
    lines = text.split("\n")[start.line - 1 : end.line]
    return Report(
        path=path, rule_id=finding.rule.id, rule_name=finding.rule.name,
        severity=finding.effective_severity.value, message=finding.message, fix=fix_kind(finding),
        url=finding.rule.url, start=start, end=end, source_lines=tuple(line.rstrip("\r") for line in lines),
        fixes=tuple(
            FixData(fix.title, fix.safe, tuple(_replacement(index, edit.span, edit.new_text) for edit in fix.edits))
            for fix in finding.fixes
        ),
        related=tuple(RelatedData(_position(index, item.span.start), _position(index, item.span.end), item.message)
                      for item in finding.related),
    )


def _replacement(index: LineIndex, span: Span, text: str) -> Replacement:
    return Replacement(_position(index, span.start), _position(index, span.end), text)


def _one_line(message: str) -> str:
    return " ".join(message.splitlines())


# --------------------------------------------------------------------------- concise and text


def concise(reports: Sequence[Report]) -> str:
    """``path:line:col: ID name message``, one line per finding: a stable interface for scripts."""
    return "".join(f"{_concise_line(report)}\n" for report in reports)


def _concise_line(report: Report) -> str:
    return f"{report.path}:{report.start.line}:{report.start.column}: {report.rule_id} {report.rule_name} " \
           f"{_one_line(report.message)}"


_SEVERITY_COLOURS = {"error": "31", "warning": "33", "info": "36", "hint": "34"}  # red, yellow, cyan, blue
_MAX_SNIPPET_LINES = 4


def text(reports: Sequence[Report], color: bool = False) -> str:
    """Each finding as its concise line, then its source lines with carets under the range (like ruff and
    rustc), files one after the other; ANSI colours only when ``color``."""

    def paint(code: str, value: str) -> str:
        return f"\x1b[{code}m{value}\x1b[0m" if color else value

    out: list[str] = []
    for report in reports:
        level = _SEVERITY_COLOURS[report.severity]
        out.append(f"{paint('1', report.path)}:{report.start.line}:{report.start.column}: "
                   f"{paint('1;' + level, report.rule_id)} {report.rule_name} {_one_line(report.message)}\n")
        shown = report.source_lines[:_MAX_SNIPPET_LINES]
        width = len(str(report.start.line + len(shown) - 1))
        gutter = paint("34", " " * width + " |")
        out.append(f"{gutter}\n")
        for at, line in enumerate(shown):
            number = report.start.line + at
            out.append(f"{paint('34', str(number).rjust(width) + ' |')} {line}\n")
            first = report.start.column - 1 if number == report.start.line else 0
            last = report.end.column - 1 if number == report.end.line else len(line)
            carets = "^" * max(1, last - first)
            # Keep tabs so that the carets line up under tab-indented text.
            padding = "".join("\t" if char == "\t" else " " for char in line[:first])
            out.append(f"{gutter} {padding}{paint(level, carets)}\n")
        if len(report.source_lines) > len(shown):
            out.append(f"{gutter} ...\n")
        if report.fixes:
            hint = "fixable with --fix" if report.fix == "safe" else "an unsafe fix, offered in the editor"
            out.append(f"{gutter}\n{' ' * width} = help: {report.fixes[0].title} ({hint})\n")
        out.append("\n")
    return "".join(out)


def statistics(reports: Sequence[Report]) -> str:
    """How many findings each rule has, most first; ``[*]`` marks rules whose findings ``--fix`` can fix."""
    counts = Counter((report.rule_id, report.rule_name) for report in reports)
    fixable = {(report.rule_id, report.rule_name) for report in reports if report.fix == "safe"}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if not rows:
        return ""
    count_width = max(len(str(count)) for _, count in rows)
    id_width = max(len(rule_id) for (rule_id, _), _ in rows)
    lines = []
    for (rule_id, name), count in rows:
        mark = "[*]" if (rule_id, name) in fixable else "   "
        lines.append(f"{str(count).rjust(count_width)}  {rule_id.ljust(id_width)}  {mark} {name}\n")
    return "".join(lines)


# --------------------------------------------------------------------------- json


def json_finding(report: Report) -> dict[str, Any]:
    return {
        "path": report.path,
        "range": _json_range(report.start, report.end),
        "id": report.rule_id,
        "name": report.rule_name,
        "severity": report.severity,
        "message": report.message,
        "fix": report.fix,
        "url": report.url,
        "related": [{"range": _json_range(item.start, item.end), "message": item.message} for item in report.related],
    }


def _json_range(start: Position, end: Position) -> dict[str, dict[str, int]]:
    return {key: {"line": p.line, "column": p.column, "offset": p.offset}
            for key, p in (("start", start), ("end", end))}


def json_report(reports: Sequence[Report]) -> str:
    return json.dumps({"version": JSON_VERSION, "findings": [json_finding(r) for r in reports]}, indent=2) + "\n"


# --------------------------------------------------------------------------- sarif


_SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def _uri(path: str) -> str:
    pure = PurePath(path)
    if pure.is_absolute():
        return "file://" + quote(pure.as_posix())
    return quote(pure.as_posix())


def _region(start: Position, end: Position) -> dict[str, int]:
    return {"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column}


def sarif(reports: Sequence[Report], rules: Sequence[Rule], version: str) -> str:
    """A SARIF 2.1.0 log with one run: every rule in the driver, every finding with its fixes. Columns
    count code points (``columnKind``: ``unicodeCodePoints``)."""
    rule_index = {rule.id: at for at, rule in enumerate(rules)}
    fingerprints = gitlab_fingerprints(reports)
    results = []
    for report, fingerprint in zip(reports, fingerprints):
        location = {"uri": _uri(report.path)}
        result: dict[str, Any] = {
            "ruleId": report.rule_id,
            "level": _SARIF_LEVELS[report.severity],
            "message": {"text": report.message},
            "locations": [{"physicalLocation": {"artifactLocation": location,
                                                "region": _region(report.start, report.end)}}],
            "partialFingerprints": {"dockls/v1": fingerprint},
        }
        if report.rule_id in rule_index:
            result["ruleIndex"] = rule_index[report.rule_id]
        if report.related:
            result["relatedLocations"] = [
                {"id": at, "message": {"text": item.message},
                 "physicalLocation": {"artifactLocation": location, "region": _region(item.start, item.end)}}
                for at, item in enumerate(report.related)
            ]
        if report.fixes:
            result["fixes"] = [
                {"description": {"text": fix.title},
                 "artifactChanges": [{"artifactLocation": location, "replacements": [
                     {"deletedRegion": _region(edit.start, edit.end), "insertedContent": {"text": edit.text}}
                     for edit in fix.replacements]}]}
                for fix in report.fixes
            ]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dockls", "version": version, "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(rule) for rule in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    full = rule.doc.strip() or rule.summary
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full, "markdown": full},
        "helpUri": rule.url,
        "help": {"text": f"{rule.summary} See {rule.url}", "markdown": f"{rule.summary} [Documentation]({rule.url})"},
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity.value]},
        "properties": {"category": rule.category, "tags": [rule.category]},
    }


# --------------------------------------------------------------------------- github


_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice", "hint": "notice"}


def _github_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(value: str) -> str:
    return _github_data(value).replace(":", "%3A").replace(",", "%2C")


def github(reports: Sequence[Report]) -> str:
    """GitHub Actions workflow commands, one annotation per finding."""
    out = []
    for r in reports:
        properties = ",".join(f"{key}={_github_property(value)}" for key, value in (
            ("file", r.path), ("line", str(r.start.line)), ("col", str(r.start.column)),
            ("endLine", str(r.end.line)), ("endColumn", str(r.end.column)), ("title", f"{r.rule_id} {r.rule_name}"),
        ))
        out.append(f"::{_GITHUB_LEVELS[r.severity]} {properties}::{_github_data(r.message)}\n")
    return "".join(out)


# --------------------------------------------------------------------------- gitlab


_GITLAB_SEVERITIES = {"error": "critical", "warning": "major", "info": "minor", "hint": "info"}


def gitlab_fingerprints(reports: Sequence[Report]) -> list[str]:
    """A hash of path, rule and the finding's source text with whitespace collapsed (not its line number,
    so it survives edits elsewhere), plus how many equal findings came before it in the same file."""
    seen: Counter[tuple[str, str, str]] = Counter()
    fingerprints = []
    for report in reports:
        content = " ".join(" ".join(report.source_lines).split())
        key = (report.path, report.rule_id, content)
        fingerprints.append(hashlib.sha256("\0".join([*key, str(seen[key])]).encode()).hexdigest())
        seen[key] += 1
    return fingerprints


def gitlab(reports: Sequence[Report]) -> str:
    """GitLab Code Quality report (a JSON array of issues)."""
    issues = [
        {
            "description": f"{r.rule_id} {r.rule_name}: {_one_line(r.message)}",
            "check_name": r.rule_id,
            "fingerprint": fingerprint,
            "severity": _GITLAB_SEVERITIES[r.severity],
            "location": {
                "path": r.path,
                "lines": {"begin": r.start.line, "end": r.end.line},
                "positions": {"begin": {"line": r.start.line, "column": r.start.column},
                              "end": {"line": r.end.line, "column": r.end.column}},
            },
        }
        for r, fingerprint in zip(reports, gitlab_fingerprints(reports))
    ]
    return json.dumps(issues, indent=2) + "\n"


# --------------------------------------------------------------------------- checkstyle and junit


_CHECKSTYLE_SEVERITIES = {"error": "error", "warning": "warning", "info": "info", "hint": "info"}


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _by_file(reports: Sequence[Report], files: Sequence[str]) -> dict[str, list[Report]]:
    grouped: dict[str, list[Report]] = {path: [] for path in files}
    for report in reports:
        grouped.setdefault(report.path, []).append(report)
    return grouped


def checkstyle(reports: Sequence[Report], files: Sequence[str] = ()) -> str:
    """Checkstyle XML: a ``<file>`` per checked file, an ``<error>`` per finding."""
    root = ET.Element("checkstyle", version="4.3")
    for path, found in _by_file(reports, files).items():
        element = ET.SubElement(root, "file", name=path)
        for r in found:
            ET.SubElement(element, "error", line=str(r.start.line), column=str(r.start.column),
                          severity=_CHECKSTYLE_SEVERITIES[r.severity], message=_one_line(r.message),
                          source=f"dockls.{r.rule_id}.{r.rule_name}")
    return _xml(root)


def junit(reports: Sequence[Report], files: Sequence[str] = ()) -> str:
    """JUnit XML: a test suite per checked file, a failed test case per finding (named after its rule and
    line, as GitLab and Jenkins list test cases), or one passing test case for a clean file."""
    grouped = _by_file(reports, files)
    root = ET.Element("testsuites", name="dockls", tests=str(sum(max(1, len(f)) for f in grouped.values())),
                      failures=str(len(reports)), errors="0")
    for path, found in grouped.items():
        suite = ET.SubElement(root, "testsuite", name=path, tests=str(max(1, len(found))),
                              failures=str(len(found)), errors="0", skipped="0")
        if not found:
            ET.SubElement(suite, "testcase", name="dockls", classname=path, file=path)
        for r in found:
            case = ET.SubElement(suite, "testcase", name=f"{r.rule_id} {r.rule_name} (line {r.start.line})",
                                 classname=path, file=path, line=str(r.start.line))
            failure = ET.SubElement(case, "failure", message=_one_line(r.message), type=r.rule_id)
            failure.text = f"{_concise_line(r)}\n{r.url}"
    return _xml(root)
