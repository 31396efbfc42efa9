"""useradd-huge-lastlog (DKL033): useradd with a large UID without -l."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.helpers import apply_only_fix, assert_corpus_fixes_are_safe, findings

NAME = "useradd-huge-lastlog"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=True)


def test_reports_the_command_with_the_size() -> None:
    text = "FROM debian:bookworm-slim\nRUN useradd -u 1000000 -m app\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "useradd -u 1000000 -m app"
    assert "UID 1000000" in finding.message and "292.0 MB" in finding.message and "-l" in finding.message


@pytest.mark.parametrize("command", [
    "useradd -u 100000 app", "useradd -u123456 app", "useradd --uid 999999 app", "useradd --uid=1000000 app",
    "useradd -mu 1000000 app", "/usr/sbin/useradd -r -u 2000000 app",
    "groupadd -g 1000000 g && useradd -u 1000000 -g g a",
])
def test_fires(command: str) -> None:
    assert len(findings(f"FROM debian\nRUN {command}\n", NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM debian\nRUN useradd -u 99999 app\n", id="five digits"),
    pytest.param("FROM debian\nRUN useradd -l -u 1000000 app\n", id="-l"),
    pytest.param("FROM debian\nRUN useradd --no-log-init -u 1000000 app\n", id="--no-log-init"),
    pytest.param("FROM debian\nRUN useradd -lu 1000000 app\n", id="-l combined"),
    pytest.param("FROM debian\nRUN useradd -u $UID app\n", id="UID from a variable"),
    pytest.param("FROM debian\nRUN useradd -c 'uid -u 1000000' app\n", id="inside another option's value"),
    pytest.param("FROM debian\nRUN useradd -m app\n", id="no UID"),
    pytest.param("FROM alpine\nRUN adduser -D -u 1000000 app\n", id="busybox adduser"),
    pytest.param("FROM debian\nRUN echo useradd -u 1000000 app\n", id="only mentioned"),
    pytest.param("FROM debian\n# dockls ignore=useradd-huge-lastlog\nRUN useradd -u 1000000 app\n", id="suppressed"),
    pytest.param("FROM debian\n# hadolint ignore=DL3046\nRUN useradd -u 1000000 app\n", id="hadolint pragma"),
    pytest.param('FROM debian\nSHELL ["pwsh", "-c"]\nRUN useradd -u 1000000 app\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_builder_stage_is_reported_too() -> None:
    text = "FROM debian AS build\nRUN useradd -u 1000000 app\nFROM scratch\nCOPY --from=build /etc/passwd /etc/\n"
    assert len(findings(text, NAME)) == 1


def test_fix_adds_l_after_useradd() -> None:
    assert fixed("FROM debian\nRUN useradd -u 1000000 -m app\n") == "FROM debian\nRUN useradd -l -u 1000000 -m app\n"


def test_fix_in_a_chain_over_lines_with_crlf() -> None:
    text = "FROM debian\r\nRUN groupadd -g 1000000 app \\\r\n && useradd -u 1000000 -g app app\r\n"
    assert fixed(text) == "FROM debian\r\nRUN groupadd -g 1000000 app \\\r\n && useradd -l -u 1000000 -g app app\r\n"


def test_fix_in_a_heredoc() -> None:
    text = "FROM debian\nRUN <<EOF\nset -e\nuseradd -u 1000000 app\nEOF\n"
    assert fixed(text) == "FROM debian\nRUN <<EOF\nset -e\nuseradd -l -u 1000000 app\nEOF\n"


def test_fix_in_the_exec_form() -> None:
    text = 'FROM debian\nRUN ["useradd", "-u", "1000000", "app"]\n'
    assert fixed(text) == 'FROM debian\nRUN ["useradd", "-l", "-u", "1000000", "app"]\n'


def test_fix_in_onbuild() -> None:
    text = "FROM debian\nONBUILD RUN useradd -u 1000000 app\n"
    assert fixed(text) == "FROM debian\nONBUILD RUN useradd -l -u 1000000 app\n"


def test_corpus(corpus: list[Path]) -> None:
    # Real-world files rarely use six-digit UIDs; the rule must still never raise or break a file.
    assert assert_corpus_fixes_are_safe(corpus, NAME) >= 0


def test_uid_from_an_arg_with_a_large_default() -> None:
    text = "FROM debian\nARG APP_UID=1000000\nRUN useradd -u $APP_UID app\n"
    assert fixed(text) == "FROM debian\nARG APP_UID=1000000\nRUN useradd -l -u $APP_UID app\n"


def test_uid_from_an_env_with_a_small_value_is_silent() -> None:
    # hadolint DL3046 reports this one: it counts the characters of `$GRAFANA_UID`, not the UID.
    assert findings("FROM debian\nENV GRAFANA_UID=472\nRUN useradd -r -u $GRAFANA_UID grafana\n", NAME) == []
