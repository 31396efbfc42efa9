"""What BuildKit's Dockerfile frontend accepts: the instructions, the flags of each, the types and
option keys of ``RUN --mount``, and the values of the flags that take one from a fixed set.

The tables are data first: diagnostics (``syntax-error``), hovers and completion read them, and every
entry has a one-line description written to be shown as is. The facts follow the Dockerfile reference
(https://docs.docker.com/reference/dockerfile/) and BuildKit's ``frontend/dockerfile/instructions``
package, Dockerfile frontend 1.20: ``--exclude`` is stable since 1.19, ``--parents`` and ``--security``
since 1.20, ``--device`` still needs the labs syntax.

BuildKit's rules these tables encode: an instruction rejects every flag it does not define ("unknown
flag", case-sensitive names); a string flag needs ``=value``; a boolean flag is bare or ``=true`` /
``=false``; only repeatable flags may be given twice; ``STOPSIGNAL`` ignores flags altogether.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

FlagKind = Literal["string", "bool", "repeatable"]
OptionKind = Literal["string", "bool", "decimal", "octal"]


@dataclass(frozen=True)
class FlagSpec:
    name: str  # without the dashes
    kind: FlagKind  # "string" needs =value; "bool" is bare or =true/=false; "repeatable" is a string given N times
    description: str
    values: tuple[str, ...] = ()  # the only values BuildKit accepts, when it checks them
    labs: bool = False  # only with `# syntax=docker/dockerfile:1-labs`

    @property
    def needs_value(self) -> bool:
        return self.kind != "bool"


@dataclass(frozen=True)
class InstructionSpec:
    name: str
    description: str
    flags: tuple[FlagSpec, ...] = ()
    checks_flags: bool = True  # False: BuildKit never looks at the flags (they are ignored)

    def flag(self, name: str) -> FlagSpec | None:
        for spec in self.flags:
            if spec.name == name:
                return spec
        return None


@dataclass(frozen=True)
class MountOption:
    """A ``key=value`` item of ``--mount``; ``names`` are the key and its aliases, canonical first."""

    names: tuple[str, ...]
    description: str
    kind: OptionKind = "string"  # "bool" may also be given bare (``ro``); decimal/octal are numbers
    values: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class MountType:
    name: str
    description: str
    options: tuple[MountOption, ...]
    # Keys BuildKit knows but refuses on this type: the build fails. Any other known key that is not
    # in ``options`` is accepted and has no effect.
    rejected: frozenset[str] = field(default_factory=frozenset)

    def option(self, key: str) -> MountOption | None:
        for option in self.options:
            if key in option.names:
                return option
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(name for option in self.options for name in option.names)


# --------------------------------------------------------------------------- instructions

_CHOWN = FlagSpec("chown", "string", "owner of the copied files: user[:group], by name or id (Linux only)")
_CHMOD = FlagSpec("chmod", "string", "permissions of the copied files: octal (0755) or symbolic (u+x)")
_LINK = FlagSpec("link", "bool", "copy into an independent layer that survives changes to earlier layers")
_PARENTS = FlagSpec("parents", "bool", "keep the source's parent directories under the destination")
_EXCLUDE = FlagSpec("exclude", "repeatable", "leave out source files matching this pattern (repeatable)")

INSTRUCTIONS: dict[str, InstructionSpec] = {spec.name: spec for spec in (
    InstructionSpec("ADD", "Add local files, URLs or Git repositories to the image (archives are unpacked)", (
        _CHOWN, _CHMOD, _LINK,
        FlagSpec("checksum", "string", "expected digest of a URL source (sha256:…) or commit of a Git source"),
        FlagSpec("keep-git-dir", "bool", "keep the .git directory of a Git source"),
        _PARENTS, _EXCLUDE,
        FlagSpec("unpack", "bool", "unpack (or not) an archive source, URLs included"),
    )),
    InstructionSpec("ARG", "Declare a build argument, optionally with a default value", (
        FlagSpec("required", "bool", "fail the build when no value is given for the argument"),
    )),
    InstructionSpec("CMD", "Set the default command (or arguments of the ENTRYPOINT) of the container"),
    InstructionSpec("COPY", "Copy files from the build context, a stage or an image into the image", (
        FlagSpec("from", "string", "copy from this stage, image or named context instead of the build context"),
        _CHOWN, _CHMOD, _LINK, _PARENTS, _EXCLUDE,
    )),
    InstructionSpec("ENTRYPOINT", "Set the executable the container runs"),
    InstructionSpec("ENV", "Set environment variables, for the build and in the image"),
    InstructionSpec("EXPOSE", "Document the ports the container listens on"),
    InstructionSpec("FROM", "Start a build stage from a base image or an earlier stage", (
        FlagSpec("platform", "string", "platform of the base image, e.g. linux/amd64 or $BUILDPLATFORM"),
    )),
    InstructionSpec("HEALTHCHECK", "Tell how to check that the container still works (or NONE)", (
        FlagSpec("interval", "string", "time between checks (default 30s)"),
        FlagSpec("timeout", "string", "time a check may take before it counts as failed (default 30s)"),
        FlagSpec("start-period", "string", "start-up time during which failures do not count (default 0s)"),
        FlagSpec("start-interval", "string", "time between checks during the start period (default 5s)"),
        FlagSpec("retries", "string", "consecutive failures that make the container unhealthy (default 3)"),
    )),
    InstructionSpec("LABEL", "Add metadata to the image as key=value pairs"),
    InstructionSpec("MAINTAINER", "Name the author of the image (deprecated: use LABEL)"),
    # The trigger's own flags are those of the trigger instruction, checked on it.
    InstructionSpec("ONBUILD", "Register an instruction to run when another image is built FROM this one"),
    InstructionSpec("RUN", "Run a command in a new layer", (
        FlagSpec("mount", "repeatable", "mount a cache, secret, SSH agent, tmpfs or files into the command"),
        FlagSpec("network", "string", "network of the command: default, none or host",
                 values=("default", "none", "host")),
        FlagSpec("security", "string", "sandbox (default) or insecure (needs the security.insecure entitlement)",
                 values=("sandbox", "insecure")),
        FlagSpec("device", "repeatable", "expose a CDI device to the command", labs=True),
    )),
    InstructionSpec("SHELL", "Set the shell that runs the shell form of RUN, CMD and ENTRYPOINT"),
    InstructionSpec("STOPSIGNAL", "Set the signal that stops the container", checks_flags=False),
    InstructionSpec("USER", "Set the user (and group) for the following instructions and the container"),
    InstructionSpec("VOLUME", "Declare mount points for external volumes"),
    InstructionSpec("WORKDIR", "Set the working directory, created if missing"),
)}

# --------------------------------------------------------------------------- RUN --mount

_TARGET = ("target", "dst", "destination")
_SOURCE = ("source", "src")
_READONLY = MountOption(("readonly", "ro"), "mount read-only", "bool")
_READWRITE = MountOption(("rw", "readwrite"), "allow writes (to a bind mount: discarded after the RUN)", "bool")
_REQUIRED = "fail the build when it is not provided (default false)"

MOUNT_TYPES: dict[str, MountType] = {mount.name: mount for mount in (
    MountType("bind", "files of the build context, a stage or an image, read-only by default", (
        MountOption(("type",), "bind (the default)"),
        MountOption(_TARGET, "where the files appear"),
        MountOption(_SOURCE, "path inside `from` to mount (default its root)"),
        MountOption(("from",), "stage, image or named context to mount (default the build context)"),
        _READWRITE, _READONLY,
    ), frozenset({"required", "size", "mode", "uid", "gid", "sharing"})),
    MountType("cache", "a directory kept between builds, for package manager and compiler caches", (
        MountOption(("type",), "cache"),
        MountOption(("id",), "which cache to use (default the target path)"),
        MountOption(_TARGET, "where the cache appears"),
        _READONLY, _READWRITE,
        MountOption(("sharing",), "concurrent use: shared (default), private (a new cache) or locked (wait)",
                    values=("shared", "private", "locked")),
        MountOption(("from",), "stage or image whose files seed the cache (default empty)"),
        MountOption(_SOURCE, "path inside `from` to use (default its root)"),
        MountOption(("mode",), "file mode of a new cache directory, octal (default 0755)", "octal"),
        MountOption(("uid",), "user id of a new cache directory (default 0)", "decimal"),
        MountOption(("gid",), "group id of a new cache directory (default 0)", "decimal"),
    ), frozenset({"required", "size"})),
    MountType("tmpfs", "an empty in-memory file system", (
        MountOption(("type",), "tmpfs"),
        MountOption(_TARGET, "where the tmpfs appears"),
        MountOption(("size",), "maximum size, e.g. 64m"),
        _READONLY, _READWRITE,
    ), frozenset({"required", "mode", "uid", "gid", "sharing"})),
    MountType("secret", "a secret given to the build (--secret), as a file or a variable, never in a layer", (
        MountOption(("type",), "secret"),
        MountOption(("id",), "the secret's id (default the target's base name)"),
        MountOption(_SOURCE, "the secret's id, like id"),
        MountOption(_TARGET, "file path of the secret (default /run/secrets/<id>)"),
        MountOption(("env",), "environment variable to put the secret in (instead of, or besides, a file)"),
        MountOption(("required",), _REQUIRED, "bool"),
        MountOption(("mode",), "file mode of the secret, octal (default 0400)", "octal"),
        MountOption(("uid",), "user id of the secret file (default 0)", "decimal"),
        MountOption(("gid",), "group id of the secret file (default 0)", "decimal"),
    ), frozenset({"size", "from", "sharing"})),
    MountType("ssh", "the SSH agent or keys given to the build (--ssh), as a socket", (
        MountOption(("type",), "ssh"),
        MountOption(("id",), "the SSH agent or key id (default `default`)"),
        MountOption(_TARGET, "socket path (default /run/buildkit/ssh_agent.<N>)"),
        MountOption(("required",), _REQUIRED, "bool"),
        MountOption(("mode",), "file mode of the socket, octal (default 0600)", "octal"),
        MountOption(("uid",), "user id of the socket (default 0)", "decimal"),
        MountOption(("gid",), "group id of the socket (default 0)", "decimal"),
    ), frozenset({"size", "sharing"})),
)}

# Every key BuildKit knows in a --mount value, whatever the type.
MOUNT_KEYS: frozenset[str] = frozenset(key for mount in MOUNT_TYPES.values() for key in mount.keys)
MOUNT_DEFAULT_TYPE = "bind"
# Go's strconv.ParseBool, which BuildKit uses for ro, rw and required.
GO_BOOLEANS = frozenset({"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"})


def suggestion(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` most likely misspells, compared case-insensitively, or None.

    A candidate qualifies within one edit (a swap of two neighbours counts as one), two for words of
    seven characters or more, or, failing that, when ``word`` is a prefix of it; a tie means no
    suggestion. Stricter than difflib's ratio, which offers CMD for ``cd`` and EXPOSE for ``export`` —
    shell commands on a line that lost its continuation, not misspelt instructions.
    """
    lowered = word.lower()
    if len(lowered) < 3:
        return None
    limit = 1 if len(lowered) < 7 else 2
    scored: dict[int, list[str]] = {}
    for candidate in dict.fromkeys(candidates):
        distance = _edit_distance(lowered, candidate.lower())
        if 0 < distance <= limit:
            scored.setdefault(distance, []).append(candidate)
    if scored:
        best = scored[min(scored)]
        return best[0] if len(best) == 1 else None
    prefixed = [c for c in dict.fromkeys(candidates) if c.lower().startswith(lowered) and c.lower() != lowered]
    return prefixed[0] if len(prefixed) == 1 else None


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    if abs(len(a) - len(b)) > 2:
        return 3  # beyond any limit used here
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]

# --------------------------------------------------------------------------- reference texts

DOCS_URL = "https://docs.docker.com/reference/dockerfile/"


@dataclass(frozen=True)
class Reference:
    """The longer text shown on hover (a few lines of markdown, besides the one-line description) and
    the anchor of the section of the Dockerfile reference that documents the thing."""

    anchor: str
    details: str = ""

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.anchor}"


@dataclass(frozen=True)
class DirectiveSpec:
    """A parser directive (``# name=value`` in the file header)."""

    name: str
    description: str
    reference: Reference


INSTRUCTION_DOCS: dict[str, Reference] = {
    "ADD": Reference("add", "Like COPY, but also fetches URLs and Git repositories and unpacks local tar archives. "
                            "Prefer COPY for local files; pin remote sources with `--checksum`."),
    "ARG": Reference("arg", "Before the first FROM an ARG is global and usable in FROM lines only; a stage sees it "
                            "after re-declaring `ARG NAME`. Set with `docker build --build-arg NAME=value`. "
                            "Values end up in the image history: never pass secrets this way."),
    "CMD": Reference("cmd", "Only the last CMD counts. Prefer the exec form (`[\"executable\", \"arg\"]`): the "
                            "shell form runs under `/bin/sh -c`, which does not forward signals."),
    "COPY": Reference("copy", "Sources are relative to the build context (or to `--from`); what `.dockerignore` "
                              "excludes is never sent. Copy only what a step needs, as late as possible, so "
                              "that edits do not invalidate the cache of earlier steps."),
    "ENTRYPOINT": Reference("entrypoint", "Use the exec form so that the process runs as PID 1 and receives "
                                          "signals; CMD then supplies default arguments."),
    "ENV": Reference("env", "Persists in the image and every container started from it, and in stages built "
                            "FROM this one. For build-only values use ARG (or `ENV` scoped to one RUN: "
                            "`RUN NAME=value command`)."),
    "EXPOSE": Reference("expose", "Documentation only: publishing still needs `docker run -p`. "
                                  "Write `port/tcp` or `port/udp` (tcp by default)."),
    "FROM": Reference("from", "`FROM [--platform=…] image[:tag|@digest] [AS name]`. Each FROM starts a new stage; "
                              "only the last stage (and the stages it is built FROM) end up in the image, "
                              "so build tools belong in earlier stages."),
    "HEALTHCHECK": Reference("healthcheck", "`HEALTHCHECK [options] CMD command` runs the command inside the "
                                            "container; exit status 0 means healthy, 1 unhealthy. "
                                            "`HEALTHCHECK NONE` disables a check inherited from the base image."),
    "LABEL": Reference("label", "Metadata only, no layer. Several `key=value` pairs fit in one LABEL; "
                                "the OCI keys (`org.opencontainers.image.*`) are understood by registries."),
    "MAINTAINER": Reference("maintainer-deprecated",
                            "Deprecated: write `LABEL org.opencontainers.image.authors=\"…\"` instead."),
    "ONBUILD": Reference("onbuild", "The trigger runs at the start of a build that uses this image as its base, "
                                    "right after that build's FROM. ONBUILD, FROM and MAINTAINER cannot be triggers."),
    "RUN": Reference("run", "Each RUN makes a layer: files deleted in a later RUN still weigh in the image. "
                            "Install and clean up in the same RUN, and keep package caches out of layers with "
                            "`--mount=type=cache`."),
    "SHELL": Reference("shell", "Exec form only, e.g. `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`; applies "
                                "to the following shell-form RUN, CMD and ENTRYPOINT instructions."),
    "STOPSIGNAL": Reference("stopsignal", "A signal name (`SIGTERM`) or number; `docker stop` sends it, then SIGKILL "
                                          "after the timeout."),
    "USER": Reference("user", "`USER name[:group]` or `uid[:gid]`. Runs the following RUN, CMD and ENTRYPOINT "
                              "as that user; ending on a non-root user limits what a compromised container can do."),
    "VOLUME": Reference("volume", "Changes a later RUN makes under a declared volume are discarded. "
                                  "Anonymous volumes are created for every container started."),
    "WORKDIR": Reference("workdir", "Relative paths resolve against the previous WORKDIR. "
                                    "Prefer it to `RUN cd …`, which lasts for that RUN only."),
}

FLAG_DOCS: dict[tuple[str, str], Reference] = {
    ("ADD", "chown"): Reference("add---chown---chmod", "Saves a `RUN chown`, which would copy every file into "
                                                       "a new layer."),
    ("ADD", "chmod"): Reference("add---chown---chmod", "Saves a `RUN chmod`, which would copy every file into "
                                                       "a new layer."),
    ("ADD", "link"): Reference("add---link", "The files land in a layer of their own that does not depend on "
                                             "the layers below, so changing the base image does not "
                                             "invalidate it."),
    ("ADD", "checksum"): Reference("add---checksum", "The build fails when the downloaded content does not "
                                                     "match: reproducible and tamper-evident."),
    ("ADD", "keep-git-dir"): Reference("add---keep-git-dir"),
    ("ADD", "parents"): Reference("copy---parents"),
    ("ADD", "exclude"): Reference("add---exclude", "Patterns use the `.dockerignore` syntax."),
    ("ADD", "unpack"): Reference("add---unpack", "By default local archives are unpacked and URLs are not."),
    ("ARG", "required"): Reference("arg"),
    ("COPY", "from"): Reference("copy---from", "The heart of multi-stage builds: copy the built artefacts from a "
                                               "build stage and leave the toolchain behind."),
    ("COPY", "chown"): Reference("copy---chown---chmod", "Saves a `RUN chown`, which would copy every file into "
                                                         "a new layer."),
    ("COPY", "chmod"): Reference("copy---chown---chmod", "Saves a `RUN chmod`, which would copy every file into "
                                                         "a new layer."),
    ("COPY", "link"): Reference("copy---link", "The files land in a layer of their own that does not depend on "
                                               "the layers below, so changing the base image does not "
                                               "invalidate it."),
    ("COPY", "parents"): Reference("copy---parents", "`COPY --parents ./a/b/c.txt /dst/` creates "
                                                     "`/dst/a/b/c.txt`; `./` in the source marks where the kept "
                                                     "path starts."),
    ("COPY", "exclude"): Reference("copy---exclude", "Patterns use the `.dockerignore` syntax."),
    ("FROM", "platform"): Reference("from", "Use `--platform=$BUILDPLATFORM` on build stages to run the compiler "
                                            "natively and cross-compile, instead of emulating the target."),
    ("HEALTHCHECK", "interval"): Reference("healthcheck"),
    ("HEALTHCHECK", "timeout"): Reference("healthcheck"),
    ("HEALTHCHECK", "start-period"): Reference("healthcheck"),
    ("HEALTHCHECK", "start-interval"): Reference("healthcheck"),
    ("HEALTHCHECK", "retries"): Reference("healthcheck"),
    ("RUN", "mount"): Reference("run---mount", "`--mount=type=<bind|cache|tmpfs|secret|ssh>,option=value,…`; "
                                               "mounts exist only while the command runs and never end up in "
                                               "the layer."),
    ("RUN", "network"): Reference("run---network", "`none` makes the step hermetic (and cacheable with "
                                                   "confidence); `host` needs the network.host entitlement."),
    ("RUN", "security"): Reference("run---security", "`insecure` runs the command with full privileges, like "
                                                     "`docker run --privileged`."),
    ("RUN", "device"): Reference("run---device"),
}

MOUNT_DOCS: dict[str, Reference] = {
    "bind": Reference("run---mounttypebind", "Read files without copying them into a layer, e.g. a lock file "
                                             "or the sources to build."),
    "cache": Reference("run---mounttypecache", "Package managers keep their downloads here between builds, "
                                               "and the cache never lands in the image."),
    "tmpfs": Reference("run---mounttypetmpfs"),
    "secret": Reference("run---mounttypesecret", "Give it with `docker build --secret id=…,src=…`; the value "
                                                 "stays out of the image and its history."),
    "ssh": Reference("run---mounttypessh", "Give the agent with `docker build --ssh default`; for `git clone` "
                                           "of private repositories."),
}

DIRECTIVES: dict[str, DirectiveSpec] = {spec.name: spec for spec in (
    DirectiveSpec("syntax", "Choose the Dockerfile frontend (BuildKit image) that parses this file",
                  Reference("syntax", "`docker/dockerfile:1` always gets the latest stable 1.x syntax; a "
                                      "`-labs` tag enables experimental features.")),
    DirectiveSpec("escape", "Set the character that escapes and continues lines: `\\` (default) or a backtick",
                  Reference("escape", "The backtick suits Windows paths such as `C:\\app`.")),
    DirectiveSpec("check", "Configure BuildKit's build checks for this file",
                  Reference("check", "`skip=` lists the checks to leave out (comma-separated, or `all`); "
                                     "`error=true` makes a check warning fail the build.")),
)}
