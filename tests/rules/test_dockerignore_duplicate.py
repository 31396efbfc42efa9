"""dockerignore-duplicate (DKL050): patterns an earlier pattern already covers."""

from __future__ import annotations

import pytest

from dockls.engine import analyze_ignore, rule_by_key
from dockls.fixes import apply_edits, fix_all
from dockls.ignorefile import parse_ignore
from dockls.rule import Finding, Severity
from dockls.rules.dockerignore_duplicate import RULE
from tests.conftest import CORPUS
from tests.rules.helpers import flagged_text, ignore_findings

NAME = "dockerignore-duplicate"
# Paths to compare BuildKit's decisions on before and after a fix.
PROBES = ("node_modules", "node_modules/a", "node_modules/foo/x", "dist", "dist/a.map", "dist/a.js",
          "a.log", "logs/a.log", "keep", "keep/x", "src/a", "build/x/y")


def findings(text: str) -> list[Finding]:
    return ignore_findings(RULE, text)


def flagged(text: str) -> list[str]:
    return flagged_text(text, findings(text))


def fixed(text: str) -> str:
    """All fixes applied: no new invalid pattern, the same decisions, and the rule is silent."""
    after, applied = fix_all(text, findings)
    assert applied
    before_ignore, after_ignore = parse_ignore(text), parse_ignore(after)
    assert sum(p.error is not None for p in after_ignore.patterns) <= \
        sum(p.error is not None for p in before_ignore.patterns)
    assert [after_ignore.excludes(p) for p in PROBES] == [before_ignore.excludes(p) for p in PROBES]
    assert findings(after) == []
    assert fix_all(after, findings) == (after, 0)
    return after


def test_the_engine_runs_it_on_ignore_files() -> None:
    assert rule_by_key(NAME) is RULE and RULE.target == "dockerignore"
    assert [f.rule for f in analyze_ignore("a\na\n").findings] == [RULE]


def test_same_pattern_after_cleaning() -> None:
    text = "/node_modules\ndist\n./node_modules/\n"
    found = findings(text)
    assert flagged(text) == ["./node_modules/"]
    assert found[0].message == "`./node_modules/` is the same pattern as `/node_modules` on line 1"
    assert found[0].effective_severity is Severity.INFO
    assert [text[r.span.start:r.span.end] for r in found[0].related] == ["/node_modules"]
    assert found[0].fixes[0].safe
    assert fixed(text) == "/node_modules\ndist\n"


def test_path_below_an_earlier_directory() -> None:
    text = "node_modules\r\n# generated\r\nnode_modules/foo\r\ndist/**\r\ndist/*.map\r\n"
    assert flagged(text) == ["node_modules/foo", "dist/*.map"]
    assert findings(text)[0].message == "`node_modules/foo` is already excluded by `node_modules` on line 1"
    assert fixed(text) == "node_modules\r\n# generated\r\ndist/**\r\n"


def test_identical_wildcard_patterns_and_last_line_without_newline() -> None:
    text = "\ufeff*.log\n*.log"
    assert flagged(text) == ["*.log"]
    assert fixed(text) == "\ufeff*.log\n"


@pytest.mark.parametrize("text", [
    "keep\n!keep/x\nkeep/x\n",      # the exception in between: the later line excludes again
    "*.log\n**/*.log\n",             # different patterns (root only vs everywhere)
    "dist/**\ndist\n",               # `dist/**` does not exclude `dist` itself
    "src/*\nsrc/a\n",                # only literal directories (and `DIR/**`) are compared
    "a\n!a\n",
    "[\n[\n",                        # invalid patterns are dockerignore-syntax's business
    "# a\n# a\n",
])
def test_silent(text: str) -> None:
    assert findings(text) == []


def test_corpus_ignore_files_never_raise() -> None:
    files = sorted(CORPUS.glob("*ignore")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("corpus absent")
    count = 0
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        found = findings(text)
        count += len(found)
        if found:
            fixed(text)
    print(f"{NAME}: {count} findings in {len(files)} corpus ignore files")


def test_fix_deletes_exactly_the_later_line() -> None:
    text = "a\n  a  \nb\n"
    assert apply_edits(text, findings(text)[0].fixes[0].edits) == "a\nb\n"
