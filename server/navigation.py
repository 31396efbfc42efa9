"""Go to definition, references, highlights and rename for stage names and ARG/ENV variables.

Everything is computed once per :class:`~dockls.model.Model` (an index of every occurrence, kept
while the model lives) and then answered by offset.

**Stages.** ``FROM … AS name`` defines a stage; ``FROM name``, ``COPY --from=name`` and
``RUN --mount=from=name`` (also inside ONBUILD triggers) refer to it. Names compare
case-insensitively, as in BuildKit. A numeric reference (``--from=0``) refers to a stage by index:
it is listed among the references but never renamed (the index does not change). Image names that
are no stage, and references built from variables, are no symbol.

**Variables.** Each ``ARG NAME[=v]`` and each ``ENV NAME=v`` creates a *binding*; a use
(``$X``, ``${X}``, ``${X:-d}`` …) refers to the binding visible where it stands:

* ARGs before the first FROM are global: visible in FROM lines (image, ``--platform``) only. The
  predefined ARGs (TARGETARCH, proxies …) are global bindings without a declaration.
* Inside a stage a global ARG is visible only after ``ARG NAME`` without a value re-declares it; that
  declaration *links* to the global binding (one symbol, as BuildKit shares the value). A global
  ``ARG NAME`` without value after an earlier global ``ARG NAME`` links the same way.
* A stage built ``FROM`` an earlier stage inherits the ARG and ENV bindings in scope at that
  stage's end.
* A later ARG/ENV of the same name shadows: uses after it refer to the new binding, which is a
  symbol of its own; except that an ENV always wins over an ARG of the same name (BuildKit), so an
  ARG after an ENV of its name is a declaration nothing uses. The values in one ENV see the scope
  before that ENV (``ENV a=1 b=$a`` uses the previous ``a``, as Docker documents); ARG defaults
  see the names declared to their left.
* Uses are found in every instruction BuildKit expands (FROM, ADD, COPY, ENV, ARG, EXPOSE, LABEL,
  STOPSIGNAL, USER, VOLUME, WORKDIR and the flags of RUN), in shell-form RUN bodies when the shell is
  a POSIX shell (it expands ARG and ENV from the environment), in the bodies of heredocs whose
  delimiter is not quoted, and in shell-form CMD/ENTRYPOINT/HEALTHCHECK, which run with the image's
  ENV only (there an ARG binding is not visible), like ONBUILD triggers, which are expanded in
  the build of a child image. Single-quoted text is never expanded.
* A use no binding explains (``$HOME``, a predefined ARG used without re-declaration) is a *free*
  use; the free uses of one name form one symbol without definitions, which cannot be renamed.
"""

from __future__ import annotations

import posixpath
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from dockls.model import DEFAULT_SHELL, PLATFORM_ARGS, PROXY_ARGS, Model, Run, Stage
from dockls.shell import POSIX_SHELLS
from dockls.syntax import Heredoc, Instruction, LogicalLine
from dockls.text import Span

SymbolKind = Literal["stage", "variable"]

STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9-_.]*$")
VARIABLE_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PREDEFINED_ARGS = frozenset(PLATFORM_ARGS + PROXY_ARGS)
# Instructions whose arguments BuildKit expands itself.
_EXPANDED = frozenset({"ADD", "COPY", "ENV", "ARG", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER",
                      "VOLUME", "WORKDIR"})
# Shell-form instructions run by the image's shell at run time, with ENV only.
_RUNTIME_SHELL = frozenset({"CMD", "ENTRYPOINT", "HEALTHCHECK"})


class RenameError(ValueError):
    """The new name is not acceptable; the message says why."""


@dataclass(frozen=True)
class Occurrence:
    span: Span  # the name only (no ``$``, ``{``, ``--from=``)
    symbol: int  # index into ``Index.symbols``
    declaration: bool
    renamable: bool = True  # False for a numeric stage reference


@dataclass
class Symbol:
    kind: SymbolKind
    name: str  # stage names lower-case
    predefined: bool = False  # a BuildKit predefined ARG: its name means something
    occurrences: list[Occurrence] = field(default_factory=list)
    anchor: Span | None = None  # where an unnamed stage is defined: its FROM keyword

    @property
    def definitions(self) -> list[Span]:
        declared = [o.span for o in self.occurrences if o.declaration]
        return declared or ([self.anchor] if self.anchor is not None else [])

    @property
    def references(self) -> list[Span]:
        return [o.span for o in self.occurrences if not o.declaration]

    @property
    def renamable(self) -> bool:
        return not self.predefined and any(o.declaration for o in self.occurrences)


@dataclass(frozen=True)
class Target:
    """The symbol under the cursor and the occurrence the cursor is on."""

    symbol: Symbol
    occurrence: Occurrence

    @property
    def can_rename(self) -> bool:
        return self.symbol.renamable and self.occurrence.renamable


@dataclass
class _Binding:
    symbol: int
    is_env: bool


_Scope = dict[str, _Binding]


class _Index:
    """Every occurrence of every symbol in one model."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.text = model.text
        self.symbols: list[Symbol] = []
        self.occurrences: list[Occurrence] = []
        self._free: dict[str, int] = {}
        self._runs: dict[int, Run] = {id(run.instruction): run for run in model.runs}
        self._stages()
        self._variables()
        self.occurrences.sort(key=lambda o: o.span)

    def at(self, offset: int) -> Occurrence | None:
        """The occurrence containing ``offset``, else the one ending right there (a cursor after a name)."""
        ending_here = None
        for occurrence in self.occurrences:
            if occurrence.span.start > offset:
                break
            if offset < occurrence.span.end:
                return occurrence
            if offset == occurrence.span.end:
                ending_here = occurrence
        return ending_here

    def _symbol(self, kind: SymbolKind, name: str, predefined: bool = False) -> int:
        self.symbols.append(Symbol(kind, name, predefined))
        return len(self.symbols) - 1

    def _add(self, span: Span, symbol: int, declaration: bool, renamable: bool = True) -> None:
        occurrence = Occurrence(span, symbol, declaration, renamable)
        self.symbols[symbol].occurrences.append(occurrence)
        self.occurrences.append(occurrence)

    # -- stages ------------------------------------------------------------------------------

    def _stages(self) -> None:
        stage_symbols: dict[int, int] = {}
        for stage in self.model.stages:
            stage_symbols[stage.index] = self._symbol("stage", stage.name or str(stage.index))
            if stage.name is None:
                self.symbols[-1].anchor = stage.from_instruction.keyword_span
            span = stage.name_span
            if stage.name is not None and span is not None and self.text[span.start:span.end].lower() == stage.name:
                self._add(span, stage_symbols[stage.index], True)
        for stage in self.model.stages:
            parent, span = stage.parent, stage.image_span
            if parent is not None and span is not None:
                self._stage_reference(span, parent, stage_symbols)
            for inst in stage.instructions:
                target = inst.command
                for flag in target.flags:
                    if flag.name == "from" and target.keyword == "COPY" and flag.value_span is not None:
                        self._stage_reference(flag.value_span, None, stage_symbols)
                    elif flag.name == "mount":
                        for option in flag.options:
                            if option.key == "from" and option.value:
                                start = option.span.end - len(option.value)
                                self._stage_reference(Span(start, option.span.end), None, stage_symbols)

    def _stage_reference(self, span: Span, known: Stage | None, stage_symbols: dict[int, int]) -> None:
        written = self.text[span.start:span.end]
        stage = known or self.model.stage_named(written)
        if stage is None:
            return
        if written.isdigit():
            self._add(span, stage_symbols[stage.index], False, renamable=False)
        elif stage.name is not None and written.lower() == stage.name:
            self._add(span, stage_symbols[stage.index], False)

    # -- variables ---------------------------------------------------------------------------

    def _variables(self) -> None:
        model = self.model
        global_scope: _Scope = {
            name: _Binding(self._symbol("variable", name, predefined=True), False) for name in PREDEFINED_ARGS
        }
        stage_end: dict[int, _Scope] = {}
        scope: _Scope = global_scope
        stage: Stage | None = None
        for inst in model.tree.instructions:
            if inst.keyword == "FROM":
                self._uses(inst, global_scope, runtime=False)
                stage = model.stage_of(inst)
                parent = stage.parent if stage is not None else None
                scope = dict(stage_end.get(parent.index, {})) if parent is not None else {}
                if stage is not None:
                    stage_end[stage.index] = scope
                continue
            if stage is None:
                if inst.keyword == "ARG":
                    self._args(inst, global_scope, global_scope)
                continue
            self._instruction(inst, scope, global_scope)

    def _instruction(self, inst: Instruction, scope: _Scope, global_scope: _Scope, runtime: bool = False) -> None:
        """``runtime``: expanded later with the image's ENV only (an ONBUILD trigger's build)."""
        keyword = inst.keyword
        if keyword == "ARG":
            self._args(inst, scope, global_scope)
        elif keyword == "ENV":
            self._uses(inst, scope, runtime)
            for index in range(0, len(inst.value) - 1, 2):
                name, span = inst.value[index], inst.value_spans[index]
                if self._names(span, name):
                    binding = _Binding(self._symbol("variable", name), True)
                    self._add(Span(span.start, span.start + len(name)), binding.symbol, True)
                    scope[name] = binding
        elif keyword == "ONBUILD" and inst.sub is not None:
            if inst.sub.keyword not in ("ARG", "ENV"):  # declarations for another build
                self._instruction(inst.sub, scope, global_scope, runtime=True)
        elif keyword == "RUN":
            self._run(inst, scope, runtime)
        elif keyword in _EXPANDED:
            self._uses(inst, scope, runtime)
        elif keyword in _RUNTIME_SHELL and not inst.json:
            self._scan(inst.line, inst.args_index, scope, runtime=True, escape="\\")

    def _args(self, inst: Instruction, scope: _Scope, global_scope: _Scope) -> None:
        line = inst.line
        for word, span in zip(inst.value, inst.value_spans):
            name, eq, _ = word.partition("=")
            if eq:
                # The default sees the names declared to its left (including earlier words here).
                start = line_index(line, span.start + len(name) + 1)
                end = line_index(line, span.end - 1) + 1 if span.end > span.start else start
                self._scan(line, start, scope, runtime=False, escape=self.model.tree.escape, stop=end)
            if not self._names(span, name):
                continue
            name_span = Span(span.start, span.start + len(name))
            linked = global_scope.get(name) if not eq else None
            if linked is not None:
                binding = _Binding(linked.symbol, False)
            else:
                binding = _Binding(self._symbol("variable", name, predefined=name in PREDEFINED_ARGS), False)
            self._add(name_span, binding.symbol, True)
            current = scope.get(name)
            if current is None or not current.is_env:  # an ENV of the same name always wins over ARG
                scope[name] = binding

    def _names(self, span: Span, name: str) -> bool:
        return bool(VARIABLE_NAME_RE.match(name)) and self.text.startswith(name, span.start)

    def _run(self, inst: Instruction, scope: _Scope, runtime: bool) -> None:
        escape = self.model.tree.escape
        line = inst.line
        # BuildKit expands the flags (``--mount=…,id=$X``); the shell expands the body.
        self._scan(line, 0, scope, runtime, escape=escape, stop=inst.args_index)
        run = self._runs.get(id(inst))
        if run is None or not _posix(run, escape):
            return
        if not inst.json:
            self._scan(line, inst.args_index, scope, runtime, escape="\\")
        script = all(word.startswith("<<") for word in inst.args.split())
        for heredoc in inst.heredocs:
            self._heredoc(heredoc, scope, runtime, script)

    def _heredoc(self, heredoc: Heredoc, scope: _Scope, runtime: bool, script: bool = False) -> None:
        if not heredoc.expand:
            return
        body = heredoc.body_span
        piece = LogicalLine(self.text[body.start:body.end], [0], [body.start])
        # Text fed through a heredoc is expanded whatever its quotes; a script run as it stands
        # (``RUN <<EOF``) follows its own quoting.
        self._scan(piece, 0, scope, runtime, escape="\\", quotes=script)

    def _uses(self, inst: Instruction, scope: _Scope, runtime: bool) -> None:
        target = inst.command
        self._scan(inst.line, 0, scope, runtime, escape=self.model.tree.escape)
        if target.keyword in ("COPY", "ADD"):
            for heredoc in target.heredocs:
                self._heredoc(heredoc, scope, runtime)

    def _scan(self, line: LogicalLine, start: int, scope: _Scope, runtime: bool, escape: str,
              stop: int | None = None, quotes: bool = True) -> None:
        for name, span in variable_uses(line, start, escape, stop, quotes):
            binding = scope.get(name)
            if binding is not None and (binding.is_env or not runtime):
                self._add(span, binding.symbol, False)
                continue
            if name not in self._free:
                self._free[name] = self._symbol("variable", name, predefined=name in PREDEFINED_ARGS)
            self._add(span, self._free[name], False)


def _posix(run: Run, escape: str) -> bool:
    if not run.shell or posixpath.basename(run.shell[0]) not in POSIX_SHELLS:
        return False
    # A backtick escape means a Windows image, whose default shell is cmd.
    return not (run.shell is DEFAULT_SHELL and escape == "`")


def line_index(line: LogicalLine, offset: int) -> int:
    """The logical index of a document offset of ``line`` (the inverse of ``line.offset``)."""
    for piece_start, source in zip(reversed(line.starts), reversed(line.sources)):
        if offset >= source:
            return piece_start + offset - source
    return 0


def variable_uses(line: LogicalLine, start: int = 0, escape: str = "\\", stop: int | None = None,
                  quotes: bool = True) -> Iterator[tuple[str, Span]]:
    """The variable names used in ``line.text[start:stop]`` with their document spans: ``$X``,
    ``${X}``, ``${X:-…}`` (and the uses inside the default), never inside single quotes; the escape
    character makes the next character literal."""
    text = line.text
    end = len(text) if stop is None else min(stop, len(text))
    i, quote = start, ""
    while i < end:
        ch = text[i]
        if ch == escape and quote != "'":
            i += 2
            continue
        if quotes and ch in "'\"" and quote in ("", ch):
            quote = "" if quote else ch
        elif ch == "$" and quote != "'":
            at = i + 2 if text.startswith("{", i + 1) else i + 1
            match = _NAME_RE.match(text, at, end)
            if match is not None:
                yield match.group(), line.span(match.start(), match.end())
                i = match.end()
                continue
        i += 1


_INDEXES: weakref.WeakKeyDictionary[Model, _Index] = weakref.WeakKeyDictionary()


def _index(model: Model) -> _Index:
    index = _INDEXES.get(model)
    if index is None:
        index = _INDEXES[model] = _Index(model)
    return index


def target_at(model: Model, offset: int) -> Target | None:
    """The stage or variable whose name is at ``offset`` (or ends right before it), if any."""
    index = _index(model)
    occurrence = index.at(offset)
    if occurrence is None:
        return None
    return Target(index.symbols[occurrence.symbol], occurrence)


def definitions(model: Model, offset: int) -> list[Span]:
    target = target_at(model, offset)
    return target.symbol.definitions if target is not None else []


def references(model: Model, offset: int, include_declaration: bool) -> list[Span]:
    target = target_at(model, offset)
    if target is None:
        return []
    occurrences = target.symbol.occurrences
    return sorted(o.span for o in occurrences if include_declaration or not o.declaration)


def highlights(model: Model, offset: int) -> list[tuple[Span, bool]]:
    """Every occurrence of the symbol at ``offset`` and whether it is a declaration (a write)."""
    target = target_at(model, offset)
    if target is None:
        return []
    return sorted((o.span, o.declaration) for o in target.symbol.occurrences)


def rename_range(model: Model, offset: int) -> Span | None:
    """The name under the cursor when it can be renamed (not a predefined ARG, an image, a stage
    index, a variable the file does not declare)."""
    target = target_at(model, offset)
    return target.occurrence.span if target is not None and target.can_rename else None


def rename(model: Model, offset: int, new_name: str) -> list[tuple[Span, str]]:
    """The edits that rename the symbol at ``offset``; raises :class:`RenameError` for a name that
    is invalid or would change what the file means. Nothing to rename: no edits."""
    target = target_at(model, offset)
    if target is None or not target.can_rename:
        return []
    symbol = target.symbol
    if symbol.kind == "stage":
        _check_stage_name(model, symbol, new_name)
    else:
        _check_variable_name(model, symbol, new_name)
    return [(o.span, new_name) for o in symbol.occurrences if o.renamable]


def _check_stage_name(model: Model, symbol: Symbol, new_name: str) -> None:
    if not STAGE_NAME_RE.match(new_name):
        raise RenameError(f"{new_name!r} is not a valid stage name: use lower-case letters, digits and "
                          "'-', '_', '.', starting with a letter")
    if new_name == symbol.name:
        return
    if model.stage_named(new_name) is not None:
        raise RenameError(f"a stage named {new_name!r} already exists")
    images = {stage.from_instruction.value[0].lower() for stage in model.stages if stage.from_instruction.value}
    images.update((flag.value or "").lower() for inst in model.tree.walk() for flag in inst.flags_named("from"))
    if new_name in images:
        raise RenameError(f"{new_name!r} already names an image in this file: it would become this stage")


def _check_variable_name(model: Model, symbol: Symbol, new_name: str) -> None:
    if not VARIABLE_NAME_RE.match(new_name):
        raise RenameError(f"{new_name!r} is not a valid variable name: use letters, digits and '_', "
                          "not starting with a digit")
    if new_name == symbol.name:
        return
    if new_name in PREDEFINED_ARGS:
        raise RenameError(f"{new_name} is a predefined build argument")
    if any(other.name == new_name for other in _index(model).symbols if other.kind == "variable"):
        raise RenameError(f"the variable {new_name} is already used in this file: renaming would mix them up")
