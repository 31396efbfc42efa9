'''## What it does
Finds `CMD` and `ENTRYPOINT` in shell form (`CMD python app.py`) and, when the command is a plain list
of words, offers the JSON exec form (`CMD ["python", "app.py"]`).

## Why is this bad?
The shell form runs the command as `/bin/sh -c "…"`:
- a shell-form `ENTRYPOINT` ignores the `CMD` and every argument given to `docker run`;
- when the shell does not replace itself with the program (a command list, a redirection, some
  shells), the shell is PID 1 and does not pass `SIGTERM` on: `docker stop` waits its timeout and
  then kills the program without a clean shutdown;
- the image needs `/bin/sh`, which distroless and `scratch` images lack.

The exec form runs the program directly with the given arguments.

`HEALTHCHECK CMD` in shell form is not reported (hadolint does): a health check is not PID 1 and takes
no arguments, so the shell form is as good there.

## Example
```dockerfile
FROM python:3.12-slim
CMD python app.py
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["python", "app.py"]
```

## Stages
Every stage, `ONBUILD` triggers included: any stage can be built as a target and run.

## Fix safety
The fix is offered only when the shell would see a plain list of words: no variables, quotes,
escapes, globs, operators or redirections, not a shell builtin or an assignment, no `SHELL`
instruction in the stage or the stages it is built from, and no Windows escape character; a
leading `exec` is dropped. It is a code action, not applied by `--fix`, because it changes what runs:
with an `ENTRYPOINT` in effect (possibly the base image's) the `CMD` words become its arguments
instead of `/bin/sh -c "…"`, and an exec-form `ENTRYPOINT` receives the `CMD` and `docker run`
arguments that the shell form ignored.

## References
- [Dockerfile reference: shell and exec form](https://docs.docker.com/reference/dockerfile/#shell-and-exec-form)
- [BuildKit check JSONArgsRecommended](https://docs.docker.com/reference/build-checks/json-args-recommended/)
- [hadolint DL3025](https://github.com/hadolint/hadolint/wiki/DL3025)
'''

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dockls.model import Model, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import STATEFUL_BUILTINS
from dockls.syntax import Instruction

# Characters that mean nothing special to a POSIX shell inside a word (no quotes, $, globs, ~, #, {}).
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:@%+,=-]+")
# Names that the shell runs itself: no program of that name exists for the exec form to start.
_SHELL_ONLY = STATEFUL_BUILTINS | {"if", "then", "for", "while", "until", "case", "function", "time", "!"}


def _exec_words(args: str) -> list[str] | None:
    """The words of a shell-form command that is just a program and plain arguments, else None."""
    words = args.split()
    if words and words[0] == "exec":
        words = words[1:]
    if not words or not all(_PLAIN_WORD.fullmatch(word) for word in words):
        return None
    if "=" in words[0] or words[0] in _SHELL_ONLY:
        return None
    return words


def _custom_shell(stage: Stage | None, inst: Instruction) -> bool:
    """Whether a SHELL instruction before ``inst`` (in its stage or the stages it builds on) applies."""
    own = True
    while stage is not None:
        for earlier in stage.instructions:
            if own and earlier.span.start >= inst.span.start:
                break
            if earlier.keyword == "SHELL":  # an ONBUILD SHELL changes another build's shell
                return True
        stage, own = stage.parent, False
    return False


def check(model: Model) -> Iterator[Finding]:
    for holder in model.tree.instructions:
        inst = holder.command
        if inst.keyword not in ("CMD", "ENTRYPOINT") or inst.json or inst.heredocs or not inst.args:
            continue
        fixes: list[Fix] = []
        words = _exec_words(inst.args)
        if (words is not None and model.tree.escape != "`"
                and not _custom_shell(model.stage_of(holder), holder)):
            exec_form = json.dumps(words, ensure_ascii=False)
            fixes.append(Fix(f"Use the exec form {inst.keyword} {exec_form}",
                             (Edit(inst.args_span, exec_form),), safe=False))
        effect = ("ignores CMD and docker run arguments, and " if inst.keyword == "ENTRYPOINT" else "")
        yield RULE.finding(
            inst.args_span,
            f"{inst.keyword} in shell form runs through a shell (/bin/sh -c): it {effect}may keep the shell as PID 1, "
            "which does not pass SIGTERM on; use the JSON exec form", *fixes)


RULE = Rule(
    id="DKL038",
    name="exec-form-cmd",
    summary="Use the JSON exec form for CMD and ENTRYPOINT",
    severity=Severity.WARNING,
    category="best-practice",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3025",),
    buildkit=("JSONArgsRecommended",),
)
