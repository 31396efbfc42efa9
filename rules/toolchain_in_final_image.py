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
A code action converts the file into a multi-stage build where the last stage starts `FROM` the SDK
image itself and the built artefact is known. The stage becomes the builder (`AS build` unless it has
a name); a new last stage repeats the stage's literal one-line `ENV` instructions and its final
`WORKDIR`, copies the artefact, and takes over the `CMD`, `ENTRYPOINT`, `EXPOSE`, `LABEL`,
`STOPSIGNAL` and `VOLUME` instructions (with the comments above them). Nothing else is carried over:
`ARG`s, files copied or created in the stage other than the artefact, packages installed with
`apt-get`, and the environment of the SDK image itself (its `PATH`, `GOPATH`, `CARGO_HOME` …). The
action is not offered when the stage has a shell-form `CMD`/`ENTRYPOINT`, a `HEALTHCHECK`, `USER` or
`ONBUILD`, an `ENV` that uses variables or spans lines, or a `WORKDIR` that uses variables.

- **Go**: a Debian-based `golang` image (not alpine) with exactly one `go build -o <file>` (a literal
  path) in a shell-form `RUN` and no `go install`. The runtime is `gcr.io/distroless/base-debian12`
  (glibc, like the golang image, so a cgo binary still starts); the binary is copied to the same
  path.
- **Rust**: a Debian-based `rust` image (not alpine, whose binaries link musl) with exactly one
  `cargo build --release` (`-r`; `--locked`, `--bin`, `--features`, `--target-dir <literal>` …
  allowed; not `--target`, `--profile`, `--manifest-path`, `CARGO_TARGET_DIR`) in a shell-form `RUN`
  that does not `cd`. The binary is the destination of a later `cp`/`mv`/`install` of
  `target/release/<name>` to a literal path (a trailing `/`, the `WORKDIR` or a `bin` directory such
  as `/usr/local/bin` count as directories), otherwise the `target/release/<name>` the exec-form
  `CMD`/`ENTRYPOINT` runs, otherwise the single `--bin <name>`; without one, no action. A binary
  left on a cache mount is not offered. The runtime is `gcr.io/distroless/cc-debian12` (glibc and
  libgcc, what a default Rust binary links); the binary is copied to the same path. Crates that link
  other shared libraries (OpenSSL, libpq …) need them added by hand.
- **Node.js**: a full `node:<major>` image (a version tag, optionally with a Debian codename) for
  which the image data set knows `node:<major>-slim`, exactly one `npm run build` or `yarn build` /
  `yarn run build` in a shell-form `RUN` in the final `WORKDIR` that does not `cd`, and an exec-form
  `CMD`/`ENTRYPOINT` running `node <script>` under `dist/` or `build/` of the `WORKDIR`, or `npm
  start` (also `yarn start` for Yarn; then `dist/` is assumed). The stage must copy the manifest and
  the lockfile into the `WORKDIR` by name: for npm `package*.json` or `package.json` and `package-lock.json`, for Yarn
  `package.json` and `yarn.lock` without `.yarnrc.yml` and no `corepack` in the stage (Yarn 1, which
  the node images ship, is assumed). The runtime `node:<major>-slim` copies the manifest and lockfile,
  installs the production dependencies again (`npm ci --omit=dev`, `yarn install --production
  --frozen-lockfile`) and copies the build output directory. Packages with native add-ons that
  compile at install time fail there (the slim image has no compiler), lifecycle scripts such as
  `prepare` run without the dev dependencies, and files read at run time outside the build output
  (`public/`, configuration, `.env`) are not copied. pnpm builds, Next.js (`.next`) and static sites
  served by something other than node are not converted.

In each case the runtime stage has no toolchain; distroless images have no shell. Java, .NET and
other builds are reported without a fix.

## Stages
The last stage and the stages it is built `FROM`; the SDK image is looked for at the start of that
chain. Builder stages, whose results are copied out with `COPY --from`, are what the rule recommends.

## References
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
- [Distroless images](https://github.com/GoogleContainerTools/distroless)
- [Eclipse Temurin JRE images](https://hub.docker.com/_/eclipse-temurin)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.images import normalize
from dockls.model import Model
from dockls.multistage import build_action, multistage_fix
from dockls.rule import Finding, FixAvailability, Related, Rule, Severity

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
_JDK_REPOS = frozenset({"openjdk", "eclipse-temurin", "amazoncorretto"})


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


def check(model: Model) -> Iterator[Finding]:
    if not model.stages:
        return
    root = model.final_stages[-1]
    builds = [(run, command, action) for run in model.runs
              if model.is_final(run.stage) and not run.opaque and run.holder is run.instruction
              for command in run.commands if (action := build_action(command)) is not None]
    sdk = _sdk(root.image) if root.image_known else None
    if sdk is not None and root.image_span is not None:
        related = tuple(Related(command.span, f"`{action}` runs in the final image") for _, command, action in builds)
        fix = multistage_fix(model)
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
