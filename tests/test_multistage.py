"""dockls.multistage: converting a last stage that builds in an SDK image into builder + runtime stages."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import dockerfile
import pytest

from dockls.fixes import apply_edits
from dockls.model import Model
from dockls.multistage import GO_RUNTIME, RUST_RUNTIME, build_action, multistage_fix
from dockls.rule import Severity
from tests.buildkit import buildkit_error
from tests.rules.helpers import findings, shell_errors

# Rules the new runtime stage must not trigger where the original did not.
WATCHED = ("toolchain-in-final-image", "heavy-base-image", "final-user-root")


def warnings(text: str) -> set[str]:
    return {f.rule.name for rule in WATCHED for f in findings(text, rule) if f.effective_severity is not Severity.INFO}


def convert(text: str) -> str:
    """The text after the conversion, checked: BuildKit accepts it, no RUN stopped parsing as shell, the
    final stage no longer carries a toolchain, no new warning, and converting again offers nothing."""
    fix = multistage_fix(Model.from_text(text))
    assert fix is not None and not fix.safe
    after = apply_edits(text, fix.edits)
    dockerfile.parse_string(after)
    assert shell_errors(after) <= shell_errors(text)
    assert findings(after, "toolchain-in-final-image") == []
    assert warnings(after) <= warnings(text) - {"toolchain-in-final-image"}
    assert multistage_fix(Model.from_text(after)) is None
    return after


def no_fix(text: str) -> bool:
    return multistage_fix(Model.from_text(text)) is None


@pytest.mark.parametrize(("run", "action"), [
    ("go build -o app .", "go build"), ("cargo build --release", "cargo build"), ("npm run build", "npm run build"),
    ("npm run-script build", "npm run build"), ("yarn build", "yarn build"), ("yarn run build", "yarn run build"),
    ("pnpm build", "pnpm build"), ("./mvnw -B package", "mvnw package"), ("npm run test", None), ("go vet", None),
    ("cargo", None),
])
def test_build_action(run: str, action: str | None) -> None:
    [command] = Model.from_text(f"FROM x\nRUN {run}\n").runs[0].commands
    assert build_action(command) == action


# -- Go (the same conversion the rule offered before it moved here) ----------------------------


def test_go() -> None:
    text = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\nCMD [\"app\"]\n"
    assert convert(text) == (
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\n\n"
        f"FROM {GO_RUNTIME}\nWORKDIR /src\nCOPY --from=build /usr/local/bin/app /usr/local/bin/app\nCMD [\"app\"]\n")


# -- Rust -----------------------------------------------------------------------------------------

RUST = """FROM rust:1.79
WORKDIR /src
COPY . .
ENV RUST_LOG=info
RUN cargo build --release --locked --bin server
EXPOSE 8080
CMD ["/src/target/release/server"]
"""


def test_rust_binary_named_by_bin() -> None:
    assert convert(RUST) == """FROM rust:1.79 AS build
WORKDIR /src
COPY . .
ENV RUST_LOG=info
RUN cargo build --release --locked --bin server

FROM gcr.io/distroless/cc-debian12
ENV RUST_LOG=info
WORKDIR /src
COPY --from=build /src/target/release/server /src/target/release/server
EXPOSE 8080
CMD ["/src/target/release/server"]
"""


def test_rust_binary_copied_into_a_bin_directory() -> None:
    text = ("FROM rust:1.79-bookworm AS app\nWORKDIR /src\nCOPY . .\n"
            "RUN --mount=type=cache,target=/src/target cargo build --release && cp target/release/app /usr/local/bin\n"
            "ENTRYPOINT [\"app\"]\n")
    assert convert(text) == (
        "FROM rust:1.79-bookworm AS app\nWORKDIR /src\nCOPY . .\n"
        "RUN --mount=type=cache,target=/src/target cargo build --release && cp target/release/app /usr/local/bin\n\n"
        f"FROM {RUST_RUNTIME}\nWORKDIR /src\nCOPY --from=app /usr/local/bin/app /usr/local/bin/app\n"
        "ENTRYPOINT [\"app\"]\n")


def test_rust_binary_installed_in_a_later_run() -> None:
    text = ("FROM rust:slim\nWORKDIR /build\nCOPY . .\nRUN cargo build -r\n"
            "RUN install -m 755 ./target/release/tool /opt/tool\nCMD [\"/opt/tool\", \"--serve\"]\n")
    assert convert(text) == (
        "FROM rust:slim AS build\nWORKDIR /build\nCOPY . .\nRUN cargo build -r\n"
        "RUN install -m 755 ./target/release/tool /opt/tool\n\n"
        f"FROM {RUST_RUNTIME}\nWORKDIR /build\nCOPY --from=build /opt/tool /opt/tool\n"
        "CMD [\"/opt/tool\", \"--serve\"]\n")


def test_rust_binary_named_by_a_relative_cmd() -> None:
    text = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/web\"]"
    assert convert(text) == (
        "FROM rust:1.79 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n\n"
        f"FROM {RUST_RUNTIME}\nWORKDIR /app\nCOPY --from=build /app/target/release/web /app/target/release/web\n"
        "CMD [\"./target/release/web\"]\n")


def test_rust_target_dir() -> None:
    text = "FROM rust:1.79\nWORKDIR /src\nCOPY . .\nRUN cargo build --release --target-dir=/out --bin cli\n"
    assert convert(text) == (
        "FROM rust:1.79 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release --target-dir=/out --bin cli\n\n"
        f"FROM {RUST_RUNTIME}\nWORKDIR /src\nCOPY --from=build /out/release/cli /out/release/cli\n")


@pytest.mark.parametrize("text", [
    pytest.param(RUST.replace("rust:1.79", "rust:1.79-alpine"), id="alpine: musl"),
    pytest.param(RUST.replace(" --bin server", "").replace("/src/target/release/server", "server"),
                 id="no identifiable binary"),
    pytest.param(RUST.replace('CMD ["/src/target/release/server"]', "CMD /src/target/release/server"),
                 id="shell-form CMD"),
    pytest.param(RUST.replace(" --release", ""), id="debug build"),
    pytest.param(RUST.replace("--locked", "--target x86_64-unknown-linux-musl"), id="--target"),
    pytest.param(RUST.replace("RUN cargo", "RUN --mount=type=cache,target=/src/target cargo"),
                 id="binary on a cache mount"),
    pytest.param(RUST.replace("RUN cargo", "RUN cd app && cargo"), id="cd"),
    pytest.param(RUST.replace("ENV RUST_LOG=info", "ENV CARGO_TARGET_DIR=/out"), id="CARGO_TARGET_DIR"),
    pytest.param(RUST.replace("--bin server", "--bin server --bin worker").replace(
        '"/src/target/release/server"', '"server"'), id="two binaries"),
    pytest.param(RUST.replace("--bin server", "--bin $BIN"), id="variable binary"),
    pytest.param(RUST.replace("--bin server", "--bin worker"), id="CMD runs another binary"),
    pytest.param(RUST.replace("EXPOSE", "RUN cp -r target/release/server /srv\nEXPOSE"), id="cp -r"),
    pytest.param(RUST.replace("EXPOSE", "RUN cp target/release/server /a && mv target/release/server /b\nEXPOSE"),
                 id="two copies"),
    pytest.param(RUST.replace("RUN cargo build --release --locked --bin server",
                              'RUN ["cargo", "build", "--release", "--bin", "server"]'), id="exec-form RUN"),
    pytest.param(RUST.replace("EXPOSE", "USER app\nEXPOSE"), id="USER"),
    pytest.param(RUST.replace("RUN cargo", "RUN cargo install --path . && cargo"), id="cargo install too"),
    pytest.param(RUST.replace("WORKDIR /src", "WORKDIR $DIR"), id="variable WORKDIR"),
])
def test_no_rust_fix(text: str) -> None:
    assert no_fix(text)


# -- Node.js --------------------------------------------------------------------------------------

NODE = """FROM node:22
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
ENV PORT=3000
EXPOSE 3000
CMD ["node", "dist/main.js"]
"""


def test_node_npm() -> None:
    assert convert(NODE) == """FROM node:22 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
ENV PORT=3000

FROM node:22-slim
ENV PORT=3000
WORKDIR /app
COPY --from=build /app/package*.json ./
RUN npm ci --omit=dev
COPY --from=build /app/dist ./dist
EXPOSE 3000
CMD ["node", "dist/main.js"]
"""


def test_node_npm_start_with_a_glob_and_crlf() -> None:
    text = ("FROM node:24-bookworm\r\nWORKDIR /usr/src/app\r\nCOPY package*.json .\r\nRUN npm install\r\n"
            "COPY . .\r\nRUN npm run build\r\nCMD [\"npm\", \"start\"]\r\n")
    assert convert(text) == (
        "FROM node:24-bookworm AS build\r\nWORKDIR /usr/src/app\r\nCOPY package*.json .\r\nRUN npm install\r\n"
        "COPY . .\r\nRUN npm run build\r\n\r\nFROM node:24-slim\r\nWORKDIR /usr/src/app\r\n"
        "COPY --from=build /usr/src/app/package*.json ./\r\nRUN npm ci --omit=dev\r\n"
        "COPY --from=build /usr/src/app/dist ./dist\r\nCMD [\"npm\", \"start\"]\r\n")


def test_node_build_directory_named_by_the_cmd() -> None:
    text = NODE.replace('CMD ["node", "dist/main.js"]', 'ENTRYPOINT ["node", "-r", "dotenv/config"]\n'
                        'CMD ["./build/server.js"]')
    after = convert(text)
    assert after.endswith("COPY --from=build /app/build ./build\nEXPOSE 3000\n"
                          'ENTRYPOINT ["node", "-r", "dotenv/config"]\nCMD ["./build/server.js"]\n')


def test_node_yarn() -> None:
    text = ("FROM node:22.11.0\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n"
            "COPY . .\nRUN yarn build\nCMD [\"yarn\", \"start\"]\n")
    assert convert(text) == (
        "FROM node:22.11.0 AS build\nWORKDIR /app\nCOPY package.json yarn.lock ./\n"
        "RUN yarn install --frozen-lockfile\nCOPY . .\nRUN yarn build\n\nFROM node:22-slim\nWORKDIR /app\n"
        "COPY --from=build /app/package.json /app/yarn.lock ./\nRUN yarn install --production --frozen-lockfile\n"
        "COPY --from=build /app/dist ./dist\nCMD [\"yarn\", \"start\"]\n")


@pytest.mark.parametrize("text", [
    pytest.param(NODE.replace("node:22", "node:20"), id="no -slim tag in the image data"),
    pytest.param(NODE.replace("node:22", "node:lts"), id="moving tag"),
    pytest.param(NODE.replace("node:22", "node:22-alpine"), id="alpine"),
    pytest.param(NODE.replace(" package-lock.json", ""), id="no lockfile"),
    pytest.param(NODE.replace("COPY package.json package-lock.json ./\n", ""), id="manifest only in COPY . ."),
    pytest.param(NODE.replace("package-lock.json", "yarn.lock").replace("npm run build", "yarn build")
                 .replace("yarn.lock ./", "./"), id="yarn without lockfile"),
    pytest.param(NODE.replace("package-lock.json", "yarn.lock .yarnrc.yml").replace("npm run build", "yarn build"),
                 id="yarn berry"),
    pytest.param(NODE.replace("package-lock.json", "pnpm-lock.yaml").replace("npm run build", "pnpm build"),
                 id="pnpm"),
    pytest.param(NODE.replace('CMD ["node", "dist/main.js"]', "CMD node dist/main.js"), id="shell-form CMD"),
    pytest.param(NODE.replace('"dist/main.js"', '"server.js"'), id="script outside the build output"),
    pytest.param(NODE.replace('"dist/main.js"', '".next/standalone/server.js"'), id="next.js"),
    pytest.param(NODE.replace('["node", "dist/main.js"]', '["npx", "serve", "-s", "dist"]'), id="static site"),
    pytest.param(NODE.replace('"dist/main.js"', '"-e", "require(1)"'), id="node -e"),
    pytest.param(NODE.replace("RUN npm run build", "RUN cd web && npm run build"), id="cd"),
    pytest.param(NODE.replace("RUN npm run build", "WORKDIR /app/web\nRUN npm run build\nWORKDIR /app"),
                 id="build in another directory"),
    pytest.param(NODE.replace("RUN npm run build", "RUN npm run build && yarn build"), id="two builds"),
    pytest.param(NODE.replace("EXPOSE", "HEALTHCHECK CMD curl -f localhost:3000\nEXPOSE"), id="HEALTHCHECK"),
    pytest.param(NODE.replace("CMD", "USER node\nCMD"), id="USER"),
    pytest.param(NODE.replace("RUN npm run build\n", ""), id="no build"),
])
def test_no_node_fix(text: str) -> None:
    assert no_fix(text)


# -- anything else --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    pytest.param("", id="empty"),
    pytest.param("FROM debian:12-slim\nRUN cargo build --release --bin a\n", id="not an SDK image"),
    pytest.param("FROM rust:1.79 AS b\nRUN cargo build --release --bin a\nFROM b\n", id="built FROM a stage"),
    pytest.param("ARG IMAGE\nFROM ${IMAGE}\nRUN go build -o /a .\n", id="unknown image"),
    pytest.param("FROM ghcr.io/x/rust:1\nRUN cargo build --release --bin a\n", id="another registry"),
    pytest.param("FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12\n"
                 "COPY --from=build /app /app\n", id="already multi-stage"),
    pytest.param("FROM rust:1.79\nRUN cargo build --release --bin \\", id="half-typed"),
])
def test_no_fix(text: str) -> None:
    assert no_fix(text)


def test_corpus(corpus: list[Path]) -> None:
    """Every conversion offered on a real-world file BuildKit accepts keeps it valid; prints the count per
    runtime image."""
    offered: Counter[str] = Counter()
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        fix = multistage_fix(Model.from_text(text))
        if fix is None:
            continue
        if buildkit_error(text) is not None:
            continue
        after = apply_edits(text, fix.edits)
        dockerfile.parse_string(after)
        assert shell_errors(after) <= shell_errors(text), path.name
        assert multistage_fix(Model.from_text(after)) is None, path.name
        offered[fix.title.rpartition(" on ")[2]] += 1
    print(f"multi-stage conversions offered on the corpus: {dict(offered)}")
