"""exec-form-cmd (DKL038): CMD and ENTRYPOINT in shell form."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "exec-form-cmd"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


def test_reports_the_arguments() -> None:
    text = "FROM python:3.12-slim\nCMD python app.py\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "python app.py"
    assert finding.effective_severity is Severity.WARNING
    assert "PID 1" in finding.message


def test_entrypoint_message_says_arguments_are_ignored() -> None:
    [finding] = findings("FROM alpine\nENTRYPOINT nginx -g daemon=off\n", NAME)
    assert "ignores CMD and docker run arguments" in finding.message


@pytest.mark.parametrize(("before", "after"), [
    ("CMD python app.py", 'CMD ["python", "app.py"]'),
    ("CMD exec gunicorn -b 0.0.0.0:8000 app:app", 'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]'),
    ("ENTRYPOINT /usr/local/bin/run --port=80", 'ENTRYPOINT ["/usr/local/bin/run", "--port=80"]'),
    ("cmd   node   server.js", 'cmd   ["node", "server.js"]'),
])
def test_fix_to_exec_form(before: str, after: str) -> None:
    assert fixed(f"FROM alpine\n{before}\n") == f"FROM alpine\n{after}\n"


def test_fix_joins_continuation_lines_crlf() -> None:
    assert fixed("FROM alpine\r\nCMD nginx \\\r\n    -c /etc/nginx.conf\r\n") == (
        'FROM alpine\r\nCMD ["nginx", "-c", "/etc/nginx.conf"]\r\n')


def test_fix_of_onbuild_trigger() -> None:
    assert fixed("FROM alpine\nONBUILD CMD node server.js\n") == 'FROM alpine\nONBUILD CMD ["node", "server.js"]\n'


@pytest.mark.parametrize("command", [
    "echo $HOME", "python app.py > /tmp/log", "migrate && serve", "echo 'a b'", 'echo "a"', "ls *.txt",
    "ls ~", "cd /app", "exec", "FOO=1 serve", "run # comment", r"echo a\ b", "serve &",
])
def test_no_fix_when_the_shell_does_more_than_split_words(command: str) -> None:
    [finding] = findings(f"FROM alpine\nCMD {command}\n", NAME)
    assert finding.fixes == ()


@pytest.mark.parametrize("text", [
    pytest.param('FROM alpine\nSHELL ["/bin/ash", "-c"]\nCMD serve\n', id="SHELL in the stage"),
    pytest.param('FROM alpine AS base\nSHELL ["/bin/bash", "-c"]\nFROM base\nCMD serve\n', id="SHELL in the parent"),
    pytest.param("# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\nCMD serve.exe\n", id="Windows"),
])
def test_no_fix_with_another_shell(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


def test_shell_after_the_cmd_does_not_matter() -> None:
    assert fixed('FROM alpine\nCMD serve\nSHELL ["/bin/ash", "-c"]\n') == (
        'FROM alpine\nCMD ["serve"]\nSHELL ["/bin/ash", "-c"]\n')


def test_every_stage() -> None:
    assert len(findings("FROM alpine AS build\nCMD make\nFROM scratch\nCMD app\n", NAME)) == 2


@pytest.mark.parametrize("text", [
    pytest.param('FROM alpine\nCMD ["serve"]\nENTRYPOINT ["tini", "--"]\n', id="exec form"),
    pytest.param("FROM alpine\nHEALTHCHECK CMD wget -q localhost\n", id="HEALTHCHECK"),
    pytest.param("FROM alpine\nRUN make\n", id="RUN"),
    pytest.param("FROM alpine\nRUN <<EOF\nCMD serve\nEOF\n", id="heredoc text"),
    pytest.param("FROM alpine\n# dockls ignore=exec-form-cmd\nCMD serve\n", id="suppressed"),
    pytest.param("FROM alpine\n# hadolint ignore=DL3025\nCMD serve\n", id="hadolint pragma"),
    pytest.param("# check=skip=JSONArgsRecommended\nFROM alpine\nCMD serve\n", id="buildkit skip"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
