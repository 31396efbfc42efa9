"""Multi-stage Dockerfile templates, offered as completion snippets and by ``dockls.newDockerfile``.

Each template is a sound starting point that dockls' own rules accept without a finding: BuildKit
cache mounts for the package manager, a build stage apart from a small runtime stage, a ``test``
stage to build with ``--target test``, a non-root user and an exec-form CMD/ENTRYPOINT. Base image
tags are ones recorded in ``data/base-images.json`` where the data set has them.

Bodies mark editable parts as ``{{N:default}}`` (``{{0}}`` is where the cursor ends). :func:`render`
fills in the defaults; :func:`to_snippet` writes LSP snippet syntax, where every other ``$``, ``}``
and ``\\`` is literal text and escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{\{(\d+)(?::([^{}]*))?\}\}")
_SNIPPET_SPECIAL = re.compile(r"[\\$}]")


@dataclass(frozen=True)
class Template:
    name: str  # the command argument and completion label: "go", "node" …
    title: str
    description: str  # markdown, shown as the completion documentation
    body: str  # Dockerfile text with ``{{N:default}}`` placeholders

    @property
    def text(self) -> str:
        return render(self.body)

    @property
    def snippet(self) -> str:
        return to_snippet(self.body)


def render(body: str) -> str:
    """The text with each placeholder replaced by its default."""
    return _PLACEHOLDER.sub(lambda match: match.group(2) or "", body)


def to_snippet(body: str) -> str:
    """LSP snippet syntax: placeholders become ``${N:default}`` (``$N`` without a default), the rest
    is escaped so that a Dockerfile's ``$VAR`` and line continuations stay literal."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(body):
        parts.append(_escape(body[position:match.start()]))
        number, default = match.group(1), match.group(2)
        parts.append(f"${{{number}:{_escape(default)}}}" if default else f"${number}")
        position = match.end()
    parts.append(_escape(body[position:]))
    return "".join(parts)


def _escape(text: str) -> str:
    return _SNIPPET_SPECIAL.sub(lambda match: "\\" + match.group(0), text)


_GO = r"""# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:{{1:1.27-alpine}} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/{{2:app}} {{3:.}}

FROM build AS test
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go test ./...

FROM {{4:gcr.io/distroless/static-debian12:nonroot}}
COPY --from=build /out/{{2:app}} /{{2:app}}
USER 65532:65532
ENTRYPOINT ["/{{2:app}}"]{{0}}
"""

_RUST = r"""# syntax=docker/dockerfile:1
FROM rust:{{1:slim}} AS build
WORKDIR /src
RUN --mount=type=bind,source=src,target=src \
    --mount=type=bind,source=Cargo.toml,target=Cargo.toml \
    --mount=type=bind,source=Cargo.lock,target=Cargo.lock \
    --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && cp target/release/{{2:app}} /usr/local/bin/{{2:app}}

FROM build AS test
RUN --mount=type=bind,source=src,target=src \
    --mount=type=bind,source=Cargo.toml,target=Cargo.toml \
    --mount=type=bind,source=Cargo.lock,target=Cargo.lock \
    --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo test --locked

FROM {{3:gcr.io/distroless/cc-debian12:nonroot}}
COPY --from=build /usr/local/bin/{{2:app}} /usr/local/bin/{{2:app}}
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/{{2:app}}"]{{0}}
"""

_NODE = r"""# syntax=docker/dockerfile:1
FROM node:{{1:22-slim}} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

FROM --platform=$BUILDPLATFORM node:{{1:22-slim}} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci
COPY . .
RUN npm run build

FROM build AS test
RUN npm test

FROM node:{{1:22-slim}}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/{{2:dist}} ./{{2:dist}}
COPY package.json ./
USER node
CMD ["node", "{{2:dist}}/{{3:index.js}}"]{{0}}
"""

_PYTHON = r"""# syntax=docker/dockerfile:1
FROM python:{{1:3.13-slim}} AS build
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -r requirements.txt
COPY . .

FROM build AS test
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install pytest
RUN python -m pytest

FROM python:{{1:3.13-slim}}
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY . .
USER 65532:65532
CMD ["python", "-m", "{{2:app}}"]{{0}}
"""

_JAVA = r"""# syntax=docker/dockerfile:1
FROM eclipse-temurin:{{1:21}}-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN --mount=type=cache,target=/root/.m2/repository \
    ./mvnw dependency:go-offline
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2/repository \
    ./mvnw package -DskipTests \
    && cp target/*.jar /app.jar

FROM build AS test
RUN --mount=type=cache,target=/root/.m2/repository \
    ./mvnw test

FROM eclipse-temurin:{{1:21}}-jre-alpine
WORKDIR /app
COPY --from=build /app.jar ./app.jar
USER 65532:65532
CMD ["java", "-jar", "/app/app.jar"]{{0}}
"""

_STATIC_SITE = r"""# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM node:{{1:22-slim}} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci
COPY . .
RUN npm run build

FROM build AS test
RUN npm test

FROM nginx:alpine-slim
RUN sed -i 's/listen\( *\)80;/listen\18080;/; s/listen\( *\)\[::\]:80;/listen\1[::]:8080;/' \
        /etc/nginx/conf.d/default.conf \
    && sed -i 's|^pid .*|pid /tmp/nginx.pid;|' /etc/nginx/nginx.conf \
    && chown -R nginx:nginx /var/cache/nginx
COPY --from=build /app/{{2:dist}}/ /usr/share/nginx/html/
USER nginx
EXPOSE 8080
CMD ["nginx", "-g", "daemon off;"]{{0}}
"""

TEMPLATES: dict[str, Template] = {template.name: template for template in (
    Template("go", "Go: static binary on distroless", "A Go module built for the target platform with module "
             "and build caches, tested in a `test` stage, shipped as a static binary on distroless static "
             "(or `scratch`) as a non-root user.", _GO),
    Template("rust", "Rust: release binary on distroless cc", "A Cargo release build with registry, git and "
             "target caches, a `test` stage, and a distroless cc runtime (or `debian:bookworm-slim`) as a "
             "non-root user.", _RUST),
    Template("node", "Node.js: production dependencies on slim", "A `deps` stage with `npm ci --omit=dev`, a "
             "build stage, a `test` stage, and a slim runtime with only production dependencies, run as "
             "the `node` user.", _NODE),
    Template("python", "Python: virtualenv built apart, slim runtime", "A builder stage that installs the "
             "requirements into a virtualenv with pip's cache mounted, a `test` stage running pytest, and "
             "a slim runtime that copies the virtualenv, as a non-root user.", _PYTHON),
    Template("java", "Java: JDK build, JRE runtime", "A Maven wrapper build on a JDK with the local "
             "repository cached, a `test` stage, and a JRE-only runtime as a non-root user.", _JAVA),
    Template("static-site", "Static site: nginx alpine-slim", "A Node.js build of the site (npm cache "
             "mounted), a `test` stage, and nginx alpine-slim serving it on port 8080 as the `nginx` user.",
             _STATIC_SITE),
)}


def template_named(name: str) -> Template | None:
    return TEMPLATES.get(name.strip().lower())
