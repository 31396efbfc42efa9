"""Semantic model: stages, ARG/ENV scopes, base images, the SHELL in force and each RUN's commands.

Scoping follows BuildKit: ARGs before the first FROM are global and only usable in FROM lines (and
inside a stage after ``ARG NAME`` re-declares them); a stage's ARGs end with the stage; ENV is
inherited by stages built FROM an earlier stage; the platform ARGs are predefined globally.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from dockls.shell import POSIX_SHELLS, ShellCommand, parse_script, words_command
from dockls.syntax import Dockerfile, Flag, Heredoc, Instruction, parse
from dockls.text import Span

if TYPE_CHECKING:
    from dockls.buildcontext import BuildContext

DEFAULT_SHELL = ("/bin/sh", "-c")
PLATFORM_ARGS = (
    "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
    "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
)
PROXY_ARGS = tuple(
    name for base in ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")
    for name in (base, base.lower())
)

# A value that is declared but only known at build time (``ARG X`` without default).
UNKNOWN: None = None
Scope = dict[str, "str | None"]

# What may follow ``${VAR`` up to its ``}``: text, ``$X`` and one level of ``${X…}``. It cannot run
# into the next ``${``, so a run of unclosed ``${`` costs linear time, not quadratic.
BRACED_WORD = r"(?:[^}$]|\$(?!\{)|\$\{[^{}$]*\})*"
_VAR_RE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-+?])?(?P<word>" + BRACED_WORD + r")\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def expand(word: str, scope: Scope) -> tuple[str, bool]:
    """Substitute ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR:+alt}`` … as BuildKit does.

    Returns the result and whether every variable involved had a known value.
    """
    known = True

    def substitute(match: re.Match[str]) -> str:
        nonlocal known
        name = match.group("braced") or match.group("plain")
        op, alt = match.group("op"), match.group("word") or ""
        present = name in scope
        value = scope.get(name)
        if not present or value is None:  # undeclared, or declared without a value
            known = False
            if not present and op in (":-", "-"):
                known = True
                return expand(alt, scope)[0]
            return ""
        if op == ":-":
            return value or expand(alt, scope)[0]
        if op == ":+":
            return expand(alt, scope)[0] if value else ""
        if op == "+":
            return expand(alt, scope)[0]
        return value

    return _VAR_RE.sub(substitute, word), known


@dataclass(frozen=True)
class Mount:
    type: str
    target: str | None
    flag: Flag

    def covers(self, path: str) -> bool:
        """Whether ``path`` lies on this mount (mounts of type cache, tmpfs, bind, secret)."""
        if not self.target:
            return False
        target = posixpath.normpath(self.target)
        path = posixpath.normpath(path)
        return path == target or path.startswith(target.rstrip("/") + "/")


@dataclass(eq=False)  # identity: two RUNs with the same text are still two RUNs
class Run:
    """A RUN instruction (or the RUN of an ONBUILD) with what it executes."""

    instruction: Instruction  # the RUN itself (for ONBUILD RUN, the trigger)
    holder: Instruction  # the top-level instruction: the RUN, or its ONBUILD
    stage: Stage | None
    shell: tuple[str, ...]
    commands: tuple[ShellCommand, ...]
    opaque: bool  # not POSIX shell (PowerShell, cmd, a python heredoc …): commands unknown
    shell_errors: bool  # tree-sitter-bash could not parse the shell text cleanly
    mounts: tuple[Mount, ...]
    env: Scope  # ARG and ENV visible to this RUN

    def cache_mount_covers(self, path: str) -> bool:
        return any(m.type in ("cache", "tmpfs") and m.covers(path) for m in self.mounts)

    def commands_named(self, *names: str) -> list[ShellCommand]:
        return [cmd for cmd in self.commands if cmd.name in names]


@dataclass(eq=False)  # identity: stages are compared and looked up as objects
class Stage:
    index: int
    from_instruction: Instruction
    name: str | None
    name_span: Span | None
    image: str  # the base reference after ARG substitution ("" when missing)
    image_known: bool  # False when an ARG without value is involved
    image_span: Span | None
    parent: Stage | None  # the earlier stage this one is built FROM
    instructions: list[Instruction] = field(default_factory=list)  # after FROM, to the next FROM
    env: Scope = field(default_factory=dict)  # ENV at the end of the stage
    shell: tuple[str, ...] = DEFAULT_SHELL  # the SHELL at the end of the stage

    @cached_property
    def chain(self) -> list[Stage]:
        """This stage, then the stages it is built FROM, nearest first."""
        chain: list[Stage] = []
        stage: Stage | None = self
        while stage is not None and stage not in chain:  # FROM names only earlier stages: no cycle
            chain.append(stage)
            stage = stage.parent
        return chain

    @cached_property
    def users(self) -> list[Instruction]:
        """The stage's USER instructions (asked for each RUN: a scan each time would be quadratic)."""
        return [inst for inst in self.instructions if inst.keyword == "USER"]

    @property
    def label(self) -> str:
        return self.name or str(self.index)


def _mounts(inst: Instruction) -> tuple[Mount, ...]:
    mounts = []
    for flag in inst.flags_named("mount"):
        target = flag.option("target") or flag.option("dst") or flag.option("destination")
        mounts.append(Mount((flag.option("type") or "bind").lower(), target, flag))
    return tuple(mounts)


class Model:
    """Everything rules need to know about one Dockerfile, computed once per parse."""

    def __init__(self, tree: Dockerfile, context: BuildContext | None = None) -> None:
        self.tree = tree
        self.text = tree.text
        # The build context on disk, when the Dockerfile is a file there (None for stdin and unsaved
        # buffers): rules about the context and its ignore file stay silent without it.
        self.context = context
        self.global_args: Scope = {name: UNKNOWN for name in PLATFORM_ARGS + PROXY_ARGS}
        self.stages: list[Stage] = []
        # The first stage of each name: looked up per FROM and COPY --from, a scan would be quadratic.
        self._stages_by_name: dict[str, Stage] = {}
        self.runs: list[Run] = []
        self._stage_of: dict[int, Stage] = {}
        self._build()

    @classmethod
    def from_text(cls, text: str, context: BuildContext | None = None) -> Model:
        return cls(parse(text), context)

    # -- queries -----------------------------------------------------------------------------

    def stage_of(self, inst: Instruction) -> Stage | None:
        return self._stage_of.get(id(inst))

    def stage_named(self, ref: str) -> Stage | None:
        stage = self._stages_by_name.get(ref.lower())
        if stage is not None:
            return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    @cached_property
    def final_stages(self) -> list[Stage]:
        """The last stage and every stage it is built FROM: what ends up in the final image."""
        return self.stages[-1].chain if self.stages else []

    def is_final(self, stage: Stage | None) -> bool:
        return stage is not None and stage in self.final_stages

    def runs_in(self, stage: Stage) -> list[Run]:
        return self._runs_by_stage.get(id(stage), [])

    @cached_property
    def _runs_by_stage(self) -> dict[int, list[Run]]:
        found: dict[int, list[Run]] = {}
        for run in self.runs:
            found.setdefault(id(run.stage), []).append(run)
        return found

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        stage: Stage | None = None
        args: Scope = dict(self.global_args)  # in the global scope: what FROM may use
        env: Scope = {}
        shell: tuple[str, ...] = DEFAULT_SHELL
        for inst in self.tree.instructions:
            keyword = inst.keyword
            if keyword == "FROM":
                stage = self._stage(inst, args)
                self.stages.append(stage)
                if stage.name is not None:
                    self._stages_by_name.setdefault(stage.name, stage)
                env = dict(stage.parent.env) if stage.parent else {}
                stage.env = env
                stage_args: Scope = {}
                # A stage built FROM another inherits its image config, SHELL included.
                shell = stage.parent.shell if stage.parent else DEFAULT_SHELL
                self._stage_of[id(inst)] = stage
                continue
            if stage is None:
                if keyword == "ARG":
                    self._declare_args(inst, args, args, args)
                continue
            self._stage_of[id(inst)] = stage
            stage.instructions.append(inst)
            if inst.sub is not None:
                self._stage_of[id(inst.sub)] = stage
            scope = {**stage_args, **env}
            if keyword == "ARG":
                self._declare_args(inst, stage_args, args, scope)
            elif keyword == "ENV":
                for key, value in zip(inst.value[::2], inst.value[1::2]):
                    env[key] = expand(_strip_quotes(value), scope)[0]
                    scope[key] = env[key]
            elif keyword == "SHELL" and inst.json and inst.value:
                shell = stage.shell = tuple(inst.value)
            target = inst.command
            if target.keyword == "RUN":
                self.runs.append(self._run(target, inst, stage, shell, scope))

    @staticmethod
    def _declare_args(inst: Instruction, into: Scope, global_args: Scope, scope: Scope) -> None:
        """Declare the ARGs of ``inst`` in ``into``; a stage's ``ARG NAME`` takes the global value."""
        scope = dict(scope)
        for word in inst.value:
            name, eq, default = word.partition("=")
            if eq:
                into[name] = expand(_strip_quotes(default), scope)[0]
            elif into is not global_args or name not in into:
                into[name] = global_args.get(name)
            scope[name] = into[name]

    def _stage(self, inst: Instruction, args: Scope) -> Stage:
        words = inst.value
        image_raw = words[0] if words else ""
        image, known = expand(image_raw, args)
        name = name_span = None
        if len(words) >= 3 and words[1].lower() == "as":
            name = words[2].lower()
            name_span = inst.value_spans[2]
        parent = self.stage_named(image) if image and "/" not in image and ":" not in image else None
        return Stage(
            index=len(self.stages),
            from_instruction=inst,
            name=name,
            name_span=name_span,
            image=image,
            image_known=known,
            image_span=inst.value_spans[0] if inst.value_spans else None,
            parent=parent,
        )

    def _run(self, inst: Instruction, holder: Instruction, stage: Stage, shell: tuple[str, ...],
             env: Scope) -> Run:
        # A backtick escape means a Windows image, whose default shell is cmd: opaque.
        posix = posixpath.basename(shell[0]) in POSIX_SHELLS
        if shell is DEFAULT_SHELL and self.tree.escape == "`":
            posix = False
        commands: list[ShellCommand] = []
        errors = False
        if inst.json:
            commands, opaque = self._exec_form(inst)
        elif posix:
            opaque = not inst.args
            line = inst.line
            start = inst.args_index
            # A single-line RUN maps by a constant shift (a C-level callable: this runs per word).
            to_document = (line.sources[0] + start).__add__ if len(line.starts) == 1 else (
                lambda i: line.offset(start + i))
            script = parse_script(inst.args, to_document)
            commands = [c for c in script.commands if c.words]
            errors = script.has_errors and not inst.heredocs
            opaque = opaque or not script.complete
            if inst.heredocs and commands:
                # What the shell receives: the line, then each body and its terminator.
                whole = inst.args + "\n" + "".join(h.content + h.name + "\n" for h in inst.heredocs)
                errors = parse_script(whole, lambda i: 0).has_errors
            line_commands = list(commands)
            for heredoc in inst.heredocs:
                if self._heredoc_is_script(heredoc, line_commands):
                    body = parse_script(heredoc.content, heredoc.body_span.start.__add__)
                    commands.extend(c for c in body.commands if c.words)
                    errors = errors or body.has_errors
                    opaque = opaque or not body.complete
        else:
            opaque = True
        return Run(inst, holder, stage, shell, tuple(commands), opaque, errors, _mounts(inst), env)

    @staticmethod
    def _heredoc_is_script(heredoc: Heredoc, line_commands: list[ShellCommand]) -> bool:
        """``RUN <<EOF`` runs the body with the shell, ``RUN bash <<EOF`` feeds it to one; a body
        for another program (``RUN python3 <<EOF``, a non-shell shebang) is opaque."""
        first = heredoc.content.split("\n", 1)[0]
        if first.startswith("#!"):
            names = [posixpath.basename(part) for part in first[2:].split()[:2]]
            if not any(name in POSIX_SHELLS for name in names):
                return False
        return not line_commands or any(cmd.name in POSIX_SHELLS for cmd in line_commands)

    @staticmethod
    def _exec_form(inst: Instruction) -> tuple[list[ShellCommand], bool]:
        values = inst.value
        spans = inst.value_spans
        if not values or len(spans) != len(values):
            return [], True
        if (len(values) >= 3 and posixpath.basename(values[0]) in POSIX_SHELLS
                and values[1] in ("-c", "-ec", "-ex", "-xe", "-eux", "-euxc")):
            body_start = spans[2].start + 1  # inside the quotes; exact when no JSON escapes
            return list(parse_script(values[2], lambda i: min(body_start + i, spans[2].end - 1)).commands), False
        return [words_command(list(zip(values, spans)))], False


def _strip_quotes(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
