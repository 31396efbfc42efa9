"""## What it does
Finds `apt-get install` (and `apt install`) commands without `--no-install-recommends`, and offers to
add it.

Recommended packages are off, and the command is not reported, when it has
`--no-install-recommends`, `--install-recommends=false` or `-o APT::Install-Recommends=false` (any
value apt reads as false: `false`, `0`, `no`, `off` …), or when an apt configuration snippet written
earlier in the stage — or in a stage it is built `FROM` — turns them off, e.g.
`echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99norecommends` or a
`COPY <<EOF /etc/apt/apt.conf.d/…` heredoc. A configuration file copied from the build context
cannot be read and does not count. Simulations (`-s`, `--dry-run` …) install nothing and are not
reported.

## Why is this bad?
By default apt installs every package that the named ones *recommend*, not only what they depend on:
documentation helpers, optional tools, sometimes a whole toolchain. `apt-get install git` pulls in
`less`, `openssh-client`, `patch` and more, about 6.5 MB (compressed) that the image does not need;
`apt-get install python3-pip` recommends a compiler (`build-essential`, `python3-dev`) of several
hundred MB. They also widen the image's attack surface and slow down the build.

## Example
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
```

## Fix safety
The fix adds `--no-install-recommends` right after `install` (in the exec form as a new string).
It is unsafe — offered as a code action, never applied by `--fix` — because it changes what the image
contains, and a recommended package is sometimes needed at run time: the classic case is
`ca-certificates`, only *recommended* by `curl`/`libcurl4`, `wget` and `git`, without which every
HTTPS download fails. Name such packages explicitly after applying the fix.

Unlike hadolint's DL3015 this rule also reports `apt install`, accepts every false value apt accepts
(`-o APT::Install-Recommends=0`, `-oAPT::…` written as one word) and an apt configuration snippet
written earlier, and only looks at the stages of the final image.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN` trigger in them included). A builder stage whose results are copied out with
`COPY --from` is not reported: its extra packages do not reach the image.

## References
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [apt-get(8): --no-install-recommends](https://manpages.debian.org/bookworm/apt/apt-get.8.en.html)
- [apt.conf(5)](https://manpages.debian.org/bookworm/apt/apt.conf.5.en.html)
- [hadolint DL3015](https://github.com/hadolint/hadolint/wiki/DL3015)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockls.edits import insert_word_after
from dockls.model import Model, Run
from dockls.packages import AptCall, apt_bool, apt_call, configured_value
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word

# `APT::Install-Recommends "false";` and the nested `APT { Install-Recommends "0"; };` of apt.conf.
_RECOMMENDS_CONFIG = re.compile(r'Install-Recommends\s+"?([\w-]+)"?\s*;', re.IGNORECASE)


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        for command in run.commands:
            call = apt_call(command)
            if call is None or call.subcommand is None or call.subcommand.text != "install" or call.simulated:
                continue
            if _recommends_off(call):
                continue
            configured = configured_value(model, run, command.span.start, _RECOMMENDS_CONFIG)
            if configured is not None and not apt_bool(configured, True):
                continue
            yield _finding(model, run, command, call.subcommand)


def _recommends_off(call: AptCall) -> bool:
    if "no-install-recommends" in call.long:
        return apt_bool(call.long["no-install-recommends"] or "true", True)
    value = call.setting("install-recommends", "apt::install-recommends")
    return value is not None and not apt_bool(value, True)


def _finding(model: Model, run: Run, command: ShellCommand, install: Word) -> Finding:
    message = (f"`{command.name} install` without `--no-install-recommends` also installs every package the "
               "named ones only recommend (for `apt-get install git` about 6.5 MB compressed); add "
               "`--no-install-recommends` and name what the image really needs (often `ca-certificates`, "
               "only recommended by curl, wget and git)")
    edit = insert_word_after(model.text, run.instruction, install, "--no-install-recommends")
    if edit is None:
        return RULE.finding(command.span, message)
    return RULE.finding(command.span, message, Fix("Add --no-install-recommends", (edit,), safe=False))


RULE = Rule(
    id="DKL012",
    name="apt-install-recommends",
    summary="apt-get install without --no-install-recommends installs recommended packages too",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3015",),
)
