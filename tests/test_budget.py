"""Time budgets: a runaway rule or request is cut off, the rest of the work still gets through, and
nothing of the cut-off leaks into what the thread does next."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp

from dockls import budget
from dockls.budget import Budget, BudgetExceeded, budgeted
from dockls.cli import main
from dockls.engine import analyze, rule_by_key
from dockls.lsp import REQUEST_BUDGET
from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity
from dockls.shell import PARSE_SECONDS, parse_script
from tests.lsp_client import TIMEOUT, RecordingClient, capabilities, config, eventually, open_doc, start, uri_of


def _spin() -> None:
    while True:
        pass


def _spinning_check(model: object) -> Iterator[Finding]:
    _spin()
    yield from ()


SPINNING = Rule("DKL999", "spinning", "never ends", Severity.WARNING, "test", FixAvailability.NONE, _spinning_check)


def test_a_runaway_block_is_cut_off_near_its_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(BudgetExceeded), Budget(0.2):
        _spin()
    assert 0.2 <= time.monotonic() - started < 2.0


def test_nothing_is_raised_after_a_block_that_ended_in_time() -> None:
    for _ in range(200):
        with Budget(0.001):
            pass
    time.sleep(0.1)  # a late firing would surface here
    assert sum(range(10)) == 45


def test_no_budget_and_an_inner_budget_inside_an_outer_one_do_not_limit() -> None:
    with Budget(None):
        time.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(BudgetExceeded), Budget(0.3):
        with Budget(0.05):  # the outer budget rules: budgets do not nest
            time.sleep(0.15)
        _spin()
    assert time.monotonic() - started >= 0.3


def test_budgets_are_per_thread() -> None:
    outcome: list[str] = []

    def worker() -> None:
        try:
            with Budget(0.2):
                _spin()
        except BudgetExceeded:
            outcome.append("cut off")

    thread = threading.Thread(target=worker)
    thread.start()
    time.sleep(0.4)  # this thread has no budget and must not be touched
    thread.join(5)
    assert outcome == ["cut off"]


def test_a_budgeted_function_returns_the_default_when_cut_off() -> None:
    assert budgeted(0.1, "spin", lambda: _spin(), default=[])() == []
    assert budgeted(0.1, "quick", lambda: 7)() == 7


def test_a_coroutine_is_charged_for_computing_not_for_waiting() -> None:
    async def waits_then_computes() -> str:
        await asyncio.sleep(0.3)  # longer than the budget, but waiting
        await asyncio.sleep(0)
        return "answered"

    async def computes_forever() -> str:
        await asyncio.sleep(0)
        _spin()
        return "never"

    async def both() -> tuple[str, str | None]:
        return (await budgeted(0.2, "wait", waits_then_computes)(),
                await budgeted(0.2, "spin", computes_forever)())

    assert asyncio.run(both()) == ("answered", None)


def test_a_runaway_rule_is_cut_off_and_the_other_findings_are_kept() -> None:
    latest = rule_by_key("image-latest")
    assert latest is not None
    analysis = analyze("FROM alpine:latest\n", rules=[SPINNING, latest], budget=0.2)
    assert [f.rule.name for f in analysis.findings] == ["image-latest"]
    assert analysis.cut_off == [SPINNING]


def test_the_cli_names_the_file_and_the_rule_it_cut_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("dockls.engine.all_rules", lambda: (SPINNING,))
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\n")
    assert main(["--check", "--rule-timeout", "0.2", str(path)]) == 0
    assert (f"{path}: warning: rule DKL999 (spinning) took longer than 0.2 s and was cut off"
            in capsys.readouterr().err)


def test_the_cli_refuses_a_negative_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check", "--rule-timeout", "-1", "Dockerfile"]) == 2
    assert "not a number of seconds" in capsys.readouterr().err


# The real server with one rule and the hover made to spin forever (patched before it starts).
SPINNING_SERVER = """
import dockls.features.hover
import dockls.rules.image_latest
from dockls.lsp import serve

def spin(*args):
    while True:
        pass

def spinning_check(model):
    spin()
    yield

object.__setattr__(dockls.rules.image_latest.RULE, "check", spinning_check)
dockls.features.hover.hover = spin
serve()
"""


@pytest_lsp.fixture(config=config([sys.executable, "-c", SPINNING_SERVER]))
async def spinning(client: RecordingClient) -> AsyncIterator[None]:
    await start(client, capabilities("visual-studio-code"))
    yield
    await client.shutdown_session()


@pytest.mark.asyncio
async def test_the_server_cuts_off_a_runaway_rule_and_request_and_keeps_serving(spinning: RecordingClient) -> None:
    uri = uri_of("budget/Dockerfile")
    open_doc(spinning, uri, "FROM alpine:latest\nMAINTAINER someone\n")
    await eventually(lambda: uri in spinning.diagnostics, "diagnostics despite the runaway rule")
    assert "DKL039" in {d.code for d in spinning.diagnostics[uri]}  # maintainer-deprecated
    assert "DKL025" not in {d.code for d in spinning.diagnostics[uri]}  # image-latest, cut off
    assert any("image-latest" in m.message and "cut off" in m.message for m in spinning.log_messages)
    started = time.monotonic()
    hover = await asyncio.wait_for(spinning.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(uri), lsp.Position(0, 6))), TIMEOUT)
    assert hover is None
    assert REQUEST_BUDGET <= time.monotonic() - started < REQUEST_BUDGET + 5
    symbols = await spinning.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri)))
    assert symbols  # still serving


def test_a_shell_parse_that_takes_too_long_is_given_up_and_the_run_is_opaque() -> None:
    started = time.monotonic()
    model = Model.from_text("FROM alpine:3.20\nRUN " + "|" * 100_000 + "\n")
    assert time.monotonic() - started < PARSE_SECONDS + 5
    assert [(run.opaque, run.commands, run.shell_errors) for run in model.runs] == [(True, (), False)]
    assert parse_script("apt-get update && apt-get install -y curl\n" * 200, lambda i: i).complete


def test_the_watchdog_sleeps_when_no_budget_is_armed() -> None:
    """An editor left open all day: nothing wakes the CPU while nothing is being checked."""
    with Budget(1.0):
        assert budget._busy.is_set()
    deadline = time.monotonic() + 2
    while budget._busy.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not budget._busy.is_set()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_starts_its_own_watchdog() -> None:
    with Budget(1.0):
        pass
    child = os.fork()
    if child == 0:  # the child: a budget must still cut off, and report through the exit status
        try:
            with Budget(0.2):
                _spin()
        except BudgetExceeded:
            os._exit(7)
        os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 7
