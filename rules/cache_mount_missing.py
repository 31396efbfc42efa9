"""## What it does
Finds RUN instructions that download packages without a BuildKit cache mount on the tool's cache
folder, and offers to add one (`--mount=type=cache,target=<folder>`).

- pip, pip-sync, pipenv: `pip install`/`download`/`wheel`, `python -m pip …`, `pip-sync`, `pipenv
  install`/`sync` … — `/root/.cache/pip` (pipenv: also `/root/.cache/pipenv`);
- uv: `uv sync`/`add`/`lock`/`run`, `uv pip install`/`sync`/`compile`, `uv tool install` — `/root/.cache/uv`;
- Poetry: `poetry install`/`add`/`update`/`lock`/`sync` — `/root/.cache/pypoetry/cache` and `…/artifacts`;
- npm: `npm install`/`ci`/`update` and their aliases — `/root/.npm`;
- Yarn 1: `yarn`, `yarn install`/`add`/`upgrade`/`global` — `/usr/local/share/.cache/yarn`;
- pnpm: `pnpm install`/`add`/`update`/`fetch` — `/root/.local/share/pnpm/store`;
- Go: `go build`/`install`/`get`/`test`/`run`/`vet`/`generate` — `/go/pkg/mod` (golang images set
  `GOPATH=/go`) and `/root/.cache/go-build`; `go mod download`/`tidy`/`vendor` — the first only;
- Cargo: `cargo build`/`fetch`/`install`/`test`/`run`/`check` … — `$CARGO_HOME/registry` and `…/git`
  (`/usr/local/cargo` in rust images, else `/root/.cargo`);
- Maven: `mvn`/`./mvnw` with a goal — `/root/.m2/repository`;
- Gradle: `gradle`/`./gradlew` with a task — `/root/.gradle/caches` (and `…/wrapper` for `./gradlew`);
- Bundler: `bundle install`/`update`/`cache` — `$GEM_HOME/cache` (`/usr/local/bundle/cache` in ruby images);
- Composer: `composer install`/`update`/`require` … — `/root/.composer/cache`;
- NuGet: `dotnet restore`/`build`/`publish`/`test`/`run`/`pack` without `--no-restore`, `nuget restore` —
  `/root/.nuget/packages`;
- apt: `apt-get`/`apt` `update`, `install`, `upgrade` … — `/var/cache/apt` and `/var/lib/apt`, with
  `sharing=locked` (apt locks them);
- apk: `apk add` — `/var/cache/apk`;
- dnf, yum, microdnf: `install`, `upgrade`, `makecache` … — `/var/cache/dnf` (dnf 5, also `dnf` on
  Fedora 41+: `/var/cache/libdnf5`; yum, which is dnf on EL8+: `/var/cache/yum` and `/var/cache/dnf`;
  microdnf: `/var/cache/yum`).

Variables that move a cache are honoured when an `ARG`/`ENV` visible to the RUN, or the command's
own prefix, sets them: `PIP_CACHE_DIR`, `UV_CACHE_DIR`, `POETRY_CACHE_DIR`, `PIPENV_CACHE_DIR`,
`XDG_CACHE_HOME`, `npm_config_cache`, `YARN_CACHE_FOLDER`, `PNPM_HOME`, `GOMODCACHE`, `GOCACHE`,
`GOPATH`, `CARGO_HOME`, `GRADLE_USER_HOME`, `GEM_HOME`, `COMPOSER_HOME`, `COMPOSER_CACHE_DIR`,
`NUGET_PACKAGES`, `HOME` — and so are the options `--cache-dir`, `--cache`, `--cache-folder`,
`--store-dir`, `-Dmaven.repo.local=`, `--gradle-user-home`, `--packages`. A base image's ENV is not
visible: only what the official golang, rust, ruby and composer images set is known.

It stays silent for a tool whose cache the RUN chooses not to keep, because that is the other cure and
the "cache kept" rules (apt-lists-not-removed, pip-cache-kept, apk-cache-kept, dnf-cache-kept,
npm-cache-kept) ask for it: `--no-cache-dir` (pip), `--no-cache` (apk, uv, Poetry, Composer),
`PIP_NO_CACHE_DIR`/`UV_NO_CACHE` set, or after the last download an `rm` of the cache folder (a
folder above it, its contents, npm's `_cacache`, apt's `/var/lib/apt/lists`) or the tool's cleanup
(`npm cache clean`, `yarn cache clean`, `pnpm store prune`, `go clean -modcache`, `apt-get clean`,
`dnf clean all`, `composer clear-cache` …). It is silent too when a `cache` or `tmpfs` mount already
covers every cache folder the RUN fills, when a folder is not known (a variable without a known
value, `BUNDLE_PATH`, a relative path), for `--offline` commands, `apt-get -s`, `apk add --no-network`
and `mvn -o`, and for non-POSIX shells. hadolint has no equivalent rule.

## Why is this bad?
Without a cache mount, what the tool downloads is thrown away with the layer (or kept in the image
for nothing), so every rebuild of the RUN — after any change to the files it depends on — downloads
all the packages again. A cache mount keeps the tool's cache on the builder between builds: a
rebuild only downloads what changed (0 B when nothing did), the image is not larger for it, and the
mount never ends up in the image.

## Example
```dockerfile
FROM python:3.12-slim
COPY requirements.txt .
RUN pip install -r requirements.txt
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM python:3.12-slim
COPY requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
```

## Fix safety
The fix adds the missing mounts after the RUN's other flags, adds `# syntax=docker/dockerfile:1`
when the file has no syntax directive (older builders need it for `--mount`), and removes what the
mount makes pointless in the same RUN: the `--no-cache-dir`/`--no-cache` of another command of the
same tool (one `pip install --no-cache-dir` and one plain `pip install`: both now use the cache).

With a cache mount, what the tool writes into the cache folder no longer ends up in the layer, and
what earlier layers left in that folder is hidden during the RUN. So later RUNs of the same stage, and
of stages built `FROM` it, that read that folder get the same mount in the same fix (they are listed as
related locations): for Go, Cargo, Maven, Gradle, NuGet and apt any later command of the tool (`RUN go
mod download` then `RUN go build`; `mvn dependency:go-offline` then `mvn -o package`; `apt-get update`
then `apt-get install` in another RUN), for the other tools an `--offline` command, and for every tool
a command that names a path in the folder. For those tools, the fix of a RUN that an earlier RUN of
the stage (or of the stages it is built FROM) prepared — its `apt-get update`, its `go mod download` —
starts with that earlier RUN, so that both share the cache. A `RUN --network=none` downloads nothing
and is not reported (it gets the mount when an earlier RUN's fix covers it). Commands hidden in
scripts are not seen. The fix is offered but not applied by `--fix` when:

- a `COPY --from` (or a `RUN --mount=…,from=`) takes the folder from this stage or one built FROM it:
  by name for every tool, or a folder above it (`COPY --from=build / /`) for the dependency stores
  below (a mere download cache copied along is only dead weight, which the mount leaves out);
- the folder is where Go, Cargo, Maven, Gradle or NuGet keep the dependencies themselves and the stage
  ends up in the final image (or the RUN is an `ONBUILD` trigger): the image may need them at run
  time (`go run`, `mvn -o`, `dotnet run`) or as a base for other builds;
- an `apt-get install` without its own `apt-get update` reads package lists that no earlier RUN of
  the file downloaded into the mount: the mount would hide the lists it uses;
- Yarn 2+ (`--immutable`) is told where its cache is (`YARN_CACHE_FOLDER`, `--cache-folder`): in
  Plug'n'Play mode that cache holds the installed packages. Yarn 1's default folders, which Yarn 2
  does not use, are safe to mount.

Only some folders are mounted, on purpose: Maven's `~/.m2/repository` and Gradle's `caches`/`wrapper`
rather than `~/.m2` and `~/.gradle`, which also hold `settings.xml`, `gradle.properties` or `init.d/`
that a COPY may have put there (a mount would hide them), and Poetry's `cache`/`artifacts` rather than
its cache folder, whose `virtualenvs/` holds the project's environment. For Bundler the gems are
downloaded to `$GEM_HOME/cache` (`~/.bundle/cache` is only used with `BUNDLE_GLOBAL_GEM_CACHE`).

apt: official Debian and Ubuntu images ship `/etc/apt/apt.conf.d/docker-clean`, whose `DPkg::Post-Invoke`
hook deletes every downloaded `.deb` after each install — which would leave the cache mount with the
package lists only. Docker's recipe deletes that file for good, which changes the image (later
`apt-get install`s, in this image and the ones built from it, keep their `.deb`s in their layers).
APT cannot clear a list such as `DPkg::Post-Invoke` from the command line (`-o DPkg::Post-Invoke::=`
appends an empty entry), so for a RUN that installs packages the fix moves the file aside for the RUN
and restores it at its end:
`[ ! -e /etc/apt/apt.conf.d/docker-clean ] || mv /etc/apt/apt.conf.d/docker-clean /tmp/ && … &&
{ [ ! -e /tmp/docker-clean ] || mv /tmp/docker-clean /etc/apt/apt.conf.d/; }` (first and last lines of
a heredoc script). The restore runs when the RUN succeeds, and a RUN that fails fails the build anyway.
Nothing is added when the RUN, or an earlier one, already mentions docker-clean; there is no fix for the
exec form or a script that cannot simply be extended (a background `&`, a trailing comment, `exit 0`). `apt`
(unlike `apt-get`) also deletes the `.deb`s itself (`Binary::apt::APT::Keep-Downloaded-Packages`);
apt-use-apt-get suggests `apt-get`. `/var/lib/apt` also holds `extended_states` (which packages were
installed automatically): with the mount, that record stays with the cache, not the image.
dnf and yum delete downloaded packages after installing them (`keepcache=0`), so their install
commands get `--setopt=keepcache=1`, which only affects the mounted cache.

A cache mount belongs to root unless told otherwise. Under another `USER` the mount gets its
`uid=`/`gid=` when the USER is numeric; for a named user, or a folder under a home folder that no
`ENV HOME` sets, the finding says so and no fix is offered. A base image's own `USER` is not known:
without a `USER` instruction the RUN is taken to run as root.

## Stages
All stages, builder stages included (a cache mount speeds up every rebuild whatever the stage), and
`ONBUILD RUN` triggers.

## References
- [Optimize cache usage: cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
- [RUN --mount=type=cache](https://docs.docker.com/reference/dockerfile/#run---mounttypecache)
- [debuerreotype: docker-clean](https://github.com/debuerreotype/debuerreotype/blob/master/scripts/debuerreotype-minimizing-config)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from itertools import islice

from dockls.caches import (
    TOOLS,
    UNKNOWN_HOME,
    Context,
    Tool,
    cache_dirs,
    cache_disabled,
    call_of,
    clears_cache,
    covers,
    downloading_tool,
    no_cache_options,
    resolve_path,
    tool_of,
)
from dockls.edits import (
    add_flag,
    append_to_heredoc,
    chain_after,
    insert_word_after,
    line_body,
    remove_word,
    syntax_directive,
    top_level_parts,
)
from dockls.model import Model, Run, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand
from dockls.syntax import Heredoc, Instruction
from dockls.text import Span

# Other RUNs a finding points to (the editor lists them under it): more would only be noise.
MAX_RELATED = 20
DOCKER_CLEAN = "/etc/apt/apt.conf.d/docker-clean"
MOVE_DOCKER_CLEAN = f"[ ! -e {DOCKER_CLEAN} ] || mv {DOCKER_CLEAN} /tmp/"
RESTORE_DOCKER_CLEAN = "{ [ ! -e /tmp/docker-clean ] || mv /tmp/docker-clean /etc/apt/apt.conf.d/; }"
KEEPCACHE = "--setopt=keepcache=1"
_KEEPCACHE_TOOLS = frozenset({"dnf", "dnf-3", "dnf5", "yum"})  # microdnf's --setopt is recent


def check(model: Model) -> Iterator[Finding]:
    yield from _Check(model).findings()


class _Check:
    """One pass over a model, remembering what several findings ask about (contexts, stage chains …)."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.text = model.text
        self._downloads: dict[int, dict[Tool, list[ShellCommand]]] = {}
        self._contexts: dict[int, Context] = {}
        self._copies: list[tuple[Stage, list[str], int]] | None = None
        self._docker_clean: list[int] | None = None
        self._missing: dict[tuple[int, str], tuple[list[ShellCommand], tuple[str, ...]] | None] = {}
        self._later: dict[int, list[Run]] = {}
        self._built_from: dict[int, set[int]] = {}
        self._reads: dict[tuple[int, str, tuple[str, ...]], bool] = {}
        self._last: dict[str, int] = {}
        # A fix for the cache of a tool that later commands read is the same for every RUN of its group.
        self._group_fixes: dict[tuple[int, str, tuple[str, ...]],
                                tuple[tuple[Edit, ...], tuple[Related, ...], str | None]] = {}

    def findings(self) -> Iterator[Finding]:
        for run in self.model.runs:
            for tool, commands in self.downloads(run).items():
                finding = self.check_tool(run, tool, commands)
                if finding is not None:
                    yield finding

    # -- what each RUN does ------------------------------------------------------------------------

    def downloads(self, run: Run) -> dict[Tool, list[ShellCommand]]:
        """The RUN's downloading commands by tool (none for ``--network=none``: it downloads nothing)."""
        found = self._downloads.get(id(run))
        if found is None:
            found = {}
            if not run.opaque and not _offline(run):
                for command in run.commands:
                    tool = downloading_tool(command)
                    if tool is not None:
                        found.setdefault(tool, []).append(command)
            self._downloads[id(run)] = found
        return found

    def context(self, run: Run) -> Context:
        ctx = self._contexts.get(id(run))
        if ctx is None:
            ctx = self._contexts[id(run)] = Context.of(self.model, run)
        return ctx

    def chain(self, stage: Stage | None) -> list[Stage]:
        """``stage`` and the stages it is built FROM."""
        return stage.chain if stage is not None else []

    def missing(self, run: Run, tool: Tool,
                commands: list[ShellCommand]) -> tuple[list[ShellCommand], tuple[str, ...]] | None:
        """The commands of ``run`` that fill ``tool``'s cache, and its folders that no mount covers; None
        when the RUN does without the cache, deletes it, or a folder is not known."""
        key = (id(run), tool.name)
        if key not in self._missing:
            self._missing[key] = self._find_missing(run, tool, commands)
        return self._missing[key]

    def _find_missing(self, run: Run, tool: Tool,
                      commands: list[ShellCommand]) -> tuple[list[ShellCommand], tuple[str, ...]] | None:
        ctx = self.context(run)
        inst = run.instruction
        script = self.text[inst.span.start : inst.span.end] if tool.no_cache_env else ""
        keeping = [cmd for cmd in commands
                   if not no_cache_options(tool, cmd) and not cache_disabled(tool, cmd, ctx, script)]
        if not keeping:
            return None
        dirs: dict[str, None] = {}
        for command in keeping:
            found = cache_dirs(tool, command, ctx)
            if found is None:
                return None
            dirs.update(dict.fromkeys(found))
        folders = tuple(dirs)
        last = keeping[-1].span.start
        if any(cmd.span.start > last and (cmd.name == "rm" or tool_of(cmd) is tool)
               and clears_cache(tool, cmd, folders, ctx) for cmd in run.commands):
            return None
        return keeping, tuple(folder for folder in folders if not _mounted(run, folder))

    # -- the finding -------------------------------------------------------------------------------

    def check_tool(self, run: Run, tool: Tool, commands: list[ShellCommand]) -> Finding | None:
        found = self.missing(run, tool, commands)
        if found is None or not found[1]:
            return None
        keeping, missing = found
        ctx = self.context(run)
        command = keeping[0]
        shown = ", ".join(folder.replace(UNKNOWN_HOME, "~", 1) for folder in missing)
        message = (f"`{_label(command)}` fills {tool.name}'s cache ({shown}) with no cache mount on it: every "
                   "rebuild of this RUN downloads everything again. A BuildKit cache mount keeps the cache on the "
                   "builder between builds (a rebuild downloads only what changed) and out of the image")
        if any(folder.startswith(UNKNOWN_HOME + "/") for folder in missing):
            message += (f"; no mount is offered: the RUN runs as user `{ctx.user}`, whose home folder is not "
                        "known (no `ENV HOME`) — mount a cache on that user's folder, with `uid=` set to the "
                        "user's id")
            return RULE.finding(command.span, message)
        if not ctx.root and ctx.uid is None:
            message += (f"; no mount is offered: the RUN runs as user `{ctx.user}`, and a cache mount belongs to "
                        f"root unless `uid=` gives it to that user, whose id is not known here — add "
                        f"`{_mount_flag(tool, missing[0], ctx)},uid=<id>`")
            return RULE.finding(command.span, message)
        message += f": add `{_flags(tool, missing, ctx)}`"
        fix, related, unsafe = self.fix(run, tool, commands, missing)
        if fix is None:
            return RULE.finding(command.span, message)
        if unsafe:
            message += f" (not applied automatically: {unsafe})"
        return RULE.finding(command.span, message, fix, related=related)

    # -- the fix -----------------------------------------------------------------------------------

    def fix(self, run: Run, tool: Tool, commands: list[ShellCommand],
            missing: tuple[str, ...]) -> tuple[Fix | None, tuple[Related, ...], str | None]:
        """The fix (None when it cannot be made), the other RUNs it mounts the cache in, and why it is
        unsafe (None when it is safe).

        For a tool whose later commands read what earlier ones downloaded, the mounts start at the first
        RUN of the stage (or the stages it is built FROM) that fills the cache without one: a mount on
        this RUN alone would hide what that RUN left in the image (apt's package lists, an artifact that
        `mvn install` put in the repository)."""
        ctx = self.context(run)
        origin = self.origin(run, tool, missing) if tool.shared else None
        start, first = origin or (run, missing)
        key = (id(start), tool.name, missing)
        group = self._group_fixes.get(key)
        if group is None:
            group = self.group_fix(run, start, tool, first, missing, ctx)
            if group is None:
                return None, (), None
            if tool.shared:
                self._group_fixes[key] = group
        group_edits, group_related, unsafe = group
        # The group's edits are shared, not copied, by its findings: a file of thousands of RUNs must
        # not cost quadratic time. Related places are capped for the same reason.
        related = [item for item in islice(group_related, MAX_RELATED + 1)
                   if item.span != run.instruction.keyword_span][:MAX_RELATED]
        if origin is not None:
            related.insert(0, Related(start.instruction.keyword_span,
                                      f"fills {tool.name}'s cache first: the fix mounts it from here on"))
        mounted = (*missing, *(m.target for m in run.mounts if m.type == "cache" and m.target))
        removals: list[Edit] = []
        for command in commands:
            words = no_cache_options(tool, command)
            if words and _within(cache_dirs(tool, command, ctx), mounted):
                found = [remove_word(self.text, run.instruction, word, self.model.tree.escape) for word in words]
                removals.extend(edit for edit in found if edit is not None)
        if unsafe is None and origin is None and tool.name == "apt":
            unsafe = self.reads_earlier_lists(run)
        edits = (*group_edits, *removals) if removals else group_edits
        fix = Fix(f"Keep {tool.name}'s cache in a BuildKit cache mount", edits, safe=unsafe is None)
        return fix, tuple(related), unsafe

    def group_fix(self, run: Run, start: Run, tool: Tool, first: tuple[str, ...], missing: tuple[str, ...],
                  ctx: Context) -> tuple[tuple[Edit, ...], tuple[Related, ...], str | None] | None:
        """The mounts from ``start`` on, with the RUNs after it that read the cache, and why that is unsafe."""
        own = self.mount_edits(start, ctx, tool, first)
        if own is None:
            return None
        edits = list(own)
        related: list[Related] = []
        for later in self.later_runs(start) if tool.shared or self.may_be_read(start, missing) else ():
            if later is run or self.reads(later, tool, missing, ctx):
                lacking = tuple(folder for folder in missing if not later.cache_mount_covers(folder))
                if lacking:
                    later_edits = self.mount_edits(later, ctx, tool, lacking)
                    edits.extend(later_edits or (add_flag(later.instruction, _flags(tool, lacking, ctx)),))
                    related.append(Related(later.instruction.keyword_span,
                                           f"reads {tool.name}'s cache too: the fix mounts it here as well"))
        directive = syntax_directive(self.text, self.model.tree)
        if directive is not None:
            edits.append(directive)
        unsafe = self.unsafe(start, tool, missing) or (self.unsafe(run, tool, missing) if start is not run else None)
        return tuple(edits), tuple(related), unsafe

    def may_be_read(self, run: Run, folders: tuple[str, ...]) -> bool:
        """Whether the text after ``run`` could name ``folders`` — as such, under ``~`` or ``$HOME``, or
        through a variable that holds a folder above them — or run an ``--offline`` command: a quick
        test before looking at the later RUNs one by one."""
        after = run.instruction.span.end
        names = [name for name, value in run.env.items()
                 if value and value.startswith("/") and any(covers(value, folder) for folder in folders)]
        return any(self.last_occurrence(word) >= after for word in ("--offline", "~", "$HOME", "${HOME}", *folders, *(
            f"{dollar}{name}" for name in names for dollar in ("$", "${"))))

    def last_occurrence(self, word: str) -> int:
        """Where ``word`` last starts in the text (-1: nowhere): one search per word, not one per RUN."""
        found = self._last.get(word)
        if found is None:
            found = self._last[word] = self.text.rfind(word)
        return found

    def reads(self, later: Run, tool: Tool, folders: tuple[str, ...], ctx: Context) -> bool:
        key = (id(later), tool.name, folders)
        found = self._reads.get(key)
        if found is None:
            found = self._reads[key] = _reads(later, tool, folders, ctx)
        return found

    def origin(self, run: Run, tool: Tool, missing: tuple[str, ...]) -> tuple[Run, tuple[str, ...]] | None:
        """The first earlier RUN, in this stage or the stages it is built FROM, that fills some of the
        ``missing`` folders without a mount (and can be given one), with those folders."""
        if run.holder is not run.instruction:
            return None
        chain = self.chain(run.stage)
        for other in self.model.runs:
            if other is run:
                return None
            if other.stage not in chain or other.holder is not other.instruction:
                continue
            commands = self.downloads(other).get(tool)
            if not commands:
                continue
            found = self.missing(other, tool, commands)
            filled = tuple(folder for folder in missing if found is not None and folder in found[1])
            ctx = self.context(other)
            if filled and (ctx.root or ctx.uid is not None):
                return other, filled
        return None

    def reads_earlier_lists(self, run: Run) -> str | None:
        """Why mounting apt's folders on ``run`` could break it: it installs without an ``apt-get update``
        of its own, from the package lists of an earlier layer that the mount would hide."""
        first = next(found for cmd in run.commands if (found := call_of(cmd)) is not None
                     and found[0].name == "apt" and found[0].downloads(found[1]))
        if first[1].positionals[:1] == ["update"]:
            return None
        chain = self.chain(run.stage)
        mounted = any(other.cache_mount_covers("/var/lib/apt/lists") for other in self.model.runs
                      if other.stage in chain and other.holder.span.start < run.holder.span.start)
        return None if mounted else ("it installs without an `apt-get update` of its own, from package lists "
                                     "an earlier layer holds, which the mount would hide")

    def mount_edits(self, run: Run, ctx: Context, tool: Tool, folders: tuple[str, ...]) -> list[Edit] | None:
        """The mounts for ``run``, with what keeps them useful: docker-clean moved aside for apt
        installs, ``keepcache`` for dnf/yum. None when that cannot be done."""
        edits = [add_flag(run.instruction, _flags(tool, folders, ctx))]
        if tool.name == "apt":
            apt = self.apt_keep_packages(run)
            if apt is None:
                return None
            edits.extend(apt)
        elif tool.name == "dnf":
            edits.extend(_dnf_keepcache(self.text, run))
        return edits

    def apt_keep_packages(self, run: Run) -> list[Edit] | None:
        """Move docker-clean aside for the RUN's installs and restore it at its end (see the docs)."""
        text, inst = self.text, run.instruction
        installs = [cmd for cmd in self.downloads(run).get(_APT, ())
                    if (found := call_of(cmd)) is not None and found[1].positionals[:1] != ["update"]]
        if not installs or self.mentions_docker_clean(run):
            return []
        if inst.json or any(cmd.name == "exit" and [w.text for w in cmd.args][:1] in ([], ["0"])
                            for cmd in run.commands):
            return None
        heredoc = _heredoc_holding(inst, installs[0])
        if any(_heredoc_holding(inst, cmd) is not heredoc for cmd in installs):
            return None
        if heredoc is not None:
            if heredoc is not inst.heredocs[-1]:
                return None
            restore = append_to_heredoc(text, heredoc, run.shell, RESTORE_DOCKER_CLEAN)
            if restore is None:
                return None
            first_line = heredoc.content.split("\n", 1)[0]
            at = heredoc.body_span.start + (len(first_line) + 1 if first_line.startswith("#!") else 0)
            newline = "\r\n" if first_line.endswith("\r") else "\n"
            return [Edit(Span(at, at), MOVE_DOCKER_CLEAN + newline), restore]
        parts = top_level_parts(line_body(inst).source)
        after = chain_after(text, inst, self.model.tree.escape)
        if parts is None or after is None or not parts[0].is_operand or any(part.kind == "&" for part in parts):
            return None
        start = line_body(inst).start_at(parts[0].start)
        end, separator = after
        return [Edit(Span(start, start), MOVE_DOCKER_CLEAN + " && "),
                Edit(Span(end, end), separator + RESTORE_DOCKER_CLEAN)]

    def mentions_docker_clean(self, run: Run) -> bool:
        """This RUN, or an earlier one of its stage or the stages it is built FROM, handles docker-clean."""
        if self._docker_clean is None:
            self._docker_clean = []
            at = self.text.find("docker-clean")
            while at >= 0:
                self._docker_clean.append(at)
                at = self.text.find("docker-clean", at + 1)
        if not self._docker_clean:
            return False
        chain = self.chain(run.stage)
        return any(other.stage in chain and other.holder.span.start <= run.holder.span.start
                   and any(other.instruction.span.start <= at < other.instruction.span.end for at in self._docker_clean)
                   for other in self.model.runs)

    # -- what comes after --------------------------------------------------------------------------

    def later_runs(self, run: Run) -> Iterator[Run]:
        """The RUNs that execute after ``run`` on top of its layer: later in its stage, or in a stage built
        FROM it. None for an ONBUILD trigger: what follows it is in other Dockerfiles."""
        if run.holder is not run.instruction or run.stage is None:
            return
        later = self._later.get(id(run))
        if later is None:
            stage, after = run.stage, run.holder.span.start
            built_from = self.built_from(stage)
            later = self._later[id(run)] = [
                other for other in self.model.runs
                if not other.opaque and (other.holder.span.start > after if other.stage is stage
                                         else id(other.stage) in built_from)]
        yield from later

    def built_from(self, stage: Stage) -> set[int]:
        """The ids of the stages built FROM ``stage``, directly or not."""
        if not self._built_from:  # for every stage at once: one pass over the chains
            for other in self.model.stages:
                self._built_from.setdefault(id(other), set())
                for ancestor in self.chain(other)[1:]:
                    self._built_from.setdefault(id(ancestor), set()).add(id(other))
        return self._built_from.get(id(stage), set())

    def unsafe(self, run: Run, tool: Tool, folders: tuple[str, ...]) -> str | None:
        """Why mounting ``folders`` on ``run`` could change what the build produces, if it could."""
        onbuild = run.holder is not run.instruction
        if tool.store and (onbuild or self.model.is_final(run.stage)):
            where = "an ONBUILD trigger runs in images built FROM this one" if onbuild else (
                "this stage ends up in the final image")
            return f"{where}, which may need the downloaded dependencies at run time or as a base for other builds"
        if tool.name == "yarn" and _yarn_berry_cache(run):
            return ("Yarn 2+ (`--immutable`) keeps the installed packages in the cache folder that "
                    "YARN_CACHE_FOLDER names when it runs in Plug'n'Play mode")
        if run.stage is None:
            return None
        for source, paths, line in self.copies():
            if run.stage in self.chain(source) and any(
                    _takes(path, folder, tool.store) for path in paths for folder in folders):
                return f"line {line + 1} copies {tool.name}'s cache from this stage"
        return None

    def copies(self) -> list[tuple[Stage, list[str], int]]:
        """What is copied out of a stage (``COPY --from``, ``RUN --mount=…,from=``): the stage, the source
        paths and the line."""
        if self._copies is None:
            self._copies = []
            for inst in self.model.tree.instructions:
                command = inst.command
                if command.keyword in ("COPY", "ADD"):
                    flag = command.flag("from")
                    stage = self.model.stage_named(flag.value) if flag is not None and flag.value else None
                    if stage is not None:
                        self._copies.append((stage, [_source(path) for path in command.value[:-1]], inst.start_line))
                elif command.keyword == "RUN":
                    for mount in command.flags_named("mount"):
                        name = mount.option("from")
                        stage = self.model.stage_named(name) if name else None
                        if stage is not None:
                            source = mount.option("source") or mount.option("src") or "/"
                            self._copies.append((stage, [_source(source)], inst.start_line))
        return self._copies


_APT = next(tool for tool in TOOLS if tool.name == "apt")


def _offline(run: Run) -> bool:
    """``RUN --network=none``: it downloads nothing, and reads what earlier layers downloaded."""
    network = run.instruction.flag("network")
    return network is not None and network.value == "none"


def _label(command: ShellCommand) -> str:
    """``pip install``, ``python3 -m pip install``, ``apt-get install``: the program and its subcommand."""
    found = call_of(command)
    words = [word.text for word in (found[1].program if found else command.words[:1])]
    positionals = found[1].positionals if found else []
    subcommand = positionals[:2] if positionals[:1] in (["mod"], ["pip"], ["tool"], ["global"]) else positionals[:1]
    return " ".join([posixpath.basename(words[0]), *words[1:], *subcommand])


def _mounted(run: Run, folder: str) -> bool:
    if folder.startswith(UNKNOWN_HOME + "/"):  # any user's folder of that name counts
        suffix = folder[len(UNKNOWN_HOME):]
        return any(mount.type in ("cache", "tmpfs") and mount.target
                   and posixpath.normpath(mount.target).endswith(suffix) for mount in run.mounts)
    return run.cache_mount_covers(folder)


def _mount_flag(tool: Tool, folder: str, ctx: Context) -> str:
    options = [f"type=cache,target={folder}"]
    if tool.mount_options:
        options.append(tool.mount_options)
    if not ctx.root and ctx.uid is not None:
        uid, _, gid = ctx.uid.partition(":")
        options.append(f"uid={uid}" + (f",gid={gid}" if gid else ""))
    return "--mount=" + ",".join(options)


def _flags(tool: Tool, folders: tuple[str, ...], ctx: Context) -> str:
    return " ".join(_mount_flag(tool, folder, ctx) for folder in folders)


def _within(dirs: tuple[str, ...] | None, mounted: tuple[str, ...]) -> bool:
    return dirs is not None and all(any(covers(target, folder) for target in mounted) for folder in dirs)


def _heredoc_holding(inst: Instruction, command: ShellCommand) -> Heredoc | None:
    return next((h for h in inst.heredocs if command.span.start in h.body_span), None)


def _dnf_keepcache(text: str, run: Run) -> list[Edit]:
    """``--setopt=keepcache=1`` for the RUN's dnf/yum installs: they delete the packages otherwise."""
    edits: list[Edit] = []
    for command in run.commands:
        found = call_of(command)
        if (found is None or command.name not in _KEEPCACHE_TOOLS or not found[0].downloads(found[1])
                or found[1].positionals[:1] in (["makecache"], ["mc"])
                or any("keepcache" in word.text for word in command.args)):
            continue
        subcommand = next(word for word in command.args if word.text == found[1].positionals[0])
        edit = insert_word_after(text, run.instruction, subcommand, KEEPCACHE)
        if edit is not None:
            edits.append(edit)
    return edits


def _reads(later: Run, tool: Tool, folders: tuple[str, ...], ctx: Context) -> bool:
    """Whether a later RUN uses what the tool left in ``folders``: a command of the tool (for the tools
    whose later commands read it, else an ``--offline`` one), or a word naming a path in them."""
    for command in later.commands:
        if tool_of(command) is tool and (tool.shared or command.has("--offline")):
            return True
        for word in command.args:
            text = word.text
            if text[:1] in ("/", "~", "$") and "/" in text:
                path = resolve_path(text, later.env, ctx.home)
                if path is not None and any(path == folder or path.startswith(folder + "/") for folder in folders):
                    return True
    return False


def _yarn_berry_cache(run: Run) -> bool:
    """A Yarn 2+ install (``--immutable``) told where to keep its cache: ``YARN_CACHE_FOLDER`` or
    ``--cache-folder`` moves Yarn 2's cache too, unlike Yarn 1's default folders, which it does not use."""
    yarns = [cmd for cmd in run.commands if cmd.name in ("yarn", "yarnpkg")]
    return any(cmd.has("--immutable", "--immutable-cache") for cmd in yarns) and (
        "YARN_CACHE_FOLDER" in run.env or any(
            item.startswith("YARN_CACHE_FOLDER=") for cmd in yarns for item in cmd.assignments) or any(
            word.text.startswith("--cache-folder") for cmd in yarns for word in cmd.args))


def _source(path: str) -> str:
    """A source path of a copy out of a stage as the folder it takes: relative paths start at the stage's
    root, and a glob stands for the folder above it."""
    parts = []
    for part in ("/" + path.lstrip("/")).split("/"):
        if any(char in part for char in "*?["):
            break
        parts.append(part)
    return posixpath.normpath("/".join(parts) or "/")


def _takes(source: str, folder: str, store: bool) -> bool:
    """Whether a copy of ``source`` (see :func:`_source`) takes ``folder`` or files in it on purpose: it
    names them, or, for a store of dependencies, a folder above them (``COPY --from=build / /``). A mere
    cache copied along with a whole folder is only dead weight, which the mount leaves out."""
    return source == folder or source.startswith(folder + "/") or (
        store and (source == "/" or covers(source, folder)))


RULE = Rule(
    id="DKL006",
    name="cache-mount-missing",
    summary="a RUN downloads packages without a BuildKit cache mount on the tool's cache",
    severity=Severity.INFO,
    category="cache",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
)
