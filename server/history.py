"""The final image's history: the instructions that build its layers, with the directory, user and
variables each runs with (:func:`image_history`), and the paths their arguments name (:func:`resolve_path`,
:func:`is_under`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

from dockls.model import Model, Scope, Stage, expand
from dockls.syntax import Instruction

# --------------------------------------------------------------------------- the image's history


@dataclass(frozen=True, slots=True)
class Place:
    """An instruction of the final image's history with the context it runs in."""

    holder: Instruction  # the instruction, or its ONBUILD
    inst: Instruction  # what runs: the instruction or the ONBUILD trigger
    stage: Stage
    workdir: str  # absolute; an unknown base or variable directory is a `/\0…` placeholder
    user: str  # the USER in force as written (after ARG/ENV expansion); "" for the base image's
    scope: Scope  # ARG and ENV values for expanding the instruction's arguments


# What the history keeps: instructions that change the file system, the directory or the user.
HISTORY_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR", "USER"})


@lru_cache(maxsize=4)  # several rules follow the same history of the same model
def image_history(model: Model) -> tuple[tuple[Place, ...], ...]:
    """The instructions that build the final image (RUN, COPY, ADD, WORKDIR, USER), in order — the stages
    it is built FROM first — and, as separate sequences, each such stage's ONBUILD triggers (they run in
    a later build)."""
    main: list[Place] = []
    triggers: list[tuple[Place, ...]] = []
    workdir, user = "/\0base", ""
    for stage in reversed(model.final_stages):
        scopes = _scopes(model, stage)
        onbuild: list[Place] = []
        for holder in stage.instructions:
            inst = holder.command
            if inst.keyword not in HISTORY_KEYWORDS:
                continue
            scope = scopes[id(holder)]
            if holder.keyword == "ONBUILD":
                if inst is not holder:
                    onbuild.append(Place(holder, inst, stage, workdir, user, scope))
                continue
            main.append(Place(holder, inst, stage, workdir, user, scope))
            if inst.keyword == "WORKDIR" and inst.value:
                workdir = _resolve_dir(workdir, inst.value[0], scope, len(main))
            elif inst.keyword == "USER" and inst.value:
                user = expand(inst.value[0], scope)[0] or inst.value[0]
        if onbuild:  # they run after the whole image, in its final directory and user
            triggers.append(tuple(Place(p.holder, p.inst, stage, workdir, user, p.scope) for p in onbuild))
    return (tuple(main), *triggers)


def _scopes(model: Model, stage: Stage) -> dict[int, Scope]:
    """The variables for each instruction of a stage: those the next RUN sees (the model keeps them per
    RUN), else those at the end of the stage. A variable declared between the two is taken as known."""
    runs = {id(run.holder): run for run in model.runs if run.stage is stage}
    scopes: dict[int, Scope] = {}
    scope = stage.env
    for holder in reversed(stage.instructions):
        run = runs.get(id(holder))
        if run is not None:
            scope = run.env
        scopes[id(holder)] = scope
    return scopes


def _resolve_dir(cwd: str, raw: str, scope: Scope, serial: int) -> str:
    value, known = expand(raw, scope)
    if not known or not value or "$" in value:
        return f"/\0dir{serial}"  # unknown, but the same for everything up to the next change
    return posixpath.normpath(posixpath.join(cwd, value))


def shared_stages(model: Model, first: Stage, last: Stage) -> bool:
    """Whether anything but the final image's chain builds on a stage from ``first`` up to ``last``."""
    chain = model.final_stages
    middle: list[Stage] = []
    stage: Stage | None = last.parent
    while stage is not None and stage not in middle:
        middle.append(stage)
        if stage is first:
            break
        stage = stage.parent
    if any(stage.parent in middle and stage not in chain for stage in model.stages):
        return True
    for inst in model.tree.walk():
        refs = [flag.value for flag in inst.flags_named("from")]
        refs += [flag.option("from") for flag in inst.flags_named("mount")]
        if any(ref and model.stage_named(ref) in middle for ref in refs):
            return True
    return False


# --------------------------------------------------------------------------- paths

# An archive's extension: `.tar.gz`, `.tgz`, `.zip` …
ARCHIVE_SUFFIX = re.compile(r"(\.tar)?\.(gz|tgz|bz2|tbz2?|xz|txz|zst|tzst|lz4|lzma|zip|tar)$")


def resolve_path(text: str, cwd: str, env: Scope, home: str | None) -> str | None:
    """The absolute path a shell word names, or None when variables or ``~user`` make it unknown."""
    value, known = expand(text, env)
    if not known or not value or "$" in value or "`" in value:
        return None
    if value == "~" or value.startswith("~/"):
        if home is None:
            return None
        value = home + value[1:]
    elif value.startswith("~"):
        return None
    return posixpath.normpath(posixpath.join(cwd, value))


def is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
