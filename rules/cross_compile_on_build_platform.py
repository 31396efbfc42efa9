"""## What it does
Finds a builder stage that cross-compiles — `go build`, `cargo build --target <triple>`, a JavaScript
build (`npm run build`, `yarn build`, `pnpm build`) — and whose output another stage copies
(`COPY --from`), while the stage is not `FROM --platform=$BUILDPLATFORM`.

## Why is this bad?
Without the flag every stage runs on the target platform. In a multi-platform build
(`docker buildx build --platform linux/amd64,linux/arm64`) the compiler for the foreign platform then
runs under QEMU emulation, typically several times slower, although Go and Rust can produce binaries
for any platform natively and a JavaScript bundle is the same on every platform. Running the builder on
`$BUILDPLATFORM` and telling the compiler the target (`GOOS=$TARGETOS GOARCH=$TARGETARCH`) gives the
same artefacts at native speed.

## Example
```dockerfile
FROM golang:1.23 AS build
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static
COPY --from=build /out/app /app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.23 AS build
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM gcr.io/distroless/static
COPY --from=build /out/app /app
```

## Stages
Builder stages only: a stage that some `COPY --from` of another stage names, that is not part of the
final image (the last stage and the stages it is built `FROM` have to run on the target platform), and
that is not itself built `FROM` another stage. A stage whose `FROM` has any `--platform` flag is left
alone: its platform was chosen on purpose. Not reported: `ONBUILD RUN` (it runs in another build), a
`go build` with `CGO_ENABLED=1` (cross-compiling cgo needs a C cross toolchain), and a JavaScript build
in a stage whose `node_modules` is copied out (native modules would be built for the wrong platform).

## Fix safety
The fix adds `--platform=$BUILDPLATFORM` to the `FROM` and, for a `go build` that does not set them,
prefixes `GOOS=$TARGETOS GOARCH=$TARGETARCH` and declares `ARG TARGETOS TARGETARCH` after the `FROM`.
It changes the platform the builder runs on: right for Go and JavaScript, wrong when the build runs
the binaries it produces or installs native dependencies, and a Rust `--target` build may need a cross
linker. So it is offered, never applied by `--fix`. An exec-form `RUN ["go", "build", …]` gets no fix:
the variables cannot be prefixed there.

## References
- [Multi-platform builds: cross-compilation](https://docs.docker.com/build/building/multi-platform/#cross-compilation)
- [Dockerfile reference: automatic platform ARGs](https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope)
- [Faster multi-platform builds: Dockerfile cross-compilation guide](https://www.docker.com/blog/faster-multi-platform-builds-dockerfile-cross-compilation-guide/)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockls.edits import add_flag, insert_after, newline_of
from dockls.model import Model, Run, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand, first_operand
from dockls.text import Span

# The Go variable each TARGET argument feeds.
_GO_TARGETS = (("GOOS", "TARGETOS"), ("GOARCH", "TARGETARCH"))
_JS_BUILD_SCRIPT = re.compile(r"build(?::[\w.-]+)?$")
_NO_VALUE_OPTIONS: frozenset[str] = frozenset()
_EXPORT = re.compile(r"\bexport\s+(?:[^\n;&|]*?\s)?(GOOS|GOARCH|CGO_ENABLED)=(\S*)")


def check(model: Model) -> Iterator[Finding]:
    copied = _copied_stages(model)
    for stage in model.stages:
        if (stage not in copied or model.is_final(stage) or stage.parent is not None
                or stage.from_instruction.flags_named("platform")):
            continue
        builds: list[tuple[Run, ShellCommand, str]] = []
        for run in model.runs_in(stage):
            if run.opaque or run.holder is not run.instruction:
                continue
            source = _run_source(model.text, run)
            builds.extend((run, cmd, kind) for cmd in run.commands
                          if (kind := _cross_build(cmd, run, source, copied[stage])))
        if builds:
            yield _finding(model, stage, builds)


def _copied_stages(model: Model) -> dict[Stage, list[str]]:
    """Each stage another stage copies from, with the source paths copied."""
    copied: dict[Stage, list[str]] = {}
    for stage in model.stages:
        for inst in stage.instructions:
            if inst.keyword != "COPY":
                continue
            for flag in inst.flags_named("from"):
                source = model.stage_named(flag.value or "")
                if source is not None and source is not stage:
                    copied.setdefault(source, []).extend(inst.value[:-1])
    return copied


def _cross_build(cmd: ShellCommand, run: Run, source: str, copied_paths: list[str]) -> str:
    """What kind of cross-compiling build ``cmd`` is ("go", "rust", "js"), or "" when none."""
    operand = first_operand(cmd.args, _NO_VALUE_OPTIONS)
    if operand is None:
        return ""
    if cmd.name == "go" and operand.text == "build":
        return "" if _go_setting(cmd, run, source, "CGO_ENABLED") == "1" else "go"
    if cmd.name == "cargo" and operand.text == "build":
        has_target = any(w.text == "--target" or w.text.startswith("--target=") for w in cmd.args)
        return "rust" if has_target else ""
    if cmd.name in ("npm", "yarn", "pnpm"):
        script: str | None = operand.text
        if script in ("run", "run-script"):
            after = cmd.args[cmd.args.index(operand) + 1 :]
            following = first_operand(after, _NO_VALUE_OPTIONS)
            script = following.text if following else None
        elif cmd.name == "npm":
            script = None  # `npm build` is not a script run
        if script and _JS_BUILD_SCRIPT.match(script) and not any("node_modules" in p for p in copied_paths):
            return "js"
    return ""


def _go_setting(cmd: ShellCommand, run: Run, source: str, name: str) -> str | None:
    """The value ``name`` has for ``cmd``: its own assignment, an ``export`` in the RUN, ARG or ENV."""
    for assignment in cmd.assignments:
        key, _, value = assignment.partition("=")
        if key == name:
            return value.strip("'\"")
    # tree-sitter-bash parses `export` as a declaration, not a command: read the RUN's text.
    for exported in _EXPORT.finditer(source):
        if exported.group(1) == name:
            return exported.group(2).strip("'\"")
    if name in run.env:
        return run.env[name] or ""
    return None


def _shown(cmd: ShellCommand) -> str:
    """The program and subcommand of a build: `go build`, `npm run build`."""
    count = 3 if len(cmd.words) > 2 and cmd.words[1].text in ("run", "run-script") else 2
    return " ".join(word.text for word in cmd.words[:count])


def _run_source(text: str, run: Run) -> str:
    return text[run.instruction.span.start : run.instruction.span.end]


def _finding(model: Model, stage: Stage, builds: list[tuple[Run, ShellCommand, str]]) -> Finding:
    text = model.text
    from_inst = stage.from_instruction
    edits: list[Edit] = [add_flag(from_inst, "--platform=$BUILDPLATFORM")]
    needed_args: list[str] = []
    fixable = True
    for run, cmd, kind in builds:
        if kind != "go":
            continue
        source = _run_source(text, run)
        missing = [(var, arg) for var, arg in _GO_TARGETS if _go_setting(cmd, run, source, var) is None]
        if not missing:
            continue
        if run.instruction.json:
            fixable = False
            continue
        at = cmd.words[0].span.start
        edits.append(Edit(Span(at, at), "".join(f"{var}=${arg} " for var, arg in missing)))
        needed_args.extend(arg for _, arg in missing if arg not in needed_args)
    declared = {word.partition("=")[0] for inst in stage.instructions if inst.keyword == "ARG"
                for word in inst.value}
    undeclared = [arg for arg in needed_args if arg not in declared]
    if undeclared:
        edits.append(insert_after(text, from_inst, f"ARG {' '.join(undeclared)}{newline_of(text)}"))
    what = _shown(builds[0][1])
    go_hint = " and give the compiler the target with GOOS=$TARGETOS GOARCH=$TARGETARCH" if needed_args else ""
    message = (f"stage {stage.label} builds with `{what}` for another stage on the target platform: a "
               "multi-platform build runs this compiler under emulation, several times slower, although it can "
               f"build for any platform natively; build it FROM --platform=$BUILDPLATFORM{go_hint}")
    related = tuple(Related(cmd.span, f"`{_shown(cmd)}` builds here")
                    for _, cmd, _ in builds)
    fixes = (Fix(f"Run stage {stage.label} on $BUILDPLATFORM", tuple(edits), safe=False),) if fixable else ()
    anchor = from_inst.keyword_span if stage.image_span is None else stage.image_span
    return RULE.finding(anchor, message, *fixes, related=related)


RULE = Rule(
    id="DKL027",
    name="cross-compile-on-build-platform",
    summary="A cross-compiling builder stage without FROM --platform=$BUILDPLATFORM runs under emulation",
    severity=Severity.INFO,
    category="multi-platform",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
