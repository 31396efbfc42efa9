"""copy-before-install (DKL005): a broad COPY of the context before a dependency install."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.engine import rule_by_key
from dockls.model import Model
from dockls.rule import Finding, Fix, FixAvailability, Severity
from dockls.rules.copy_before_install import RULE, check
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings, fix_all_rule

NAME = "copy-before-install"


def only(text: str) -> Finding:
    found = findings(text, NAME)
    assert len(found) == 1, [f.message for f in found]
    return found[0]


def applied(text: str, fix: Fix) -> str:
    """The text after ``fix``, checked to be valid, with nothing left for the rule to report."""
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


def safe_fix(text: str) -> str:
    """The text after the finding's safe fix, checked to be valid and idempotent."""
    finding = only(text)
    assert finding.fixes and finding.fixes[0].safe, finding.message
    after = applied(text, finding.fixes[0])
    assert fix_all_rule(text, NAME) == after
    return after


def no_safe_fix(text: str) -> Finding:
    finding = only(text)
    assert not any(fix.safe for fix in finding.fixes), finding.fixes
    assert fix_all_rule(text, NAME) == text
    return finding


def test_metadata() -> None:
    assert rule_by_key("DKL005") is RULE
    assert (RULE.name, RULE.category, RULE.severity, RULE.fix) == (
        NAME, "cache", Severity.WARNING, FixAvailability.SAFE)
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Stages",
                    "## References"):
        assert heading in RULE.doc
    for ecosystem in ("npm", "yarn", "pnpm", "pip", "pip-tools", "poetry", "uv", "pipenv", "go", "cargo",
                      "bundler", "composer", "maven", "gradle", "dotnet"):
        assert f"- {ecosystem} — " in RULE.doc


# --------------------------------------------------------------------------- npm, yarn, pnpm


def test_npm_fix_moves_the_install_above_the_copy() -> None:
    before = """FROM node:22
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "server.js"]
"""
    finding = only(before)
    assert finding.message.startswith("`COPY . .` copies the sources before `npm ci` (line 4)")
    assert "package.json and package-lock.json" in finding.message
    assert before[finding.span.start:finding.span.end] == "COPY . ."
    assert safe_fix(before) == """FROM node:22
WORKDIR /app
COPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
"""


def test_npm_keeps_the_copy_flags_and_the_destination() -> None:
    before = """FROM node:22
COPY --chown=node:node --link ./ /home/node/app
WORKDIR /home/node/app
RUN npm install --omit=dev
"""
    # WORKDIR between: the copy moves below the install, the install stays where WORKDIR applies.
    assert safe_fix(before) == """FROM node:22
COPY --chown=node:node --link package.json package-lock.json* npm-shrinkwrap.json* .npmrc* /home/node/app/
WORKDIR /home/node/app
RUN npm install --omit=dev
COPY --chown=node:node --link ./ /home/node/app
"""


def test_npm_install_in_a_subdirectory_copies_its_manifest_there() -> None:
    assert safe_fix("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN cd web && npm ci\n") == (
        "FROM node:22\nWORKDIR /app\n"
        "COPY web/package.json web/package-lock.json* web/npm-shrinkwrap.json* web/.npmrc* ./web/\n"
        "RUN cd web && npm ci\nCOPY . .\n")
    assert safe_fix("FROM node:22\nCOPY . /app\nRUN npm --prefix /app/api ci\n") == (
        "FROM node:22\n"
        "COPY api/package.json api/package-lock.json* api/npm-shrinkwrap.json* api/.npmrc* /app/api/\n"
        "RUN npm --prefix /app/api ci\nCOPY . /app\n")


def test_yarn_copies_the_berry_files_when_present() -> None:
    before = """FROM node:22-alpine
WORKDIR /usr/src/app
COPY . .
RUN yarn install --frozen-lockfile && yarn cache clean
EXPOSE 3000
"""
    assert safe_fix(before) == """FROM node:22-alpine
WORKDIR /usr/src/app
COPY package.json yarn.lock* .yarnrc* .npmrc* ./
COPY .yar[n] ./.yarn/
RUN yarn install --frozen-lockfile && yarn cache clean
COPY . .
EXPOSE 3000
"""


def test_pnpm() -> None:
    before = """FROM node:22
WORKDIR /app
RUN corepack enable
COPY . .
RUN pnpm install --frozen-lockfile
"""
    assert safe_fix(before) == """FROM node:22
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml* .npmrc* .pnpmfile.cjs* pnpm-workspace.yaml* ./
COPY patche[s] ./patches/
RUN pnpm install --frozen-lockfile
COPY . .
"""


def test_a_global_tool_install_moves_along() -> None:
    before = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm install -g pnpm@9 && pnpm install --prod\n"
    assert safe_fix(before).endswith("RUN npm install -g pnpm@9 && pnpm install --prod\nCOPY . .\n")


def test_npm_install_followed_by_a_build_is_reported_without_fix() -> None:
    finding = no_safe_fix("""FROM node:22
WORKDIR /app
COPY . .
RUN npm ci && npm run build
""")
    assert "No automatic fix: the RUN also runs `npm run build`, which may need the sources." in finding.message
    assert finding.fixes == ()  # npm ci wipes node_modules: fetching first would not help


def test_yarn_berry_workspaces_focus_copies_yarnrc_yml_and_the_yarn_directory() -> None:
    # `.yarnrc*` matches .yarnrc.yml, whose `yarnPath` points into .yarn/releases/, copied with .yarn/.
    before = """FROM node:22
WORKDIR /app
COPY . .
RUN corepack enable && yarn workspaces focus --all --production
"""
    assert safe_fix(before) == """FROM node:22
WORKDIR /app
COPY package.json yarn.lock* .yarnrc* .npmrc* ./
COPY .yar[n] ./.yarn/
RUN corepack enable && yarn workspaces focus --all --production
COPY . .
"""


@pytest.mark.parametrize("text", [
    # the recommended layout
    "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
    "FROM node:22\nCOPY package.json yarn.lock ./\nRUN yarn --frozen-lockfile\nCOPY . .\nRUN yarn build\n",
    "FROM node:22\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm i\nCOPY . .\nRUN pnpm install --offline\n",
    # global tools do not read the project
    "FROM node:22\nCOPY . .\nRUN npm install -g nodemon\n",
    "FROM node:22\nCOPY . .\nRUN yarn global add @vue/cli\n",
    # no install after the copy
    "FROM node:22\nCOPY . .\nRUN npm run build\n",
    "FROM node:22\nRUN npm ci\nCOPY . .\n",
])
def test_javascript_silent(text: str) -> None:
    assert findings(text, NAME) == []


# --------------------------------------------------------------------------- python


def test_pip_requirements_in_a_subdirectory() -> None:
    before = """FROM python:3.12-slim
COPY . /srv/app
WORKDIR /srv/app
RUN pip install --no-cache-dir -r requirements/prod.txt -c constraints.txt
CMD ["gunicorn", "app:app"]
"""
    assert "copy requirements/prod.txt and constraints.txt first" in only(before).message
    assert safe_fix(before) == """FROM python:3.12-slim
COPY requirements/prod.txt /srv/app/requirements/
COPY constraints.txt /srv/app/
WORKDIR /srv/app
RUN pip install --no-cache-dir -r requirements/prod.txt -c constraints.txt
COPY . /srv/app
CMD ["gunicorn", "app:app"]
"""


def test_pip_with_absolute_requirements_path_and_python_dash_m() -> None:
    before = """FROM python:3.12
ADD . /code
RUN python3 -m pip install -r /code/requirements.txt
"""
    assert safe_fix(before) == """FROM python:3.12
COPY requirements.txt /code/
RUN python3 -m pip install -r /code/requirements.txt
ADD . /code
"""


def test_pip_install_of_the_project_has_no_fix() -> None:
    finding = no_safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -e .\n")
    assert "No automatic fix: `pip install -e .` installs the project itself from its sources." in finding.message
    assert "copy pyproject.toml first" in finding.message


def test_poetry_with_no_root_is_fixed() -> None:
    before = """FROM python:3.12
WORKDIR /app
RUN pip install poetry
COPY . .
RUN poetry install --no-root --only main
"""
    assert safe_fix(before) == """FROM python:3.12
WORKDIR /app
RUN pip install poetry
COPY pyproject.toml poetry.lock* poetry.toml* ./
RUN poetry install --no-root --only main
COPY . .
"""


def test_poetry_without_no_root_offers_a_fetch_only() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n"
    finding = no_safe_fix(before)
    assert "without --no-root also installs the project" in finding.message
    (fetch,) = finding.fixes
    assert applied(before, fetch) == """FROM python:3.12
WORKDIR /app
COPY pyproject.toml poetry.lock* poetry.toml* ./
RUN poetry install --only main --no-root
COPY . .
RUN poetry install --only main
"""


def test_fetch_keeps_variables_unquoted_and_quotes_exec_form_words() -> None:
    shell = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --with $GROUPS\n"
    assert "\nRUN poetry install --with $GROUPS --no-root\nCOPY . .\n" in applied(
        shell, no_safe_fix(shell).fixes[0])
    exec_form = 'FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN ["poetry", "install", "--with", "a b"]\n'
    assert "\nRUN poetry install --with 'a b' --no-root\nCOPY . .\n" in applied(
        exec_form, no_safe_fix(exec_form).fixes[0])


def test_uv_sync() -> None:
    fixed = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen --no-install-project\n"
    assert safe_fix(fixed) == """FROM python:3.12
WORKDIR /app
COPY pyproject.toml uv.lock* uv.toml* .python-version* ./
RUN uv sync --frozen --no-install-project
COPY . .
"""
    finding = no_safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\n")
    assert "RUN uv sync --frozen --no-install-project" in applied(
        "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --frozen\n", finding.fixes[0])


def test_pipenv() -> None:
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pipenv install --system --deploy\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY Pipfile Pipfile.lock* ./\nRUN pipenv install --system --deploy\n"
        "COPY . .\n")


def test_pip_sync_reads_requirements_txt_unless_told_otherwise() -> None:
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip-sync\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip-sync\nCOPY . .\n")
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip-sync reqs/base.txt reqs/prod.txt\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY reqs/base.txt reqs/prod.txt ./reqs/\n"
        "RUN pip-sync reqs/base.txt reqs/prod.txt\nCOPY . .\n")


def test_pip_compile_is_fixed_only_on_request() -> None:
    # The requirements.txt it writes is replaced by the repository's copy after the move.
    before = """FROM python:3.12
WORKDIR /app
COPY . .
RUN pip install pip-tools && pip-compile requirements.in && pip-sync
"""
    finding = no_safe_fix(before)
    assert "copy requirements.in and requirements.txt first" in finding.message
    assert ("The fix is not applied automatically: the sources copied after `pip-compile requirements.in` "
            "replace the requirements.txt it writes, if the repository has one.") in finding.message
    (move,) = finding.fixes
    # requirements.txt may not exist before pip-compile writes it: copied with a wildcard.
    assert applied(before, move) == """FROM python:3.12
WORKDIR /app
COPY requirements.in requirements.txt* ./
RUN pip install pip-tools && pip-compile requirements.in && pip-sync
COPY . .
"""
    project = no_safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip-compile pyproject.toml\n")
    assert "builds the project's metadata, which may read its sources" in project.message


def test_uv_pip_sync_and_compile() -> None:
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv pip sync --system requirements.lock\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.lock ./\nRUN uv pip sync --system requirements.lock\n"
        "COPY . .\n")
    # uv writes to standard output unless told otherwise; with -o it writes a file as pip-compile does.
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv pip compile requirements.in\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.in ./\nRUN uv pip compile requirements.in\nCOPY . .\n")
    before = ("FROM python:3.12\nWORKDIR /app\nCOPY . .\n"
              "RUN uv pip compile requirements.in -o requirements.txt && uv pip sync requirements.txt\n")
    (move,) = no_safe_fix(before).fixes
    assert applied(before, move) == (
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.in requirements.txt* ./\n"
        "RUN uv pip compile requirements.in -o requirements.txt && uv pip sync requirements.txt\nCOPY . .\n")


def test_pipenv_sync_editable_and_requirements() -> None:
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pipenv sync --system\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY Pipfile Pipfile.lock* ./\nRUN pipenv sync --system\nCOPY . .\n")
    editable = no_safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pipenv install -e .\n")
    assert "No automatic fix: `pipenv install -e .` installs the project from its sources." in editable.message
    # `-r` imports a requirements file into a Pipfile that may not exist yet.
    assert safe_fix("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pipenv install -r requirements.txt\n") == (
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt Pipfile* Pipfile.lock* ./\n"
        "RUN pipenv install -r requirements.txt\nCOPY . .\n")


@pytest.mark.parametrize("text", [
    "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
    "RUN pip install --no-deps .\n",
    "FROM python:3.12\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\nCOPY . .\n"
    "RUN poetry install --only-root\n",
    "FROM python:3.12\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --no-install-project\nCOPY . .\nRUN uv sync\n",
    # packages by name do not read the project
    "FROM python:3.12\nCOPY . .\nRUN pip install --upgrade pip gunicorn\n",
    # copying the requirements directory first is the right thing to do
    "FROM python:3.12\nWORKDIR /app\nCOPY requirements/ requirements/\nRUN pip install -r requirements/prod.txt\n",
    # the requirements come from elsewhere
    "FROM python:3.12\nCOPY . /app\nRUN pip install -r /tmp/requirements.txt\n",
])
def test_python_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_copy_of_a_source_directory_the_install_runs_in() -> None:
    before = "FROM python:3.12\nCOPY app/ /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
    assert safe_fix(before) == (
        "FROM python:3.12\nCOPY app/requirements.txt /app/\nWORKDIR /app\nRUN pip install -r requirements.txt\n"
        "COPY app/ /app\n")


# --------------------------------------------------------------------------- a copy of a subdirectory


def test_subdirectory_copy_without_trailing_slash() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nCOPY backend .\nRUN pip install -r requirements.txt\n"
    finding = only(before)
    assert finding.message.startswith("`COPY backend .` copies the sources before `pip install -r requirements.txt`")
    assert safe_fix(before) == (
        "FROM python:3.12\nWORKDIR /app\nCOPY backend/requirements.txt ./\nRUN pip install -r requirements.txt\n"
        "COPY backend .\n")


def test_subdirectory_copy_to_a_subdirectory_the_install_enters() -> None:
    before = """FROM python:3.12
WORKDIR /app
COPY ./app ./app
WORKDIR /app/app
RUN pip install -r requirements/base.txt
"""
    assert safe_fix(before) == """FROM python:3.12
WORKDIR /app
COPY app/requirements/base.txt ./app/requirements/
WORKDIR /app/app
RUN pip install -r requirements/base.txt
COPY ./app /app/app
"""


def test_subdirectory_copy_with_cd_and_prefix() -> None:
    assert safe_fix("FROM node:22\nCOPY frontend/ /srv/frontend/\nRUN cd /srv/frontend && npm ci\n") == (
        "FROM node:22\n"
        "COPY frontend/package.json frontend/package-lock.json* frontend/npm-shrinkwrap.json* frontend/.npmrc* "
        "/srv/frontend/\nRUN cd /srv/frontend && npm ci\nCOPY frontend/ /srv/frontend/\n")
    assert safe_fix("FROM node:22\nCOPY web /srv/web\nRUN npm --prefix /srv/web/client install\n") == (
        "FROM node:22\n"
        "COPY web/client/package.json web/client/package-lock.json* web/client/npm-shrinkwrap.json* "
        "web/client/.npmrc* /srv/web/client/\nRUN npm --prefix /srv/web/client install\nCOPY web /srv/web\n")


def test_subdirectory_copy_in_an_onbuild_trigger() -> None:
    before = "FROM python:3.12\nWORKDIR /app\nONBUILD COPY src/ ./\nONBUILD RUN pip install -r requirements.txt\n"
    assert safe_fix(before) == (
        "FROM python:3.12\nWORKDIR /app\nONBUILD COPY src/requirements.txt ./\n"
        "ONBUILD RUN pip install -r requirements.txt\nONBUILD COPY src/ ./\n")


def test_subdirectory_copy_in_a_builder_stage() -> None:
    before = """FROM node:22-slim AS frontend
COPY ./src-ui /src/src-ui
WORKDIR /src/src-ui
RUN corepack enable && pnpm install
RUN pnpm run build
FROM python:3.12-slim
COPY --from=frontend /src/src-ui/dist /app/static
"""
    # An absolute destination: the copy moves below the install, past the WORKDIR, unchanged.
    manifests = ("src-ui/package.json src-ui/pnpm-lock.yaml* src-ui/.npmrc* src-ui/.pnpmfile.cjs* "
                 "src-ui/pnpm-workspace.yaml*")
    assert safe_fix(before) == f"""FROM node:22-slim AS frontend
COPY {manifests} /src/src-ui/
COPY src-ui/patche[s] /src/src-ui/patches/
WORKDIR /src/src-ui
RUN corepack enable && pnpm install
COPY ./src-ui /src/src-ui
RUN pnpm run build
FROM python:3.12-slim
COPY --from=frontend /src/src-ui/dist /app/static
"""


@pytest.mark.parametrize("text", [
    # the install does not run inside what the copy brought
    "FROM python:3.12\nWORKDIR /app\nCOPY src /app/src\nRUN pip install -r requirements.txt\n",
    "FROM python:3.12\nWORKDIR /app\nCOPY backend /srv/backend\nRUN pip install -r /srv/backend/requirements.txt\n",
    # file names: an extension, all capitals, a name ending in "file", a build wrapper
    "FROM node:22\nWORKDIR /app\nCOPY server.js /app/\nRUN npm ci\n",
    "FROM node:22\nWORKDIR /app\nCOPY LICENSE /app/\nRUN npm ci\n",
    "FROM ruby:3.3\nWORKDIR /app\nCOPY Gemfile /app/\nRUN bundle install\n",
    "FROM maven:3\nWORKDIR /app\nCOPY mvnw /app/\nRUN mvn dependency:go-offline\n",
    # wildcards, variables, URLs, several sources
    "FROM node:22\nWORKDIR /app\nCOPY sr? /app\nRUN npm ci\n",
    "FROM node:22\nWORKDIR /app\nARG SRC=web\nCOPY $SRC /app\nRUN npm ci\n",
    "FROM node:22\nWORKDIR /app\nADD https://example.com/app /app\nRUN npm ci\n",
    "FROM node:22\nWORKDIR /app\nCOPY web lib /app/\nRUN npm ci\n",
])
def test_subdirectory_silent(text: str) -> None:
    assert findings(text, NAME) == []


# --------------------------------------------------------------------------- go, cargo


def test_go_mod_download_moves_up() -> None:
    before = """FROM golang:1.23 AS build
WORKDIR /src
COPY . .
RUN go mod download
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
"""
    assert safe_fix(before) == """FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod go.sum* ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
"""


def test_go_build_gets_an_unsafe_download_with_the_cache_mounts() -> None:
    before = """FROM golang:1.23
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,source=x,target=/x go build -o /app
"""
    finding = no_safe_fix(before)
    assert "No automatic fix: `go build` needs the sources." in finding.message
    after = applied(before, finding.fixes[0])
    assert after == """FROM golang:1.23
WORKDIR /src
COPY go.mod go.sum* ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=bind,source=x,target=/x go build -o /app
"""
    dockerfile.parse_string(after)


def test_go_build_in_a_subpackage_has_no_fetch_fix() -> None:
    # go.mod may be at the root rather than where the build runs.
    finding = no_safe_fix("FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN cd cmd/app && go build -o /app\n")
    assert finding.fixes == ()


def test_cargo_build_is_reported_and_cargo_fetch_gets_an_unsafe_fix() -> None:
    build = no_safe_fix("FROM rust:1\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n")
    assert "`cargo build` compiles the sources" in build.message
    fetch = "FROM rust:1\nWORKDIR /app\nCOPY . .\nRUN cargo fetch\nRUN cargo build --release --offline\n"
    finding = only(fetch)
    assert "src/main.rs" in finding.message
    (move,) = finding.fixes
    assert not move.safe
    assert applied(fetch, move) == """FROM rust:1
WORKDIR /app
COPY Cargo.toml Cargo.lock* rust-toolchain* ./
COPY .carg[o] ./.cargo/
RUN cargo fetch
COPY . .
RUN cargo build --release --offline
"""


@pytest.mark.parametrize("text", [
    "FROM golang:1.23\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build\n",
    "FROM golang:1.23\nCOPY . .\nRUN go install github.com/go-delve/delve/cmd/dlv@latest\n",
    # cargo-chef: the planner copies everything on purpose, the builder cooks the recipe first
    """FROM rust:1 AS planner
WORKDIR /app
COPY . .
RUN cargo chef prepare --recipe-path recipe.json
FROM rust:1 AS builder
WORKDIR /app
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release
""",
    "FROM rust:1\nCOPY . .\nRUN cargo install cargo-watch\n",
])
def test_go_and_cargo_silent(text: str) -> None:
    assert findings(text, NAME) == []


# --------------------------------------------------------------------------- ruby, php, java


def test_bundler() -> None:
    before = "FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle config set without development && bundle install\n"
    assert safe_fix(before) == """FROM ruby:3.3
WORKDIR /app
COPY Gemfile Gemfile.lock* ./
COPY .bundl[e] ./.bundle/
RUN bundle config set without development && bundle install
COPY . .
"""


def test_composer_needs_no_scripts_and_no_autoloader() -> None:
    finding = no_safe_fix("FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev\n")
    assert "add --no-scripts --no-autoloader" in finding.message
    before = "FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev --no-scripts --no-autoloader\n"
    assert safe_fix(before) == """FROM composer:2
WORKDIR /app
COPY composer.json composer.lock* auth.json* ./
RUN composer install --no-dev --no-scripts --no-autoloader
COPY . .
"""


def test_maven_go_offline_with_the_wrapper() -> None:
    before = "FROM eclipse-temurin:21\nWORKDIR /build\nCOPY . .\nRUN ./mvnw -B dependency:go-offline\n"
    assert safe_fix(before) == """FROM eclipse-temurin:21
WORKDIR /build
COPY pom.xml mvnw ./
COPY .mv[n] ./.mvn/
RUN ./mvnw -B dependency:go-offline
COPY . .
"""


def test_maven_options_with_values() -> None:
    before = "FROM maven:3\nWORKDIR /app\nCOPY . .\nRUN mvn -B -pl api -Dmaven.repo.local=/m2 dependency:go-offline\n"
    assert safe_fix(before).startswith("FROM maven:3\nWORKDIR /app\nCOPY pom.xml ./\nCOPY .mv[n] ./.mvn/\nRUN mvn")


def test_maven_package_gets_an_unsafe_go_offline() -> None:
    before = "FROM maven:3\nCOPY . /usr/src/app\nRUN cd /usr/src/app && mvn -f pom.xml clean package\n"
    finding = no_safe_fix(before)
    assert "`mvn -f pom.xml clean …` compiles the sources" in finding.message
    assert applied(before, finding.fixes[0]) == """FROM maven:3
COPY pom.xml /usr/src/app/
COPY .mv[n] /usr/src/app/.mvn/
RUN cd /usr/src/app && mvn -f pom.xml dependency:go-offline
COPY . /usr/src/app
RUN cd /usr/src/app && mvn -f pom.xml clean package
"""


def test_maven_wrapper_made_executable_in_the_same_run() -> None:
    # The copy of the sources that follows brings back the repository's mvnw with its own mode.
    before = "FROM eclipse-temurin:21\nWORKDIR /build\nCOPY . .\nRUN chmod +x ./mvnw && ./mvnw dependency:go-offline\n"
    finding = no_safe_fix(before)
    assert "repository's ./mvnw with its own mode, undoing `chmod +x ./mvnw`" in finding.message
    (move,) = finding.fixes
    assert applied(before, move) == """FROM eclipse-temurin:21
WORKDIR /build
COPY pom.xml mvnw ./
COPY .mv[n] ./.mvn/
RUN chmod +x ./mvnw && ./mvnw dependency:go-offline
COPY . .
"""


def test_maven_wrapper_build_gets_a_go_offline_that_keeps_the_chmod() -> None:
    before = "FROM eclipse-temurin:21\nWORKDIR /build\nCOPY . .\nRUN chmod +x mvnw && ./mvnw -B package -DskipTests\n"
    finding = no_safe_fix(before)
    assert applied(before, finding.fixes[0]) == """FROM eclipse-temurin:21
WORKDIR /build
COPY pom.xml mvnw ./
COPY .mv[n] ./.mvn/
RUN chmod +x mvnw && ./mvnw dependency:go-offline
COPY . .
RUN chmod +x mvnw && ./mvnw -B package -DskipTests
"""


def test_wrappers_run_by_a_shell() -> None:
    assert safe_fix("FROM eclipse-temurin:21\nWORKDIR /b\nCOPY . .\nRUN sh mvnw -q dependency:go-offline\n") == (
        "FROM eclipse-temurin:21\nWORKDIR /b\nCOPY pom.xml mvnw ./\nCOPY .mv[n] ./.mvn/\n"
        "RUN sh mvnw -q dependency:go-offline\nCOPY . .\n")
    build = "FROM eclipse-temurin:21\nWORKDIR /b\nCOPY . .\nRUN sh ./mvnw -f api/pom.xml package\n"
    assert "\nRUN sh ./mvnw -f api/pom.xml dependency:go-offline\nCOPY . .\n" in applied(
        build, no_safe_fix(build).fixes[0])
    gradle = no_safe_fix("FROM eclipse-temurin:21\nWORKDIR /b\nCOPY . .\nRUN bash gradlew build\n")
    assert "copy gradlew and build.gradle first" in gradle.message


def test_exec_form_fetch_quotes_the_words_it_keeps() -> None:
    before = 'FROM maven:3\nWORKDIR /b\nCOPY . .\nRUN ["./mvnw", "-f", "my app/pom.xml", "-B", "package"]\n'
    finding = no_safe_fix(before)
    assert applied(before, finding.fixes[0]) == """FROM maven:3
WORKDIR /b
COPY ["my app/pom.xml", "./my app/"]
COPY mvnw ./
COPY .mv[n] ./.mvn/
RUN ./mvnw -f 'my app/pom.xml' dependency:go-offline
COPY . .
RUN ["./mvnw", "-f", "my app/pom.xml", "-B", "package"]
"""


def test_gradle() -> None:
    before = "FROM gradle:8-jdk21\nWORKDIR /home/gradle/app\nCOPY . .\nRUN ./gradlew dependencies --no-daemon\n"
    assert safe_fix(before) == """FROM gradle:8-jdk21
WORKDIR /home/gradle/app
COPY gradlew build.gradle* settings.gradle* gradle.properties* ./
COPY gradl[e] ./gradle/
RUN ./gradlew dependencies --no-daemon
COPY . .
"""
    build = no_safe_fix("FROM gradle:8-jdk21\nWORKDIR /app\nCOPY . .\nRUN gradle build --no-daemon\n")
    assert "`gradle build --no-daemon` compiles the sources" in build.message


@pytest.mark.parametrize("text", [
    "FROM ruby:3.3\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\nRUN bundle exec rake assets\n",
    "FROM composer:2\nCOPY composer.json composer.lock ./\nRUN composer install --no-scripts --no-autoloader\n"
    "COPY . .\nRUN composer dump-autoload --optimize\n",
    "FROM maven:3\nCOPY pom.xml .\nRUN mvn dependency:go-offline\nCOPY src ./src\nCOPY . .\nRUN mvn package\n",
    "FROM gradle:8\nCOPY build.gradle settings.gradle ./\nRUN gradle dependencies\nCOPY . .\nRUN gradle build\n",
    "FROM ruby:3.3\nCOPY . .\nRUN gem install bundler\n",
])
def test_ruby_php_java_silent(text: str) -> None:
    assert findings(text, NAME) == []


# --------------------------------------------------------------------------- .NET


def test_dotnet_restore_without_a_project_copies_the_csproj_and_nuget_files() -> None:
    before = """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /source
COPY . .
RUN dotnet restore
RUN dotnet publish -c Release -o /app --no-restore
"""
    finding = only(before)
    assert "copy *.csproj and packages.lock.json first" in finding.message
    assert safe_fix(before) == """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /source
COPY *.csproj packages.lock.json* [Nn]u[Gg]et.[Cc]onfig Directory.* global.json* ./
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release -o /app --no-restore
"""


def test_dotnet_restore_of_a_named_project_copies_the_files_above_it() -> None:
    # MSBuild and NuGet read Directory.* and NuGet.config from every directory above the project.
    before = """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet restore "src/Api/Api.csproj" -a $TARGETARCH
"""
    assert safe_fix(before) == """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY src/Api/Api.csproj src/Api/packages.lock.json* src/Api/[Nn]u[Gg]et.[Cc]onfig src/Api/Directory.* ./src/Api/
COPY src/[Nn]u[Gg]et.[Cc]onfig src/Directory.* ./src/
COPY [Nn]u[Gg]et.[Cc]onfig Directory.* global.json* ./
RUN dotnet restore "src/Api/Api.csproj" -a $TARGETARCH
COPY . .
"""


def test_dotnet_publish_gets_an_unsafe_restore_with_its_runtime() -> None:
    before = """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish App.fsproj -c Release -r linux-musl-x64 --self-contained false -o /app /p:UseAppHost=false
"""
    finding = no_safe_fix(before)
    assert "No automatic fix: `dotnet publish` compiles the sources." in finding.message
    assert applied(before, finding.fixes[0]) == """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY App.fsproj packages.lock.json* [Nn]u[Gg]et.[Cc]onfig Directory.* global.json* ./
RUN dotnet restore App.fsproj -r linux-musl-x64
COPY . .
RUN dotnet publish App.fsproj -c Release -r linux-musl-x64 --self-contained false -o /app /p:UseAppHost=false
"""


def test_dotnet_solution_has_no_fix() -> None:
    finding = no_safe_fix("FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore App.sln\n")
    assert "reads every project the solution lists, which the rule cannot see" in finding.message
    assert finding.fixes == ()


def test_dotnet_tool_restore() -> None:
    assert safe_fix("FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet tool restore\n") == (
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY .config/dotnet-tools.json ./.config/\n"
        "RUN dotnet tool restore\nCOPY . .\n")


def test_dotnet_build_with_a_command_between_offers_the_restore() -> None:
    before = """FROM mcr.microsoft.com/dotnet/sdk:5.0 AS build
COPY . /src
WORKDIR /src
RUN ls
RUN dotnet build "aspnetapp.csproj" -c Release -o /app/build
"""
    finding = no_safe_fix(before)
    assert applied(before, finding.fixes[0]) == """FROM mcr.microsoft.com/dotnet/sdk:5.0 AS build
COPY aspnetapp.csproj packages.lock.json* [Nn]u[Gg]et.[Cc]onfig Directory.* global.json* /src/
RUN cd /src && dotnet restore "aspnetapp.csproj"
COPY . /src
WORKDIR /src
RUN ls
RUN dotnet build "aspnetapp.csproj" -c Release -o /app/build
"""


@pytest.mark.parametrize("text", [
    # the usual layout: restore as its own layer, then build without restoring
    """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /source
COPY *.csproj .
RUN dotnet restore -a $TARGETARCH
COPY . .
RUN dotnet publish -c release -o /app -a $TARGETARCH --self-contained false --no-restore
""",
    # what Visual Studio generates
    """FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY ["src/Api/Api.csproj", "src/Api/"]
RUN dotnet restore "./src/Api/Api.csproj"
COPY . .
WORKDIR "/src/src/Api"
RUN dotnet build "./Api.csproj" -c Release -o /app/build
FROM build AS publish
RUN dotnet publish "./Api.csproj" -c Release -o /app/publish /p:UseAppHost=false
""",
    # --no-restore does not fetch; global tools do not read the project
    "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet build --no-restore\n",
    "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet tool install -g dotnet-ef\n",
])
def test_dotnet_silent(text: str) -> None:
    assert findings(text, NAME) == []


# --------------------------------------------------------------------------- stages and forms


@pytest.mark.parametrize("text", [
    # an install in a later stage, after COPY --from
    """FROM node:22 AS sources
WORKDIR /app
COPY . .
FROM node:22
WORKDIR /app
COPY --from=sources /app /app
RUN npm ci
""",
    # the broad copy in one stage, the install in a stage built on it
    """FROM node:22 AS base
WORKDIR /app
COPY . .
FROM base AS build
RUN npm ci
""",
    # the dependencies were installed in the parent stage
    """FROM node:22 AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
FROM deps AS build
COPY . .
RUN npm ci && npm run build
""",
])
def test_multi_stage_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_builder_stage_is_checked() -> None:
    before = """FROM node:22 AS build
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
FROM nginx:alpine
COPY --from=build /app/dist /usr/share/nginx/html
"""
    assert "COPY package.json" in safe_fix(before)


def test_heredoc_install_moves_whole() -> None:
    before = """FROM python:3.12
WORKDIR /app
COPY . .
RUN <<EOF
set -eux
pip install --no-cache-dir -r requirements.txt
EOF
CMD ["python", "main.py"]
"""
    assert safe_fix(before) == """FROM python:3.12
WORKDIR /app
COPY requirements.txt ./
RUN <<EOF
set -eux
pip install --no-cache-dir -r requirements.txt
EOF
COPY . .
CMD ["python", "main.py"]
"""


def test_heredoc_with_a_condition_has_no_fix() -> None:
    finding = no_safe_fix("""FROM node:22
COPY . .
RUN <<EOF
if [ -f yarn.lock ]; then yarn install; fi
EOF
""")
    assert "more than a plain list of commands" in finding.message


def test_exec_form_run() -> None:
    before = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN ["npm", "ci"]\n'
    assert safe_fix(before) == (
        'FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./\n'
        'RUN ["npm", "ci"]\nCOPY . .\n')


def test_exec_form_copy_gives_exec_form_copies() -> None:
    before = 'FROM node:22\nWORKDIR /app\nCOPY [".", "."]\nRUN npm ci\n'
    assert safe_fix(before) == (
        'FROM node:22\nWORKDIR /app\n'
        'COPY ["package.json", "package-lock.json*", "npm-shrinkwrap.json*", ".npmrc*", "./"]\n'
        'RUN npm ci\nCOPY [".", "."]\n')


def test_onbuild_triggers() -> None:
    before = """FROM node:22
WORKDIR /app
ONBUILD COPY . /app
ONBUILD RUN npm ci
"""
    assert safe_fix(before) == """FROM node:22
WORKDIR /app
ONBUILD COPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* /app/
ONBUILD RUN npm ci
ONBUILD COPY . /app
"""


def test_onbuild_copy_is_not_paired_with_a_plain_run() -> None:
    assert findings("FROM node:22\nONBUILD COPY . /app\nRUN npm ci\n", NAME) == []


def test_manifest_already_copied_only_moves_the_install() -> None:
    before = """FROM node:22
WORKDIR /app
COPY package*.json ./
COPY . .
RUN npm ci
"""
    assert safe_fix(before) == """FROM node:22
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
"""


def test_crlf_file() -> None:
    before = "FROM node:22\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci\r\nCMD [\"node\", \"index.js\"]\r\n"
    assert safe_fix(before) == (
        "FROM node:22\r\nWORKDIR /app\r\n"
        "COPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./\r\n"
        "RUN npm ci\r\nCOPY . .\r\nCMD [\"node\", \"index.js\"]\r\n")


def test_install_on_the_last_line_without_line_break() -> None:
    before = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci"
    assert safe_fix(before) == (
        "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./\n"
        "RUN npm ci\nCOPY . .")
    moved_down = "FROM node:22\nCOPY . /app\nWORKDIR /app\nRUN npm ci"
    assert safe_fix(moved_down).endswith("WORKDIR /app\nRUN npm ci\nCOPY . /app")


def test_lowercase_keywords_and_comments_travel_with_their_instruction() -> None:
    before = """from node:22
workdir /app
# the application
copy . .
expose 3000
# dependencies
run npm ci
"""
    assert safe_fix(before) == """from node:22
workdir /app
copy package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./
# dependencies
run npm ci
# the application
copy . .
expose 3000
"""


# --------------------------------------------------------------------------- what lies between


def test_env_between_moves_the_copy_down() -> None:
    before = """FROM node:22
WORKDIR /app
COPY . .
ENV NODE_ENV=production
USER node
RUN npm ci
"""
    assert safe_fix(before) == """FROM node:22
WORKDIR /app
COPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./
ENV NODE_ENV=production
USER node
RUN npm ci
COPY . .
"""


def test_run_between_blocks_the_fix() -> None:
    finding = no_safe_fix("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN ./configure\nRUN npm ci\n")
    assert "No automatic fix: the `RUN` on line 4 comes between the copy and the install." in finding.message


def test_workdir_between_gives_the_moved_copy_its_absolute_destination() -> None:
    assert safe_fix("FROM node:22\nWORKDIR /srv\nCOPY . app\nWORKDIR app\nRUN npm ci\n") == (
        "FROM node:22\nWORKDIR /srv\nCOPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* app/\n"
        "WORKDIR app\nRUN npm ci\nCOPY . /srv/app\n")
    # `.` and a trailing slash name a directory: the absolute destination keeps saying so.
    assert safe_fix('FROM node:22\nWORKDIR /srv\nCOPY [".", "./"]\nWORKDIR web\nRUN npm ci\n').endswith(
        'WORKDIR web\nRUN npm ci\nCOPY [".", "/srv/"]\n')


def test_workdir_between_with_an_unknown_destination_blocks_the_fix() -> None:
    # The image's WORKDIR is not known, so neither is where `app` is.
    finding = no_safe_fix("FROM node:22\nCOPY . app\nWORKDIR app\nRUN npm ci\n")
    assert "WORKDIR between the copy and the install" in finding.message
    variable = no_safe_fix("FROM node:22\nWORKDIR /srv\nARG DIR=app\nCOPY . $DIR\nWORKDIR app\nRUN npm ci\n")
    assert "WORKDIR between the copy and the install" in variable.message


def test_env_between_and_a_copy_with_variables_blocks_the_fix() -> None:
    finding = no_safe_fix("FROM node:22\nARG APP=/app\nCOPY . $APP\nENV APP=/srv\nWORKDIR /app\nRUN npm ci\n")
    assert "ENV or ARG between" in finding.message


def test_variables_resolve_destinations() -> None:
    before = "FROM python:3.12\nENV APP_HOME=/srv\nWORKDIR $APP_HOME\nCOPY . $APP_HOME\nRUN pip install -r req.txt\n"
    assert safe_fix(before) == (
        "FROM python:3.12\nENV APP_HOME=/srv\nWORKDIR $APP_HOME\nCOPY req.txt $APP_HOME/\n"
        "RUN pip install -r req.txt\nCOPY . $APP_HOME\n")


def test_cache_cleanup_and_system_packages_may_move_along() -> None:
    before = """FROM python:3.12-alpine
WORKDIR /app
COPY . .
RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\
    && pip install --no-cache-dir -r requirements.txt \\
    && apk del .build-deps && rm -rf /root/.cache /tmp/*
"""
    assert safe_fix(before).startswith("FROM python:3.12-alpine\nWORKDIR /app\nCOPY requirements.txt ./\nRUN apk")


def test_removing_files_of_the_project_blocks_the_fix() -> None:
    finding = no_safe_fix(
        "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && rm -rf tests\n")
    assert "`rm -rf tests`" in finding.message


def test_one_finding_per_copy_and_ecosystem() -> None:
    text = """FROM python:3.12
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
RUN npm ci
RUN pip install -r requirements-dev.txt
"""
    found = findings(text, NAME)
    assert [f.message.split("(line ")[1][:1] for f in found] == ["4", "5"]
    # The npm install moves once the pip install no longer sits between it and the copy.
    fixed = fix_all_rule(text, NAME)
    assert_fix_is_safe(text, fixed, NAME)
    assert fixed == """FROM python:3.12
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./
RUN npm ci
COPY . .
RUN pip install -r requirements-dev.txt
"""


def test_suppression() -> None:
    assert findings("FROM node:22\n# dockls ignore=copy-before-install\nCOPY . .\nRUN npm ci\n", NAME) == []


@pytest.mark.parametrize("text", [
    "", "COPY . .\nRUN npm ci\n", "FROM x\nCOPY\nRUN npm ci\n", "FROM x\nCOPY . .\nRUN\n",
    "FROM x\nCOPY . .\nRUN npm ci &&\n", "FROM x\nCOPY . .\nRUN [\"npm\"\n", "FROM x\nCOPY <<EOF .\nx\nEOF\n",
    "FROM x\nWORKDIR\nCOPY . $UNSET\nRUN cd && cd - && npm --prefix\n", "FROM x\nCOPY . .\nRUN pip install -r\n",
    "# escape=`\nFROM x\nCOPY . .\nRUN npm ci\n", "FROM x\nONBUILD\nONBUILD COPY . .\nONBUILD RUN yarn\n",
    "FROM x\nCOPY backend .\nRUN dotnet restore -a\n", "FROM x\nCOPY . .\nRUN sh && chmod +x && ./mvnw\n",
    "FROM x\nCOPY .. .\nRUN pip-compile -o && pip-sync -f\n", "FROM x\nONBUILD COPY web\nONBUILD RUN dotnet tool\n",
    "FROM x\nCOPY / app\nWORKDIR app\nRUN dotnet publish /p:X=1 true -- a.sln\n",
])
def test_bad_input_never_raises(text: str) -> None:
    list(check(Model.from_text(text)))
    fix_all_rule(text, NAME)


# --------------------------------------------------------------------------- the corpus


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0
