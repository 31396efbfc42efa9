"""The build context made visible: what a Dockerfile takes from the context, what the context sends
after the ignore file's exclusions, and what each ignore pattern excludes.

``context_sources(model)`` lists the COPY/ADD sources read from the context; ``context_facts(context,
ignore)`` attributes every walked file to the pattern that decides it (computed once per walk and
ignore file, then cached); ``copy_hover`` and ``ignore_hover`` build the hovers of a whole-context
``COPY .`` and of an ignore document. Everything is read from the walk of :mod:`dockls.buildcontext`;
nothing here touches the disk itself.
"""

from __future__ import annotations

import bisect
import itertools
import posixpath
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dockls.buildcontext import BuildContext, ContextFile, ContextWalk
from dockls.ignorefile import IgnoreFile, IgnoreModel, Pattern, parse_ignore
from dockls.images import format_size
from dockls.model import Model
from dockls.syntax import Instruction
from dockls.text import Span

LARGEST_SHOWN = 5
EXAMPLES_SHOWN = 5


# --------------------------------------------------------------------------- what a Dockerfile copies


@dataclass(frozen=True)
class ContextSource:
    """A COPY/ADD source read from the build context."""

    instruction: Instruction
    text: str  # as written
    span: Span
    path: str  # cleaned and context-relative; "" is the whole context

    @property
    def whole_context(self) -> bool:
        return self.path == ""

    @property
    def is_glob(self) -> bool:
        return any(char in self.path for char in "*?[")


def clean_source(source: str) -> str:
    """A COPY source as a context-relative POSIX path: ``./src/`` → ``src``; ``.``, ``/`` and ``..``
    (which the context clamps to its root) → ``""``."""
    cleaned = posixpath.normpath("/" + source).lstrip("/")
    return "" if cleaned == "." else cleaned


def context_sources(model: Model) -> Iterator[ContextSource]:
    """The sources every stage's COPY/ADD reads from the context, in document order. Not listed:
    ``--from`` copies, URLs and git sources, heredocs, and sources with variables (their value is
    only known at build time). ONBUILD triggers run in another build, with its own context."""
    for stage in model.stages:
        for inst in stage.instructions:
            if inst.keyword not in ("COPY", "ADD") or inst.flag("from") is not None:
                continue
            for text, span in zip(inst.value[:-1], inst.value_spans[:-1], strict=False):
                if text.startswith("<<") or "$" in text or "://" in text or text.startswith("git@"):
                    continue
                yield ContextSource(inst, text, span, clean_source(text))


def whole_context_copies(model: Model) -> list[ContextSource]:
    """The ``COPY .`` / ``ADD .`` sources (also ``./``): copies of everything the context sends."""
    return [source for source in context_sources(model) if source.whole_context]


def source_files(walk: ContextWalk, source: ContextSource) -> list[ContextFile]:
    """The walked files a source names: the file, the files below the directory, or the files a
    glob's matches hold (``*`` stays within one path segment, as in Go's ``filepath.Match``)."""
    if source.whole_context:
        return walk.files
    if not source.is_glob:
        return _files_under(walk, source.path)
    key = (id(walk), source.path)
    with _facts_lock:
        known = _globs.get(key)
        if known is not None and known[0] is walk:
            return known[1]
    compiled = parse_ignore(source.path).patterns
    found: list[ContextFile] = []
    if compiled and compiled[0].error is None:
        depth = source.path.count("/")
        for path in walk.sizes():  # every file and directory; a match at the glob's depth is copied whole
            if path.count("/") == depth and compiled[0].matches(path):
                found += _files_under(walk, path)
        found.sort(key=_path)
    with _facts_lock:
        if len(_globs) >= 32:
            _globs.clear()
        _globs[key] = (walk, found)
    return found


_globs: dict[tuple[int, str], tuple[ContextWalk, list[ContextFile]]] = {}


def _files_under(walk: ContextWalk, path: str) -> list[ContextFile]:
    """The file ``path``, or the files below the directory ``path``."""
    # The walk is sorted by path: the file and the files below the directory are one run of it.
    start = bisect.bisect_left(walk.files, path, key=_path)
    found: list[ContextFile] = []
    prefix = path + "/"
    for file in itertools.islice(walk.files, start, None):
        if file.path == path or file.path.startswith(prefix):
            found.append(file)
        elif file.path > prefix:
            break
    return found


def _path(file: ContextFile) -> str:
    return file.path


# --------------------------------------------------------------------------- what the context sends


@dataclass(frozen=True)
class Entry:
    """A top-level entry of the context: a file, or a directory (``path`` ending in ``/``) with the
    total of what is sent of it."""

    path: str
    size: int
    files: int


@dataclass
class ContextFacts:
    """The walk split by the ignore file, each file attributed to the pattern that decides it."""

    sent: list[ContextFile]
    excluded: list[ContextFile]
    sent_bytes: int
    excluded_bytes: int
    capped: str | None
    entries: list[Entry]  # top-level entries of what is sent, largest first
    decided_by: dict[int, list[ContextFile]] = field(default_factory=dict)  # id(Pattern) → files
    excluded_paths: frozenset[str] = frozenset()


_facts: OrderedDict[tuple[int, int], tuple[ContextWalk, IgnoreFile | None, ContextFacts]] = OrderedDict()
_facts_lock = threading.Lock()
_FACTS_KEPT = 4


def context_facts(context: BuildContext, ignore: IgnoreFile | None = None) -> ContextFacts:
    """What ``context`` sends with ``ignore`` (by default the context's own ignore file); cached per
    walk and ignore file (both are replaced, not mutated, when the disk changes)."""
    walk = context.walk()
    ignore = ignore if ignore is not None else context.ignore
    key = (id(walk), id(ignore))
    with _facts_lock:
        known = _facts.get(key)
        if known is not None and known[0] is walk and known[1] is ignore:
            _facts.move_to_end(key)
            return known[2]
    facts = _compute_facts(walk, ignore)
    with _facts_lock:
        _facts[key] = (walk, ignore, facts)
        while len(_facts) > _FACTS_KEPT:
            _facts.popitem(last=False)
    return facts


def _compute_facts(walk: ContextWalk, ignore: IgnoreFile | None) -> ContextFacts:
    sent: list[ContextFile] = []
    excluded: list[ContextFile] = []
    decided_by: dict[int, list[ContextFile]] = {}
    for file in walk.files:
        pattern = ignore.deciding(file.path) if ignore is not None else None
        if pattern is not None:
            decided_by.setdefault(id(pattern), []).append(file)
        (excluded if pattern is not None and not pattern.negated else sent).append(file)
    return ContextFacts(sent, excluded, sum(f.size for f in sent), sum(f.size for f in excluded),
                        walk.capped, top_level_entries(sent), decided_by, frozenset(f.path for f in excluded))


def top_level_entries(files: list[ContextFile]) -> list[Entry]:
    """Files aggregated by top-level directory, largest first."""
    totals: dict[str, tuple[int, int]] = {}
    for file in files:
        top, slash, _ = file.path.partition("/")
        name = top + slash
        size, count = totals.get(name, (0, 0))
        totals[name] = (size + file.size, count + 1)
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    return [Entry(path, size, count) for path, (size, count) in ranked]


def count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def amount(size: int, files: int, capped: str | None = None) -> str:
    """``12 MB in 345 files``, prefixed with "at least" when the walk was capped."""
    text = f"{format_size(size)} in {count(files, 'file', 'files')}"
    return f"at least {text}" if capped else text


def entry_text(entry: Entry) -> str:
    if entry.path.endswith("/"):
        return f"`{entry.path}` {format_size(entry.size)} ({count(entry.files, 'file', 'files')})"
    return f"`{entry.path}` {format_size(entry.size)}"


# --------------------------------------------------------------------------- hovers


@dataclass(frozen=True)
class ContextHover:
    span: Span
    markdown: str


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def context_markdown(context: BuildContext, ignore: IgnoreFile | None = None) -> str:
    """The report of what the context sends: totals, largest entries, exclusions, ignore file, cap."""
    facts = context_facts(context, ignore)
    lines = [f"**Build context** `{context.root}` — sends {amount(facts.sent_bytes, len(facts.sent), facts.capped)}"]
    if context.ignore_path is None and ignore is None:
        lines.append("No `.dockerignore`: everything under the root is sent.")
    else:
        name = _shown(context.ignore_path, context.root) if context.ignore_path is not None else "the ignore file"
        lines.append(f"`{name}` excludes {amount(facts.excluded_bytes, len(facts.excluded))}.")
    if facts.entries:
        lines.append("Largest entries sent:\n" + "\n".join(
            f"- {entry_text(entry)}" for entry in facts.entries[:LARGEST_SHOWN]))
    if facts.capped:
        lines.append(f"The walk {facts.capped}: the figures are incomplete.")
    return "\n\n".join(lines)


def copy_hover(model: Model, offset: int) -> ContextHover | None:
    """The hover of a whole-context ``COPY .``/``ADD .`` at ``offset`` (its keyword or its ``.``)."""
    context = model.context
    if context is None:
        return None
    for source in whole_context_copies(model):
        inst = source.instruction
        if offset in source.span or offset in inst.keyword_span:
            span = source.span if offset in source.span else inst.keyword_span
            facts = context_facts(context)
            brings = (f"This `{inst.keyword} {source.text}` brings in everything that is sent "
                      f"({amount(facts.sent_bytes, len(facts.sent), facts.capped)}).")
            return ContextHover(span, context_markdown(context) + "\n\n" + brings)
    return None


def ignore_hover(model: IgnoreModel, offset: int) -> ContextHover | None:
    """The hover at ``offset`` of an ignore document (``model.text``) that filters ``model.context``:
    the context report on the first line, what a pattern excludes (or re-includes) on a pattern."""
    text, ignore, context = model.text, model.ignore, model.context
    # A document whose folder does not exist (yet) has no context on disk to speak of.
    if context is None or not 0 <= offset <= len(text) or not context.root.is_dir():
        return None
    first_line_end = text.find("\n")
    first_line = Span(0, len(text) if first_line_end < 0 else first_line_end)
    on_first_line = offset in first_line or offset == first_line.end
    for pattern in ignore.patterns:
        if offset in pattern.span or offset == pattern.span.end:
            markdown = pattern_markdown(context, ignore, pattern)
            if on_first_line:
                markdown += "\n\n---\n\n" + context_markdown(context, ignore)
            return ContextHover(pattern.span, markdown)
    if on_first_line:
        return ContextHover(first_line, context_markdown(context, ignore))
    return None


def pattern_markdown(context: BuildContext, ignore: IgnoreFile, pattern: Pattern) -> str:
    written = f"`{'!' if pattern.negated else ''}{pattern.text}`"
    if pattern.error is not None:
        return f"{written} is invalid and matches nothing: {pattern.error}."
    facts = context_facts(context, ignore)
    files = facts.decided_by.get(id(pattern), [])
    verb = "re-includes" if pattern.negated else "excludes"
    at_least = "at least " if facts.capped else ""
    if not files:
        lines = [f"{written} {verb} {at_least}nothing: no file of the context is decided by it "
                 "(another pattern already decides the files it matches, or there are none)."]
    else:
        lines = [f"{written} {verb} {amount(sum(f.size for f in files), len(files), facts.capped)}."]
        examples = sorted(files, key=lambda f: (-f.size, f.path))[:EXAMPLES_SHOWN]
        lines.append("For example:\n" + "\n".join(f"- `{f.path}` {format_size(f.size)}" for f in examples))
    if facts.capped:
        lines.append(f"The walk {facts.capped}: the figures are incomplete.")
    return "\n\n".join(lines)
