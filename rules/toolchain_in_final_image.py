"""## What it does
Finds a final image that carries a build toolchain:

- the final stage is built `FROM` an SDK image: `golang`, `rust`, `maven`, `gradle`, a JDK
  (`openjdk`, `eclipse-temurin`, `amazoncorretto` without `jre` in the tag), the full `node` image
  (not `-slim`, `-alpine`), `buildpack-deps` (not its `-curl`, `-scm` variants) or
  `mcr.microsoft.com/dotnet/sdk` — reported on the image;
- or the final stage runs a build (`go build`, `cargo build`, `npm`/`yarn`/`pnpm run build`,
  `mvn package`, `gradle build`, `dotnet publish` …) and so ships its inputs and tools along with its
  result — reported on the command (folded into the first finding when the base is an SDK image).

Compilers installed with the package manager are reported by `build-deps-kept`.

## Why is this bad?
An SDK image holds everything needed to build — compiler, package manager, headers, often git and
gcc — and the build leaves its sources, dependency caches and intermediate files behind. None of it
is needed to run the result: the `golang` image is hundreds of MB where the binary is a few, a JDK is
much larger than a JRE, and every tool in the image is also attack surface.

A multi-stage build cures it: build in a builder stage, then start the final stage from a small
runtime image (distroless, a `-jre` or `-slim` variant) and `COPY --from` the builder only the
built artefact.

## Example
```dockerfile
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/server ./cmd/server
CMD ["server"]
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/server ./cmd/server

FROM gcr.io/distroless/base-debian12
WORKDIR /src
COPY --from=build /usr/local/bin/server /usr/local/bin/server
CMD ["server"]
```

## Fix safety
The code action converts the file into a multi-stage build for the Go case only, where the artefact
is known: a final stage `FROM` a Debian-based `golang` image with one `go build -o <file>` (a literal
path) in a shell-form RUN. The stage becomes the builder (`AS build`); a new last stage `FROM
gcr.io/distroless/base-debian12` (glibc, like the golang image, so a cgo binary still starts) repeats
the stage's literal `ENV` and final `WORKDIR`, copies the binary to the same path, and takes over the
`CMD`, `ENTRYPOINT`, `EXPOSE`, `LABEL`, `STOPSIGNAL` and `VOLUME` instructions. It is unsafe (offered
as a code action only): only the binary is copied, so files the program reads at run time (templates,
assets, configuration) must be added by hand, and distroless has no shell. It is not offered when the
stage has a shell-form `CMD`/`ENTRYPOINT`, a `HEALTHCHECK`, `USER`, `ONBUILD`, or an `ENV` or
`WORKDIR` that uses variables. Rust, Java and JavaScript builds are reported without a fix.

## Stages
The last stage and the stages it is built `FROM`; the SDK image is looked for at the start of that
chain. Builder stages, whose results are copied out with `COPY --from`, are what the rule recommends.

## References
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
- [Distroless images](https://github.com/GoogleContainerTools/distroless)
- [Eclipse Temurin JRE images](https://hub.docker.com/_/eclipse-temurin)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockls.edits import instruction_lines, newline_of
from dockls.images import normalize
from dockls.model import Model, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand
from dockls.syntax import Instruction
from dockls.text import Span

GO_RUNTIME = "gcr.io/distroless/base-debian12"
GOLANG_WORKDIR = "/go"
# Instructions that describe the running container: they move to the runtime stage.
RUNTIME_CONFIG = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "LABEL", "STOPSIGNAL", "VOLUME"})
# Instructions the code action does not know how to carry over.
BLOCKING = frozenset({"HEALTHCHECK", "USER", "ONBUILD"})
# What an SDK image holds, and where the artefact should go instead.
_RUNTIME_HINTS = {
    "golang": ("a Go toolchain", "copy the binary into e.g. gcr.io/distroless/static-debian12 (built with "
               "CGO_ENABLED=0) or gcr.io/distroless/base-debian12"),
    "rust": ("a Rust toolchain", "copy the binary into e.g. gcr.io/distroless/cc-debian12 or a -slim Debian"),
    "maven": ("Maven and a JDK", "copy the jar into a JRE image such as eclipse-temurin:<version>-jre"),
    "gradle": ("Gradle and a JDK", "copy the jar into a JRE image such as eclipse-temurin:<version>-jre"),
    "openjdk": ("a JDK", "run the jar on a JRE image such as eclipse-temurin:<version>-jre"),
    "eclipse-temurin": ("a JDK", "run the jar on the `-jre` variant"),
    "amazoncorretto": ("a JDK", "run the jar on a JRE image such as eclipse-temurin:<version>-jre"),
    "node": ("the full Node.js toolchain (gcc, python, git …)", "run the built app on the `-slim` variant"),
    "buildpack-deps": ("compilers and development headers", "copy the result into a slim image"),
    "dotnet/sdk": ("the .NET SDK", "copy the `dotnet publish` output into mcr.microsoft.com/dotnet/aspnet "
                   "or mcr.microsoft.com/dotnet/runtime"),
}
_BUILDS = {
    "go": ("build", "install"), "xx-go": ("build", "install"), "cargo": ("build", "install"),
    "mvn": ("package", "install", "verify"), "mvnw": ("package", "install", "verify"),
    "gradle": ("build", "assemble", "bootJar", "installDist", "jar", "shadowJar"),
    "gradlew": ("build", "assemble", "bootJar", "installDist", "jar", "shadowJar"),
    "dotnet": ("publish", "build"), "yarn": ("build",), "pnpm": ("build",),
}
_RUN_SCRIPT = frozenset({"npm", "yarn", "pnpm"})
_JDK_REPOS = frozenset({"openjdk", "eclipse-temurin", "amazoncorretto"})
_VARIABLE = re.compile(r"\$")


def _sdk(image: str) -> str | None:
    """The key of ``_RUNTIME_HINTS`` for an SDK image, or None."""
    ref = normalize(image)
    if ref is None:
        return None
    tag = (ref.tag or "").lower()
    if ref.registry == "mcr.microsoft.com" and ref.repository == "dotnet/sdk":
        return "dotnet/sdk"
    if ref.registry != "docker.io":
        return None
    repo = ref.repository
    if repo == "buildpack-deps":  # the -curl and -scm variants hold no compilers
        return None if "curl" in tag or "scm" in tag else repo
    if repo in ("golang", "rust", "maven", "gradle"):
        return repo
    if repo in _JDK_REPOS:
        return None if "jre" in tag else repo
    if repo == "node" and not any(v in tag for v in ("slim", "alpine", "distroless")):
        return repo
    return None


def _build_action(command: ShellCommand) -> str | None:
    """``go build``, ``npm run build`` …: the words naming a build, or None."""
    words = [w.text for w in command.args if not w.text.startswith("-")]
    if not words:
        return None
    if command.name in _RUN_SCRIPT and words[0] in ("run", "run-script") and len(words) > 1 and words[1] == "build":
        return f"{command.name} run build"
    if words[0] in _BUILDS.get(command.name, ()):
        return f"{command.name} {words[0]}"
    return None


def check(model: Model) -> Iterator[Finding]:
    if not model.stages:
        return
    root = model.final_stages[-1]
    builds = [(run, command, action) for run in model.runs
              if model.is_final(run.stage) and not run.opaque and run.holder is run.instruction
              for command in run.commands if (action := _build_action(command)) is not None]
    sdk = _sdk(root.image) if root.image_known else None
    if sdk is not None and root.image_span is not None:
        related = tuple(Related(command.span, f"`{action}` runs in the final image") for _, command, action in builds)
        fix = _go_fix(model, root) if sdk == "golang" and root is model.stages[-1] else None
        holds, cure = _RUNTIME_HINTS[sdk]
        message = (f"The final image is built FROM `{root.image}`, which holds {holds} the running container "
                   f"does not need: build in a builder stage (`FROM {root.image} AS build`) and {cure} in a "
                   f"last stage, with `COPY --from=build`")
        yield RULE.finding(root.image_span, message, *((fix,) if fix else ()), related=related)
        return
    for _, command, action in builds:
        yield RULE.finding(command.span, (
            f"`{action}` runs in the final stage: its sources, dependency caches and the toolchain that runs "
            f"it stay in the image; build in a builder stage and `COPY --from` it only the result"))


def _go_fix(model: Model, stage: Stage) -> Fix | None:
    ref = normalize(stage.image)
    if ref is None or "alpine" in (ref.tag or ""):
        return None
    text = model.text
    runs = [run for run in model.runs_in(stage) if run.holder is run.instruction]
    outputs = [(run, out) for run in runs for cmd in run.commands if _build_action(cmd) == "go build"
               and (out := _output(cmd)) is not None]
    builds = [cmd for run in runs for cmd in run.commands if _build_action(cmd) in ("go build", "go install")]
    if len(outputs) != 1 or len(builds) != 1 or outputs[0][0].instruction.json:
        return None
    run, output = outputs[0]
    workdir = _workdir(stage, run.instruction)
    final_workdir = _workdir(stage, None)
    if workdir is None or final_workdir is None:
        return None
    binary = posixpath.normpath(posixpath.join(workdir, output))
    env_lines: list[str] = []
    moved: list[Instruction] = []
    for inst in stage.instructions:
        if inst.keyword in BLOCKING or (inst.keyword in ("CMD", "ENTRYPOINT") and not inst.json):
            return None
        if inst.keyword == "ENV":
            if _VARIABLE.search(inst.args) or inst.start_line != inst.end_line:
                return None
            env_lines.append(text[inst.span.start : inst.span.end].rstrip())
        elif inst.keyword in RUNTIME_CONFIG:
            moved.append(inst)
    name = stage.name or _free_name(model)
    edits: list[Edit] = []
    if stage.name is None:
        end = stage.from_instruction.value_spans[-1].end
        edits.append(Edit(Span(end, end), f" AS {name}"))
    lines = [f"FROM {GO_RUNTIME}", *env_lines, f"WORKDIR {final_workdir}", f"COPY --from={name} {binary} {binary}"]
    moved_lines = [instruction_lines(text, inst) for inst in moved]  # with their comment blocks
    lines.extend(text[span.start : span.end].rstrip("\r\n") for span in moved_lines)
    kept = [inst for inst in stage.instructions if inst not in moved] or [stage.from_instruction]
    edits.extend(_append_stage(text, instruction_lines(text, kept[-1]).end, moved_lines, lines))
    return Fix(f"Convert to a multi-stage build running {binary} on {GO_RUNTIME}", tuple(edits), safe=False)


def _append_stage(text: str, kept_end: int, moved: list[Span], lines: list[str]) -> list[Edit]:
    """Delete the ``moved`` lines and add ``lines`` as the last stage. When only moved instructions and
    blank lines follow the last instruction that stays (``kept_end``), that whole tail is replaced, so
    no run of blank lines is left behind."""
    nl = newline_of(text)
    rest, at = [], kept_end
    for span in moved:
        if span.start >= kept_end:
            rest.append(text[at : span.start])
            at = span.end
    rest.append(text[at:])
    if "".join(rest).strip():  # comments or text after the stage's last instruction: keep them
        end_with_break = text.endswith(("\n", "\r")) or any(span.end == len(text) for span in moved)
        start, deleted = len(text), moved
    else:
        end_with_break = text[:kept_end].endswith(("\n", "\r"))
        start, deleted = kept_end, [span for span in moved if span.end <= kept_end]
    stage = ("" if end_with_break else nl) + nl + nl.join(lines) + nl
    return [*(Edit(span, "") for span in deleted), Edit(Span(start, len(text)), stage)]


def _output(command: ShellCommand) -> str | None:
    """The literal file of ``go build -o FILE``, None when absent, a directory or a variable."""
    args = command.args
    for i, word in enumerate(args):
        if word.text in ("-o", "--o") and i + 1 < len(args):
            value = args[i + 1].text
        elif word.text.startswith(("-o=", "--o=")):
            value = word.text.partition("=")[2]
        else:
            continue
        if not value or "$" in value or "`" in value or value.endswith("/"):
            return None
        return value
    return None


def _workdir(stage: Stage, before: Instruction | None) -> str | None:
    """The working directory at ``before`` (the end of the stage when None); None when variables decide it."""
    workdir = GOLANG_WORKDIR
    for inst in stage.instructions:
        if inst is before:
            break
        if inst.keyword == "WORKDIR" and inst.value:
            if "$" in inst.value[0]:
                return None
            workdir = posixpath.normpath(posixpath.join(workdir, inst.value[0]))
    return workdir


def _free_name(model: Model) -> str:
    taken = {stage.name for stage in model.stages}
    return next(name for name in ("build", "builder", "go-build", "toolchain") if name not in taken)


RULE = Rule(
    id="DKL030",
    name="toolchain-in-final-image",
    summary="The final image is an SDK image or builds in place: use a multi-stage build",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
