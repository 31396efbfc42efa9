"""## What it does
Finds `go build` commands (also `xx-go build`) whose binary ends up in the final image, and reports:

- a build with cgo enabled whose stage is copied (`COPY --from`) into a final image built `FROM
  scratch`, a distroless or Chainguard `static` image, or Alpine — a warning, with a fix adding
  `CGO_ENABLED=0`;
- a build without `-ldflags="-s -w"` or without `-trimpath` — informational, with a fix adding them.

cgo counts as disabled when `CGO_ENABLED=0` is assigned on the command, exported earlier in the same
RUN, set by `ENV`/`ARG` or `go env -w`, and when its value is an `ARG` without default (unknown, not
reported). A build that links statically anyway (`-extldflags -static`, or the `netgo` tag) is not
reported, nor an Alpine builder copying into an Alpine image (both use musl). Since Go 1.20 cgo is
off where there is no C compiler, so a build is only reported when cgo is on for sure: in a
Debian-based `golang` image (they ship gcc), after installing a C compiler (`gcc`, `build-base`,
`clang` …), or with `CGO_ENABLED=1`. A builder on another or an unknown base is not reported.

## Why is this bad?
The official `golang` images ship gcc, so cgo is on by default. A binary that uses cgo — the `net`
and `os/user` packages do, as does any C dependency — is then linked dynamically against glibc.
`scratch` and distroless `static` have no C library at all and Alpine has musl instead of glibc: the
binary fails to start there with the confusing `exec /app: no such file or directory`.
`CGO_ENABLED=0` builds a static binary that runs anywhere.

`-ldflags="-s -w"` leaves the symbol table and DWARF debug information out of the binary, typically
20-30 % of its size; `-trimpath` removes the build machine's file system paths from it (smaller and
reproducible).

## Example
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/server ./cmd/server

FROM scratch
COPY --from=build /out/server /server
ENTRYPOINT ["/server"]
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM scratch
COPY --from=build /out/server /server
ENTRYPOINT ["/server"]
```

## Stages
The stages whose binaries reach the final image: the last stage and the stages it is built `FROM`,
plus every stage they `COPY --from` (and the stages those are built `FROM`). Which file a `COPY
--from` takes is not compared with the `-o` of the build: a stage that is copied from is assumed to
deliver its binaries. A build in a stage nothing is copied from is not reported, nor an `ONBUILD RUN
go build` trigger (it runs in another image's build, on whatever base that one has).

## Fix safety
Both fixes are unsafe (offered as code actions only). `CGO_ENABLED=0` switches DNS resolution and
user lookup to Go's own implementations and makes packages that need C fail to build. Stripping
symbols removes what a debugger needs, and `-trimpath` changes the file paths in panics and
`runtime.Caller`. `-ldflags` is only added when the command has none; an existing `-ldflags` value
without `-s` is reported without a fix. The exec form gets new strings; `CGO_ENABLED=0` is not added
to a RUN in JSON form (an exec-form command has no shell to assign it).

## References
- [cgo: CGO_ENABLED](https://pkg.go.dev/cmd/cgo)
- [go build flags](https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies)
- [Go linker flags -s -w](https://pkg.go.dev/cmd/link)
- [Distroless static](https://github.com/GoogleContainerTools/distroless/blob/main/base/README.md)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dockls.edits import insert_word_after
from dockls.images import normalize
from dockls.model import Model, Run, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand, Word
from dockls.text import Span

GO_COMMANDS = frozenset({"go", "xx-go"})
C_COMPILERS = frozenset({"gcc", "build-base", "clang", "g++", "build-essential", "musl-gcc"})
_CGO_OFF = re.compile(r"\bCGO_ENABLED=['\"]?0\b")
_EXPORTED_OFF = re.compile(r"\bexport\b[^\n;&|]*\bCGO_ENABLED=['\"]?0\b")
_STATIC_LINK = re.compile(r"-extldflags[= ]['\"]?[^'\"]*-static|\bnetgo\b|-linkmode[= ]?external[^'\"]*-static")


def _runtime_kind(image: str) -> str | None:
    """What C library the final image lacks: None when it has glibc (or is unknown)."""
    ref = normalize(image)
    if ref is None:
        return None
    if ref.repository == "scratch" and ref.registry == "docker.io":
        return "`scratch`, which has no C library"
    path = ref.repository.rsplit("/", 1)[-1]
    if ("distroless" in ref.repository or "chainguard" in ref.repository) and path.startswith("static"):
        return f"`{image}`, which has no C library"
    if _is_alpine(image):
        return f"`{image}`, which has musl instead of glibc"
    return None


def _copied_stages(model: Model) -> dict[int, tuple[Stage, Span]]:
    """Stages (by index) the final stages copy from, with the chains they are built on, and a COPY."""
    copied: dict[int, tuple[Stage, Span]] = {}
    for stage in model.final_stages:
        for holder in stage.instructions:
            inst = holder.command
            origin = inst.flag("from") if inst.keyword == "COPY" else None
            source = model.stage_named(origin.value) if origin is not None and origin.value else None
            if source is None or source in model.final_stages:
                continue
            for member in source.chain:
                copied.setdefault(member.index, (member, holder.span))
    return copied


def _is_build(command: ShellCommand) -> Word | None:
    """The ``build`` word of ``go build``."""
    if command.name not in GO_COMMANDS:
        return None
    first = next((word for word in command.args if not word.text.startswith("-")), None)
    return first if first is not None and first.text == "build" else None


def check(model: Model) -> Iterator[Finding]:
    if not model.stages:
        return
    final_base = model.final_stages[-1]
    runtime = _runtime_kind(final_base.image) if final_base.image_known else None
    copied = _copied_stages(model)
    shipped = {stage.index for stage in model.final_stages} | set(copied)
    for run in model.runs:
        if run.opaque or run.holder is not run.instruction or run.stage is None or run.stage.index not in shipped:
            continue
        for command in run.commands:
            build = _is_build(command)
            if build is None:
                continue
            if runtime is not None and run.stage.index in copied and _cgo_on(model, run, command, final_base):
                yield _cgo_finding(model, run, command, runtime, copied[run.stage.index][1])
            finding = _size_finding(model, run, command, build)
            if finding is not None:
                yield finding


def _cgo_on(model: Model, run: Run, command: ShellCommand, final_base: Stage) -> bool:
    if any(_CGO_OFF.fullmatch(a) for a in command.assignments) or _STATIC_LINK.search(" ".join(
            w.text for w in command.args)):
        return False
    if "CGO_ENABLED" in run.env and run.env["CGO_ENABLED"] != "1":
        return False  # set to 0 by ENV/ARG, or an ARG whose value is only known at build time
    if _EXPORTED_OFF.search(model.text, run.instruction.span.start, command.span.start):
        return False
    stages = run.stage.chain if run.stage else []
    runs = [r for r in model.runs if r.stage in stages]
    if any(cmd.name in GO_COMMANDS and cmd.has("-w") and any(_CGO_OFF.fullmatch(w.text) for w in cmd.args)
           for r in runs for cmd in r.commands):
        return False  # go env -w CGO_ENABLED=0
    if "CGO_ENABLED=1" in command.assignments or run.env.get("CGO_ENABLED") == "1":
        return True
    if any(_is_alpine(stage.image) for stage in stages) and _is_alpine(final_base.image):
        return False  # musl on both sides
    if any(w.text in C_COMPILERS for r in runs for cmd in r.commands for w in cmd.args):
        return True
    # Since Go 1.20 cgo is off where there is no C compiler: on by default only in the Debian-based
    # golang images, which ship gcc.
    return any(_is_golang(stage.image) and not _is_alpine(stage.image) for stage in stages)


def _is_alpine(image: str) -> bool:
    """Alpine or an image variant on it (``golang:1.22-alpine``, ``nginx:alpine``), also behind an ARG."""
    return "alpine" in image.rsplit("/", 1)[-1].lower()


def _is_golang(image: str) -> bool:
    ref = normalize(image)
    return ref is not None and ref.registry == "docker.io" and ref.repository == "golang"


def _cgo_finding(model: Model, run: Run, command: ShellCommand, runtime: str, copy: Span) -> Finding:
    why = ("with `CGO_ENABLED=1`" if "CGO_ENABLED=1" in command.assignments or run.env.get("CGO_ENABLED") == "1"
           else "with cgo enabled (the golang images ship gcc, so it is on by default)")
    message = (f"`{command.name} build` runs {why} and its stage is copied into {runtime}: a binary "
               "using cgo (net, os/user or any C dependency) is linked dynamically against glibc and fails "
               "to start there with \"no such file or directory\"; build it with `CGO_ENABLED=0`")
    fixes: tuple[Fix, ...] = ()
    if not run.instruction.json:
        at = command.words[0].span.start
        fixes = (Fix("Build with CGO_ENABLED=0", (Edit(Span(at, at), "CGO_ENABLED=0 "),), safe=False),)
    related = (Related(copy, "the binary is copied into the final image here"),)
    return RULE.finding(command.span, message, *fixes, related=related)


def _ldflags(command: ShellCommand) -> str | None:
    """The value of ``-ldflags`` ("" when it has none), None when the option is absent."""
    args = command.args
    for i, word in enumerate(args):
        name, eq, value = word.text.partition("=")
        if name in ("-ldflags", "--ldflags"):
            if eq:
                return value
            return args[i + 1].text if i + 1 < len(args) else ""
    return None


def _size_finding(model: Model, run: Run, command: ShellCommand, build: Word) -> Finding | None:
    goflags = " ".join(v for v in (run.env.get("GOFLAGS"),) if v) + " ".join(
        a.partition("=")[2] for a in command.assignments if a.startswith("GOFLAGS="))
    if "$" in goflags:
        return None
    ldflags = _ldflags(command)
    missing: list[str] = []
    if "-trimpath" not in goflags and not command.has("-trimpath", "--trimpath"):
        missing.append("-trimpath")
    add_ldflags = ldflags is None and "-ldflags" not in goflags
    if add_ldflags:
        missing.append('-ldflags="-s -w"')
    elif ldflags is not None and "$" not in ldflags and "-s" not in ldflags.split():
        missing.append("-s in -ldflags")
    if not missing:
        return None
    message = (f"`{command.name} build` without {' and '.join(f'`{m}`' for m in missing)}: the binary that "
               f"reaches the final image keeps its symbol table and debug information (typically 20-30 % of "
               f"its size) and the build machine's paths")
    words = [m for m in missing if m == "-trimpath"] + (["-ldflags=-s -w"] if add_ldflags else [])
    fix = _flags_fix(model, run, build, words) if words else None
    fixes = (fix,) if fix else ()
    return Finding(RULE, command.span, message, fixes, severity=Severity.INFO)


def _flags_fix(model: Model, run: Run, build: Word, words: list[str]) -> Fix | None:
    inst = run.instruction
    if inst.json and build.span in inst.value_spans:  # pure exec form: one JSON string per option
        at = build.span.end
        return Fix("Add " + " ".join(words), (Edit(Span(at, at), "".join(", " + json.dumps(w) for w in words)),),
                   safe=False)
    quote = "'" if inst.json else '"'  # inside a JSON string a single quote needs no escape
    text = " ".join(w.replace("=-s -w", f"={quote}-s -w{quote}") for w in words)
    edit = insert_word_after(model.text, inst, build, text)
    return Fix("Add " + text, (edit,), safe=False) if edit else None


RULE = Rule(
    id="DKL031",
    name="go-static-binary",
    summary="Go binary built with cgo for a libc-less image, or without -trimpath -ldflags=\"-s -w\"",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
