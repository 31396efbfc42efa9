"""The command-line adapter: ``dockls --check`` / ``--fix`` / ``--diff``, ``dockls parse``, ``dockls rules``,
and the language server when run with no arguments, ``lsp`` or ``--stdio``.

Files ↔ :func:`dockls.engine.analyze` and :func:`dockls.fixes.fix_all`, nothing else: no rule logic lives
here. Output formats, exit codes and edge cases are documented in ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from dockls import __version__, reporters
from dockls.buildcontext import context_for, invalidate
from dockls.checker import Checked, Checker
from dockls.config import Configuration, Layer, Resolved, rules_named
from dockls.docs import render_rule
from dockls.engine import all_rules, prepare_process, rule_by_key
from dockls.files import check_patterns, find_inputs, is_ignore_file
from dockls.fixes import OverlappingEdits, fix_all
from dockls.reporters import Report
from dockls.reporters import fix_kind as fix_kind  # re-exported: tests and tools import it from here
from dockls.rule import Finding, NewFile, Severity
from dockls.syntax import Instruction, parse
from dockls.text import LineIndex, Span

EXIT_OK = 0
EXIT_FINDINGS = 1  # findings at or above the threshold, or --diff has changes to show
EXIT_ERROR = 2  # usage error, or an input could not be read or written

STDIN = "-"
# A pipeline is not waiting on a keystroke: a rule gets longer per file than in the editor.
CLI_RULE_BUDGET = 10.0


# --------------------------------------------------------------------------- reading inputs


@dataclass
class Source:
    """One input: where it came from, its exact bytes and the text the engine sees."""

    path: str  # as displayed: as given on the command line, or found under a given directory
    location: Path | None  # None for stdin
    data: bytes
    text: str
    invalid_utf8_at: int | None = None  # byte offset of the first byte that is not UTF-8


def _decode(path: str, location: Path | None, data: bytes) -> Source:
    # BuildKit reads bytes, so a Latin-1 comment does not break a build: such a file is still checked,
    # with each invalid sequence read as U+FFFD, but never rewritten (that would change its bytes).
    try:
        return Source(path, location, data, data.decode("utf-8"))
    except UnicodeDecodeError as error:
        return Source(path, location, data, data.decode("utf-8", errors="replace"), error.start)


def _read_stdin() -> bytes:
    if sys.stdin is None:  # e.g. started without any standard input
        raise OSError("no standard input to read")
    buffer = getattr(sys.stdin, "buffer", None)
    return bytes(buffer.read()) if buffer is not None else sys.stdin.read().encode("utf-8")


def _read(path: str, location: Path | None) -> Source:
    """Raises OSError when the input cannot be read."""
    data = _read_stdin() if location is None else location.read_bytes()
    return _decode(path, location, data)


@dataclass(frozen=True)
class _Input:
    path: str
    location: Path | None


def _expand_inputs(paths: Sequence[str], stdin_name: str, stderr: TextIO,
                   exclude: Sequence[str] = ()) -> list[_Input]:
    """Files to check, sorted by display path, each once; directories are searched recursively
    (honouring .gitignore and the --exclude patterns); files named explicitly are always checked."""
    found: dict[str, _Input] = {}
    for given in paths:
        if given == STDIN:
            found.setdefault("\0stdin", _Input(stdin_name, None))
            continue
        if os.path.isdir(given):
            # Only regular files: a dangling symlink or a FIFO named Dockerfile is not an input.
            files = [p for p in find_inputs(Path(given), exclude) if p.is_file()]
            if not files:
                print(f"{given}: warning: no Dockerfiles found", file=stderr)
            for file in files:
                found.setdefault(os.path.realpath(file), _Input(str(file), file))
            continue
        found.setdefault(os.path.realpath(given), _Input(given, Path(given)))
    return sorted(found.values(), key=lambda item: item.path)


# --------------------------------------------------------------------------- presenting findings


def _position(index: LineIndex, offset: int) -> dict[str, int]:
    """1-based line and column (in code points) and the 0-based code-point offset."""
    line, column = index.position(offset, "utf-32")
    return {"line": line + 1, "column": column + 1, "offset": offset}


def _range(index: LineIndex, span: Span) -> dict[str, dict[str, int]]:
    return {"start": _position(index, span.start), "end": _position(index, span.end)}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --------------------------------------------------------------------------- fixing


def _fix(text: str, check: Checker, unsafe: bool = False) -> tuple[str, int, Checked]:
    """Apply safe fixes (with ``unsafe``, unsafe ones too) until none is left; returns the text, how many
    were applied and its analysis."""
    latest: list[Checked] = []

    def findings(current: str) -> list[Finding]:
        latest[:] = [check(current)]
        return latest[0].findings

    fixed, applied = fix_all(text, findings, unsafe)
    # fix_all's last check ran on the final text unless it stopped after MAX_PASSES.
    analysis = latest[0] if latest[0].text == fixed else check(fixed)
    return fixed, applied, analysis


def new_files(findings: Sequence[Finding]) -> list[NewFile]:
    """The files the findings' safe fixes create, where no such file exists yet."""
    wanted = {new.path: new for f in findings for fix in f.fixes[:1] if fix.safe for new in fix.new_files}
    return [new for path, new in sorted(wanted.items()) if not path.exists()]


def _lines(text: str) -> list[str]:
    """Lines split at "\\n" only (str.splitlines also splits at form feeds and U+2028)."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    return [*lines, pieces[-1]] if pieces[-1] else lines


def unified_diff(path: str, before: str, after: str) -> str:
    out: list[str] = []
    for line in difflib.unified_diff(_lines(before), _lines(after), fromfile=path, tofile=path):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _write_stdout_bytes(data: bytes) -> None:
    """Write a document to stdout byte for byte (no newline translation)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only replacement stream
        sys.stdout.write(data.decode("utf-8", errors="replace"))
    else:
        buffer.write(data)
        buffer.flush()


# --------------------------------------------------------------------------- dockls --check / --fix / --diff


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also NaN
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}")
    return seconds


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockls",
        description="Check Dockerfiles for larger images and slower builds than necessary, and fix them.",
        epilog="Other commands: 'dockls parse FILE' prints the syntax tree as JSON; 'dockls rules' lists "
        "the rules; 'dockls rule NAME' prints a rule's documentation; 'dockls context [DIR]' shows the build "
        "context that would be sent; "
        "'dockls', 'dockls lsp' or 'dockls --stdio' starts the language server on stdin/stdout. "
        "Exit status: 0 no finding at or above the threshold, 1 some, 2 usage error or unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"dockls {__version__}")
    parser.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="Dockerfiles or directories to search recursively ('-' reads stdin; default: '.')",
    )
    parser.add_argument("--check", action="store_true", help="report findings")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place, then report the rest")
    parser.add_argument(
        "--diff", action="store_true", help="print the safe fixes as a unified diff instead of writing them"
    )
    parser.add_argument(
        "--unsafe-fixes", action="store_true",
        help="with --fix or --diff, also apply the fixes that may change what the image contains",
    )
    parser.add_argument(
        "--fix-only", action="store_true",
        help="apply fixes but report nothing about the findings left, nor exit 1 for them (implies --fix)",
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="PATTERN",
        help="skip files and directories matching this gitignore-style pattern (relative to the working "
        "directory) when searching directories; may be repeated",
    )
    parser.add_argument(
        "--format", action=_FormatAction, choices=FORMATS, dest="outputs", metavar="FORMAT",
        help=f"output format: {', '.join(FORMATS)} (default: text); may be given more than once, each with "
        "its own --output",
    )
    parser.add_argument(
        "--output", action=_OutputAction, dest="outputs", metavar="FILE",
        help="write the report of the --format before it (or, before any --format, of the first one) to FILE",
    )
    parser.add_argument(
        "--statistics", action="store_true",
        help="print how many findings each rule has instead of the findings (text and concise formats)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no summary line on stderr: only the findings")
    parser.add_argument("--exit-zero", action="store_true",
                        help="exit with 0 even when there are findings (2 still means an error)")
    parser.add_argument(
        "--severity-threshold", choices=[s.value for s in Severity], default=Severity.WARNING.value,
        help="exit with 1 when a finding has this severity or a higher one (default: warning)",
    )
    parser.add_argument(
        "--select", action="append", default=[], metavar="RULES",
        help="only run these rules (comma-separated ids, names or categories, or ALL)",
    )
    parser.add_argument(
        "--extend-select", action="append", default=[], metavar="RULES",
        help="also run these rules, on top of the selection of the configuration",
    )
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="RULES",
        help="do not run these rules (comma-separated ids, names or categories)",
    )
    parser.add_argument(
        "--config", metavar="FILE",
        help="use this .dockls.toml, pyproject.toml or .hadolint.yaml instead of searching for configuration",
    )
    parser.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument(
        "--rule-timeout", type=_seconds, default=CLI_RULE_BUDGET, metavar="SECONDS",
        help=f"cut off a rule that runs longer than this on one file (default: {CLI_RULE_BUDGET:g}; 0: never)",
    )
    parser.add_argument(
        "--show-config", metavar="FILE",
        help="print the effective configuration for FILE (the files used and each rule's state) and exit",
    )
    parser.add_argument(
        "--stdin-filename", metavar="NAME", help="the path to show for '-' (and read stdin when no PATH)"
    )
    return parser


FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "checkstyle", "junit")


class _FormatAction(argparse.Action):
    """Collects --format and --output in command-line order as [format, file] pairs (see docs/cli.md)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        pairs: list[list[str | None]] = getattr(namespace, "outputs", None) or []
        if len(pairs) == 1 and pairs[0][0] is None:  # an --output given before any --format
            pairs[0][0] = values
        else:
            pairs.append([values, None])
        namespace.outputs = pairs


class _OutputAction(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        pairs: list[list[str | None]] = getattr(namespace, "outputs", None) or []
        if not pairs:
            pairs.append([None, values])
        elif pairs[-1][1] is not None:
            parser.error(f"--output {values}: --format {pairs[-1][0] or 'text'} already has an --output")
        else:
            pairs[-1][1] = values
        namespace.outputs = pairs


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs; text to stdout when no --format is given."""
    pairs: list[list[str | None]] = getattr(args, "outputs", None) or [["text", None]]
    return [(output_format or "text", output) for output_format, output in pairs]


def _check_outputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    outputs = _outputs(args)
    to_stdout = [output_format for output_format, output in outputs if output is None]
    if len(to_stdout) > 1:
        parser.error(f"--format {' and --format '.join(to_stdout)} would both write to stdout: give all but one "
                     "an --output FILE")
    files = [os.path.realpath(output) for _, output in outputs if output is not None]
    if len(set(files)) < len(files):
        parser.error("--output: two formats write to the same file")
    tables = [output_format for output_format, _ in outputs if output_format not in ("text", "concise")]
    if args.statistics and tables:
        parser.error(f"--statistics prints a table: it cannot be written as --format {tables[0]}")


def _rule_ids(parser: argparse.ArgumentParser, values: Sequence[str], option: str) -> tuple[str, ...]:
    ids: list[str] = []
    for key in (k.strip() for value in values for k in value.split(",")):
        if not key:
            continue
        rules = rules_named(key)
        if not rules:
            parser.error(f"{option}: unknown rule or category {key!r} (see 'dockls rules')")
        ids.extend(rule.id for rule in rules if rule.id not in ids)
    return tuple(ids)


def _configuration(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Configuration:
    """The configuration files as found for each input, then the command-line options over them."""
    options = Layer(
        "command line",
        select=_rule_ids(parser, args.select, "--select") if args.select else None,
        extend_select=_rule_ids(parser, args.extend_select, "--extend-select"),
        ignore=_rule_ids(parser, args.ignore, "--ignore"),
    )
    config_file = Path(args.config) if args.config else None
    if config_file is not None and not config_file.is_file():
        parser.error(f"--config: {args.config}: no such file")
    return Configuration(after=[options], isolated=args.isolated, config_file=config_file)


@dataclass
class _Run:
    """One ``dockls --check`` invocation: its options and what it has found so far."""

    args: argparse.Namespace
    configuration: Configuration
    threshold: int
    report: TextIO  # where findings go: stdout, or stderr when stdout carries a fixed document
    files: int = 0
    files_with_findings: int = 0
    findings: int = 0
    fixable: int = 0
    fixes_applied: int = 0
    files_fixed: int = 0
    failed: bool = False  # some input could not be read or written, or some configuration not used
    over_threshold: bool = False
    reported: set[str] = field(default_factory=set)  # configuration problems, each said once
    checked: list[str] = field(default_factory=list)  # display paths of the inputs checked
    reports: list[Report] = field(default_factory=list)

    @property
    def fixing(self) -> bool:
        return bool(self.args.fix or self.args.diff)

    @property
    def fix_kinds(self) -> tuple[str, ...]:
        """The kinds of fix (see ``fix_kind``) that --fix applies with these options."""
        return ("safe", "unsafe") if self.args.unsafe_fixes else ("safe",)

    @property
    def writing(self) -> bool:
        return bool(self.args.fix and not self.args.diff)

    def error(self, path: str, message: str) -> None:
        print(f"{path}: error: {message}", file=sys.stderr)
        self.failed = True

    def checker_for(self, source: Source) -> Checker:
        """How to check the source, with its configuration; configuration files that cannot be used
        are reported once (an error: exit status 2) and left out, so the check still runs."""
        resolved = self.configuration.for_path(_config_path(source, self.args.stdin_filename))
        _report_configuration(resolved, self.reported)
        if resolved.errors:
            self.failed = True
        name = source.location.name if source.location is not None else (self.args.stdin_filename or "")
        return Checker(resolved.config, source.location, resolved.context, is_ignore_file(name),
                       resolved.max_context_size, budget=self.args.rule_timeout or None)


def _config_path(source: Source, stdin_filename: str | None) -> Path | None:
    """Where a source's configuration is searched from: its file, or --stdin-filename for stdin."""
    if source.location is not None:
        return source.location
    return Path(stdin_filename) if stdin_filename else None


def _report_configuration(resolved: Resolved, reported: set[str]) -> None:
    for kind, messages in (("error", resolved.errors), ("warning", resolved.warnings)):
        for message in messages:
            if message not in reported:
                reported.add(message)
                print(f"{message.replace(': ', f': {kind}: ', 1)}", file=sys.stderr)


def _warn_invalid_utf8(source: Source, fixing: bool) -> None:
    assert source.invalid_utf8_at is not None
    at = source.invalid_utf8_at
    line = source.data.count(b"\n", 0, at) + 1
    note = "; it is not fixed" if fixing else ""
    print(f"{source.path}: warning: not valid UTF-8 (byte 0x{source.data[at]:02x} on line {line}); "
          f"invalid bytes are read as U+FFFD{note}", file=sys.stderr)


def _fixed(run: _Run, source: Source, check: Checker) -> tuple[str, int, Checked]:
    """One input with its safe fixes applied; unchanged when it is not UTF-8 or its fixes conflict."""
    if source.invalid_utf8_at is None:
        try:
            return _fix(source.text, check, run.args.unsafe_fixes)
        except OverlappingEdits as error:
            run.error(source.path, f"fixes with conflicting edits ({error}); the file is left unchanged")
    return source.text, 0, check(source.text)


def _create_files(run: _Run, source: Source, check: Checker, analysis: Checked) -> Checked:
    """Create (or, with --diff, show) the files the remaining safe fixes create, such as a missing
    .dockerignore; returns the analysis after them."""
    created = new_files(analysis.findings) if source.location is not None else []
    for new in created:
        if run.args.diff:
            sys.stdout.write(unified_diff(str(new.path), "", new.text).replace(
                f"--- {new.path}", "--- /dev/null", 1))
            continue
        try:
            new.path.write_bytes(new.text.encode("utf-8"))
        except OSError as error:
            run.error(str(new.path), f"cannot create it: {error.strerror or error}")
            continue
        invalidate(new.path)
        print(f"{source.path}: created {new.path}", file=sys.stderr)
    run.fixes_applied += len(created)
    run.files_fixed += bool(created)
    return check(analysis.text) if created and not run.args.diff else analysis


def _fix_source(run: _Run, source: Source, check: Checker) -> Checked:
    """Fix one input as the options say (write, diff or print to stdout); returns the final analysis."""
    fixed, applied, analysis = _fixed(run, source, check)
    analysis = _create_files(run, source, check, analysis)
    if fixed == source.text:
        if run.writing and source.location is None:
            _write_stdout_bytes(source.data)  # stdin with --fix always prints the document
        return analysis
    if run.args.diff:
        sys.stdout.write(unified_diff(source.path, source.text, fixed))
    elif source.location is None:
        _write_stdout_bytes(fixed.encode("utf-8"))
    else:
        try:
            source.location.write_bytes(fixed.encode("utf-8"))
        except OSError as error:
            run.error(source.path, f"cannot write the fixes: {error.strerror or error}")
            return check(source.text)
    run.files_fixed += 1
    run.fixes_applied += applied
    return analysis


def _reports(path: str, analysis: Checked) -> list[Report]:
    index = LineIndex(analysis.text)
    return [reporters.report_of(path, analysis.text, index, finding) for finding in analysis.findings]


# A file's reports, and the rules that were cut off on it ("DKL001 (name)").
Computed = tuple[list[Report], list[str]]


def _computed(path: str, analysis: Checked) -> Computed:
    return _reports(path, analysis), [f"{rule.id} ({rule.name})" for rule in analysis.cut_off]


def _analyze_reports(path: str, text: str, check: Checker) -> Computed:
    """Runs in a worker process when many files are checked at once: sends back plain data."""
    return _computed(path, check(text))


# Below this many inputs a process pool costs more than it saves (starting workers ≈ 50 ms).
_PARALLEL_FROM = 32


def _parallel_reports(run: _Run, sources: list[Source], checkers: list[Checker],
                      progress: Progress) -> list[Computed] | None:
    """Every source's records, computed by one worker process per CPU when that pays off (checking
    many files without fixing, on a system that can fork); None otherwise."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if run.fixing or len(sources) < _PARALLEL_FROM or cpus < 2 or "fork" not in mp.get_all_start_methods():
        return None
    with ProcessPoolExecutor(max_workers=cpus, mp_context=mp.get_context("fork")) as pool:
        jobs = [pool.submit(_analyze_reports, s.path, s.text, check)
                for s, check in zip(sources, checkers)]
        results = []
        for job in jobs:  # in input order, so the output order does not depend on the workers
            results.append(job.result())
            progress.advance()
        return results


class Progress:
    """A "checking: done/total files" line on ``stream`` while a long run goes on: only on a terminal,
    only once the run has taken half a second, redrawn at most ten times a second, erased at the end."""

    DELAY = 0.5
    INTERVAL = 0.1

    def __init__(self, stream: TextIO | None, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.total = total
        self.done = 0
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None

    def advance(self) -> None:
        self.done += 1
        if self.stream is None:
            return
        now = self.clock()
        if now - self.started < self.DELAY or (self.drawn_at is not None and now - self.drawn_at < self.INTERVAL):
            return
        self.drawn_at = now
        self.stream.write(f"\rchecking: {self.done}/{self.total} files")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.drawn_at is not None:
            self.stream.write("\r\x1b[K")  # erase the line before the summary is printed
            self.stream.flush()
            self.drawn_at = None


def _check_source(run: _Run, source: Source, check: Checker, computed: Computed | None = None) -> None:
    run.files += 1
    run.checked.append(source.path)
    if source.invalid_utf8_at is not None:
        _warn_invalid_utf8(source, run.fixing)
    if computed is None:
        computed = _computed(source.path, _fix_source(run, source, check) if run.fixing else check(source.text))
    reports, cut_off = computed
    for rule in cut_off:
        print(f"{source.path}: warning: rule {rule} took longer than {check.budget} s and was cut off; "
              "its findings are missing (see --rule-timeout)", file=sys.stderr)
    if run.args.diff or not reports:
        return
    run.files_with_findings += 1
    run.findings += len(reports)
    run.fixable += sum(report.fix in run.fix_kinds for report in reports)
    run.over_threshold |= any(report.rank >= run.threshold for report in reports)
    run.reports.extend(reports)


def _color(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to anything (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and stream.isatty()


def _render(run: _Run, output_format: str, stream: TextIO) -> str:
    if run.args.statistics:
        return reporters.statistics(run.reports)
    if output_format == "text":
        return reporters.text(run.reports, color=_color(stream))
    if output_format == "concise":
        return reporters.concise(run.reports)
    if output_format == "json":
        return reporters.json_report(run.reports)
    if output_format == "sarif":
        return reporters.sarif(run.reports, all_rules(), __version__)
    if output_format == "github":
        return reporters.github(run.reports)
    if output_format == "gitlab":
        return reporters.gitlab(run.reports)
    if output_format == "checkstyle":
        return reporters.checkstyle(run.reports, run.checked)
    return reporters.junit(run.reports, run.checked)


def _write_outputs(run: _Run) -> None:
    """Every --format to its --output (or to the report stream); a file that cannot be written is an error."""
    for output_format, output in _outputs(run.args):
        if output is None:
            run.report.write(_render(run, output_format, run.report))
            continue
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(_render(run, output_format, stream))
        except OSError as error:
            run.error(output, f"cannot write the report: {error.strerror or error}")


def _check(argv: Sequence[str]) -> int:
    parser = _check_parser()
    try:
        args = parser.parse_args(argv)
        args.fix = args.fix or args.fix_only
        if not (args.check or args.fix or args.diff or args.show_config):
            parser.error("give --check, --fix, --diff or --show-config (or no arguments to start the language "
                         "server)")
        _check_outputs(parser, args)
        try:
            check_patterns(args.exclude)
        except ValueError as error:
            parser.error(f"--exclude: {error}")
        configuration = _configuration(parser, args)
    except SystemExit as stop:  # argparse: usage error (2), or --help / --version (0)
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    if args.show_config:
        return _show_config(configuration, args)
    paths = args.paths or ([STDIN] if args.stdin_filename else ["."])
    stdout_has_document = args.fix and not args.diff and STDIN in paths
    run = _Run(args, configuration, Severity(args.severity_threshold).rank,
               sys.stderr if stdout_has_document else sys.stdout)
    sources: list[Source] = []
    for item in _expand_inputs(paths, args.stdin_filename or STDIN, sys.stderr, args.exclude):
        try:
            sources.append(_read(item.path, item.location))
        except OSError as error:
            run.error(item.path, str(error.strerror or error))
    checkers = [run.checker_for(source) for source in sources]
    progress = Progress(sys.stderr, len(sources))
    try:
        computed = _parallel_reports(run, sources, checkers, progress)
        for at, source in enumerate(sources):
            _check_source(run, source, checkers[at], computed[at] if computed is not None else None)
            if computed is None:
                progress.advance()
    finally:
        progress.close()
    if not (args.diff or args.fix_only):
        _write_outputs(run)
    if not args.quiet:
        _summarize(run)
    if run.failed:
        return EXIT_ERROR
    if args.exit_zero or args.fix_only:  # --fix-only: what is left is not this run's business
        return EXIT_OK
    if args.diff:
        return EXIT_FINDINGS if run.files_fixed else EXIT_OK
    return EXIT_FINDINGS if run.over_threshold else EXIT_OK


def _summarize(run: _Run) -> None:
    def say(message: str) -> None:
        print(message, file=sys.stderr)

    if run.args.diff:
        if run.files_fixed:
            say(f"Would fix {_plural(run.fixes_applied, 'problem')} in {_plural(run.files_fixed, 'file')}.")
        else:
            say(f"No fixes to apply ({_plural(run.files, 'file')} checked).")
        return
    fixed = f"Fixed {_plural(run.fixes_applied, 'problem')} in {_plural(run.files_fixed, 'file')}"
    if run.args.fix_only:
        say(f"{fixed}." if run.files_fixed else f"No fixes to apply ({_plural(run.files, 'file')} checked).")
        return
    fixable = ""
    if run.fixable:
        fixable = f" ({run.fixable} fixable with --fix{' --unsafe-fixes' if run.args.unsafe_fixes else ''})"
    if run.args.fix and run.files_fixed:
        say(f"{fixed}; {run.findings} remain{'s' if run.findings == 1 else ''}{fixable}.")
    elif run.findings:
        say(f"Found {_plural(run.findings, 'problem')} in "
            f"{_plural(run.files_with_findings, 'file')}{fixable}.")
    else:
        say(f"No problems found ({_plural(run.files, 'file')} checked).")


def _print_table(rows: Sequence[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell; the last one runs free."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]))


# --------------------------------------------------------------------------- dockls --show-config FILE


def _show_config(configuration: Configuration, args: argparse.Namespace) -> int:
    path = Path(args.show_config)
    resolved = configuration.for_path(path)
    _report_configuration(resolved, set())
    if any(output_format == "json" for output_format, _ in _outputs(args)):
        print(json.dumps({
            "path": args.show_config,
            "files": [str(file) for file in resolved.files],
            "errors": list(resolved.errors),
            "rules": [
                {"id": s.rule.id, "name": s.rule.name, "enabled": s.enabled, "severity": s.severity.value,
                 "decided_by": s.decided_by}
                for s in resolved.rules
            ],
        }, indent=2))
    else:
        print(f"Configuration for {args.show_config}")
        files = ", ".join(str(file) for file in resolved.files) or "none (defaults)"
        print(f"Configuration files: {files}")
        print()
        rows = [("ID", "NAME", "SEVERITY", "DECIDED BY")]
        rows += [(s.rule.id, s.rule.name, s.severity.value if s.enabled else "off", s.decided_by)
                 for s in resolved.rules]
        _print_table(rows)
    return EXIT_ERROR if resolved.errors else EXIT_OK


# --------------------------------------------------------------------------- dockls parse


def _instruction_json(inst: Instruction, index: LineIndex) -> dict[str, Any]:
    return {
        "keyword": inst.keyword,
        "start_line": inst.start_line + 1,
        "end_line": inst.end_line + 1,
        "flags": [flag.raw for flag in inst.flags],
        "flag_details": [
            {
                "name": flag.name,
                "value": flag.value,
                "options": [{"key": option.key, "value": option.value} for option in flag.options],
                "range": _range(index, flag.span),
            }
            for flag in inst.flags
        ],
        "value": inst.value,
        "json": inst.json,
        "heredocs": [{"name": heredoc.name, "content": heredoc.content} for heredoc in inst.heredocs],
        "sub": _instruction_json(inst.sub, index) if inst.sub is not None else None,
        "range": _range(index, inst.span),
    }


def syntax_tree_json(text: str) -> dict[str, Any]:
    """The syntax tree of ``text`` in the shape ``dockls parse`` prints (see docs/cli.md)."""
    tree = parse(text)
    index = LineIndex(text)
    return {
        "escape": tree.escape,
        "directives": [
            {"name": d.name, "value": d.value, "range": _range(index, d.span)} for d in tree.directives
        ],
        "instructions": [_instruction_json(inst, index) for inst in tree.instructions],
        "problems": [
            {"message": p.message, "severity": p.severity, "range": _range(index, p.span)}
            for p in tree.problems
        ],
    }


def _parse(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="dockls parse", description="Print the syntax tree of a Dockerfile as JSON."
    )
    parser.add_argument("file", metavar="FILE", help="the Dockerfile ('-' reads stdin)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    try:
        source = _read(args.file, None if args.file == STDIN else Path(args.file))
    except OSError as error:
        print(f"{args.file}: error: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    if source.invalid_utf8_at is not None:
        print(f"{args.file}: warning: not valid UTF-8; invalid bytes are read as U+FFFD", file=sys.stderr)
    print(json.dumps(syntax_tree_json(source.text), indent=2))
    return EXIT_OK


# --------------------------------------------------------------------------- dockls rules


def _rules(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="dockls rules", description="List the rules.")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    rules = all_rules()
    if args.format == "json":
        listing = [
            {
                "id": r.id, "name": r.name, "severity": r.severity.value, "fix": r.fix.value,
                "category": r.category, "summary": r.summary, "url": r.url,
            }
            for r in rules
        ]
        print(json.dumps(listing, indent=2))
        return EXIT_OK
    rows = [("ID", "NAME", "CATEGORY", "SEVERITY", "FIX", "SUMMARY")]
    rows += [(r.id, r.name, r.category, r.severity.value, r.fix.value, r.summary) for r in rules]
    _print_table(rows)
    return EXIT_OK


# --------------------------------------------------------------------------- dockls rule NAME|ID


def _rule(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="dockls rule", description="Print the documentation of a rule.")
    parser.add_argument("key", metavar="NAME|ID", help="the rule's name or id, as 'dockls rules' lists them")
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    rule = rule_by_key(args.key)
    if rule is None:
        # Ids are offered in their usual upper case; lookups ignore case.
        spellings = {spelling.lower(): spelling for r in all_rules() for spelling in (r.name, r.id)}
        close = difflib.get_close_matches(args.key.strip().lower(), list(spellings), n=3, cutoff=0.7)
        hint = f"; did you mean {' or '.join(spellings[key] for key in close)}?" if close else ""
        print(f"dockls rule: error: unknown rule {args.key!r}{hint} (see 'dockls rules')", file=sys.stderr)
        return EXIT_ERROR
    print(render_rule(rule), end="")
    return EXIT_OK


# --------------------------------------------------------------------------- dockls context


def _context(argv: Sequence[str]) -> int:
    # Imported here so that `dockls --check` never pays for the context walker.
    import time

    from dockls.buildcontext import ContextCache, report_json, report_lines

    parser = argparse.ArgumentParser(
        prog="dockls context",
        description="Show the build context that is sent to the builder: its size and largest entries after "
        "the ignore file.",
    )
    parser.add_argument("directory", nargs="?", metavar="DIR",
                        help="the context directory (default: the Dockerfile's context with --dockerfile, else '.')")
    parser.add_argument("--dockerfile", metavar="FILE",
                        help="the Dockerfile (default: DIR/Dockerfile): picks its ignore file and, without DIR, "
                        "its context (a compose service that builds it, else its directory)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--max-files", type=int, default=1_000_000, metavar="N",
                        help="stop walking after N files (default: 1,000,000)")
    parser.add_argument("--max-seconds", type=float, default=60.0, metavar="S",
                        help="stop walking after S seconds (default: 60)")
    parser.add_argument("--top", type=int, default=10, metavar="N",
                        help="how many of the largest files and directories to list (default: 10)")
    try:
        args = parser.parse_args(argv)
        if args.max_files < 1 or not args.max_seconds > 0 or args.top < 0:
            parser.error("--max-files and --max-seconds must be positive and --top not negative")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    if args.directory is not None and not os.path.isdir(args.directory):
        print(f"{args.directory}: error: not a directory", file=sys.stderr)
        return EXIT_ERROR
    if args.dockerfile is not None and not os.path.isfile(args.dockerfile):
        print(f"{args.dockerfile}: error: no such file", file=sys.stderr)
        return EXIT_ERROR
    directory = Path(args.directory) if args.directory is not None else None
    if args.dockerfile is not None:
        context = context_for(Path(args.dockerfile), directory)
    else:  # like `docker build DIR`: DIR/Dockerfile, whose own ignore file applies when it has one
        context = context_for((directory or Path(".")) / "Dockerfile", directory or Path("."))
    context.max_files, context.max_seconds = args.max_files, args.max_seconds
    context.cache = ContextCache(capacity=1, max_age=None)  # this run's walk of the disk as it is now

    # A "walking … N files" line on stderr once the walk has taken a moment, only on a terminal.
    started, drawn_at = time.monotonic(), [0.0]
    terminal = sys.stderr is not None and sys.stderr.isatty()

    def progress(files: int) -> None:
        now = time.monotonic()
        if terminal and now - started > 0.3 and now - drawn_at[0] > 0.1:
            drawn_at[0] = now
            sys.stderr.write(f"\rwalking the build context: {files:,} files...")
            sys.stderr.flush()

    try:
        context.walk(progress)
    finally:
        if drawn_at[0]:
            sys.stderr.write("\r\x1b[K")  # erase the progress line
            sys.stderr.flush()
    summary = context.summary(top=args.top)
    if args.format == "json":
        print(json.dumps(report_json(context, summary), indent=2, ensure_ascii=True))
    else:
        print("\n".join(report_lines(context, summary)))
    return EXIT_OK


# --------------------------------------------------------------------------- dockls lsp


def _lsp(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="dockls lsp", description="Run the language server on stdin/stdout."
    )
    parser.add_argument("--stdio", action="store_true", help="use stdin/stdout (the only transport)")
    try:
        parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_ERROR
    # Imported here so that the checker never pays for (or depends on) the LSP stack.
    from dockls.lsp import serve

    serve()
    return EXIT_OK


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    # The program itself (not a caller in a process of its own, such as the tests) checks with its
    # process prepared; the language server prepares its own (dockls.lsp.serve).
    program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0] == "--stdio":
            return _lsp(argv)
        command, rest = argv[0], argv[1:]
        if command == "lsp":
            return _lsp(rest)
        if command == "parse":
            return _parse(rest)
        if command == "rules":
            return _rules(rest)
        if command == "rule":
            return _rule(rest)
        if command == "context":
            return _context(rest)
        if program:
            prepare_process()
        return _check(argv)
    except BrokenPipeError:
        # The reader went away (`dockls --check . | head`): stop quietly, as other Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FINDINGS
