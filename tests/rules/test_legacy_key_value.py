"""legacy-key-value (DKL043): ENV/LABEL in the legacy `key value` form."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings

NAME = "legacy-key-value"


def buildkit_values(text: str) -> list[tuple[str, ...]]:
    """The (key, value) of each ENV/LABEL as BuildKit's parser has them (ONBUILD triggers included)."""
    return [cmd.value for cmd in dockerfile.parse_string(text)
            if cmd.cmd.upper() in ("ENV", "LABEL") or (cmd.sub_cmd or "").upper() in ("ENV", "LABEL")]


def same_value(before: str, after: str) -> bool:
    """BuildKit reads the same value: the same text, or that text in double quotes (which keep
    blanks and expand variables as the unquoted legacy value does)."""
    return before == after or after == f'"{before}"'


def fixed(text: str) -> str:
    [finding] = findings(text, NAME)
    [fix] = finding.fixes
    assert fix.safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    for (old_key, old_value), (new_key, new_value) in zip(buildkit_values(text), buildkit_values(after),
                                                          strict=True):
        assert old_key == new_key
        assert same_value(old_value, new_value)
    return after


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("FROM a\nENV APP_HOME /srv/app\n", "FROM a\nENV APP_HOME=/srv/app\n", id="one word"),
    pytest.param("FROM a\nENV PATH /opt/bin:$PATH\n", "FROM a\nENV PATH=/opt/bin:$PATH\n", id="variable"),
    pytest.param("FROM a\nLABEL description A small   service\n", 'FROM a\nLABEL description="A small   service"\n',
                 id="blanks kept in quotes"),
    pytest.param('FROM a\nENV GREETING "hello world"\n', 'FROM a\nENV GREETING="hello world"\n', id="already quoted"),
    pytest.param("FROM a\nENV A x\\ y\n", "FROM a\nENV A=x\\ y\n", id="escaped blank is one word"),
    pytest.param("FROM a\nENV A \\\n    b \\\n    c\n", 'FROM a\nENV A="b \\\n    c"\n', id="continued"),
    pytest.param("FROM a\r\nENV A b c\r\n", 'FROM a\r\nENV A="b c"\r\n', id="CRLF"),
    pytest.param("FROM a\nONBUILD ENV A $B c\n", 'FROM a\nONBUILD ENV A="$B c"\n', id="ONBUILD"),
    pytest.param("FROM a AS b\nENV A 1\nFROM b\nLABEL x y\n", "FROM a AS b\nENV A=1\nFROM b\nLABEL x y\n",
                 id="multi-stage"),
])
def test_fix(text: str, expected: str) -> None:
    if text.count("ENV") + text.count("LABEL") > 1:  # two findings: fix the first
        first = findings(text, NAME)[0]
        assert apply_fix(text, first.fixes[0]) == expected
        return
    assert fixed(text) == expected


def test_message_and_span() -> None:
    text = "FROM a\nENV PATH /opt/bin LANG C.UTF-8\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "PATH"
    assert "legacy" in finding.message and "PATH=" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM a\nENV A \"x\" y\n", id="quotes and blanks"),
    pytest.param("FROM a\nENV A x\\ y z\n", id="escape and blanks"),
    pytest.param("FROM a\nLABEL \"my key\" value\n", id="quoted key"),
])
def test_fires_without_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param("FROM a\nENV A=1 B=2\n", id="key=value"),
    pytest.param('FROM a\nLABEL a="b c"\n', id="label key=value"),
    pytest.param("FROM a\nENV A\n", id="no value"),
    pytest.param("FROM a\nARG A 1\n", id="not ENV or LABEL"),
    pytest.param("FROM a\n# dockls ignore=legacy-key-value\nENV A 1\n", id="suppressed"),
    pytest.param("# check=skip=LegacyKeyValueFormat\nFROM a\nENV A 1\n", id="BuildKit check skip"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_every_fix_keeps_the_value_buildkit_reads() -> None:
    for value in ["1", "a b", "a   b", "$X y", "${X:-a b}", "a=b", "'single'", '"dq"', "x\\ y", "tab\there"]:
        text = f"FROM a\nENV K {value}\n"
        [finding] = findings(text, NAME)
        if finding.fixes:
            fixed(text)


def test_corpus(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
