"""dockerignore-syntax (DKL047): patterns BuildKit cannot compile."""

from __future__ import annotations

import pytest

from dockls.engine import analyze_ignore, rule_by_key
from dockls.rule import Finding, Severity
from dockls.rules.dockerignore_syntax import RULE
from tests.conftest import CORPUS
from tests.rules.helpers import flagged_text, ignore_findings

NAME = "dockerignore-syntax"


def findings(text: str) -> list[Finding]:
    return ignore_findings(RULE, text)


def test_the_engine_runs_it_on_ignore_files() -> None:
    assert rule_by_key(NAME) is RULE and RULE.target == "dockerignore"
    assert [f.rule for f in analyze_ignore("[\n").findings if f.rule is RULE] == [RULE]


def flagged(text: str) -> list[str]:
    return flagged_text(text, findings(text))


def test_unclosed_class_points_at_the_class() -> None:
    found = findings("node_modules\n*.log\nsrc/[abc\n")
    assert len(found) == 1
    assert found[0].span.start == len("node_modules\n*.log\nsrc/")
    assert found[0].message == ("invalid pattern `src/[abc`: character class is not closed with `]`; "
                                'BuildKit fails the build on it ("syntax error in pattern")')
    assert found[0].effective_severity is Severity.ERROR
    assert found[0].fixes == ()


@pytest.mark.parametrize(("text", "span_text", "what"), [
    ("x/[a-]\n", "[a-]", "character range has no upper bound"),
    ("[-a]\n", "[-", "`-` must be escaped"),
    ("foo\\\n", "\\", "a trailing `\\` escapes nothing"),
    ("\\pQ\n", "\\pQ", "not a Unicode class Go knows"),
])
def test_each_kind_of_error_has_its_range(text: str, span_text: str, what: str) -> None:
    found = findings(text)
    assert flagged_text(text, found) == [span_text]
    assert what in found[0].message


def test_a_lone_exclamation_mark() -> None:
    found = findings("a\n  !  \n")
    assert flagged("a\n  !  \n") == ["!"]
    assert '"illegal exclusion pattern"' in found[0].message


def test_negated_invalid_pattern_keeps_the_exclamation_mark_out_of_the_range() -> None:
    assert flagged("!a[\n") == ["["]


def test_crlf_and_bom_offsets() -> None:
    text = "\ufeff[x\r\nok\r\n ]\\\r\n"
    assert flagged(text) == ["[x", "\\"]


def test_comments_and_valid_patterns_stay_silent() -> None:
    text = "# [not a pattern\n\n*.py[cod]\n**/a?c\n!keep\n\\[literal\nx[\\-]y\n"
    assert findings(text) == []


def test_every_invalid_pattern_is_reported() -> None:
    assert flagged("[\nok\n[\n") == ["[", "["]


def test_corpus_ignore_files_never_raise() -> None:
    files = sorted(CORPUS.glob("*ignore")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("corpus absent")
    count = sum(len(findings(path.read_bytes().decode("utf-8", errors="replace"))) for path in files)
    print(f"{NAME}: {count} findings in {len(files)} corpus ignore files")
    assert count == 0  # every corpus ignore file comes from a project whose builds work
