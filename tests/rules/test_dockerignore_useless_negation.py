"""dockerignore-useless-negation (DKL048): `!` exceptions that cannot re-include anything."""

from __future__ import annotations

import pytest

from dockls.engine import analyze_ignore, rule_by_key
from dockls.fixes import apply_edits, fix_all
from dockls.ignorefile import parse_ignore
from dockls.rule import Finding, Severity
from dockls.rules.dockerignore_useless_negation import RULE
from tests.conftest import CORPUS
from tests.rules.helpers import flagged_text, ignore_findings

NAME = "dockerignore-useless-negation"


def findings(text: str) -> list[Finding]:
    return ignore_findings(RULE, text)


def flagged(text: str) -> list[str]:
    return flagged_text(text, findings(text))


def fixed(text: str) -> str:
    """All safe fixes applied; the result parses as well as before, and the rule is silent on it."""
    after, applied = fix_all(text, findings)
    assert applied
    errors = sum(p.error is not None for p in parse_ignore(text).patterns)
    assert sum(p.error is not None for p in parse_ignore(after).patterns) <= errors
    assert findings(after) == []
    assert fix_all(after, findings) == (after, 0)
    return after


def test_the_engine_runs_it_on_ignore_files() -> None:
    assert rule_by_key(NAME) is RULE and RULE.target == "dockerignore"
    assert [f.rule for f in analyze_ignore("!a\n").findings] == [RULE]


def test_exception_before_any_exclusion() -> None:
    text = "# keep the readme\n!README.md\nnode_modules\n"
    found = findings(text)
    assert flagged(text) == ["!README.md"]
    assert found[0].message == ("`!README.md` re-includes nothing: no earlier pattern excludes anything, "
                                "and only earlier patterns can be undone")
    assert found[0].effective_severity is Severity.WARNING
    assert fixed(text) == "# keep the readme\nnode_modules\n"


def test_exception_unrelated_to_every_earlier_exclusion() -> None:
    text = "src\nbuild/out\n!docs/*.md\n!build/keep\n"
    assert flagged(text) == ["!docs/*.md", "!build/keep"]  # `build/out` and `build/keep` are disjoint
    assert "no earlier pattern excludes anything it names" in findings(text)[0].message
    assert fixed(text) == "src\nbuild/out\n"


@pytest.mark.parametrize("text", [
    "dir\n!dir/keep\n",            # BuildKit does not prune `dir`: the literal exception lies inside it
    "*.md\n!README.md\n",          # a wildcard exclusion may match it
    "**/x\n!a\n",                  # `**` may match anything
    "a/b\n!a\n",                   # the exception contains what was excluded
    "a/**\n!a/**\n",
    "a/**\n!a/*.txt\n",            # a wildcard exception is not about the directory entry alone
    "a*/**\n!a*\n",                # only literal exceptions are reasoned about
    "docs/**\n!docs/api\n",        # re-includes docs/api's files (`docs/**` decides them, then this)
    "docs\ndocs/api/**\n!docs/api\n",  # `docs` excluded docs/api, whose children inherit the exception
    "",
    "# !comment\n",
])
def test_silent(text: str) -> None:
    assert findings(text) == []


def test_directory_whose_contents_an_earlier_double_star_excludes() -> None:
    text = "docs/**\r\n!docs\r\n"
    found = findings(text)
    assert flagged(text) == ["!docs"]
    assert found[0].message == ("`!docs` re-includes nothing: `docs/**` on line 1 excludes what is inside "
                                "`docs`, not `docs` itself, and matches each of its contents directly, so they "
                                "stay excluded (write `!docs/**` to re-include them)")
    assert [text[r.span.start:r.span.end] for r in found[0].related] == ["docs/**"]
    ignore = parse_ignore(text)  # what the message claims, per the matcher
    assert ignore.excludes("docs/a.md") and ignore.excludes("docs/x/y") and not ignore.excludes("docs")
    without = parse_ignore("docs/**\r\n")
    assert [without.excludes(p) for p in ("docs", "docs/a.md")] == [ignore.excludes(p) for p in ("docs", "docs/a.md")]
    assert fixed(text) == "docs/**\r\n"


def test_an_earlier_exclusion_of_the_directory_makes_it_useful() -> None:
    text = "*\na/*\n!a"
    assert findings(text) == []
    ignore = parse_ignore(text)  # the walker skips `a/*` below the excluded `a`; its children inherit `!a`
    assert not ignore.excludes("a") and not ignore.excludes("a/x")


def test_invalid_patterns_are_not_exclusions() -> None:
    assert flagged("[\n!x\n!\n") == ["!x"]  # `[` and `!` are dockerignore-syntax's business


def test_bom_and_last_line_without_newline() -> None:
    text = "\ufeff!x\nsrc\n!y"
    assert flagged(text) == ["!x", "!y"]
    assert fixed(text) == "\ufeffsrc\n"


def test_fix_deletes_exactly_the_line() -> None:
    text = "a\n  !b  \nc\n"
    assert apply_edits(text, findings(text)[0].fixes[0].edits) == "a\nc\n"


def test_corpus_ignore_files_never_raise() -> None:
    files = sorted(CORPUS.glob("*ignore")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("corpus absent")
    count = 0
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found = findings(text)
        count += len(found)
        assert all(text[f.span.start] == "!" for f in found)
        if found:
            fixed(text)
    print(f"{NAME}: {count} findings in {len(files)} corpus ignore files")
