"""## What it does
Finds dependency installs that include the project's development dependencies in a stage of the final
image:

- `npm ci`, `npm install` (no package named, not `-g`), unless `--omit=dev`, `--production` or
  `--only=prod`, or `NODE_ENV=production`, `npm_config_omit=dev` or `npm_config_production=true`;
- `yarn`, `yarn install` (Yarn 1), unless `--production`, `NODE_ENV=production` or
  `npm_config_production=true`;
- `yarn install --immutable` (Yarn 2+, which always installs them) and `yarn workspaces focus` without
  `--production`;
- `pnpm install`, unless `--prod` (`-P`) or `NODE_ENV=production`;
- `pip install -r requirements-dev.txt` (`requirements/dev.txt`, `test-requirements.txt` …) and
  `pip install -e ".[dev]"` (also `python -m pip`, `uv pip`);
- `bundle install`, unless `--without …`, `BUNDLE_WITHOUT` or `BUNDLE_ONLY`, or a
  `bundle config set without …` earlier in the stage;
- `composer install`, unless `--no-dev` or `COMPOSER_NO_DEV=1`;
- `poetry install`, unless `--only main` (any `--only` without `dev`), `--without dev`, `--no-dev` or
  `--only-root`;
- `uv sync`, unless `--no-dev`, `--no-default-groups`, `--only-group …`, `--no-group dev` or
  `UV_NO_DEV=1`.

Variables count when an `ENV` or `ARG` visible to the RUN sets them, or the command's own prefix
(`NODE_ENV=production npm ci`), or an `export` earlier in the RUN; an `ARG NODE_ENV` without a
default is taken as production (its value comes with `--build-arg`). `--include=dev` turns npm's dev
dependencies back on. An install followed in the same RUN by one that removes the dev dependencies
again — `npm prune --omit=dev`, `npm ci --omit=dev`, `yarn install --production`, `pnpm prune --prod`,
`composer install --no-dev`, `uv sync --no-dev` … — is not reported: that layer never holds them.

## Why is this bad?
Development dependencies — test runners, linters, type checkers, bundlers, compilers — are only needed
to build and check the project. Installed in the final image they often weigh more than the runtime
dependencies (a TypeScript/webpack toolchain is easily 100 to 300 MB), slow down pulls and add attack
surface to every container.

## Example
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
CMD ["node", "server.js"]
```

## Use instead
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
CMD ["node", "server.js"]
```
When the project needs its dev dependencies to build, build in an earlier stage and install only the
production dependencies in the final one:
```dockerfile
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY --from=build /app/dist ./dist
CMD ["node", "dist/server.js"]
```

## Fix safety
When nothing after the install in the final image's stages runs a build or test step that probably
needs the dev dependencies — `npm run …`, `npm test`, `npx`, `yarn build`, `pnpm run …`, `tsc`,
`webpack`, `vite`, `jest`, `pytest`, `mypy`, `rspec`, `phpunit`, `vendor/bin/…`,
`node_modules/.bin/…` and the like — the fix adds the production flag right after the subcommand:
`--omit=dev` (npm), `--production` (Yarn 1, `yarn workspaces focus`), `--prod` (pnpm), `--no-dev`
(composer, uv), `--only=main` (poetry). It is unsafe, offered as a code action only: it changes which
packages the image contains, and an install script the rule cannot see (npm's `prepare` or
`postinstall`, composer's `post-install-cmd`) or the application itself may use a dev dependency at
run time.

When a build step follows, no fix is offered — adding the flag would break the build — and the message
names the step: build in an earlier stage, or remove the dev dependencies after the build in the same
RUN. There is no fix for pip (the runtime requirements file is not known), Yarn 2+ `yarn install` and
`bundle install` (excluding groups needs `bundle config`, which must also be in force at run time).

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN` trigger in them included). A builder stage is where dev dependencies belong.

## References
- [npm install: --omit](https://docs.npmjs.com/cli/commands/npm-install#omit)
- [Yarn 1: install --production](https://classic.yarnpkg.com/en/docs/cli/install#toc-yarn-install-production-true-false)
- [Yarn 2+: workspaces focus](https://yarnpkg.com/cli/workspaces/focus)
- [pnpm install: --prod](https://pnpm.io/cli/install#--prod--p)
- [Bundler: groups](https://bundler.io/guides/groups.html)
- [composer install: --no-dev](https://getcomposer.org/doc/03-cli.md#install-i)
- [Poetry: dependency groups](https://python-poetry.org/docs/managing-dependencies/#installing-group-dependencies)
- [uv sync: --no-dev](https://docs.astral.sh/uv/concepts/projects/sync/)
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.ecosystems import (
    BUNDLE_VALUED,
    COMPOSER_VALUED,
    NPM_CLEAN_INSTALL,
    NPM_INSTALL,
    NPM_VALUED,
    PIP_VALUED,
    PNPM_VALUED,
    POETRY_VALUED,
    UV_VALUED,
    YARN_VALUED,
    Options,
    command_label,
    is_pip_name,
    is_python_name,
    parse_options,
)
from dockls.edits import insert_word_after
from dockls.model import Model, Run
from dockls.packages import configured_value
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word

# A requirements file (or a folder of them) for development: requirements-dev.txt, requirements/test.txt …
_DEV_NAME = re.compile(r"(?:^|[-_./])(?:dev|develop|development|test|tests|testing)(?:[-_.]|$)", re.IGNORECASE)
_DEV_EXTRAS = re.compile(r"\[([^\]]*)\]")
_BERRY_ONLY = frozenset({"--immutable", "--immutable-cache", "--check-cache", "--refresh-lockfile", "--mode"})
_BUNDLE_WITHOUT_CONFIG = re.compile(r"\bbundle\s+config\s+(?:set\s+)?(?:--(?:local|global)\s+)?without\s+(\S+)")
_FALSE = frozenset({"", "0", "false", "no", "off"})
# With no subcommand, `yarn`, `pnpm` and `bundle` install, unless they are asked about themselves.
_ABOUT_ITSELF = ("-v", "--version", "-h", "--help")
# Programs that build, test or check a project with its dev dependencies.
_JS_TOOLS = frozenset({
    "npx", "tsc", "webpack", "webpack-cli", "vite", "next", "nest", "ng", "nuxt", "gulp", "grunt", "rollup",
    "esbuild", "parcel", "babel", "jest", "vitest", "mocha", "eslint", "prettier", "react-scripts", "turbo",
    "nx", "lerna", "tsup", "svelte-kit", "astro", "remix", "ts-node", "tsx",
})
_PYTHON_TOOLS = frozenset({
    "pytest", "py.test", "tox", "nox", "mypy", "ruff", "flake8", "pylint", "black", "isort", "coverage",
    "bandit", "pyright",
})
_RUBY_TOOLS = frozenset({"rspec", "rubocop", "cucumber"})
_PHP_TOOLS = frozenset({"phpunit", "phpstan", "psalm", "php-cs-fixer", "pest", "phpcs"})
_NPM_SCRIPTS = frozenset({"run", "run-script", "rum", "urn", "test", "t", "tst", "exec", "x"})
_YARN_BUILTINS = frozenset({
    "install", "add", "remove", "upgrade", "upgrade-interactive", "global", "cache", "config", "info", "init",
    "link", "unlink", "list", "why", "bin", "version", "versions", "workspaces", "set", "plugin", "policies",
    "login", "logout", "pack", "publish", "audit", "licenses", "outdated", "owner", "tag", "team", "import",
    "check", "autoclean", "generate-lock-entry", "help", "dlx", "npm", "constraints", "dedupe",
})
_PNPM_BUILTINS = frozenset({
    "install", "i", "add", "remove", "rm", "update", "up", "upgrade", "prune", "fetch", "store", "config",
    "link", "unlink", "list", "ls", "why", "outdated", "audit", "import", "rebuild", "pack", "publish", "root",
    "bin", "env", "setup", "dlx", "create", "init", "deploy", "patch", "patch-commit", "licenses", "server",
    "doctor", "self-update", "cache", "install-test", "it",
})
FAMILIES = {"npm": "js", "yarn": "js", "pnpm": "js", "pip": "python", "poetry": "python", "uv": "python",
            "bundler": "ruby", "composer": "php"}


@dataclass(frozen=True)
class DevInstall:
    """An install that puts development dependencies into the layer."""

    ecosystem: str
    command: ShellCommand
    what: str  # what it installs, for the message
    anchor: Word | None  # the word the production flag goes after
    flag: str | None  # the flag that installs the production dependencies only
    advice: str  # what to do instead, when there is no flag
    prune: str | None = None  # the command that removes them again after a build


Env = dict[str, "str | None"]


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        commands = run.commands
        for k, command in enumerate(commands):
            found = _dev_install(model, run, command)
            if not isinstance(found, DevInstall):
                continue
            family = FAMILIES[found.ecosystem]
            if any(_removes_dev(model, run, later, family) for later in commands[k + 1:]):
                continue
            yield _finding(model, run, found, _build_after(model, run, command, family))


def _env(model: Model, run: Run, command: ShellCommand) -> Env:
    """The environment ``command`` sees: ARG/ENV, then ``export NAME=value`` earlier in the RUN, then its
    own prefix assignments."""
    env: Env = dict(run.env)
    start = run.holder.span.start
    for match in _EXPORT.finditer(model.text, start, command.span.start):
        env[match.group(1)] = match.group(2).strip("'\"")
    env.update(item.partition("=")[::2] for item in command.assignments)
    return {name: value.strip("'\"") if value else value for name, value in env.items()}


_EXPORT = re.compile(r"\bexport\s+([A-Za-z_]\w*)=(\"[^\"]*\"|'[^']*'|[^\s;&|)]*)")


def _is(env: Env, name: str, *values: str) -> bool:
    """Whether ``name`` is set to one of ``values`` (any when none given); unknown ARGs count."""
    if name not in env:
        return False
    value = env[name]
    return value is None or (value.lower() in values if values else value.lower() not in _FALSE)


def _dev_install(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    """A ``DevInstall``; the ecosystem's name for an install of production dependencies only; None for
    anything else."""
    name = command.name
    if name == "npm":
        return _npm(model, run, command)
    if name in ("yarn", "yarnpkg"):
        return _yarn(model, run, command)
    if name == "pnpm":
        return _pnpm(model, run, command)
    if name in ("bundle", "bundler"):
        return _bundle(model, run, command)
    if name in ("composer", "composer.phar") or (
            name == "php" and command.args and command.args[0].text.endswith("composer.phar")):
        return _composer(model, run, command)
    if name == "poetry":
        return _poetry(command)
    if name == "uv":
        return _uv(model, run, command)
    return _pip(command)


def _options(command: ShellCommand, valued: frozenset[str], skip: int = 0) -> Options:
    return parse_options([word.text for word in command.args[skip:]], valued)


def _word(command: ShellCommand, text: str) -> Word | None:
    """The first argument word ``text`` (a subcommand)."""
    return next((word for word in command.args if word.text == text), None)


def _values(opts: Options, *names: str) -> list[str]:
    return [item.strip() for value in opts.get(*names) for item in value.split(",")]


def _npm(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    opts = _options(command, NPM_VALUED)
    positionals = opts.positionals
    if len(positionals) != 1 or positionals[0] not in NPM_INSTALL | NPM_CLEAN_INSTALL:
        return None
    if opts.has("-g", "--global") or opts.first("--location") == "global":
        return None
    env = _env(model, run, command)
    included = "dev" in _values(opts, "--include", "--also") or opts.has("--dev")
    omitted = ("dev" in _values(opts, "--omit") or _flag_on(opts, "--production", "--prod")
               or opts.first("--only") in ("prod", "production") or _is(env, "NODE_ENV", "production")
               or "dev" in (env.get("npm_config_omit") or env.get("NPM_CONFIG_OMIT") or "").split(",")
               or _is(env, "npm_config_production") or _is(env, "NPM_CONFIG_PRODUCTION"))
    if omitted and not included:
        return "npm"
    if included:
        return DevInstall("npm", command, "the devDependencies (`--include=dev`)", None, None,
                          "drop `--include=dev`")
    return DevInstall("npm", command, "the devDependencies", _word(command, positionals[0]), "--omit=dev",
                      "install with `--omit=dev`", "npm prune --omit=dev")


def _flag_on(opts: Options, *names: str) -> bool:
    return any(name in opts.flags for name in names) or any(
        value.lower() not in _FALSE for value in opts.get(*names))


def _yarn(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    opts = _options(command, YARN_VALUED)
    positionals = opts.positionals
    if positionals[:2] == ["workspaces", "focus"]:
        if _flag_on(opts, "--production"):
            return "yarn"
        return DevInstall("yarn", command, "the devDependencies", _word(command, "focus"), "--production",
                          "add `--production`")
    if positionals not in ([], ["install"]) or (not positionals and opts.has(*_ABOUT_ITSELF)):
        return None
    berry = opts.has(*_BERRY_ONLY)
    if berry:
        return DevInstall("yarn", command, "the devDependencies (Yarn 2+ always installs them)", None, None,
                          "install with `yarn workspaces focus --all --production` instead")
    env = _env(model, run, command)
    if (_flag_on(opts, "--production", "--prod") or _is(env, "NODE_ENV", "production")
            or _is(env, "npm_config_production") or _is(env, "NPM_CONFIG_PRODUCTION")):
        return "yarn"
    anchor = _word(command, "install") or command.words[0]
    return DevInstall("yarn", command, "the devDependencies", anchor, "--production",
                      "install with `--production`", "yarn install --production")


def _pnpm(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    opts = _options(command, PNPM_VALUED)
    positionals = opts.positionals
    if positionals not in ([], ["install"], ["i"]) or opts.has("-g", "--global") or (
            not positionals and opts.has(*_ABOUT_ITSELF)):
        return None
    env = _env(model, run, command)
    only_dev = opts.has("-D", "--dev")
    if not only_dev and (_flag_on(opts, "--prod", "-P", "--production") or _is(env, "NODE_ENV", "production")):
        return "pnpm"
    anchor = _word(command, positionals[0]) if positionals else command.words[0]
    return DevInstall("pnpm", command, "the devDependencies", None if only_dev else anchor,
                      None if only_dev else "--prod", "install with `--prod`", "pnpm prune --prod")


def _pip(command: ShellCommand) -> DevInstall | str | None:
    name, args = command.name, [word.text for word in command.args]
    if is_python_name(name) and args[:2] == ["-m", "pip"]:
        args = args[2:]
    elif name == "uv" and args[:1] == ["pip"]:
        args = args[1:]
    elif not is_pip_name(name):
        return None
    opts = parse_options(args, PIP_VALUED)
    if opts.positionals[:1] != ["install"]:
        return None
    files = [path for path in opts.get("-r", "--requirement") if _DEV_NAME.search(path.removesuffix(".txt"))]
    extras = [spec for spec in opts.positionals[1:] + opts.get("-e", "--editable")
              if any(_DEV_NAME.search("." + extra.strip()) for match in _DEV_EXTRAS.finditer(spec)
                     for extra in match.group(1).split(","))]
    if not files and not extras:
        return None
    what = (f"development requirements ({posixpath.basename(files[0]) if files else extras[0]})")
    return DevInstall("pip", command, what, None, None, "install only the runtime requirements")


def _bundle(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    opts = _options(command, BUNDLE_VALUED)
    if opts.positionals not in ([], ["install"]) or (not opts.positionals and opts.has(*_ABOUT_ITSELF)):
        return None
    env = _env(model, run, command)
    configured = configured_value(model, run, command.span.start, _BUNDLE_WITHOUT_CONFIG)
    if opts.has("--without") or _is(env, "BUNDLE_WITHOUT") or _is(env, "BUNDLE_ONLY") or configured:
        return "bundler"
    return DevInstall("bundler", command, "the development and test groups", None, None,
                      "set `ENV BUNDLE_WITHOUT=development:test` before it")


def _composer(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    skip = 1 if command.name == "php" else 0
    opts = _options(command, COMPOSER_VALUED, skip)
    if opts.positionals not in (["install"], ["i"]):
        return None
    if opts.has("--no-dev") or _is(_env(model, run, command), "COMPOSER_NO_DEV"):
        return "composer"
    return DevInstall("composer", command, "the require-dev packages", _word(command, opts.positionals[0]),
                      "--no-dev", "install with `--no-dev`", "composer install --no-dev")


def _poetry(command: ShellCommand) -> DevInstall | str | None:
    opts = _options(command, POETRY_VALUED)
    if opts.positionals not in (["install"], ["sync"]):
        return None
    only = _values(opts, "--only")
    if (opts.has("--no-dev", "--only-root") or "dev" in _values(opts, "--without")
            or (only and "dev" not in only)):
        return "poetry"
    return DevInstall("poetry", command, "the dev group", _word(command, opts.positionals[0]), "--only=main",
                      "install with `--only main`")


def _uv(model: Model, run: Run, command: ShellCommand) -> DevInstall | str | None:
    opts = _options(command, UV_VALUED)
    if opts.positionals != ["sync"]:
        return _pip(command)
    only_dev = opts.has("--only-dev")
    if not only_dev and (opts.has("--no-dev", "--no-default-groups", "--only-group")
                         or "dev" in _values(opts, "--no-group") or _is(_env(model, run, command), "UV_NO_DEV")):
        return "uv"
    return DevInstall("uv", command, "the dev group", None if only_dev else _word(command, "sync"),
                      None if only_dev else "--no-dev", "sync with `--no-dev`", "uv sync --no-dev")


def _removes_dev(model: Model, run: Run, command: ShellCommand, family: str) -> bool:
    """``command`` leaves only production dependencies of ``family`` behind: a production install or a
    prune."""
    name = command.name
    if name in ("npm", "pnpm") and family == "js" and command.args and command.args[0].text == "prune":
        words = {word.text for word in command.args}
        return bool(words & {"--omit=dev", "--production", "--prod"}) or "dev" in _values(
            _options(command, NPM_VALUED), "--omit")
    found = _dev_install(model, run, command)
    return isinstance(found, str) and FAMILIES[found] == family


def _build_after(model: Model, run: Run, install: ShellCommand, family: str) -> tuple[Run, ShellCommand] | None:
    """The first command after ``install`` in the final image's stages that builds or tests the project
    with the dev dependencies of ``family``."""
    later_runs = [other for other in model.runs if other.holder.span.start > run.holder.span.start
                  and model.is_final(other.stage) and not other.opaque]
    for other, commands in [(run, [c for c in run.commands if c.span.start > install.span.start]),
                            *((other, list(other.commands)) for other in later_runs)]:
        for command in commands:
            if _uses_dev(command, family):
                return other, command
    return None


def _uses_dev(command: ShellCommand, family: str) -> bool:
    name = command.name
    words = [word.text for word in command.args]
    program = command.words[0].text
    if "node_modules/.bin/" in program or "vendor/bin/" in program:
        return family == ("js" if "node_modules/" in program else "php")
    runner = (name in ("uv", "poetry", "pipenv") and words[:1] == ["run"]) or (
        name in ("bundle", "bundler") and words[:1] == ["exec"])
    if runner and len(words) > 1:
        name, words = posixpath.basename(words[1]), words[2:]
    if is_python_name(name) and words[:1] == ["-m"] and len(words) > 1:
        name, words = words[1], words[2:]
    if family == "js":
        return _js_uses_dev(name, words)
    if family == "python":
        return name in _PYTHON_TOOLS
    if family == "ruby":
        return name in _RUBY_TOOLS or (name in ("rake", "rails") and bool({"test", "spec"} & set(words)))
    return name in _PHP_TOOLS or (name in ("composer", "composer.phar") and words[:1] in (
        ["test"], ["run-script"], ["run"]))


def _js_uses_dev(name: str, words: list[str]) -> bool:
    if name in _JS_TOOLS:
        return True
    if name == "npm":
        return parse_options(words, NPM_VALUED).positionals[:1] in [[script] for script in _NPM_SCRIPTS]
    if name in ("yarn", "yarnpkg"):
        positionals = parse_options(words, YARN_VALUED).positionals
        return bool(positionals) and positionals[0] not in _YARN_BUILTINS
    if name == "pnpm":
        positionals = parse_options(words, PNPM_VALUED).positionals
        return bool(positionals) and positionals[0] not in _PNPM_BUILTINS
    return False


def _finding(model: Model, run: Run, found: DevInstall, build: tuple[Run, ShellCommand] | None) -> Finding:
    command = found.command
    message = f"`{command_label(command)}` installs {found.what} into the final image"
    if build is not None:
        other, step = build
        line = model.tree.text.count("\n", 0, step.span.start) + 1
        where = "later in this RUN" if other is run else f"on line {line}"
        message += (f"; `{command_label(step)}` {where} probably needs them, so the install cannot simply drop them: "
                    "build in an earlier stage and install only production dependencies in the final one, or "
                    "remove them after the build in the same RUN")
        if found.prune:
            message += f" (`{found.prune}`)"
        return RULE.finding(command.span, message)
    message += f": {found.advice}"
    if found.anchor is None or found.flag is None:
        return RULE.finding(command.span, message)
    edit = insert_word_after(model.text, run.instruction, found.anchor, found.flag)
    if edit is None:
        return RULE.finding(command.span, message)
    return RULE.finding(command.span, message, Fix(f"Add {found.flag}", (edit,), safe=False))


RULE = Rule(
    id="DKL017",
    name="dev-dependencies-installed",
    summary="Development dependencies installed in the final image",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
