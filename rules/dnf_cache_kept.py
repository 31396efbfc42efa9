"""## What it does
Finds RUN instructions where dnf, yum, microdnf or zypper download repository metadata (`install`,
`update`/`upgrade`, `reinstall`, `downgrade`, `distro-sync`, `makecache`, `group`/`module` commands,
queries such as `list` and `search`; zypper's `install`, `update`, `dist-upgrade`, `patch`,
`refresh` …) without removing their cache afterwards in the same RUN, and offers to end the RUN with
the tool's own cleanup.

- `dnf`, `dnf-3` (dnf 4): `/var/cache/dnf`, cleaned with `dnf clean all`;
- `dnf5` (what `dnf` is on Fedora 41+, as `dockls.caches` tells from the base image's tag):
  `/var/cache/libdnf5`, `dnf5 clean all`;
- `yum` (yum 3, or dnf under that name on RHEL 8+): `/var/cache/yum` or `/var/cache/dnf`,
  `yum clean all`;
- `microdnf`: `/var/cache/yum`, `microdnf clean all`;
- `zypper`: `/var/cache/zypp`, `zypper clean --all`.

The tool's `clean all` after the last such command counts (`yum clean all` and `dnf clean all` stand
for each other: on Fedora and RHEL 8+ yum is dnf), and so does an `rm` of the cache folder, its
contents (`/var/cache/dnf/*`) or a folder above it (`/var/cache`). For zypper it takes
`zypper clean --all` (`-a`, also as `zypper cc -a`): a plain `zypper clean` only deletes downloaded
packages, which zypper does not keep by default, and leaves the metadata. A RUN with a `cache` or
`tmpfs` mount on the tool's cache folder is not reported, nor a command that reads the cache only
(`-C`, `--cacheonly`).

## Why is this bad?
These tools delete the packages they downloaded once they are installed (dnf's and yum's
`keepcache=0` is the default), but not the repository metadata they fetched to resolve them: the
repodata, the `.solv` files built from them and, for dnf 4, the file lists. For Fedora's or RHEL's
repositories that is typically tens of megabytes, left in the layer although nothing in the image
reads it again. Deleting it in a later RUN does not make the image smaller.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y --setopt=install_weak_deps=False git
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y --setopt=install_weak_deps=False git && dnf clean all
```
or keep the cache outside the image with a cache mount:
```dockerfile
RUN --mount=type=cache,target=/var/cache/dnf dnf install -y --setopt=install_weak_deps=False git
```

## Fix safety
The cleanup is added at the end of the RUN, on the same line or as one more continuation line in the
RUN's style; in a heredoc RUN it becomes the last line of the script when errexit is on and is
chained with `&&` to the last command otherwise, so that a failing install still fails the build.
It is safe: a later command that needs metadata downloads it again. There is no fix for the exec form.

Like hadolint (DL3032 for yum, DL3040 for dnf and microdnf, DL3036 for zypper), but only the stages
of the final image are checked, an `rm` of the cache folder and a cache mount count, every command
that fetches metadata is looked at (hadolint: install-like commands only) and a plain `zypper clean`
does not count (hadolint accepts it).

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`
(an `ONBUILD RUN` trigger in them included). A builder stage whose results are copied out with
`COPY --from` is not reported.

## References
- [dnf: clean](https://dnf.readthedocs.io/en/latest/command_ref.html#clean-command)
- [dnf.conf: keepcache](https://dnf.readthedocs.io/en/latest/conf_ref.html)
- [zypper(8): clean](https://manpages.opensuse.org/Tumbleweed/zypper/zypper.8.en.html)
- [hadolint DL3040](https://github.com/hadolint/hadolint/wiki/DL3040),
  [DL3032](https://github.com/hadolint/hadolint/wiki/DL3032),
  [DL3036](https://github.com/hadolint/hadolint/wiki/DL3036)
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from dockls import caches
from dockls.caches import Context
from dockls.edits import append_to_run, insert_word_after
from dockls.model import Model, Run
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.shell import ShellCommand, Word, first_operand


@dataclass(frozen=True)
class Tool:
    caches: tuple[str, ...]  # the folders its metadata may be in; the first is named in messages
    cleanup: str
    cleaners: frozenset[str]  # the programs whose `clean all` empties those folders


DNF_FAMILY = {
    # On Fedora and RHEL 8+, yum is dnf under another name; on Fedora 41+ dnf is dnf5.
    "dnf": Tool(("/var/cache/dnf", "/var/cache/libdnf5"), "dnf clean all", frozenset({"dnf", "yum"})),
    "dnf-3": Tool(("/var/cache/dnf",), "dnf-3 clean all", frozenset({"dnf-3"})),
    "dnf5": Tool(("/var/cache/libdnf5",), "dnf5 clean all", frozenset({"dnf5", "dnf"})),
    "yum": Tool(("/var/cache/yum", "/var/cache/dnf"), "yum clean all", frozenset({"yum", "dnf"})),
    "microdnf": Tool(("/var/cache/yum",), "microdnf clean all", frozenset({"microdnf"})),
}
ZYPPER = Tool(("/var/cache/zypp",), "zypper clean --all", frozenset())
DNF_FETCHING = frozenset({
    "install", "in", "reinstall", "update", "upgrade", "up", "update-minimal", "upgrade-minimal",
    "distro-sync", "dsync", "distrosync", "downgrade", "group", "groupinstall", "groupupdate", "groups",
    "module", "makecache", "mc", "localinstall", "builddep", "swap", "list", "info", "search", "provides",
    "whatprovides", "repoquery", "check-update", "check-upgrade", "download",
})
ZYPPER_FETCHING = frozenset({
    "install", "in", "update", "up", "dist-upgrade", "dup", "patch", "refresh", "ref", "source-install",
    "si", "install-new-recommends", "inr", "search", "se", "info", "if",
})
# Global options whose value is the next word (dnf/yum/microdnf, then zypper).
_DNF_VALUE_OPTIONS = frozenset({
    "-c", "--config", "--installroot", "--releasever", "--setopt", "--repo", "--repoid", "--enablerepo",
    "--disablerepo", "-x", "--exclude", "-d", "--debuglevel", "-e", "--errorlevel", "--forcearch",
    "--color", "--destdir", "--downloaddir", "--rpmverbosity", "--repofrompath", "--comment",
})
_ZYPPER_VALUE_OPTIONS = frozenset({
    "-R", "--root", "-c", "--config", "-D", "--reposd-dir", "-C", "--cache-dir", "--raw-cache-dir",
    "--solv-cache-dir", "--pkg-cache-dir", "--userdata", "--installroot",
})
_CACHE_ONLY = frozenset({"-C", "--cacheonly"})


def subcommand_word(command: ShellCommand) -> Word | None:
    """The subcommand of a dnf-family or zypper command: ``install`` for ``dnf -y --repo x install``."""
    value_options = _ZYPPER_VALUE_OPTIONS if command.name == "zypper" else _DNF_VALUE_OPTIONS
    return first_operand(command.args, value_options)


def subcommand(command: ShellCommand) -> str | None:
    word = subcommand_word(command)
    return word.text if word else None


def _fetching_tool(command: ShellCommand) -> Tool | None:
    """The tool when ``command`` downloads repository metadata."""
    if command.name == "zypper":
        name = subcommand(command)
        return ZYPPER if name in ZYPPER_FETCHING else None
    tool = DNF_FAMILY.get(command.name)
    if tool is None or command.has(*_CACHE_ONLY):
        return None
    return tool if subcommand(command) in DNF_FETCHING else None


def _cleans(command: ShellCommand, tool: Tool, folders: tuple[str, ...]) -> bool:
    """Whether ``command`` removes ``tool``'s metadata cache (in ``folders``)."""
    if command.name == "rm":
        return any(_covers(word.text, cache) for word in command.args for cache in folders)
    if tool is ZYPPER:
        return (command.name == "zypper" and subcommand(command) in ("clean", "cc")
                and command.has("-a", "--all"))
    words = [word.text for word in command.args if not word.text.startswith("-")]
    return command.name in tool.cleaners and words[:2] == ["clean", "all"]


def _covers(path: str, cache: str) -> bool:
    """``rm`` of ``path`` deletes ``cache``: the folder, its contents or a folder above it."""
    if not path.startswith("/"):
        return False
    path = posixpath.normpath(path.removesuffix("/*"))
    return path == cache or cache.startswith(path.rstrip("/") + "/")


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        if run.opaque or not model.is_final(run.stage):
            continue
        # Per tool, its last command not cleaned up after, and the folders its cache is in.
        pending: dict[Tool, tuple[ShellCommand, tuple[str, ...]]] = {}
        ctx: Context | None = None
        for command in run.commands:
            tool = _fetching_tool(command)
            if tool is not None:
                ctx = ctx or Context.of(model, run)
                folders = _folders(command, tool, ctx)
                if not any(run.cache_mount_covers(cache) for cache in (*folders, *tool.caches)):
                    pending[tool] = (command, folders)
            for waiting in [tool for tool, (_, folders) in pending.items() if _cleans(command, tool, folders)]:
                del pending[waiting]
        for tool, (command, folders) in pending.items():
            yield _finding(model, run, command, tool, folders[0])


def _folders(command: ShellCommand, tool: Tool, ctx: Context) -> tuple[str, ...]:
    """Where ``command`` keeps the metadata: dockls.caches knows the base image (dnf is dnf 5 on
    Fedora 41+); else every folder the tool may use."""
    known = caches.tool_of(command)
    found = caches.cache_dirs(known, command, ctx) if known is not None and tool is not ZYPPER else None
    return found or tool.caches


def _finding(model: Model, run: Run, command: ShellCommand, tool: Tool, cache: str) -> Finding:
    message = (f"`{command.name} {subcommand(command)}` leaves the repository metadata it downloaded in {cache} "
               f"(typically tens of MB) in this layer; end the same RUN with `{tool.cleanup}`")
    edit = None
    if tool is ZYPPER:
        plain_clean = next((word for cmd in run.commands if cmd.span.start > command.span.start
                            and cmd.name == "zypper" and (word := subcommand_word(cmd)) is not None
                            and word.text in ("clean", "cc")), None)
        if plain_clean is not None:
            message += " (the plain `zypper clean` only deletes downloaded packages, not the metadata: add `--all`)"
            edit = insert_word_after(model.text, run.instruction, plain_clean, "--all")
    edit = edit or _append_cleanup(model, run, command, tool)
    if edit is None:
        return RULE.finding(command.span, message)
    return RULE.finding(command.span, message, Fix(f"Clean the {command.name} cache in this RUN", (edit,)))


def _append_cleanup(model: Model, run: Run, command: ShellCommand, tool: Tool) -> Edit | None:
    return append_to_run(model.text, run.instruction, run.shell, model.tree.escape, command.span.start, tool.cleanup)


RULE = Rule(
    id="DKL015",
    name="dnf-cache-kept",
    summary="dnf, yum, microdnf or zypper leave their metadata cache in the layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3032", "DL3036", "DL3040"),
)
