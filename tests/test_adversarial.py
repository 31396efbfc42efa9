"""No regular expression or loop of dockls blows up on hostile input: every rule, the parser, the
editor features and the ignore-file matcher run over inputs built to trigger catastrophic
backtracking (long runs of one character, nested quotes, 100 KB lines, deep continuations) and must
finish within a bound that is generous (a busy CI machine) but far below what exponential work takes.

A SIGALRM stops an input that hangs: CPython's regular expression engine checks for signals while it
matches, so even a runaway match ends the test with a clear failure instead of stalling CI."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dockls.buildcontext import BuildContext
from dockls.completion import complete
from dockls.engine import all_rules, analyze_ignore
from dockls.hover import hover
from dockls.ignorefile import IgnoreModel, parse_ignore
from dockls.model import Model
from dockls.symbols import document_symbols, folding_ranges
from dockls.syntax import parse
from dockls.text import LineIndex
from dockls.tokens import semantic_tokens

LONG = 100_000  # characters in a hostile line
PER_RULE = 5.0  # seconds one rule may take on one hostile input (linear work takes milliseconds)
PER_INPUT = 60.0  # seconds after which an input is declared hanging


def _dockerfiles() -> dict[str, str]:
    run = "FROM alpine:3.20\nRUN "
    return {
        "run-of-letters": run + "a" * LONG,
        "run-of-spaces": run + " " * LONG + "x",
        "run-of-tabs-and-spaces": run + " \t" * (LONG // 2) + "x",
        "double-quotes": run + '"' * LONG,
        "single-quotes": run + "'" * LONG,
        "backticks": run + "`" * LONG,
        "nested-quotes": run + "echo " + "\"'" * (LONG // 2),
        "escaped-quotes": run + 'echo "' + '\\"' * (LONG // 2),
        "backslashes": run + "\\" * LONG + "x",
        "dollars": run + "$" * LONG,
        "open-expansions": run + "${" * (LONG // 2),
        "nested-substitutions": run + "echo " + "$(" * 2_000 + "x" + ")" * 2_000,
        "arithmetic": run + "$((" * (LONG // 3),
        "operators": run + "a && " * (LONG // 5),
        "pipes": run + "|" * LONG,
        "semicolons": run + ";" * LONG,
        "install-flags": run + "apt-get install " + "-y " * (LONG // 3),
        "install-packages": run + "pip install " + "p " * (LONG // 2),
        "urls": run + "curl http://" + "a." * (LONG // 2),
        "secret-lookalikes": run + "echo " + "AKIA" * (LONG // 4),
        "private-key-headers": run + "echo " + "-----BEGIN " * (LONG // 11),
        "continuations": "FROM alpine:3.20\nRUN echo \\\n" + " a \\\n" * 10_000 + " end\n",
        "empty-continuations": "FROM alpine:3.20\nRUN \\\n" + "\\\n" * 10_000 + "true\n",
        "heredoc-long-line": "FROM alpine:3.20\nRUN <<EOF\n" + "a" * LONG + "\nEOF\n",
        "heredoc-unterminated": "FROM alpine:3.20\nRUN <<EOF\n" + "x\n" * 10_000,
        "many-heredocs": "FROM alpine:3.20\nRUN " + "<<A" * 5_000 + "\n",
        "from-colons": "FROM " + "a:" * (LONG // 2),
        "from-slashes": "FROM " + "/" * LONG,
        "from-digests": "FROM a" + "@sha256:" * (LONG // 8),
        "from-variables": "FROM " + "${A:-" * (LONG // 5),
        "copy-stars": "FROM alpine:3.20\nCOPY " + "*" * LONG + " /x/",
        "copy-globstars": "FROM alpine:3.20\nCOPY " + "**/" * (LONG // 3) + "x /x/",
        "copy-classes": "FROM alpine:3.20\nCOPY " + "[" * LONG + " /x/",
        "mount-options": "FROM alpine:3.20\nRUN --mount=" + "type=cache," * (LONG // 11) + " true",
        "flags": "FROM alpine:3.20\nRUN " + "--x " * (LONG // 4) + "true",
        "env-pairs": "FROM alpine:3.20\nENV " + "a=" * (LONG // 2),
        "label-backslashes": 'FROM alpine:3.20\nLABEL a="' + "\\" * LONG + '"',
        "json-brackets": "FROM alpine:3.20\nCMD " + "[" * LONG,
        "json-strings": 'FROM alpine:3.20\nCMD ["' + '","' * (LONG // 3) + '"]',
        "arg-name": "ARG " + "A" * LONG + "\nFROM alpine:3.20",
        "user-colons": "FROM alpine:3.20\nUSER " + ":" * LONG,
        "expose-ports": "FROM alpine:3.20\nEXPOSE " + "1/" * (LONG // 2),
        "comment": "# " + "x" * LONG + "\nFROM alpine:3.20",
        "directive": "# syntax=" + "x" * LONG + "\nFROM alpine:3.20",
        "check-directive": "# check=skip=" + "," * LONG + "\nFROM alpine:3.20",
        "suppression": "FROM alpine:3.20\n# dockls ignore=" + "a," * (LONG // 2) + "\nRUN true",
        "many-stages": "".join(f"FROM alpine:3.20 AS s{i}\nCOPY --from=s{max(i - 1, 0)} / /\n" for i in range(3_000)),
        "many-runs": "FROM alpine:3.20\n" + "RUN apt-get install -y curl\n" * 3_000,
        "control-characters": run + "\x00\x1b\x7f" * (LONG // 3),
        "wide-characters": run + "echo " + "🐳日本" * (LONG // 3),
    }


def _ignore_files() -> dict[str, str]:
    return {
        "stars": "*" * LONG,
        "globstars": "**/" * (LONG // 3) + "x",
        "star-letters": "a*" * (LONG // 2) + "b",
        "questions": "?" * LONG,
        "classes": "[" * LONG,
        "ranges": "[a-" * (LONG // 3),
        "escapes": "\\" * LONG,
        "negations": "!" * LONG + "x",
        "many-patterns": "".join(f"**/dir{i}/**/*.tmp\n!**/dir{i}/keep\n" for i in range(2_000)),
    }


@contextmanager
def _hang_guard(seconds: float) -> Iterator[None]:
    def hanging(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer after {seconds:g} s: exponential work?")

    previous = signal.signal(signal.SIGALRM, hanging)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


DOCKERFILES = _dockerfiles()


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_every_rule_and_feature_stays_linear_on_a_hostile_dockerfile(name: str) -> None:
    text = DOCKERFILES[name]
    slow: dict[str, float] = {}
    with _hang_guard(PER_INPUT):
        started = time.perf_counter()
        model = Model(parse(text), None)
        _ = model.runs  # the shell parse, charged to the parser rather than to the first rule using it
        slow["parse and model"] = time.perf_counter() - started
        for rule in all_rules():
            if rule.target == "dockerfile":
                slow[rule.name] = _timed(lambda rule=rule: list(rule.check(model)))  # type: ignore[misc]
        lines = LineIndex(text)
        offsets = sorted({0, len(text) // 3, len(text) // 2, max(len(text) - 1, 0), len(text)})
        slow["hover"] = _timed(lambda: [hover(model, offset) for offset in offsets])
        slow["completion"] = _timed(lambda: [complete(model, offset) for offset in offsets])
        slow["symbols and folding"] = _timed(lambda: (document_symbols(model), folding_ranges(model, lines)))
        slow["semantic tokens"] = _timed(lambda: semantic_tokens(model, lines))
    assert {what: seconds for what, seconds in slow.items() if seconds > PER_RULE} == {}


IGNORE_FILES = _ignore_files()


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> BuildContext:
    """A small context with deep and long paths for hostile patterns to be matched against."""
    root = tmp_path_factory.mktemp("context")
    deep = root.joinpath(*["d"] * 40)
    deep.mkdir(parents=True)
    for folder in (root, deep):
        (folder / ("a" * 200 + ".tmp")).write_text("x")
        (folder / "keep").write_text("x")
    (root / "Dockerfile").write_text("FROM alpine:3.20\nCOPY . /app\n")
    return BuildContext(root, root / ".dockerignore", root / "Dockerfile")


@pytest.mark.parametrize("name", sorted(IGNORE_FILES))
def test_ignore_rules_and_matching_stay_linear_on_a_hostile_ignore_file(name: str, context: BuildContext) -> None:
    text = IGNORE_FILES[name]
    slow: dict[str, float] = {}
    paths = ["a" * 200 + ".tmp", "/".join(["d"] * 40) + "/keep", "x/" * 500 + "y", "b" * 10_000]
    with _hang_guard(PER_INPUT):
        ignore = parse_ignore(text)
        slow["matching"] = _timed(lambda: [ignore.excludes(path) for path in paths])
        model = IgnoreModel(text, ignore, context, [Model.from_text(Path(context.dockerfile or "").read_text())])
        for rule in all_rules():
            if rule.target == "dockerignore":
                slow[rule.name] = _timed(lambda rule=rule: list(rule.check(model)))  # type: ignore[misc]
        slow["whole analysis"] = _timed(lambda: analyze_ignore(text, context=context))
    assert {what: seconds for what, seconds in slow.items() if seconds > PER_RULE} == {}
