"""npm-cache-kept (DKL016): npm and Yarn download caches left in the layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Fix, Severity
from tests.rules.helpers import apply_fix, assert_corpus_fixes_are_safe, assert_fix_is_safe, findings

NAME = "npm-cache-kept"


def only_finding_fixes(text: str) -> tuple[Fix, ...]:
    [finding] = findings(text, NAME)
    return finding.fixes


def cleaned(text: str, *, safe: bool = True) -> str:
    """The text after the cleanup fix (the first), checked for safety."""
    fix = only_finding_fixes(text)[0]
    assert fix.safe is safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    assert findings(after, NAME) == []
    return after


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_install_with_the_cache_folder() -> None:
    text = "FROM node:22\nWORKDIR /app\nRUN npm ci\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "npm ci"
    assert finding.effective_severity is Severity.WARNING
    assert "/root/.npm" in finding.message and "npm cache clean --force" in finding.message


@pytest.mark.parametrize(("run", "cache"), [
    ("npm ci", "/root/.npm"),
    ("npm install", "/root/.npm"),
    ("npm i --no-audit", "/root/.npm"),
    ("npm install -g pm2", "/root/.npm"),
    ("npm update", "/root/.npm"),
    ("npm ci --cache /tmp/npm-cache", "/tmp/npm-cache"),
    ("npm_config_cache=/tmp/c npm ci", "/tmp/c"),
    ("yarn", "/usr/local/share/.cache/yarn"),
    ("yarn install --frozen-lockfile", "/usr/local/share/.cache/yarn"),
    ("yarn add express", "/usr/local/share/.cache/yarn"),
    ("yarn global add pm2", "/usr/local/share/.cache/yarn"),
    ("yarn install --cache-folder /tmp/y", "/tmp/y"),
    ("npm cache clean --force && npm ci", "/root/.npm"),  # cleaned before, not after
    ("npm ci && rm -rf /root/.cache", "/root/.npm"),  # the wrong folder
])
def test_fires(run: str, cache: str) -> None:
    [finding] = findings(f"FROM node\nRUN {run}\n", NAME)
    assert cache in finding.message


def test_npm_and_yarn_in_one_run_are_two_findings() -> None:
    text = "FROM node\nRUN npm install -g pm2 && yarn install\n"
    assert len(findings(text, NAME)) == 2


def test_env_sets_the_cache_folder() -> None:
    [finding] = findings("FROM node\nENV npm_config_cache=/var/npm\nRUN npm ci\n", NAME)
    assert "/var/npm" in finding.message
    assert findings("FROM node\nENV npm_config_cache=/var/npm\nRUN npm ci && rm -rf /var/npm\n", NAME) == []


def test_under_another_user_the_folder_is_not_known() -> None:
    text = "FROM node\nUSER node\nRUN npm ci\n"
    [finding] = findings(text, NAME)
    assert "~/.npm" in finding.message
    assert len(finding.fixes) == 1  # no cache mount: it would belong to root
    assert cleaned(text) == "FROM node\nUSER node\nRUN npm ci && npm cache clean --force\n"


@pytest.mark.parametrize("text", [
    pytest.param("FROM node\nRUN npm ci && npm cache clean --force\n", id="npm cache clean --force"),
    pytest.param("FROM node\nRUN npm ci && npm cache clean -f\n", id="-f"),
    # Without --force npm 5+ refuses and fails the build; npm 4 cleans. Either way nothing stays.
    pytest.param("FROM node\nRUN npm ci && npm cache clean\n", id="without --force"),
    pytest.param("FROM node\nRUN npm ci && rm -rf /root/.npm\n", id="rm"),
    pytest.param("FROM node\nRUN npm ci && rm -rf ~/.npm\n", id="rm ~"),
    pytest.param("FROM node\nRUN npm ci && rm -rf \"$HOME/.npm/_cacache\"\n", id="rm $HOME _cacache"),
    pytest.param("FROM node\nRUN npm ci --cache /tmp/c && rm -rf /tmp/c\n", id="own cache folder removed"),
    pytest.param("FROM node\nRUN yarn install && yarn cache clean\n", id="yarn cache clean"),
    pytest.param("FROM node\nRUN yarn && rm -rf /usr/local/share/.cache\n", id="rm yarn parent"),
    pytest.param("FROM node\nRUN --mount=type=cache,target=/root/.npm npm ci\n", id="cache mount"),
    pytest.param("FROM node\nRUN --mount=type=tmpfs,target=/root/.npm npm ci\n", id="tmpfs mount"),
    pytest.param("FROM node\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn\n", id="yarn mount"),
    pytest.param("FROM node\nUSER node\nRUN --mount=type=cache,target=/home/node/.npm,uid=1000 npm ci\n",
                 id="mount under another user"),
    pytest.param("FROM node\nRUN npm ci --offline\n", id="offline downloads nothing"),
    pytest.param("FROM node\nRUN npm run build && yarn --version\n", id="no download"),
    pytest.param("FROM node\nRUN pnpm install --frozen-lockfile\n", id="pnpm hard-links its store"),
    pytest.param("FROM node AS build\nRUN npm ci && npm run build\nFROM nginx\nCOPY --from=build /app/dist /x\n",
                 id="builder stage not in the final image"),
    pytest.param("FROM python\nRUN pip install --no-cache-dir flask\n", id="python base"),
    pytest.param("FROM node\n# dockls ignore=npm-cache-kept\nRUN npm ci\n", id="suppressed"),
    pytest.param("FROM node\n# hadolint ignore=DL3060\nRUN yarn install\n", id="hadolint pragma"),
    pytest.param("FROM node\nRUN echo npm ci\n", id="only mentioned"),
    pytest.param('FROM node\nSHELL ["pwsh", "-c"]\nRUN npm ci\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_differs_from_hadolint_on_purpose() -> None:
    # hadolint's DL3060 only knows `yarn install` and wants `yarn cache clean` even after an rm of the cache.
    assert len(findings("FROM node\nRUN npm ci\n", NAME)) == 1
    assert findings("FROM node\nRUN yarn install && rm -rf /usr/local/share/.cache/yarn\n", NAME) == []


# -- the fixes ----------------------------------------------------------------------------------------


def test_npm_cleanup_is_safe() -> None:
    text = "FROM node\nRUN npm ci --omit=dev\n"
    assert cleaned(text) == "FROM node\nRUN npm ci --omit=dev && npm cache clean --force\n"


def test_cache_mount_alternative() -> None:
    text = "FROM node\nRUN --network=host npm ci\n"
    _, mount = only_finding_fixes(text)
    assert not mount.safe
    after = apply_fix(text, mount)
    assert after == "FROM node\nRUN --network=host --mount=type=cache,target=/root/.npm npm ci\n"
    assert findings(after, NAME) == []


def test_yarn_cleanup_is_unsafe() -> None:
    # Yarn 2+ in Plug'n'Play mode loads the packages from its cache.
    text = "FROM node\nRUN yarn install --frozen-lockfile\n"
    [finding] = findings(text, NAME)
    assert "Plug'n'Play" in finding.message
    assert cleaned(text, safe=False) == "FROM node\nRUN yarn install --frozen-lockfile && yarn cache clean\n"


def test_yarn_global_is_yarn_1() -> None:
    text = "FROM node\nRUN yarn global add @vue/cli\n"
    assert cleaned(text) == "FROM node\nRUN yarn global add @vue/cli && yarn cache clean\n"


def test_a_later_offline_install_keeps_the_fix_unsafe() -> None:
    text = "FROM node\nRUN npm ci\nRUN npm ci --offline\n"
    [finding] = findings(text, NAME)
    assert "line 3" in finding.message
    assert not finding.fixes[0].safe


def test_continuation_lines_and_crlf() -> None:
    text = "FROM node\r\nRUN npm ci \\\r\n    && npm run build\r\n"
    assert cleaned(text) == ("FROM node\r\nRUN npm ci \\\r\n    && npm run build \\\r\n"
                             "    && npm cache clean --force\r\n")


def test_heredoc() -> None:
    text = "FROM node\nRUN <<EOF\nset -eu\nnpm ci\nnpm run build\nEOF\n"
    assert cleaned(text) == "FROM node\nRUN <<EOF\nset -eu\nnpm ci\nnpm run build\nnpm cache clean --force\nEOF\n"


def test_onbuild_trigger() -> None:
    text = "FROM node\nONBUILD RUN npm ci\n"
    assert cleaned(text) == "FROM node\nONBUILD RUN npm ci && npm cache clean --force\n"


def test_exec_form_only_gets_the_mount() -> None:
    [mount] = only_finding_fixes('FROM node\nRUN ["npm", "ci"]\n')
    assert not mount.safe


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    assert assert_corpus_fixes_are_safe(corpus, NAME) > 0


# -- agreement with cache-mount-missing ----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "FROM node\nRUN npm ci\n", "FROM node\nRUN yarn install\n", "FROM node\nUSER node\nRUN npm ci\n",
])
def test_never_contradicts_cache_mount_missing(text: str) -> None:
    # Each fix of this rule leaves cache-mount-missing silent (it accepts a RUN that cleans its cache),
    # and its fix (a cache mount) leaves this rule silent.
    for fix in only_finding_fixes(text):
        assert findings(apply_fix(text, fix), "cache-mount-missing") == []
    for missing in findings(text, "cache-mount-missing"):
        for fix in missing.fixes:
            assert findings(apply_fix(text, fix), NAME) == []
