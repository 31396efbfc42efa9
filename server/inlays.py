"""Inlay hints on FROM lines: the base image's download size and whether the stage ends up in the
final image.

Sizes come from the shipped data set only (:mod:`dockls.images`): an image it does not list gets no
hint. Whether a stage reaches the final image follows what BuildKit builds for the last stage: the
stages it is built FROM end up in the image; the stages those (transitively) copy from or mount with
``COPY --from`` / ``RUN --mount=from=`` are built but left behind; the others are skipped (unless
the build names them with ``--target``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dockls import images
from dockls.model import Model, Stage
from dockls.text import Span

HintKind = Literal["type", "parameter"]

FINAL = "→ final image"
BUILD_ONLY = "build only (not in final image)"
UNUSED = "unused"


@dataclass(frozen=True)
class Hint:
    offset: int  # the hint shows before the character at this offset
    label: str
    tooltip: str
    kind: HintKind | None = None
    padding_left: bool = True


def inlay_hints(model: Model, within: Span | None = None) -> list[Hint]:
    """The hints of ``model``'s text whose offsets lie in ``within`` (both ends included)."""
    hints: list[Hint] = []
    roles = stage_roles(model) if len(model.stages) > 1 else {}
    for stage in model.stages:
        size = size_hint(stage)
        if size is not None:
            hints.append(size)
        role = roles.get(id(stage))
        if role is not None:
            label, tooltip = role
            hints.append(Hint(stage.from_instruction.span.end, label, tooltip))
    if within is None:
        return hints
    return [hint for hint in hints if within.start <= hint.offset <= within.end]


def size_hint(stage: Stage) -> Hint | None:
    """The download size of the stage's base image, when the data set knows that image and platform."""
    if stage.parent is not None or not stage.image_known or stage.image_span is None:
        return None
    platform_flag = stage.from_instruction.flag("platform")
    platform = platform_flag.value if platform_flag is not None else None
    if platform is not None and "$" in platform:
        platform = None  # decided at build time: the default platform is the likeliest answer
    info = images.lookup(stage.image, platform)
    if info is None or info.compressed_bytes is None:
        return None
    as_of = info.data_date or images.as_of()
    tooltip = f"Download size of `{info.reference}` for {info.platform}, as of {as_of} (source: {info.source})"
    if info.stale:
        tooltip += "; an old reading, the image may have changed since"
    return Hint(stage.image_span.end, images.format_size(info.compressed_bytes), tooltip, "type")


def stage_roles(model: Model) -> dict[int, tuple[str, str]]:
    """For each stage (by ``id``): the label saying whether it reaches the final image, and why.

    A reference that depends on a build argument could name any stage: then the stages not known to
    be needed get no label rather than a wrong "unused".
    """
    final = model.final_stages
    needed = list(final)
    referrers: dict[int, list[Stage]] = {}
    for stage in model.stages:
        for used in dependencies(model, stage)[0]:
            referrers.setdefault(id(used), []).append(stage)
    uncertain = False
    for stage in needed:  # grows while iterating: a breadth-first walk over the dependencies
        used_stages, unresolved = dependencies(model, stage)
        uncertain = uncertain or unresolved
        needed.extend(used for used in used_stages if used not in needed)
    last = model.stages[-1] if model.stages else None
    roles: dict[int, tuple[str, str]] = {}
    for stage in model.stages:
        if stage in final:
            why = "the last stage" if stage is last else "the final image is built on it"
            roles[id(stage)] = (FINAL, f"Part of the final image: {why}.")
        elif stage in needed:
            roles[id(stage)] = (BUILD_ONLY, "Built for the final image, which copies or mounts from it; "
                                            "its own layers are left behind.")
        elif uncertain:
            continue
        elif id(stage) in referrers:
            users = ", ".join(sorted({other.label for other in referrers[id(stage)]}))
            roles[id(stage)] = (UNUSED, f"Only used by stages the final image does not need ({users}): "
                                        "skipped unless built with `--target`.")
        else:
            roles[id(stage)] = (UNUSED, "Nothing refers to this stage: skipped unless built with `--target`.")
    return roles


def dependencies(model: Model, stage: Stage) -> tuple[list[Stage], bool]:
    """The earlier stages ``stage`` needs (its parent, ``COPY/ADD --from`` and ``RUN --mount=from=``),
    and whether some reference depends on a build argument, so that it may name another stage too."""
    found: list[Stage] = [stage.parent] if stage.parent is not None else []
    unresolved = False
    for inst in stage.instructions:  # ONBUILD triggers run in other builds: not followed
        references: list[str] = []
        if inst.keyword in ("COPY", "ADD"):
            references += [flag.value for flag in inst.flags_named("from") if flag.value]
        elif inst.keyword == "RUN":
            references += [value for flag in inst.flags_named("mount") if (value := flag.option("from"))]
        for reference in references:
            if "$" in reference:
                unresolved = True
                continue
            used = model.stage_named(reference)
            if used is not None and used is not stage and used not in found:
                found.append(used)
    return found, unresolved
