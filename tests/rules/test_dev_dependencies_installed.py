"""dev-dependencies-installed (DKL017): development dependencies in the final image."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_each_corpus_fix_is_valid, findings

NAME = "dev-dependencies-installed"


def fixed(text: str) -> str:
    """The text after the one finding's (unsafe) fix, checked for safety."""
    return apply_only_fix(text, NAME, safe=False)  # it changes which packages the image gets


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_install() -> None:
    text = "FROM node:22-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "npm ci"
    assert finding.effective_severity is Severity.WARNING
    assert "devDependencies" in finding.message and "--omit=dev" in finding.message


@pytest.mark.parametrize("run", [
    "npm ci",
    "npm install",
    "npm i --no-audit",
    "npm ci --include=dev",
    "yarn",
    "yarn install --frozen-lockfile",
    "yarn install --immutable",
    "yarn workspaces focus --all",
    "pnpm install --frozen-lockfile",
    "pip install -r requirements-dev.txt",
    "pip install -r requirements/dev.txt",
    "pip3 install -r test-requirements.txt",
    "python -m pip install -e '.[dev,docs]'",
    "uv pip install -r requirements_test.txt",
    "bundle install",
    "composer install --no-interaction",
    "poetry install --no-root",
    "poetry install --without docs",
    "uv sync --frozen",
    "uv sync --only-dev",
])
def test_fires(run: str) -> None:
    assert len(findings(f"FROM node\nRUN {run}\n", NAME)) == 1


def test_include_dev_beats_node_env() -> None:
    assert len(findings("FROM node\nENV NODE_ENV=production\nRUN npm ci --include=dev\n", NAME)) == 1


@pytest.mark.parametrize("text", [
    pytest.param("FROM node\nRUN npm ci --omit=dev\n", id="npm --omit=dev"),
    pytest.param("FROM node\nRUN npm ci --omit dev\n", id="npm --omit dev"),
    pytest.param("FROM node\nRUN npm install --production\n", id="npm --production"),
    pytest.param("FROM node\nRUN npm install --only=prod\n", id="npm --only=prod"),
    pytest.param("FROM node\nENV NODE_ENV=production\nRUN npm ci\n", id="ENV NODE_ENV"),
    pytest.param("FROM node\nARG NODE_ENV=production\nRUN npm ci\n", id="ARG NODE_ENV"),
    pytest.param("FROM node\nARG NODE_ENV\nRUN npm ci\n", id="ARG NODE_ENV without default"),
    pytest.param("FROM node\nRUN NODE_ENV=production npm ci\n", id="prefix"),
    pytest.param("FROM node\nRUN export NODE_ENV=production && npm ci\n", id="export"),
    pytest.param("FROM node\nENV npm_config_omit=dev\nRUN npm ci\n", id="npm_config_omit"),
    pytest.param("FROM node\nRUN npm install -g pm2\n", id="global"),
    pytest.param("FROM node\nRUN npm install express\n", id="named package"),
    pytest.param("FROM node\nRUN yarn install --production --frozen-lockfile\n", id="yarn --production"),
    pytest.param("FROM node\nENV NODE_ENV=production\nRUN yarn install\n", id="yarn NODE_ENV"),
    pytest.param("FROM node\nRUN yarn workspaces focus --all --production\n", id="yarn focus --production"),
    pytest.param("FROM node\nRUN yarn --version && pnpm --version && bundle --version\n", id="versions"),
    pytest.param("FROM node\nRUN pnpm install --prod\n", id="pnpm --prod"),
    pytest.param("FROM node\nRUN pnpm install -P\n", id="pnpm -P"),
    pytest.param("FROM python\nRUN pip install -r requirements.txt\n", id="pip runtime requirements"),
    pytest.param("FROM python\nRUN pip install -r requirements/base.txt -e '.[postgres]'\n", id="pip other extras"),
    pytest.param("FROM ruby\nRUN bundle install --without development test\n", id="bundle --without"),
    pytest.param("FROM ruby\nENV BUNDLE_WITHOUT=development\nRUN bundle install\n", id="BUNDLE_WITHOUT"),
    pytest.param("FROM ruby\nRUN bundle config set --local without 'development test'\nRUN bundle install\n",
                 id="bundle config"),
    pytest.param("FROM php\nRUN composer install --no-dev\n", id="composer --no-dev"),
    pytest.param("FROM php\nENV COMPOSER_NO_DEV=1\nRUN composer install\n", id="COMPOSER_NO_DEV"),
    pytest.param("FROM python\nRUN poetry install --only main\n", id="poetry --only main"),
    pytest.param("FROM python\nRUN poetry install --without dev,test\n", id="poetry --without dev"),
    pytest.param("FROM python\nRUN uv sync --frozen --no-dev\n", id="uv --no-dev"),
    pytest.param("FROM python\nRUN uv sync --no-group dev\n", id="uv --no-group dev"),
    pytest.param("FROM python\nENV UV_NO_DEV=1\nRUN uv sync\n", id="UV_NO_DEV"),
    pytest.param("FROM node\nRUN npm ci && npm run build && npm prune --omit=dev\n", id="pruned in the same RUN"),
    pytest.param("FROM node\nRUN yarn && yarn build && yarn install --production --ignore-scripts\n",
                 id="reinstalled for production"),
    pytest.param("FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci --omit=dev\n", id="cache mount"),
    pytest.param("FROM node AS build\nRUN npm ci && npm run build\nFROM nginx\nCOPY --from=build /app/dist /x\n",
                 id="builder stage"),
    pytest.param("FROM node\n# dockls ignore=dev-dependencies-installed\nRUN npm ci\n", id="suppressed"),
    pytest.param("FROM node\nRUN echo npm ci\n", id="only mentioned"),
    pytest.param('FROM node\nSHELL ["pwsh", "-c"]\nRUN npm ci\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_the_final_stages_parent_is_checked() -> None:
    text = "FROM node AS base\nRUN npm ci\nFROM base\nCMD [\"node\", \"server.js\"]\n"
    assert len(findings(text, NAME)) == 1


# -- a build that needs the dev dependencies ----------------------------------------------------------


@pytest.mark.parametrize(("text", "step"), [
    ("FROM node\nRUN npm ci && npm run build\n", "`npm run build` later in this RUN"),
    ("FROM node\nRUN npm ci\nCOPY . .\nRUN npm run build\n", "`npm run build` on line 4"),
    ("FROM node\nRUN npm ci && npx tsc -p .\n", "`npx tsc -p .` later in this RUN"),
    ("FROM node\nRUN yarn install\nRUN yarn build\n", "`yarn build` on line 3"),
    ("FROM node\nRUN pnpm install\nRUN pnpm run build\n", "`pnpm run build` on line 3"),
    ("FROM node\nRUN npm ci\nRUN ./node_modules/.bin/webpack\n", "`./node_modules/.bin/webpack` on line 3"),
    ("FROM python\nRUN uv sync\nRUN uv run pytest\n", "`uv run pytest` on line 3"),
    ("FROM ruby\nRUN bundle install\nRUN bundle exec rspec\n", "`bundle exec rspec` on line 3"),
    ("FROM php\nRUN composer install\nRUN vendor/bin/phpunit\n", "`vendor/bin/phpunit` on line 3"),
    ("FROM node AS base\nRUN npm ci\nFROM base\nRUN npm test\n", "`npm test` on line 4"),
])
def test_a_later_build_step_means_no_fix(text: str, step: str) -> None:
    [finding] = findings(text, NAME)
    assert step in finding.message and "earlier stage" in finding.message
    assert finding.fixes == ()


def test_names_the_prune_command() -> None:
    [finding] = findings("FROM node\nRUN npm ci && npm run build\n", NAME)
    assert "`npm prune --omit=dev`" in finding.message


def test_build_steps_of_another_ecosystem_do_not_count() -> None:
    text = "FROM node\nRUN npm ci\nRUN pytest\n"
    assert fixed(text) == "FROM node\nRUN npm ci --omit=dev\nRUN pytest\n"


def test_a_build_in_a_sibling_stage_does_not_count() -> None:
    text = "FROM node AS assets\nRUN npm ci && npm run build\nFROM node\nRUN npm ci\nCOPY --from=assets /a /a\n"
    [finding] = findings(text, NAME)
    assert finding.fixes


# -- the fix ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("run", "expected"), [
    ("npm ci", "npm ci --omit=dev"),
    ("npm install --no-audit", "npm install --omit=dev --no-audit"),
    ("yarn", "yarn --production"),
    ("yarn install --frozen-lockfile", "yarn install --production --frozen-lockfile"),
    ("yarn workspaces focus --all", "yarn workspaces focus --production --all"),
    ("pnpm install --frozen-lockfile", "pnpm install --prod --frozen-lockfile"),
    ("pnpm i", "pnpm i --prod"),
    ("composer install --no-interaction", "composer install --no-dev --no-interaction"),
    ("poetry install --no-root", "poetry install --only=main --no-root"),
    ("uv sync --frozen", "uv sync --no-dev --frozen"),
])
def test_adds_the_production_flag(run: str, expected: str) -> None:
    assert fixed(f"FROM node\nRUN {run}\n") == f"FROM node\nRUN {expected}\n"


@pytest.mark.parametrize("run", [
    "pip install -r requirements-dev.txt", "bundle install", "yarn install --immutable", "npm ci --include=dev",
])
def test_no_flag_fix(run: str) -> None:
    [finding] = findings(f"FROM node\nRUN {run}\n", NAME)
    assert finding.fixes == ()


def test_continuation_lines_and_crlf() -> None:
    text = "FROM node\r\nRUN npm ci \\\r\n    && npm cache clean --force\r\n"
    assert fixed(text) == "FROM node\r\nRUN npm ci --omit=dev \\\r\n    && npm cache clean --force\r\n"


def test_heredoc() -> None:
    text = "FROM node\nRUN <<EOF\nset -e\nnpm ci\nEOF\n"
    assert fixed(text) == "FROM node\nRUN <<EOF\nset -e\nnpm ci --omit=dev\nEOF\n"


def test_exec_form_gets_a_new_string() -> None:
    text = 'FROM node\nRUN ["npm", "ci"]\n'
    assert fixed(text) == 'FROM node\nRUN ["npm", "ci", "--omit=dev"]\n'


def test_onbuild_trigger() -> None:
    text = "FROM node\nONBUILD RUN npm ci\n"
    assert fixed(text) == "FROM node\nONBUILD RUN npm ci --omit=dev\n"


# -- real-world files ---------------------------------------------------------------------------------


def test_fixes_keep_corpus_files_valid(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
