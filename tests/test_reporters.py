"""Each ``--format``'s exact shape, rendered by dockls.reporters from a small fixture."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from dockls import reporters
from dockls.engine import analyze
from dockls.reporters import Report
from dockls.text import LineIndex
from tests.fake_rules import KEYWORD_CASE, maintainer_rule

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


MAINTAINER = maintainer_rule("MAINTAINER is deprecated,\nuse: LABEL 100%")
RULES = (KEYWORD_CASE, MAINTAINER)

FIXTURE = "FROM alpine\nrun echo hi\nMAINTAINER me\n"


def _reports(text: str = FIXTURE, path: str = "app/Dockerfile") -> list[Report]:
    analysis = analyze(text, rules=list(RULES))
    index = LineIndex(text)
    return [reporters.report_of(path, text, index, finding) for finding in analysis.findings]


def test_report_carries_positions_source_lines_and_fixes() -> None:
    keyword, maintainer = _reports()
    assert (keyword.start.line, keyword.start.column, keyword.end.column) == (2, 1, 4)
    assert keyword.source_lines == ("run echo hi",)
    assert keyword.fixes[0].replacements[0].text == "RUN"
    assert (keyword.fix, maintainer.fix, maintainer.severity) == ("safe", "unsafe", "info")


def test_concise_is_the_stable_one_line_format() -> None:
    assert reporters.concise(_reports()) == (
        "app/Dockerfile:2:1: DKT001 test-keyword-case run should be written RUN\n"
        "app/Dockerfile:3:1: DKT002 test-maintainer MAINTAINER is deprecated, use: LABEL 100%\n"
    )


def test_text_shows_the_source_line_with_carets_under_the_range() -> None:
    assert reporters.text(_reports()[:1]) == (
        "app/Dockerfile:2:1: DKT001 test-keyword-case run should be written RUN\n"
        "  |\n"
        "2 | run echo hi\n"
        "  | ^^^\n"
        "  |\n"
        "  = help: Upper-case the keyword (fixable with --fix)\n"
        "\n"
    )


def test_text_carets_follow_tabs_and_colour_is_only_on_request() -> None:
    [report] = _reports("FROM alpine\n\trun echo\n")
    plain = reporters.text([report])
    assert "2 | \trun echo\n  | \t^^^\n" in plain
    assert "\x1b[" not in plain
    coloured = reporters.text([report], color=True)
    assert "\x1b[33m^^^\x1b[0m" in coloured  # a warning's carets in yellow
    assert "\x1b[1mapp/Dockerfile\x1b[0m" in coloured


def test_json_has_a_version_and_the_findings() -> None:
    document = json.loads(reporters.json_report(_reports()))
    assert document["version"] == 1
    assert [f["id"] for f in document["findings"]] == ["DKT001", "DKT002"]
    assert document["findings"][0]["range"]["start"] == {"line": 2, "column": 1, "offset": 12}


def test_sarif_is_valid_and_carries_rules_regions_and_fixes() -> None:
    log = json.loads(reporters.sarif(_reports(), RULES, "9.9"))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("dockls", "9.9")
    keyword_rule = driver["rules"][0]
    assert keyword_rule["id"] == "DKT001" and keyword_rule["name"] == "test-keyword-case"
    assert keyword_rule["shortDescription"]["text"] == "Keywords are upper-case"
    assert keyword_rule["fullDescription"]["text"] == "## What it does\nChecks keyword case."
    assert keyword_rule["helpUri"] == KEYWORD_CASE.url
    assert [r["defaultConfiguration"]["level"] for r in driver["rules"]] == ["warning", "note"]
    keyword, maintainer = run["results"]
    assert (keyword["ruleId"], keyword["ruleIndex"], keyword["level"]) == ("DKT001", 0, "warning")
    location = keyword["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/Dockerfile"
    assert location["region"] == {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 4}
    [replacement] = keyword["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement == {"deletedRegion": {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 4},
                           "insertedContent": {"text": "RUN"}}
    [deletion] = maintainer["fixes"][0]["artifactChanges"][0]["replacements"]
    assert deletion["deletedRegion"] == {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 14}
    assert maintainer["level"] == "note"


def test_sarif_uris_of_absolute_paths_and_spaces() -> None:
    log = json.loads(reporters.sarif(_reports(path="/src/my app/Dockerfile"), RULES, "1"))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "file:///src/my%20app/Dockerfile"


def test_github_escapes_properties_and_data() -> None:
    out = reporters.github(_reports(path="a,b:c%.Dockerfile"))
    assert out.splitlines() == [
        "::warning file=a%2Cb%3Ac%25.Dockerfile,line=2,col=1,endLine=2,endColumn=4,"
        "title=DKT001 test-keyword-case::run should be written RUN",
        "::notice file=a%2Cb%3Ac%25.Dockerfile,line=3,col=1,endLine=3,endColumn=14,"
        "title=DKT002 test-maintainer::MAINTAINER is deprecated,%0Ause: LABEL 100%25",
    ]


def test_gitlab_issues_and_fingerprints_that_survive_inserted_lines() -> None:
    issues = json.loads(reporters.gitlab(_reports()))
    keyword = issues[0]
    assert keyword["check_name"] == "DKT001"
    assert keyword["description"] == "DKT001 test-keyword-case: run should be written RUN"
    assert [i["severity"] for i in issues] == ["major", "minor"]
    assert keyword["location"]["path"] == "app/Dockerfile"
    assert keyword["location"]["lines"] == {"begin": 2, "end": 2}
    moved = json.loads(reporters.gitlab(_reports("# a comment\n\n" + FIXTURE)))
    assert moved[0]["location"]["lines"]["begin"] == 4
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]


def test_gitlab_fingerprints_tell_identical_findings_apart() -> None:
    issues = json.loads(reporters.gitlab(_reports("FROM alpine\nrun a\nrun a\n")))
    assert len({issue["fingerprint"] for issue in issues}) == 2


def test_checkstyle_parses_and_lists_every_checked_file() -> None:
    root = ET.fromstring(reporters.checkstyle(_reports(path='a&"b<.Dockerfile'), ["a&\"b<.Dockerfile", "clean"]))
    assert (root.tag, root.get("version")) == ("checkstyle", "4.3")
    files = root.findall("file")
    assert [f.get("name") for f in files] == ['a&"b<.Dockerfile', "clean"]
    errors = files[0].findall("error")
    assert [(e.get("line"), e.get("column"), e.get("severity")) for e in errors] == [("2", "1", "warning"),
                                                                                   ("3", "1", "info")]
    assert errors[1].get("message") == "MAINTAINER is deprecated, use: LABEL 100%"
    assert errors[0].get("source") == "dockls.DKT001.test-keyword-case"
    assert files[1].findall("error") == []


def test_junit_has_a_failed_case_per_finding_and_a_passing_case_per_clean_file() -> None:
    root = ET.fromstring(reporters.junit(_reports(), ["app/Dockerfile", "clean/Dockerfile"]))
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "3", "2")
    dirty, clean = root.findall("testsuite")
    assert (dirty.get("name"), dirty.get("failures")) == ("app/Dockerfile", "2")
    cases = dirty.findall("testcase")
    assert cases[0].get("name") == "DKT001 test-keyword-case (line 2)"
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "DKT001"
    assert failure.get("message") == "run should be written RUN"
    [passing] = clean.findall("testcase")
    assert passing.find("failure") is None and clean.get("failures") == "0"


def test_statistics_counts_per_rule_most_first() -> None:
    reports = _reports("FROM alpine\nrun a\nrun b\nMAINTAINER me\n")
    assert reporters.statistics(reports) == "2  DKT001  [*] test-keyword-case\n1  DKT002      test-maintainer\n"
    assert reporters.statistics([]) == ""


@pytest.mark.parametrize("render", [reporters.concise, reporters.github, reporters.text])
def test_line_formats_are_empty_without_findings(render: object) -> None:
    assert callable(render)
    assert render([]) == ""
