'''## What it does
Finds RUN instructions with a pipe (`curl … | sh`, `wget -O- … | tar x`) whose shell does not have
`pipefail` set.

## Why is this bad?
Without `pipefail` a pipeline's exit status is that of its last command: when `curl` fails (404, no
network) `curl … | tar xz` or `curl … | sh` may still succeed, the RUN does not fail, and the image is
built without what the step was for. With `pipefail` the pipeline fails when any command in it does.

A RUN is fine when its shell is started with `-o pipefail` (`SHELL ["/bin/bash", "-o", "pipefail",
"-c"]`, set in the stage or a stage it is built from) or when the RUN itself runs `set -o pipefail`
(`set -euo pipefail`) before the pipe. hadolint does not accept the latter; dockls does, since the
option is then set where the pipe runs.

## Example
```dockerfile
FROM debian:12-slim
RUN curl -fsSL https://example.com/install.sh | sh
```

## Use instead
```dockerfile
FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | sh
```

## Stages
Every stage, `ONBUILD RUN` triggers included: a silently failed download breaks a builder stage as
much as the final one. Exec-form RUNs and RUNs for a non-POSIX shell (PowerShell, cmd) are skipped.

## Fix safety
There is no fix, because it depends on the shell the base image has. The default shell, `/bin/sh`,
is dash on Debian and Ubuntu, and dash 0.5.12 (Debian 12) rejects `set -o pipefail` with "Illegal
option", which fails the build; `bash` is missing from Alpine, distroless and many slim images. Use
`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` where bash exists, `SHELL ["/bin/ash", "-o",
"pipefail", "-c"]` on Alpine (BusyBox ash supports it).

## References
- [Dockerfile best practices: using pipes](https://docs.docker.com/build/building/best-practices/#using-pipes)
- [hadolint DL4006](https://github.com/hadolint/hadolint/wiki/DL4006)
'''

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from functools import lru_cache

from tree_sitter import Node

from dockls.edits import ShellBody, heredoc_body, line_body
from dockls.model import Model, Run
from dockls.rule import Finding, FixAvailability, Rule, Severity
from dockls.shell import POSIX_SHELLS, ShellCommand, syntax_tree
from dockls.text import Span


def _sets_pipefail(words: Sequence[str]) -> bool:
    """Whether shell options ``words`` (``-o pipefail``, ``-euo pipefail``) turn pipefail on."""
    return any(option == "pipefail" and words[index - 1].startswith("-") and "o" in words[index - 1]
               for index, option in enumerate(words) if index > 0)


def _first_pipeline(node: Node) -> Node | None:
    if node.type == "pipeline":
        return node
    for child in node.children:
        found = _first_pipeline(child)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=1024)  # the same RUN bodies come back on every keystroke
def _first_pipe(source: str) -> tuple[int, int] | None:
    """Code-point start and end of the first pipeline in the shell text ``source``."""
    pipeline = _first_pipeline(syntax_tree(source).root_node)
    if pipeline is None:
        return None
    encoded = source.encode("utf-8", "surrogatepass")
    return (len(encoded[: pipeline.start_byte].decode("utf-8", "surrogatepass")),
            len(encoded[: pipeline.end_byte].decode("utf-8", "surrogatepass")))


def _pipe_span(body: ShellBody) -> Span | None:
    """The document span of the first pipeline of ``body``."""
    if "|" not in body.source:  # most RUNs: no need to parse the text again
        return None
    pipe = _first_pipe(body.source)
    return None if pipe is None else Span(body.start_at(pipe[0]), body.end_at(pipe[1]))


def _bodies(run: Run) -> Iterator[ShellBody]:
    """The shell texts of a shell-form RUN: its line, and the heredoc bodies the model runs as scripts."""
    inst = run.instruction
    yield line_body(inst)
    for heredoc in inst.heredocs:
        if any(command.span.start in heredoc.body_span for command in run.commands):
            yield heredoc_body(heredoc)


def _set_before(commands: Sequence[ShellCommand], offset: int) -> bool:
    return any(command.name == "set" and command.span.start < offset
               and _sets_pipefail([word.text for word in command.words]) for command in commands)


def _shell(run: Run) -> Sequence[str]:
    """The RUN's shell; a stage built FROM another inherits that stage's SHELL (the model does not
    follow it yet)."""
    stage = run.stage
    if stage is None or any(inst.keyword == "SHELL" and inst.span.start < run.holder.span.start
                            for inst in stage.instructions):
        return run.shell
    while (stage := stage.parent) is not None:
        shells = [inst.value for inst in stage.instructions if inst.keyword == "SHELL" and inst.value]
        if shells:
            return shells[-1]
    return run.shell


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or run.instruction.json:
            continue
        pipe = next((span for body in _bodies(run) if (span := _pipe_span(body)) is not None), None)
        if pipe is None:
            continue
        shell = _shell(run)
        if (not shell or posixpath.basename(shell[0]) not in POSIX_SHELLS or _sets_pipefail(shell)
                or _set_before(run.commands, pipe.start)):
            continue
        yield RULE.finding(
            pipe,
            f"This pipe fails only when its last command fails: `{' '.join(shell)}` runs without `-o pipefail`, "
            "so a failing command before the `|` goes unnoticed. Set SHELL [\"/bin/bash\", \"-o\", "
            "\"pipefail\", \"-c\"] (or /bin/ash on Alpine) before this RUN")


RULE = Rule(
    id="DKL040",
    name="pipefail-missing",
    summary="A RUN with a pipe should run with -o pipefail",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL4006",),
)
