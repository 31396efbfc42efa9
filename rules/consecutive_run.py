"""## What it does
Finds RUN instructions that follow each other in a stage of the final image (comments and blank lines
between them are fine, any other instruction ends the run) and have the same flags, and offers to
merge them into one RUN whose commands are chained with `&&`.

Unlike hadolint's DL3059 it also reports RUNs that already chain several commands: each RUN is a
layer, however much it does.

## Why is this bad?
Every RUN adds a layer to the image. Files a later RUN deletes or overwrites still ship in the
earlier layer, and each layer costs a little on every pull and push. One RUN per logical step keeps
the image small and its history readable.

## Example
```dockerfile
FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && \\
    apt-get install -y --no-install-recommends curl
```

## Fix safety
The fix keeps each RUN's text and order and joins them with `&&` and continuation lines (in the
file's escape character and the first RUN's style). Comment lines between the RUNs stay where they
are, as comment lines inside the merged RUN (BuildKit drops them from the command); blank lines go.
Comments addressed to a tool (`# dockls ignore=…`, `# hadolint ignore=…`) move above the merged RUN
instead, so that they keep applying to it.

`RUN a` followed by `RUN b` fails the build when `a` fails, and so does `RUN a && b`; the fix is only
offered when that equivalence holds for the whole text:

- no RUN may change the state of the shell that the commands merged after it would inherit: `cd`,
  `export`, `set`, `umask`, `source`, `alias`, `trap`, `exit`, `exec`, variable assignments and the
  like (inside a subshell `( … )` they are fine);
- no RUN may leave processes running (`&`, `nohup`, `service … start`): merged, they would still
  run during the next commands;
- a RUN after the first must be a plain `&&` chain: `a || b` or `a; b` would, after `prev &&`,
  run `b` even when `prev` failed;
- no comments inside the shell text, no heredocs, no exec form (`RUN ["…"]`), and a POSIX shell
  (never Windows images or a non-POSIX `SHELL`).

Otherwise the finding says why it has no fix. One thing does change, by design: once merged, a
change to any of the commands re-runs all of them on the next build.

When the file's syntax directive selects a frontend with heredocs — `# syntax=docker/dockerfile:1`,
`1.4` or later, or the labs channel from `1.3-labs` — a second fix offers the merged RUN as a heredoc,
one command per line:
```dockerfile
RUN <<EOF
apt-get update &&
apt-get install -y --no-install-recommends curl
EOF
```
BuildKit runs a heredoc with the plain shell, without `-e`: a failing line would be ignored and only
the last line's status would count. So the commands stay chained with `&&` at the ends of the lines,
and the heredoc means exactly what the `&&` merge means. (A `set -e` first line would not do: it
ignores a failure on the left of `&&`, and changes how subshells and `{ …; }` groups behave.) Each
command keeps its continuation lines, unless only the joined text means the same to the shell (a
quote or a comment line inside it). The heredoc fix is not offered without such a directive (older
frontends reject heredocs), in CRLF files (the shell would get a carriage return at the end of every
line) or with another escape character than `\\`. `--fix` applies the `&&` merge; the heredoc merge
is a code action to choose instead.

RUNs with different flags (`--mount`, `--network`, `--security`, …), exec-form RUNs and ONBUILD RUNs
are never grouped: they cannot be merged. Heredoc RUNs and RUNs in a non-POSIX shell are grouped
but get no fix.

The finding covers the second to the last RUN of a group, so a suppression comment goes above the
second RUN: `# dockls ignore=consecutive-run`.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`.
The layers of other (builder) stages never reach the final image, and there separate RUNs can make
the build cache more effective.

## References
- [Best practices: minimize the number of layers](https://docs.docker.com/build/building/best-practices/#minimize-the-number-of-layers)
- [hadolint DL3059](https://github.com/hadolint/hadolint/wiki/DL3059)
- [Dockerfile reference: RUN](https://docs.docker.com/reference/dockerfile/#run)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model, Run, Stage
from dockls.rule import Finding, FixAvailability, Rule, Severity
from dockls.runs import merge_runs, merge_runs_heredoc
from dockls.text import Span


def check(model: Model) -> Iterator[Finding]:
    runs = {id(run.instruction): run for run in model.runs if run.holder is run.instruction}
    for stage in model.final_stages:
        for group in _groups(stage, runs):
            yield _finding(model, group)


def _groups(stage: Stage, runs: dict[int, Run]) -> Iterator[list[Run]]:
    group: list[Run] = []
    for inst in stage.instructions:
        run = runs.get(id(inst))
        if run is None or inst.json or not (inst.args or inst.heredocs):
            run = None
        if run is not None and group and _flags(group[0]) == _flags(run):
            group.append(run)
            continue
        if len(group) > 1:
            yield group
        group = [run] if run is not None else []
    if len(group) > 1:
        yield group


def _flags(run: Run) -> list[str]:
    return sorted(flag.raw for flag in run.instruction.flags)


def _finding(model: Model, group: list[Run]) -> Finding:
    first, last = group[0].instruction, group[-1].instruction
    span = Span(group[1].instruction.keyword_span.start, last.keyword_span.end)
    lines = f"lines {first.start_line + 1}-{last.start_line + 1}"
    message = (f"{len(group)} consecutive RUN instructions ({lines}) each add a layer to the final image; "
               "merge them into one RUN that chains the commands with `&&`")
    fix, reason = merge_runs(model, group)
    if fix is None:
        return RULE.finding(span, f"{message} (no automatic fix: {reason})")
    heredoc = merge_runs_heredoc(model, group)
    return RULE.finding(span, message, fix, *((heredoc,) if heredoc is not None else ()))


RULE = Rule(
    id="DKL001",
    name="consecutive-run",
    summary="Consecutive RUN instructions that can be merged into one layer",
    severity=Severity.INFO,
    category="layers",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3059",),
)
