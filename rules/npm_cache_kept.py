"""## What it does
Finds RUN instructions where npm or Yarn download packages — `npm install`/`npm ci`/`npm update`/
`npm install-test` (also `-g`; not with `--offline`), `yarn`/`yarn install`/`yarn add`/
`yarn global add`/`yarn upgrade`/`yarn import` — and leave their download cache in the layer, and
offers to clean it at the end of the same RUN.

- npm keeps it in `--cache`, else `npm_config_cache`, else `$HOME/.npm` (`/root/.npm` for root);
  cleanup: `npm cache clean --force`;
- Yarn 1 (classic) in `--cache-folder`, else `YARN_CACHE_FOLDER`, else `$XDG_CACHE_HOME/yarn`, else
  `/usr/local/share/.cache/yarn` for root and `~/.cache/yarn` for other users; cleanup:
  `yarn cache clean`.

The folders are those of `dockls.caches`, shared with cache-mount-missing. The rule stays silent when
the same RUN cleans the cache after the last download — the cleanup command (`npm cache clean` with or
without `--force`: without it npm 5+ fails the build instead), or an `rm` of the cache folder, its
contents, npm's `_cacache` or a folder above it (`rm -rf /root/.npm`, `rm -rf ~/.npm/_cacache`,
`rm -rf "$HOME/.cache"`) — and when a `cache` or `tmpfs` mount covers the cache folder. Under a user
other than root whose home is not set with `ENV HOME`, any cache mount on a `…/.npm` (npm) or
`…/yarn` (Yarn) folder counts.

pnpm is not reported: its store holds each file once and `node_modules` hard-links to it, so the
store costs next to nothing in the layer.

## Why is this bad?
npm keeps every tarball it downloads in `_cacache`, and Yarn 1 keeps every package unpacked in its
cache: the layer holds the dependencies twice, installed and as the cache they were installed from
(for Yarn 1 about as much again as `node_modules`). Nothing in the image reads the cache again, and
deleting it in a later RUN does not make the image smaller.

## Example
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
```

## Use instead
```dockerfile
FROM node:22-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
```
or, to speed up rebuilds as well, keep the cache in a cache mount:
```dockerfile
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev
```

## Fix safety
Two alternatives. The cleanup is added at the end of the RUN (same line or one more continuation line
in the RUN's style; in a heredoc, the last line with errexit on, else chained with `&&`). For npm it
is safe, and applied by `--fix`, unless a later RUN of the image runs npm `--offline` (it would miss
the packages). For Yarn it is only offered as a code action: the same `yarn` may be Yarn 2+ (a
project's `.yarnrc.yml` can switch to it with `yarnPath`), whose cache in Plug'n'Play mode *is* the
installed packages — except when the RUN's only Yarn downloads are `yarn global add`, which only
Yarn 1 has.

The other alternative, a cache mount on the cache folder (`--mount=type=cache,target=/root/.npm`
after the RUN's other flags), is offered as an unsafe fix when the RUN runs as root and the cache
folder is known: it needs BuildKit, and it is the other choice.

Unlike hadolint's DL3060 (`yarn install` without `yarn cache clean`, severity info), npm is reported
too, and an `rm` of the cache folder or a cache mount counts. hadolint's pragma
`# hadolint ignore=DL3060` silences this rule's npm findings on that instruction as well.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN` trigger in them included). A builder stage whose results are copied out with
`COPY --from` is not reported.

## References
- [npm cache](https://docs.npmjs.com/cli/commands/npm-cache)
- [yarn cache (Yarn 1)](https://classic.yarnpkg.com/en/docs/cli/cache)
- [pnpm: content-addressable store](https://pnpm.io/motivation)
- [hadolint DL3060](https://github.com/hadolint/hadolint/wiki/DL3060)
- [Cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockls import caches
from dockls.caches import UNKNOWN_HOME, Context, cache_dirs, clears_cache
from dockls.edits import add_flag, append_to_run
from dockls.model import Model, Run
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand

# The tools this rule looks at (named as in dockls.caches), with the command that empties their cache.
CLEANUPS = {"npm": "npm cache clean --force", "yarn": "yarn cache clean"}
# Where the cache is under a home folder that is not known: a mount on such a folder counts.
UNDER_HOME = {"npm": "/.npm", "yarn": "/yarn"}
_ABOUT_ITSELF = frozenset({"-v", "--version", "-h", "--help"})


def downloading_tool(command: ShellCommand) -> caches.Tool | None:
    """npm or Yarn, when ``command`` downloads packages with it (``yarn --version`` does not)."""
    tool = caches.downloading_tool(command)
    if tool is None or tool.name not in CLEANUPS:
        return None
    if tool.name == "yarn" and any(word.text in _ABOUT_ITSELF for word in command.args):
        return None
    return tool


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        ctx: Context | None = None
        # Per tool, the last command whose downloads are still in the cache, and the cache's folders.
        pending: dict[str, tuple[caches.Tool, ShellCommand, tuple[str, ...] | None]] = {}
        for command in run.commands:
            tool = downloading_tool(command)
            if tool is not None:
                ctx = ctx or Context.of(model, run)
                dirs = cache_dirs(tool, command, ctx)
                if not _mounted(run, tool, dirs):
                    pending[tool.name] = (tool, command, dirs)
            if pending and ctx is not None:
                for name, (waiting, _, dirs) in list(pending.items()):
                    if clears_cache(waiting, command, dirs or (), ctx):
                        del pending[name]
        for tool, command, dirs in pending.values():
            assert ctx is not None  # set with the first pending command
            yield _finding(model, run, command, tool, dirs, ctx)


def _mounted(run: Run, tool: caches.Tool, dirs: tuple[str, ...] | None) -> bool:
    """A cache or tmpfs mount holds the cache; when its folder is not known (another user's home), one
    on a folder of the cache's name."""
    def named(suffix: str) -> bool:
        return any(m.type in ("cache", "tmpfs") and m.target and posixpath.normpath(m.target).endswith(suffix)
                   for m in run.mounts)

    if dirs is None:
        return named(UNDER_HOME[tool.name])
    return all(named(folder[len(UNKNOWN_HOME):]) if folder.startswith(UNKNOWN_HOME + "/")
               else run.cache_mount_covers(folder) for folder in dirs)


def _finding(model: Model, run: Run, command: ShellCommand, tool: caches.Tool, dirs: tuple[str, ...] | None,
             ctx: Context) -> Finding:
    cleanup = CLEANUPS[tool.name]
    label = " ".join(word.text for word in command.words[:2])
    known = dirs is not None and not any(folder.startswith(UNKNOWN_HOME) for folder in dirs)
    where = ", ".join(dirs) if dirs is not None and known else (
        "the user's ~/.npm" if tool.name == "npm" else "the user's ~/.cache/yarn")
    if tool.name == "npm":
        what = "every package tarball it downloaded"
    else:
        what = "every package it downloaded, unpacked (about as much again as node_modules)"
    message = f"`{label}` keeps {what} in its cache ({where}) in this layer; end the same RUN with `{cleanup}`"
    notes: list[str] = []
    fixes: list[Fix] = []
    edit = append_to_run(model.text, run.instruction, run.shell, model.tree.escape, command.span.start, cleanup)
    if edit is not None:
        offline = _later_offline(model, run) if tool.name == "npm" else None
        if offline is not None:
            notes.append(f"not fixed automatically: the RUN on line {offline.instruction.start_line + 1} runs npm "
                         "--offline and reads this cache")
        elif tool.name == "yarn" and not _only_global_yarn(run):
            notes.append("not fixed automatically: with Yarn 2+ in Plug'n'Play mode the cache holds the installed "
                         "packages")
        fixes.append(Fix(f"Run {cleanup} at the end of this RUN", (edit,), safe=not notes))
    if dirs is not None and known and ctx.root:
        message += " or mount a cache there"
        mounts = " ".join(f"--mount=type=cache,target={folder}" for folder in dirs)
        fixes.append(Fix(f"Keep the {tool.name} cache in a cache mount at {where}",
                         (add_flag(run.instruction, mounts),), safe=False))
    message += "".join(f" ({note})" for note in notes)
    return RULE.finding(command.span, message, *fixes)


def _only_global_yarn(run: Run) -> bool:
    """Every Yarn download of the RUN is a ``yarn global …``, which only Yarn 1 has."""
    yarn_downloads = [cmd for cmd in run.commands if (tool := downloading_tool(cmd)) and tool.name == "yarn"]
    return all(_first_positional(cmd) == "global" for cmd in yarn_downloads)


def _first_positional(command: ShellCommand) -> str | None:
    found = caches.call_of(command)
    return found[1].positionals[0] if found is not None and found[1].positionals else None


def _later_offline(model: Model, run: Run) -> Run | None:
    """A later RUN of the final image — built on top of this one's layer — that runs npm ``--offline``."""
    if run.holder is not run.instruction:  # an ONBUILD trigger runs in other builds
        return None
    return next((other for other in model.runs
                 if other.holder.span.start > run.holder.span.start and model.is_final(other.stage)
                 and any(cmd.name in ("npm", "npx") and cmd.has("--offline") for cmd in other.commands)), None)


RULE = Rule(
    id="DKL016",
    name="npm-cache-kept",
    summary="npm or yarn installs leave their download cache in the layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3060",),
)
