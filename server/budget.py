"""Time budgets: work that runs past its deadline is cut off instead of stalling the editor.

A watchdog thread looks at the armed budgets a few times a second and raises :class:`BudgetExceeded`
asynchronously in a thread whose budget has run out (``PyThreadState_SetAsyncExc``). Python code is
interrupted at its next bytecode boundary; a single call into C (a regular expression match, a
tree-sitter parse) finishes first, which is why no regular expression of dockls may backtrack
catastrophically (``tests/test_adversarial.py``). Arming a budget costs a dictionary store, so every
rule and every request can have one.
"""

from __future__ import annotations

import ctypes
import functools
import inspect
import logging
import os
import threading
import time
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("dockls")

# How often the watchdog looks: a budget is cut off at most this late.
TICK = 0.02


class BudgetExceeded(Exception):
    """Raised inside work whose time budget ran out."""


@dataclass
class _Armed:
    deadline: float
    fired: bool = False


_armed: dict[int, _Armed] = {}  # thread id → its budget (one per thread: budgets do not nest)
_lock = threading.Lock()  # orders firing against disarming
# Set while budgets are armed: with none, the watchdog waits on it instead of waking the CPU 50 times
# a second in an editor that sits idle all day.
_busy = threading.Event()
_watchdog: threading.Thread | None = None
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)


def _watch() -> None:
    while True:
        if not _armed:
            _busy.clear()
            if not _armed:  # looked at again after clearing: a budget armed in between is not missed
                _busy.wait()
        time.sleep(TICK)
        now = time.monotonic()
        for thread_id, armed in list(_armed.items()):
            if armed.deadline <= now and not armed.fired:
                with _lock:
                    if _armed.get(thread_id) is armed:
                        armed.fired = True
                        _set_async_exc(thread_id, BudgetExceeded)


def _ensure_watchdog() -> None:
    global _watchdog
    if _watchdog is None:
        with _lock:
            if _watchdog is None:
                _watchdog = threading.Thread(target=_watch, name="dockls-budget", daemon=True)
                _watchdog.start()


def _forked() -> None:
    """A forked child (the CLI's worker processes) has none of its parent's threads, and the parent's
    watchdog may have held the lock at the fork: start afresh."""
    global _lock, _watchdog, _busy
    _lock = threading.Lock()
    _busy = threading.Event()
    _armed.clear()
    _watchdog = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


class Budget:
    """Raise :class:`BudgetExceeded` in the block once it has run ``seconds`` (None: no limit, and
    no limit either inside a block that already has one). A class, not a generator: it is entered
    once per rule."""

    __slots__ = ("armed", "thread_id")

    def __init__(self, seconds: float | None) -> None:
        self.thread_id = threading.get_ident()
        outer = _armed.get(self.thread_id)
        self.armed = None if seconds is None or (outer is not None and not outer.fired) else \
            _Armed(time.monotonic() + seconds)

    def __enter__(self) -> None:
        if self.armed is not None:
            _ensure_watchdog()
            _armed[self.thread_id] = self.armed
            if not _busy.is_set():
                _busy.set()

    def __exit__(self, *exc_info: object) -> None:
        armed = self.armed
        if armed is None:
            return
        with _lock:
            if _armed.get(self.thread_id) is armed:
                del _armed[self.thread_id]
            if armed.fired:
                # Fired as the block ended: take back an exception not raised yet, so that it cannot
                # surface in whatever this thread does next.
                _set_async_exc(self.thread_id, ctypes.py_object())


class _Steps:
    """Awaits a coroutine with a budget on its own running time: the budget runs only while the
    coroutine computes, not while it waits (e.g. for an analysis in a worker thread)."""

    def __init__(self, coroutine: Coroutine[Any, Any, Any], seconds: float) -> None:
        self.coroutine = coroutine
        self.seconds = seconds

    def __await__(self) -> Generator[Any, Any, Any]:
        steps = self.coroutine.__await__()
        sent: Any = None
        thrown: BaseException | None = None
        used = 0.0
        while True:
            started = time.monotonic()
            try:
                with Budget(max(self.seconds - used, 0.0)):
                    step = steps.throw(thrown) if thrown is not None else steps.send(sent)
            except StopIteration as done:
                return done.value
            used += time.monotonic() - started
            try:
                sent, thrown = (yield step), None
            except BaseException as error:  # cancellation and the like: the coroutine decides
                sent, thrown = None, error


def budgeted(seconds: float, what: str, handler: Callable[..., Any], default: Any = None) -> Callable[..., Any]:
    """``handler`` (a function or a coroutine function) cut off after ``seconds`` of its own running
    time; it then logs and returns ``default``."""

    def cut_off() -> Any:
        log.warning("%s took longer than %.1f s and was cut off", what, seconds)
        return default

    if inspect.iscoroutinefunction(handler):
        @functools.wraps(handler)
        async def run_coroutine(*args: Any, **kwargs: Any) -> Any:
            try:
                return await _Steps(handler(*args, **kwargs), seconds)
            except BudgetExceeded:
                return cut_off()
        return run_coroutine

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            with Budget(seconds):
                return handler(*args, **kwargs)
        except BudgetExceeded:
            return cut_off()
    return run

