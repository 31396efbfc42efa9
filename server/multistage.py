"""Convert a last stage that builds in an SDK image into a multi-stage build (builder + runtime).

:func:`multistage_fix` works on the last stage of a model, where that stage starts ``FROM`` a known
SDK image and the built artefact is identifiable:

- Go: a Debian-based ``golang`` image and one ``go build -o <file>``; the runtime is
  ``gcr.io/distroless/base-debian12`` and the binary is copied to the same path;
- Rust: a Debian-based ``rust`` image (not alpine: its binaries link musl) and one
  ``cargo build --release`` whose binary is named by ``--bin``, by a later ``cp``/``mv``/``install`` of
  ``target/release/<name>`` or by the exec-form ``CMD``/``ENTRYPOINT``; the runtime is
  ``gcr.io/distroless/cc-debian12`` (glibc and libgcc, what a default Rust binary links);
- Node.js: a full ``node:<major>`` image, one ``npm run build`` (or ``yarn build``) after the
  package manifest and lockfile were copied, and an exec-form ``CMD``/``ENTRYPOINT`` running
  ``node dist/…`` / ``node build/…`` or ``npm start``; the runtime is ``node:<major>-slim`` (when the
  image data set knows that tag), which installs the production dependencies again and gets the build
  output directory.

The stage becomes the builder (``AS build`` unless it has a name) and a new last stage repeats its
literal ``ENV`` and final ``WORKDIR``, copies the artefact and takes over ``CMD``, ``ENTRYPOINT``,
``EXPOSE``, ``LABEL``, ``STOPSIGNAL`` and ``VOLUME``. Anything uncertain gives no fix.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dockls.edits import instruction_lines, newline_of
from dockls.images import DOCKER_HUB, ImageRef, lookup, normalize
from dockls.model import Model, Run, Stage
from dockls.rule import Edit, Fix
from dockls.shell import ShellCommand
from dockls.syntax import Instruction
from dockls.text import Span

GO_RUNTIME = "gcr.io/distroless/base-debian12"
RUST_RUNTIME = "gcr.io/distroless/cc-debian12"
# The WORKDIR each SDK image starts in (golang sets /go; rust and node set none).
_DEFAULT_WORKDIR = {"golang": "/go", "rust": "/", "node": "/"}
# Instructions that describe the running container: they move to the runtime stage.
RUNTIME_CONFIG = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "LABEL", "STOPSIGNAL", "VOLUME"})
# Instructions the conversion does not know how to carry over.
BLOCKING = frozenset({"HEALTHCHECK", "USER", "ONBUILD"})

_BUILDS = {
    "go": ("build", "install"), "xx-go": ("build", "install"), "cargo": ("build", "install"),
    "mvn": ("package", "install", "verify"), "mvnw": ("package", "install", "verify"),
    "gradle": ("build", "assemble", "bootJar", "installDist", "jar", "shadowJar"),
    "gradlew": ("build", "assemble", "bootJar", "installDist", "jar", "shadowJar"),
    "dotnet": ("publish", "build"), "yarn": ("build",), "pnpm": ("build",),
}
_RUN_SCRIPT = frozenset({"npm", "yarn", "pnpm"})
_VARIABLE = re.compile(r"\$")
_LITERAL_PATH = re.compile(r"[^$`*?\[\]{}~\\]+")
_STAGE_NAMES = ("build", "builder", "go-build", "toolchain")

# cargo options that move the binary away from <target-dir>/release or make it something else.
_CARGO_UNSUPPORTED = frozenset({"--target", "--profile", "--manifest-path", "--example", "--examples", "--config",
                                "-Z", "--out-dir", "--artifact-dir"})
_CARGO_ENV = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "CARGO_BUILD_TARGET_DIR", "CARGO_PROFILE")
# Directories a copied binary lands in when the destination names one without a trailing slash.
_BIN_DIRS = frozenset({"/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"})
# install options that take a value; -t/--target-directory and -d change the meaning: no fix.
_INSTALL_VALUE_OPTIONS = frozenset({"-m", "-o", "-g", "-S", "--mode", "--owner", "--group", "--suffix"})

_NODE_TAG = re.compile(r"(\d+)(?:\.\d+){0,2}(?:-(bookworm|bullseye|buster|trixie))?")
_NODE_BUILDS = frozenset({"npm run build", "yarn build", "yarn run build"})
_NODE_OUTPUTS = frozenset({"dist", "build"})
_NODE_VALUE_OPTIONS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader"})
_NODE_EVAL_OPTIONS = frozenset({"-e", "--eval", "-p", "--print", "-i", "--interactive"})
_YARN_BERRY_FILES = frozenset({".yarnrc.yml", ".yarn", ".yarn/releases", ".pnp.cjs"})


def build_action(command: ShellCommand) -> str | None:
    """``go build``, ``npm run build`` …: the words naming a build, or None."""
    words = [w.text for w in command.args if not w.text.startswith("-")]
    if not words:
        return None
    if command.name in _RUN_SCRIPT and words[0] in ("run", "run-script") and len(words) > 1 and words[1] == "build":
        return f"{command.name} run build"
    if words[0] in _BUILDS.get(command.name, ()):
        return f"{command.name} {words[0]}"
    return None


@dataclass(frozen=True)
class _Frame:
    """What every conversion carries over from the stage, and where it ends."""

    stage: Stage
    runs: list[Run]  # the stage's own RUNs (not ONBUILD triggers), in order
    env_lines: list[str]  # literal one-line ENV instructions, as written
    moved: list[Instruction]  # RUNTIME_CONFIG instructions
    workdirs: dict[int, str]  # id(instruction) → the working directory it runs in
    final_workdir: str

    def workdir(self, inst: Instruction) -> str:
        return self.workdirs[id(inst)]

    def argv(self) -> list[str] | None:
        """The exec-form command line of the container: ENTRYPOINT followed by CMD (CMD alone without one)."""
        last = {inst.keyword: inst for inst in self.stage.instructions if inst.keyword in ("CMD", "ENTRYPOINT")}
        entrypoint, cmd = last.get("ENTRYPOINT"), last.get("CMD")
        argv = [*(entrypoint.value if entrypoint else []), *(cmd.value if cmd else [])]
        return argv or None


@dataclass(frozen=True)
class _Plan:
    """An ecosystem's runtime stage: its image, the lines after WORKDIR, and the action's title."""

    runtime: str
    lines: list[str]
    title: str


def multistage_fix(model: Model) -> Fix | None:
    """The unsafe fix converting the last stage into a builder plus a runtime stage; None where the
    last stage is not ``FROM`` a supported SDK image or its artefact cannot be identified safely."""
    if not model.stages:
        return None
    stage = model.stages[-1]
    if stage.parent is not None or not stage.image_known:
        return None
    ref = normalize(stage.image)
    planner = _PLANNERS.get(ref.repository) if ref is not None and ref.registry == DOCKER_HUB else None
    if ref is None or planner is None or "alpine" in (ref.tag or ""):
        return None
    frame = _frame(stage, model, _DEFAULT_WORKDIR[ref.repository])
    if frame is None:
        return None
    name = stage.name or next((n for n in _STAGE_NAMES if n not in {s.name for s in model.stages}), None)
    plan = planner(frame, ref, name) if name is not None else None
    if plan is None or name is None:
        return None
    text = model.text
    edits: list[Edit] = []
    if stage.name is None:
        end = stage.from_instruction.value_spans[-1].end
        edits.append(Edit(Span(end, end), f" AS {name}"))
    lines = [f"FROM {plan.runtime}", *frame.env_lines, f"WORKDIR {frame.final_workdir}", *plan.lines]
    moved_lines = [instruction_lines(text, inst) for inst in frame.moved]  # with their comment blocks
    lines.extend(text[span.start : span.end].rstrip("\r\n") for span in moved_lines)
    kept = [inst for inst in stage.instructions if inst not in frame.moved] or [stage.from_instruction]
    edits.extend(_append_stage(text, instruction_lines(text, kept[-1]).end, moved_lines, lines))
    return Fix(plan.title, tuple(edits), safe=False)


def _frame(stage: Stage, model: Model, default_workdir: str) -> _Frame | None:
    text = model.text
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
    workdirs: dict[int, str] = {}
    workdir = default_workdir
    for inst in stage.instructions:
        workdirs[id(inst)] = workdir
        if inst.keyword == "WORKDIR" and inst.value:
            if "$" in inst.value[0]:
                return None  # variables decide where relative paths point
            workdir = posixpath.normpath(posixpath.join(workdir, inst.value[0]))
    runs = [run for run in model.runs_in(stage) if run.holder is run.instruction]
    return _Frame(stage, runs, env_lines, moved, workdirs, workdir)


# -- Go -------------------------------------------------------------------------------------------


def _go(frame: _Frame, ref: ImageRef, name: str) -> _Plan | None:
    outputs = [(run, out) for run in frame.runs for cmd in run.commands if build_action(cmd) == "go build"
               and (out := _go_output(cmd)) is not None]
    builds = [cmd for run in frame.runs for cmd in run.commands if build_action(cmd) in ("go build", "go install")]
    if len(outputs) != 1 or len(builds) != 1 or outputs[0][0].instruction.json:
        return None
    run, output = outputs[0]
    binary = posixpath.normpath(posixpath.join(frame.workdir(run.instruction), output))
    return _Plan(GO_RUNTIME, [f"COPY --from={name} {binary} {binary}"],
                 f"Convert to a multi-stage build running {binary} on {GO_RUNTIME}")


def _go_output(command: ShellCommand) -> str | None:
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


# -- Rust -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cargo:
    bins: list[str]
    target_dir: str


def _rust(frame: _Frame, ref: ImageRef, name: str) -> _Plan | None:
    builds = [(run, cmd) for run in frame.runs for cmd in run.commands if build_action(cmd) is not None]
    if len(builds) != 1:
        return None
    run, command = builds[0]
    cargo = _cargo(command) if build_action(command) == "cargo build" else None
    build_dir = frame.workdir(run.instruction)
    if (cargo is None or run.instruction.json or command.assignments
            or any(key in run.env or key in frame.stage.env for key in _CARGO_ENV)):
        return None
    release = posixpath.join(posixpath.normpath(posixpath.join(build_dir, cargo.target_dir)), "release")
    after = _commands_from(frame.runs, run, command)
    if after is None:
        return None
    moves = [move for later, cmd in after if (move := _moved_binary(frame, later, cmd, release)) is not None]
    if any(move == "" for move in moves) or len(moves) > 1:
        return None
    if moves:
        binary = moves[0]
    elif (named := _argv_binary(frame, release)) is not None:
        if cargo.bins and posixpath.basename(named) not in cargo.bins:
            return None  # the container runs a binary this build does not make
        binary = named
    elif len(cargo.bins) == 1:
        binary = posixpath.join(release, cargo.bins[0])
    else:
        return None
    if any(mount.covers(binary) for mount in run.mounts):
        return None  # the binary is on a cache mount, not in the image
    return _Plan(RUST_RUNTIME, [f"COPY --from={name} {binary} {binary}"],
                 f"Convert to a multi-stage build running {binary} on {RUST_RUNTIME}")


def _cargo(command: ShellCommand) -> _Cargo | None:
    """The options of ``cargo build`` that decide where the binary lands; None unless ``--release`` and
    nothing the conversion does not understand."""
    bins: list[str] = []
    target_dir, release = "target", False
    words = [word.text for word in command.args]
    for i, word in enumerate(words):
        option, has_value, inline = word.partition("=")
        value = inline if has_value else (words[i + 1] if i + 1 < len(words) else "")
        if option in _CARGO_UNSUPPORTED or option.startswith("-Z") or "$" in word:
            return None
        if option in ("--release", "-r"):
            release = True
        elif option == "--bin":
            if not _is_file_name(value):
                return None
            bins.append(value)
        elif option == "--target-dir":
            if not value or not _LITERAL_PATH.fullmatch(value):
                return None
            target_dir = value
    return _Cargo(bins, target_dir) if release else None


def _commands_from(runs: list[Run], run: Run, command: ShellCommand) -> list[tuple[Run, ShellCommand]] | None:
    """The commands after ``command``: the rest of its RUN and the later RUNs; None when one of them (or an
    earlier command of the build's RUN) changes directory, so relative paths cannot be resolved."""
    position = runs.index(run)
    index = run.commands.index(command)
    if any(cmd.name in ("cd", "pushd", "popd") for cmd in run.commands):
        return None
    found = [(run, cmd) for cmd in run.commands[index + 1 :]]
    for later in runs[position + 1 :]:
        if later.opaque or any(cmd.name in ("cd", "pushd", "popd") for cmd in later.commands):
            return None
        found.extend((later, cmd) for cmd in later.commands)
    return found


def _moved_binary(frame: _Frame, run: Run, command: ShellCommand, release: str) -> str | None:
    """Where ``cp``/``mv``/``install`` puts a binary from ``release``: its absolute path; "" when a
    command touches ``release`` in a way that cannot be followed; None when it does not touch it."""
    workdir = frame.workdir(run.instruction)
    if command.name not in ("cp", "mv", "install") or not any(
            _in_release(workdir, word.text, release) for word in command.args):
        return None
    operands = _copy_operands(command)
    if operands is None or len(operands) != 2 or not all(_LITERAL_PATH.fullmatch(op) for op in operands):
        return ""
    source, dest = operands
    if not _in_release(workdir, source, release):
        return ""  # something is copied into the release directory
    target = posixpath.normpath(posixpath.join(workdir, dest))
    if dest.endswith("/") or target in _BIN_DIRS or target == workdir:
        target = posixpath.join(target, posixpath.basename(posixpath.normpath(source)))
    return "" if any(mount.covers(target) for mount in run.mounts) else target


def _copy_operands(command: ShellCommand) -> list[str] | None:
    """The file operands of cp/mv/install; None for options that change what they mean (-t, -d, -r)."""
    operands: list[str] = []
    skip = False
    for word in (word.text for word in command.args):
        if skip:
            skip = False
        elif word.startswith("-") and word != "-":
            if word.split("=", 1)[0] in ("-t", "--target-directory", "-d", "--directory", "-r", "-R",
                                         "--recursive", "-a"):
                return None
            skip = command.name == "install" and word in _INSTALL_VALUE_OPTIONS
        else:
            operands.append(word)
    return operands


def _in_release(workdir: str, source: str, release: str) -> bool:
    path = posixpath.normpath(posixpath.join(workdir, source))
    return posixpath.dirname(path) == release


def _argv_binary(frame: _Frame, release: str) -> str | None:
    """The binary the exec-form CMD/ENTRYPOINT starts, when it lies in ``release``."""
    argv = frame.argv()
    if argv is None or "/" not in argv[0] or not _LITERAL_PATH.fullmatch(argv[0]):
        return None  # a bare name is looked up in PATH
    path = posixpath.normpath(posixpath.join(frame.final_workdir, argv[0]))
    return path if posixpath.dirname(path) == release else None


def _is_file_name(value: str) -> bool:
    return bool(value) and "/" not in value and not value.startswith("-") and bool(_LITERAL_PATH.fullmatch(value))


# -- Node.js --------------------------------------------------------------------------------------


def _node(frame: _Frame, ref: ImageRef, name: str) -> _Plan | None:
    match = _NODE_TAG.fullmatch(ref.tag or "")
    runtime = f"node:{match.group(1)}-slim" if match else ""
    if not runtime or lookup(runtime) is None:
        return None  # only a -slim tag the image data knows
    builds = [(run, cmd) for run in frame.runs for cmd in run.commands if build_action(cmd) is not None]
    if len(builds) != 1 or build_action(builds[0][1]) not in _NODE_BUILDS:
        return None
    run, command = builds[0]
    workdir = frame.final_workdir
    if (run.instruction.json or command.assignments or frame.workdir(run.instruction) != workdir
            or any(cmd.name in ("cd", "pushd") for cmd in run.commands)
            or any(cmd.name == "corepack" for later in frame.runs for cmd in later.commands)):
        return None
    output = _node_output(frame, command.name)
    copied = _copied_sources(frame)
    if output is None or copied is None:
        return None
    if command.name == "npm" and ("package*.json" in copied or {"package.json", "package-lock.json"} <= copied):
        manifests = [posixpath.join(workdir, "package*.json")]
        install = "RUN npm ci --omit=dev"
    elif (command.name == "yarn" and "yarn.lock" in copied and copied & {"package.json", "package*.json"}
          and not copied & _YARN_BERRY_FILES):
        manifests = [posixpath.join(workdir, "package.json"), posixpath.join(workdir, "yarn.lock")]
        install = "RUN yarn install --production --frozen-lockfile"
    else:
        return None
    built = posixpath.join(workdir, output)
    lines = [f"COPY --from={name} {' '.join(manifests)} ./", install, f"COPY --from={name} {built} ./{output}"]
    return _Plan(runtime, lines, f"Convert to a multi-stage build running {output}/ on {runtime}")


def _node_output(frame: _Frame, manager: str) -> str | None:
    """The build output directory the container runs: the top directory of ``node <script>`` under the
    WORKDIR (``dist`` or ``build``), or ``dist`` for ``npm start``."""
    argv = frame.argv()
    if argv is None:
        return None
    if argv in (["npm", "start"], ["npm", "run", "start"]) or (manager == "yarn" and argv in (
            ["yarn", "start"], ["yarn", "run", "start"])):
        return "dist"
    if argv[0] not in ("node", "/usr/local/bin/node"):
        return None
    words = iter(argv[1:])
    for word in words:
        if word in _NODE_EVAL_OPTIONS:
            return None
        if word.startswith("-"):
            if word in _NODE_VALUE_OPTIONS:
                next(words, None)
            continue
        if not _LITERAL_PATH.fullmatch(word):
            return None
        path = posixpath.normpath(posixpath.join(frame.final_workdir, word))
        relative = posixpath.relpath(path, frame.final_workdir)
        top = relative.split("/", 1)[0]
        return top if top in _NODE_OUTPUTS else None
    return None


def _copied_sources(frame: _Frame) -> set[str] | None:
    """The sources of the stage's COPY/ADD from the build context into the final WORKDIR; None when a
    copy's destination is a variable."""
    sources: set[str] = set()
    for inst in frame.stage.instructions:
        if inst.keyword not in ("COPY", "ADD") or inst.flag("from") is not None or len(inst.value) < 2:
            continue
        workdir = frame.workdir(inst)
        *from_context, dest = inst.value
        if "$" in dest:
            return None
        if posixpath.normpath(posixpath.join(workdir, dest)) == frame.final_workdir:
            sources.update(posixpath.normpath(source) for source in from_context)
    return sources


# -- shared ---------------------------------------------------------------------------------------


_PLANNERS: dict[str, Callable[[_Frame, ImageRef, str], _Plan | None]] = {"golang": _go, "rust": _rust, "node": _node}


def _append_stage(text: str, kept_end: int, moved: Sequence[Span], lines: list[str]) -> list[Edit]:
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
        start, deleted = len(text), list(moved)
    else:
        end_with_break = text[:kept_end].endswith(("\n", "\r"))
        start, deleted = kept_end, [span for span in moved if span.end <= kept_end]
    stage = ("" if end_with_break else nl) + nl + nl.join(lines) + nl
    return [*(Edit(span, "") for span in deleted), Edit(Span(start, len(text)), stage)]

