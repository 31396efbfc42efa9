"""## What it does
Finds a RUN that deletes or cleans what an earlier RUN of the image created, and offers to move the
cleanup into that earlier RUN:

- package lists and caches: `rm -rf /var/lib/apt/lists/*`, `apt-get clean`, `apk cache clean`,
  `rm -rf /var/cache/apk/*`, `yum clean all`, `dnf clean all`, `zypper clean`, `npm cache clean`,
  `yarn cache clean`, `pip cache purge`, `rm -rf ~/.cache/pip`, `conda clean` …, after an earlier
  RUN ran the package manager that filled them (`apt-get update`, `apk add` without `--no-cache`,
  `pip install` without `--no-cache-dir` …);
- downloaded and unpacked files: an `rm` of what an earlier RUN downloaded (`curl -o`, `curl -O`,
  `wget`), cloned (`git clone`) or unpacked (`tar -x` — the folder named like the archive, or the
  `-C` folder with `--strip-components` —, `unzip -d`), of a part of it, or of a folder holding it;
- packages: `apt-get purge`/`remove`, `apk del`, `dnf`/`yum remove`, `zypper remove` of packages (or
  an `apk add --virtual` name) that an earlier RUN installed.

A cleanup that deletes nothing is reported too, as information: when the RUN that created the files
already removed them, or when the same command already ran earlier in the same RUN.

Not reported: what a RUN removes after creating it itself (that is the right place); an `rm` of
something no earlier RUN is known to create (it may come from the base image); files a `COPY` or
`ADD` brought in (read them with `RUN --mount=type=bind,source=…` instead of copying them); folders
made with `mkdir` (an empty folder costs nothing — what later RUNs put there is theirs); a part of a
folder that a RUN used after it was created (that RUN may have made it); a folder-wide `rm` (such as
`rm -rf /tmp/*`) once the earlier files are gone; caches kept in a `cache` or `tmpfs` mount.

## Why is this bad?
Layers only add up. Files an earlier RUN created stay in its layer; deleting them in a later RUN adds
a "whiteout" entry that hides them, and the image is not one byte smaller. The apt package lists alone
are about 16 MB (compressed) on Debian, a cloned source tree or a downloaded archive often much more.
A cleanup only helps in the RUN that creates the files.

`apt-get clean` is a special case, reported as information: official Debian and Ubuntu images (and
the images built on them) delete downloaded `.deb` files after every install
(`/etc/apt/apt.conf.d/docker-clean`), so there it has nothing to clean; on other bases the `.deb` files
stay in the installing RUN's layer.

## Example
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl
COPY . /app
RUN rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY . /app
```
For packages needed only to build something, install, build and remove them in one RUN — or better,
build in a separate stage and `COPY --from` it the result.

## Fix safety
The fix appends the cleanup to the RUN that created the files (with `&&`, on the same line or as one
more continuation line in the RUN's style; in a heredoc as its last line when errexit is on, else
chained with `&&`) and removes it from the later RUN — the whole RUN when nothing else is left. All
the cleanups of one RUN move in one fix. When only some paths of an `rm` were created earlier, only
those move, as an `rm` with the same options. A cleanup that deletes nothing is removed.

There is no fix when something between the two places still needs what the cleanup deletes — moving
it would break the build; the finding says to create, use and delete in one RUN instead:

- the apt lists: an `apt-get install` (or other reader) without its own `apt-get update`, or
  `apt-cache`; other caches: an `--offline`, `--cacheonly` or `--no-network` use;
- files and folders: a command that names them or works inside them, a `WORKDIR` into them, a
  `COPY` into them — also earlier in the cleanup's own RUN;
- packages: any command at all, as there is no knowing what uses a compiler: in practice packages
  get a fix only when the removal starts the RUN right after the install.

The fix is offered as a code action only, not applied by `--fix`, when the move might change the
image: an `rm` of a folder above what was created (`rm -rf /tmp/*` after `curl -o /tmp/x.tgz`) would
also delete, earlier, whatever else is there by then (no fix at all when its own RUN puts files
there); a `USER` change in between; variables the moved command uses with other values at the
earlier RUN; relative paths with another working directory; a RUN in a non-POSIX shell in between;
or, across stages, another stage built on the earlier stage, which would lose the files too.

Commands hidden in scripts (`RUN ./build.sh`) or behind variables with unknown values are not seen.
There is no fix when the cleanup is not a whole command of an `&&` chain or a whole line (inside an
`if`, with `||`, a redirection), for exec-form RUNs (`RUN ["…"]`) that hold more than the cleanup, or
when the earlier RUN cannot be extended (exec form, a trailing comment).

When `apt-get update` and the later `rm -rf /var/lib/apt/lists/*` are both reported — by
apt-lists-not-removed on the update and by this rule on the `rm` — both fixes end with the same RUN;
whichever is applied first, the other rule then finds the `rm` deleting nothing and drops it. The
same happens when consecutive-run merged the two RUNs first.

## Stages
Only the stages that end up in the final image: the last stage and the stages it is built `FROM`,
followed as one history (a cleanup in the last stage of what its base stage created is reported).
`ONBUILD RUN` triggers are compared with the triggers before them in the same stage. A builder stage
whose results are copied out with `COPY --from` is not reported.

## References
- [Best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [Image layers](https://docs.docker.com/get-started/docker-concepts/building-images/understanding-image-layers/)
- [Multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
- [RUN --mount=type=bind](https://docs.docker.com/reference/dockerfile/#run---mounttypebind)
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from dockls.edits import (
    append_to_heredoc,
    body_holding,
    chain_after,
    delete_instruction,
    top_level_parts,
)
from dockls.history import ARCHIVE_SUFFIX, Place, image_history, is_under, resolve_path, shared_stages
from dockls.model import Model, Run, Scope, expand
from dockls.packages import LIST_READERS, apk_applet, apt_subcommand, options_and_operands, package_names, pip_install
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.shell import ShellCommand, Word
from dockls.syntax import Instruction
from dockls.text import Span

# --------------------------------------------------------------------------- what commands do

APT_LISTS = "/var/lib/apt/lists"


@dataclass(frozen=True)
class Target:
    """Something a RUN leaves in its layer: a cache, a file or folder, an installed package."""

    key: str
    what: str  # for messages, e.g. "the apt package lists (/var/lib/apt/lists)"
    kind: str  # "cache", "path" or "package"
    path: str | None = None  # where it lives, for `rm` and mentions
    size: str = ""


CACHES = {
    "apt-lists": Target("apt-lists", f"the apt package lists ({APT_LISTS})", "cache", APT_LISTS,
                        "about 16 MB compressed on Debian"),
    "apt-cache": Target("apt-cache", "apt's downloaded .deb files (/var/cache/apt)", "cache", "/var/cache/apt"),
    "apk-cache": Target("apk-cache", "apk's package index cache (/var/cache/apk)", "cache", "/var/cache/apk"),
    "yum-cache": Target("yum-cache", "the yum metadata and package cache (/var/cache/yum)", "cache",
                        "/var/cache/yum"),
    "dnf-cache": Target("dnf-cache", "the dnf metadata and package cache (/var/cache/dnf)", "cache",
                        "/var/cache/dnf"),
    "zypp-cache": Target("zypp-cache", "the zypper cache (/var/cache/zypp)", "cache", "/var/cache/zypp"),
    "yarn-cache": Target("yarn-cache", "yarn's package cache", "cache"),
    "conda-cache": Target("conda-cache", "conda's package cache", "cache"),
}
RPM_TOOLS = {"yum": "yum-cache", "dnf": "dnf-cache", "microdnf": "dnf-cache", "tdnf": "dnf-cache"}
RPM_FETCHING = frozenset({
    "install", "update", "upgrade", "makecache", "groupinstall", "reinstall", "localinstall", "distro-sync",
    "builddep", "group", "module", "downgrade",
})
APT_INSTALLING = frozenset({"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep"})
ZYPPER_FETCHING = frozenset({
    "in", "install", "ref", "refresh", "up", "update", "dup", "dist-upgrade", "patch", "si", "source-install",
})
NPM_INSTALLING = frozenset({"install", "i", "ci", "add", "update", "up", "isntall"})
CONDA_TOOLS = frozenset({"conda", "mamba", "micromamba"})
CONDA_INSTALLING = frozenset({"install", "create", "update", "upgrade", "env"})
# Options whose value is the next word, per command: what must not be taken for an operand.
CURL_VALUE_OPTIONS = frozenset({
    "-o", "--output", "-H", "--header", "-d", "--data", "--data-binary", "--data-raw", "-u", "--user", "-A",
    "--user-agent", "-e", "--referer", "-X", "--request", "-x", "--proxy", "--retry", "--retry-delay",
    "--max-time", "-m", "--connect-timeout", "-w", "--write-out", "-T", "--upload-file", "-b", "--cookie",
    "-c", "--cookie-jar", "--cacert", "--cert", "-E", "--key", "-r", "--range", "-C", "--continue-at",
    "--output-dir", "-K", "--config", "--resolve", "-F", "--form", "--url", "-z", "--time-cond",
})
WGET_VALUE_OPTIONS = frozenset({
    "-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a", "--append-output",
    "-t", "--tries", "-T", "--timeout", "-U", "--user-agent", "--header", "-e", "--execute", "-i",
    "--input-file", "--user", "--password", "-w", "--wait", "-l", "--level", "-Q", "--quota",
})
GIT_CLONE_VALUE_OPTIONS = frozenset({
    "-b", "--branch", "--depth", "-o", "--origin", "-c", "--config", "--reference", "--separate-git-dir",
    "-j", "--jobs", "--filter", "--template", "-u", "--upload-pack", "--shallow-since", "--shallow-exclude",
    "--reference-if-able", "--server-option",
})
TAR_VALUE_OPTIONS = frozenset({"-C", "--directory", "-f", "--file", "--strip-components", "--exclude", "-T",
                               "--files-from", "-X", "--exclude-from", "--owner", "--group", "--mode"})
URL_RE = re.compile(r"^(https?|ftp)://")
SUBCOMMAND_TOOLS = frozenset({
    "apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "tdnf", "zypper", "npm", "yarn", "conda",
    "mamba", "micromamba", "git", "pip", "pip3",
})
# Commands whose effects are followed (besides pip and python, and any command naming a known path).
EFFECT_TOOLS = SUBCOMMAND_TOOLS | {"apt-cache", "rm", "curl", "wget", "tar", "unzip"}
# No-ops that do not keep a RUN worth keeping once its cleanup moved away.
NO_OPS = frozenset({"set", "true", ":"})


@dataclass
class Context:
    """What a command of a RUN sees: variables, home and working directory."""

    env: Scope
    home: str | None
    cwd: str

    def path(self, word: Word) -> str | None:
        return resolve_path(word.text, self.cwd, self.env, self.home)


@dataclass(frozen=True)
class Removal:
    """A command (or some of its words) deleting a target."""

    target: Target
    command: ShellCommand
    words: tuple[Word, ...]  # the `rm` operands naming it; empty: the whole command cleans it
    broad: bool = False  # it deletes a folder above the target: possibly more than the target
    partial: bool = False  # it deletes only some of the target (`…/archives/*.deb`)
    folder: str = ""  # for a broad removal: the folder it deletes


@dataclass
class Effects:
    writes: list[Target] = field(default_factory=list)
    uses: list[Target] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)


def _package_names(words: list[Word], env: Scope) -> list[str]:
    return [name for name, _ in package_names(words, env)]


def _package(manager: str, name: str) -> Target:
    return Target(f"package:{manager}:{name}", f"the package {name}", "package")


def _pip_cache(ctx: Context) -> Target | None:
    env = ctx.env
    if env.get("PIP_CACHE_DIR"):
        path = resolve_path(env["PIP_CACHE_DIR"] or "", ctx.cwd, env, ctx.home)
    elif env.get("XDG_CACHE_HOME"):
        path = resolve_path((env["XDG_CACHE_HOME"] or "") + "/pip", ctx.cwd, env, ctx.home)
    else:
        path = ctx.home + "/.cache/pip" if ctx.home else None
    return Target(f"pip-cache:{path}", f"pip's cache ({path})", "cache", path) if path else None


def _npm_cache(ctx: Context) -> Target | None:
    configured = ctx.env.get("npm_config_cache") or ctx.env.get("NPM_CONFIG_CACHE")
    path = resolve_path(configured, ctx.cwd, ctx.env, ctx.home) if configured else (
        ctx.home + "/.npm" if ctx.home else None)
    return Target(f"npm-cache:{path}", f"npm's cache ({path})", "cache", path) if path else None


def _pip_cache_off(command: ShellCommand, ctx: Context) -> bool:
    assigned = dict(item.partition("=")[::2] for item in command.assignments)
    value = assigned.get("PIP_NO_CACHE_DIR", ctx.env.get("PIP_NO_CACHE_DIR", ""))
    return value is None or bool(value) or any(
        w.text in ("--no-cache-dir", "--no-cache") or w.text.startswith("--no-cache-dir=") for w in command.args)


def effects(command: ShellCommand, ctx: Context) -> Effects:
    """What ``command`` writes, reads and deletes (paths resolved against ``ctx``)."""
    out = Effects()
    name = command.name
    if name in ("apt-get", "apt", "aptitude"):
        _apt(command, ctx, out)
    elif name == "apt-cache":
        out.uses.append(CACHES["apt-lists"])
    elif name == "apk":
        _apk(command, ctx, out)
    elif name in RPM_TOOLS:
        _rpm(command, ctx, out)
    elif name == "zypper":
        _zypper(command, ctx, out)
    elif name in ("npm", "yarn") or name in CONDA_TOOLS:
        _js_and_conda(command, ctx, out)
    elif pip_install(command) is not None:
        cache = _pip_cache(ctx)
        if cache is not None and not _pip_cache_off(command, ctx):
            out.writes.append(cache)
    elif name in ("pip", "pip3") or re.fullmatch(r"pip\d(\.\d+)?", name):
        words = [w.text for w in command.args if not w.text.startswith("-")]
        cache = _pip_cache(ctx)
        if words[:1] == ["cache"] and len(words) > 1 and words[1] in ("purge", "remove", "rm") and cache:
            out.removals.append(Removal(cache, command, ()))
    elif name == "curl":
        _curl(command, ctx, out)
    elif name == "wget":
        _wget(command, ctx, out)
    elif name == "git":
        _git(command, ctx, out)
    elif name == "tar":
        _tar(command, ctx, out)
    elif name == "unzip":
        options, _ = options_and_operands(command.args, frozenset({"-d", "-x"}))
        out.writes.extend(_path_target(p) for option, value in options if option == "-d"
                          and (p := resolve_path(value, ctx.cwd, ctx.env, ctx.home)))
    return out


def _path_target(path: str) -> Target:
    return Target(f"path:{path}", path, "path", path)


def _apt(command: ShellCommand, ctx: Context, out: Effects) -> None:
    sub = apt_subcommand(command)
    if sub == "update":
        out.writes.append(CACHES["apt-lists"])
    elif sub in APT_INSTALLING:
        out.writes.append(CACHES["apt-cache"])
        if sub in ("install", "reinstall"):
            out.writes.extend(_package("apt", n) for n in _package_names(_apt_packages(command), ctx.env))
    elif sub in ("clean", "autoclean"):
        out.removals.append(Removal(CACHES["apt-cache"], command, ()))
    elif sub in ("purge", "remove"):
        for package in _package_names(_apt_packages(command), ctx.env):
            out.removals.append(Removal(_package("apt", package), command, ()))
    if sub in LIST_READERS:
        out.uses.append(CACHES["apt-lists"])


def _apt_packages(command: ShellCommand) -> list[Word]:
    _, operands = options_and_operands(command.args, frozenset({"-o", "--option", "-c", "--config-file", "-t",
                                                                 "--target-release", "-a"}))
    return operands[1:]


def _apk(command: ShellCommand, ctx: Context, out: Effects) -> None:
    applet = apk_applet(command)
    if applet is None:
        return
    cache = CACHES["apk-cache"]
    after = [w for w in command.args if w.span.start > applet.span.start]
    no_cache = command.has("--no-cache")
    if applet.text == "update" or (applet.text in ("add", "upgrade", "fix") and not no_cache):
        out.writes.append(cache)
    if applet.text == "add":
        options, operands = options_and_operands(tuple(after), frozenset({"-t", "--virtual", "-X", "--repository"}))
        names = [value for option, value in options if option in ("-t", "--virtual")]
        names += _package_names(operands, ctx.env)
        out.writes.extend(_package("apk", n) for n in names)
        if command.has("--no-network"):
            out.uses.append(cache)
    elif applet.text == "del":
        _, operands = options_and_operands(tuple(after), frozenset())
        for package in _package_names(operands, ctx.env):
            out.removals.append(Removal(_package("apk", package), command, ()))
    elif applet.text == "cache" and any(w.text in ("clean", "purge") for w in after):
        out.removals.append(Removal(cache, command, ()))


def _rpm(command: ShellCommand, ctx: Context, out: Effects) -> None:
    cache = CACHES[RPM_TOOLS[command.name]]
    _, operands = options_and_operands(command.args, frozenset({"--setopt", "--enablerepo",
                                                                 "--disablerepo", "--releasever"}))
    sub = operands[0].text if operands else None
    if command.has("-C", "--cacheonly"):
        out.uses.append(cache)
    if sub in RPM_FETCHING:
        out.writes.append(cache)
        if sub in ("install", "reinstall", "localinstall", "groupinstall"):
            out.writes.extend(_package("rpm", n) for n in _package_names(operands[1:], ctx.env))
    elif sub == "clean":
        out.removals.append(Removal(cache, command, ()))
    elif sub in ("remove", "erase"):
        for package in _package_names(operands[1:], ctx.env):
            out.removals.append(Removal(_package("rpm", package), command, ()))


def _zypper(command: ShellCommand, ctx: Context, out: Effects) -> None:
    _, operands = options_and_operands(command.args, frozenset({"--root", "-R", "--reposd-dir", "-D"}))
    sub = operands[0].text if operands else None
    cache = CACHES["zypp-cache"]
    if sub in ZYPPER_FETCHING:
        out.writes.append(cache)
        if sub in ("in", "install"):
            out.writes.extend(_package("zypper", n) for n in _package_names(operands[1:], ctx.env))
    elif sub in ("clean", "cc"):
        out.removals.append(Removal(cache, command, ()))
    elif sub in ("rm", "remove"):
        for package in _package_names(operands[1:], ctx.env):
            out.removals.append(Removal(_package("zypper", package), command, ()))


def _js_and_conda(command: ShellCommand, ctx: Context, out: Effects) -> None:
    words = [w.text for w in command.args if not w.text.startswith("-")]
    sub = words[0] if words else None
    name = command.name
    cache = (_npm_cache(ctx) if name == "npm" else CACHES["yarn-cache"] if name == "yarn"
             else CACHES["conda-cache"])
    if cache is None:
        return
    if command.has("--offline"):
        out.uses.append(cache)
    installing = (NPM_INSTALLING if name == "npm" else CONDA_INSTALLING if name in CONDA_TOOLS
                  else {None, "install", "add", "upgrade"})
    if sub in installing and not (name == "npm" and command.has("--cache")):
        out.writes.append(cache)
    elif (sub == "cache" and len(words) > 1 and words[1] in ("clean", "rm", "clear")) or (
            name in CONDA_TOOLS and sub == "clean"):
        out.removals.append(Removal(cache, command, ()))


def _curl(command: ShellCommand, ctx: Context, out: Effects) -> None:
    options, operands = options_and_operands(command.args, CURL_VALUE_OPTIONS)
    urls = [w.text for w in operands if URL_RE.match(w.text)]
    urls += [value for option, value in options if option == "--url"]
    directory = next((value for option, value in options if option == "--output-dir"), ".")
    remote_names = sum(1 for option, _ in options if option in ("-O", "--remote-name"))
    files = [value for option, value in options if option in ("-o", "--output") and value != "-"]
    if command.has("--remote-name-all"):
        remote_names = len(urls)
    files += [posixpath.join(directory, _url_name(url)) for url in urls[:remote_names] if _url_name(url)]
    for file in files:
        path = resolve_path(file, ctx.cwd, ctx.env, ctx.home)
        if path:
            out.writes.append(_path_target(path))


def _url_name(url: str) -> str:
    return posixpath.basename(url.split("?", 1)[0].split("#", 1)[0].rstrip("/"))


def _wget(command: ShellCommand, ctx: Context, out: Effects) -> None:
    options, operands = options_and_operands(command.args, WGET_VALUE_OPTIONS)
    documents = [value for option, value in options if option in ("-O", "--output-document")]
    if any(document == "-" for document in documents):
        return
    directory = next((value for option, value in options if option in ("-P", "--directory-prefix")), ".")
    files = documents or [posixpath.join(directory, _url_name(w.text)) for w in operands
                          if URL_RE.match(w.text) and _url_name(w.text)]
    for file in files:
        path = resolve_path(file, ctx.cwd, ctx.env, ctx.home)
        if path:
            out.writes.append(_path_target(path))


def _git(command: ShellCommand, ctx: Context, out: Effects) -> None:
    args = list(command.args)
    cwd = ctx.cwd
    while args and args[0].text.startswith("-"):  # git's own options: -C dir, -c key=value …
        option = args.pop(0).text
        if option in ("-C", "-c") and args:
            value = args.pop(0)
            if option == "-C":
                resolved = ctx.path(value)
                if resolved is None:
                    return
                cwd = resolved
    if not args or args[0].text != "clone":
        return
    _, operands = options_and_operands(tuple(args[1:]), GIT_CLONE_VALUE_OPTIONS)
    if not operands:
        return
    url = operands[0].text.rstrip("/")
    dest = operands[1].text if len(operands) > 1 else posixpath.basename(url).removesuffix(".git")
    path = resolve_path(dest, cwd, ctx.env, ctx.home) if dest else None
    if path:
        out.writes.append(_path_target(path))


def _tar(command: ShellCommand, ctx: Context, out: Effects) -> None:
    args = list(command.args)
    if not args:
        return
    first = args[0].text
    bundled = first.lstrip("-") if not first.startswith("--") else ""
    extracting = "x" in bundled or command.has("--extract", "--get")
    if not extracting:
        return
    options, operands = options_and_operands(tuple(args[1:]) if not first.startswith("-") else tuple(args),
                                              TAR_VALUE_OPTIONS)
    archive = next((value for option, value in options if option in ("-f", "--file")), None)
    if archive is None and "f" in bundled and operands:
        archive = operands[0].text  # old-style `tar xzf file.tgz`
    directory = next((value for option, value in options if option in ("-C", "--directory")), ".")
    if any(option == "--strip-components" for option, _ in options):
        path = resolve_path(directory, ctx.cwd, ctx.env, ctx.home)  # the archive's content lands right there
        if path:
            out.writes.append(_path_target(path))
    elif archive and archive != "-" and ARCHIVE_SUFFIX.search(archive):
        # Archives usually hold one folder named like them: `foo-1.2.tar.gz` → `foo-1.2/`.
        stem = ARCHIVE_SUFFIX.sub("", posixpath.basename(archive))
        path = resolve_path(posixpath.join(directory, stem), ctx.cwd, ctx.env, ctx.home)
        if path:
            out.writes.append(_path_target(path))


def rm_removals(command: ShellCommand, ctx: Context, known: dict[str, Target]) -> list[Removal]:
    """What an ``rm`` deletes among the ``known`` targets with a path."""
    if command.name != "rm":
        return []
    _, operands = options_and_operands(command.args, frozenset())
    removals: list[Removal] = []
    for word in operands:
        text = word.text
        literal = text[:-2] if text.endswith("/*") else text
        if re.search(r"[*?\[]", literal):
            pattern = resolve_path(literal, ctx.cwd, ctx.env, ctx.home)
            base = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0].rsplit("/", 1)[0] if pattern else None
        else:
            pattern, base = None, resolve_path(literal, ctx.cwd, ctx.env, ctx.home)
        if base is None or base == "/":
            continue
        for target in known.values():
            path = target.path
            if path is None:
                continue
            if is_under(base, path):  # the target itself, or part of it
                partial = base != path or pattern is not None
                removals.append(Removal(target, command, (word,), partial=partial))
            elif is_under(path, base) and (pattern is None or any(
                    fnmatch.fnmatchcase(p, pattern) for p in _ancestors(path, base))):
                removals.append(Removal(target, command, (word,), broad=True, folder=base))
    return removals


def _ancestors(path: str, stop: str) -> list[str]:
    """``path`` and its folders down to (not including) ``stop``."""
    found = []
    while path != stop and path not in ("/", ""):
        found.append(path)
        path = posixpath.dirname(path)
    return found


def mentions(command: ShellCommand, ctx: Context, targets: dict[str, Target]) -> list[Target]:
    """Path targets a command names (or works inside): it may read or write them."""
    found: dict[str, Target] = {}
    paths = [target for target in targets.values() if target.kind == "path" and target.path]
    if not paths:
        return []
    candidates = [ctx.cwd]
    for word in command.args:
        text = word.text.partition("=")[2] if word.text.startswith("--") else word.text
        if text and not text.startswith("-") and not URL_RE.match(text):
            resolved = resolve_path(text, ctx.cwd, ctx.env, ctx.home)
            if resolved:
                candidates.append(resolved)
    for candidate in candidates:
        for target in paths:
            if target.path and is_under(candidate, target.path):
                found[target.key] = target
    return list(found.values())


# --------------------------------------------------------------------------- following the history


@dataclass(eq=False)
class Step:
    """A RUN of the history."""

    index: int  # position in the history
    place: Place
    run: Run


@dataclass
class Status:
    """A target after the RUNs so far: the layers that hold it, or the RUN that removed it."""

    writers: list[Step] = field(default_factory=list)
    creators: dict[int, str] = field(default_factory=dict)  # writer index → the command that wrote it
    gone_by: Step | None = None
    removed_own: bool = False  # gone_by created it itself first
    repeats: ShellCommand | None = None  # the same command ran before in the cleanup's own RUN


@dataclass(frozen=True)
class Cleanup:
    """A removal in a later RUN, with what stood before it."""

    removal: Removal
    step: Step
    status: Status
    order: int  # index of the command in the RUN
    own_under: bool  # the RUN created something of its own in the folder it deletes


@dataclass
class History:
    """Follows the RUNs of one sequence: targets' status, who used what, where."""

    model: Model
    places: tuple[Place, ...]
    status: dict[str, Status] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    uses: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # key → (step index, command start)
    steps: list[Step] = field(default_factory=list)
    cleanups: list[Cleanup] = field(default_factory=list)
    paths: bool = False  # a file or folder is among the targets: any command may use it

    def follow(self) -> None:
        runs = {id(run.instruction): run for run in self.model.runs}
        for index, place in enumerate(self.places):
            run = runs.get(id(place.inst))
            if run is not None:
                self._run(Step(index, place, run))
            elif place.inst.keyword in ("WORKDIR", "COPY", "ADD") and self.paths:
                self._other(index, place)

    def _other(self, index: int, place: Place) -> None:
        """A WORKDIR into a target, or a COPY/ADD into one, depends on it being there."""
        inst = place.inst
        if not inst.value:
            return
        raw = inst.value[0] if inst.keyword == "WORKDIR" else inst.value[-1]
        path = resolve_path(raw, place.workdir, place.scope, None)
        for target in self.targets.values():
            if path and target.kind == "path" and target.path and (
                    is_under(path, target.path) or is_under(target.path, path)):
                self.uses.setdefault(target.key, []).append((index, inst.span.start))

    def _run(self, step: Step) -> None:
        self.steps.append(step)
        run, place = step.run, step.place
        paths = self.paths
        if run.opaque or not (paths or any(_followed(command.name) for command in run.commands)):
            return  # `echo`, `ln`, `useradd` …: nothing to follow while no file or folder is
        ctx = Context(run.env, _home(place.user, run.env), place.workdir)
        last: dict[str, str] = {}  # key → "write" or "remove": what this RUN did last
        writer_command: dict[str, str] = {}
        removed: dict[str, Removal] = {}
        done: dict[tuple[str, tuple[str, ...]], ShellCommand] = {}  # full removals so far, by their words
        for order, command in enumerate(run.commands):
            name = command.name
            if name == "cd":
                ctx.cwd = _cd(command, ctx)
                continue
            if not (paths or _followed(name)):
                continue
            found = effects(command, ctx)
            if run.mounts:  # what a cache or tmpfs mount holds never reaches the layer
                found.writes = [t for t in found.writes if not (t.path and run.cache_mount_covers(t.path))]
            removals = [r for r in found.removals + rm_removals(command, ctx, self.targets)
                        if not (run.mounts and r.target.path and run.cache_mount_covers(r.target.path))]
            used = found.uses + ([] if command.name == "rm" else mentions(command, ctx, self.targets))
            for target in used:
                if last.get(target.key) != "write":
                    self.uses.setdefault(target.key, []).append((step.index, command.span.start))
            for removal in removals:
                key = removal.target.key
                words = (key, tuple(w.text for w in command.words))
                if words in done and last.get(key) == "remove" and not (removal.partial or removal.broad):
                    repeated = Status(gone_by=step, repeats=done[words])
                    self.cleanups.append(Cleanup(removal, step, repeated, order, False))
                    continue
                if not (removal.partial or removal.broad):
                    done.setdefault(words, command)
                if key in writer_command:  # what this RUN wrote itself
                    if not removal.partial:
                        last[key] = "remove"
                    continue
                if key not in removed and key in self.status and self._reportable(removal, step, command):
                    own_under = removal.broad and _works_in(run.commands[:order], ctx, removal.folder)
                    self.cleanups.append(Cleanup(removal, step, self._snapshot(key), order, own_under))
                removed.setdefault(key, removal)
                if not removal.partial:
                    last[key] = "remove"
            for target in found.writes:
                paths = self.paths = paths or target.kind == "path"
                self.targets.setdefault(target.key, target)
                last[target.key] = "write"
                if target.key not in writer_command:
                    writer_command[target.key] = _label(command)
        for key, what in last.items():
            status = self.status.setdefault(key, Status())
            if what == "write":
                if key in removed:  # removed earlier layers' files first, then wrote its own
                    status.writers, status.creators = [], {}
                status.writers.append(step)
                status.creators[step.index] = writer_command.get(key, "")
                status.gone_by, status.removed_own = None, False
            else:
                status.writers, status.creators = [], {}
                status.gone_by, status.removed_own = step, key in writer_command

    def _reportable(self, removal: Removal, step: Step, command: ShellCommand) -> bool:
        """A broad `rm` may well delete something, even after the target went; a part of a folder
        that other RUNs used since it was created may be theirs rather than the creator's."""
        status = self.status[removal.target.key]
        if not status.writers:
            return not removal.broad
        if removal.partial and removal.target.kind == "path":
            since = status.writers[-1].index
            return not any(since < index < step.index or (index == step.index and start < command.span.start)
                           for index, start in self.uses.get(removal.target.key, []))
        return True

    def _snapshot(self, key: str) -> Status:
        status = self.status[key]
        return Status(list(status.writers), dict(status.creators), status.gone_by, status.removed_own)


def _works_in(commands: tuple[ShellCommand, ...], ctx: Context, folder: str) -> bool:
    """Whether any of the commands names a path in ``folder`` (or runs there): it may leave files there."""
    for command in commands:
        if is_under(ctx.cwd, folder):
            return True
        for word in command.args:
            text = word.text.partition("=")[2] if word.text.startswith("--") else word.text
            path = resolve_path(text, ctx.cwd, ctx.env, ctx.home) if text and not URL_RE.match(text) else None
            if (path is None and "$" in text) or (path is not None and path != folder and is_under(path, folder)):
                return True
    return False


def _label(command: ShellCommand) -> str:
    """``apt-get update``, ``git clone``, ``curl`` …: how a command is named in messages."""
    if command.name in SUBCOMMAND_TOOLS or pip_install(command) is not None:
        operand = next((w.text for w in command.args if not w.text.startswith("-")), None)
        if operand and operand.isidentifier():
            return f"{command.name} {operand}"
    return command.name


def _followed(name: str) -> bool:
    return name in EFFECT_TOOLS or name.startswith(("pip", "python"))


def _home(user: str, env: Scope) -> str | None:
    if env.get("HOME"):
        return env["HOME"]
    return "/root" if user.split(":", 1)[0] in ("", "root", "0") else None


def _cd(command: ShellCommand, ctx: Context) -> str:
    operands = [w for w in command.args if w.text not in ("-P", "-L", "-e", "--")]
    if not operands:
        return ctx.home or "/\0home"
    return ctx.path(operands[0]) or f"/\0cd{command.span.start}"


# --------------------------------------------------------------------------- findings


def check(model: Model) -> Iterator[Finding]:
    # Most files clean up only in the RUN that created the files: skip them without following anything.
    if not any(_may_clean_later(model)):
        return
    for places in image_history(model):
        history = History(model, places)
        history.follow()
        yield from _findings(history)


def _may_clean_later(model: Model) -> Iterator[bool]:
    """For each RUN of the final image: whether it may clean up after an earlier RUN of its sequence
    (the image's RUNs, or one stage's ONBUILD triggers), or repeats a cleanup."""
    firsts: set[int] = set()
    sequences: set[tuple[bool, int]] = set()
    for run in model.runs:
        if not model.is_final(run.stage):
            continue
        onbuild = run.holder is not run.instruction
        sequence = (onbuild, id(run.stage) if onbuild else 0)
        if sequence not in sequences:
            sequences.add(sequence)
            firsts.add(id(run))
        yield any(map(may_clean, run.commands)) and (id(run) not in firsts or _repeats(run))


def _repeats(run: Run) -> bool:
    """Whether the RUN has the same cleanup command twice."""
    seen = [tuple(w.text for w in command.words) for command in run.commands if may_clean(command)]
    return len(set(seen)) < len(seen)


CLEANING_WORDS = frozenset({"clean", "autoclean", "purge", "remove", "del", "erase", "rm", "cc", "cache",
                            "autoremove"})


def may_clean(command: ShellCommand) -> bool:
    """A cheap first look: could the command delete something?"""
    name = command.name
    return name == "rm" or ((name in SUBCOMMAND_TOOLS or name.startswith("pip"))
                            and any(w.text in CLEANING_WORDS for w in command.args))


@dataclass
class Move:
    """One cleanup command (or some words of an `rm`) to move, or to drop when it deletes nothing."""

    cleanup: Cleanup
    dest: Step | None  # None: drop it
    problem: str | None  # why the move is not safe; None when it is
    possible: bool  # a fix can be offered at all (perhaps as unsafe)


def _findings(history: History) -> Iterator[Finding]:
    by_run: dict[int, list[Cleanup]] = {}
    for cleanup in history.cleanups:
        by_run.setdefault(cleanup.step.index, []).append(cleanup)
    for cleanups in by_run.values():
        moves = [_move(history, cleanup) for cleanup in cleanups]
        possible = [move for move in moves if move.possible]
        safe = [move for move in possible if move.problem is None]
        every = _plan(history, possible) if possible else None
        safe_plan = every if len(safe) == len(possible) else (_plan(history, safe) if safe else None)
        for command, group in _by_command(moves):
            yield _finding(command, group, safe_plan, every)


def _by_command(moves: list[Move]) -> list[tuple[ShellCommand, list[Move]]]:
    grouped: dict[int, tuple[ShellCommand, list[Move]]] = {}
    for move in moves:
        command = move.cleanup.removal.command
        grouped.setdefault(id(command), (command, []))[1].append(move)
    return list(grouped.values())


def _move(history: History, cleanup: Cleanup) -> Move:
    status, step = cleanup.status, cleanup.step
    if status.writers:
        dest = status.writers[-1]
        blocker = _blocker(history, cleanup, dest)
        if blocker is not None:
            return Move(cleanup, dest, blocker, False)
        return Move(cleanup, dest, _risk(history, cleanup, dest), not (cleanup.removal.broad and cleanup.own_under))
    gone = status.gone_by
    assert gone is not None  # a status has writers or the RUN that removed it
    return Move(cleanup, None, _opaque_between(history, gone, step), True)


def _blocker(history: History, cleanup: Cleanup, dest: Step) -> str | None:
    """What between ``dest`` and the cleanup still needs what it deletes: moving it would break that."""
    removal, step = cleanup.removal, cleanup.step
    target = removal.target
    if target.kind == "package":
        between = [s for s in history.steps if dest.index < s.index < step.index and s.run.commands]
        if between or cleanup.order > 0:
            where = f"the RUN on line {_line(between[0])}" if between else "the commands before it in this RUN"
            return f"{where} may use them"
        return None
    for index, start in history.uses.get(target.key, []):
        if dest.index < index < step.index or (index == step.index and start < removal.command.span.start):
            user = next((s for s in history.steps if s.index == index), None)
            command = next((c for c in user.run.commands if c.span.start == start), None) if user else None
            what = f"`{_label(command)}` on line" if command else "line"
            advice = ("run `apt-get update`, the installs and the cleanup in one RUN" if target.key == "apt-lists"
                      else "create, use and delete them in one RUN")
            return f"{what} {_line_of(history, index)} still needs them; {advice}"
    return None


def _risk(history: History, cleanup: Cleanup, dest: Step) -> str | None:
    """Why moving the cleanup to ``dest`` might change the image; None when it cannot."""
    removal, step = cleanup.removal, cleanup.step
    if removal.broad:
        return f"`{_shown(removal)}` deletes a whole folder, possibly more than what that RUN created"
    problem = _opaque_between(history, dest, step)
    if problem:
        return problem
    if dest.place.user != step.place.user:
        return "a USER change in between: the cleanup would run as another user"
    if dest.run.env.get("HOME") != step.run.env.get("HOME"):
        return "HOME changes in between"
    moved = removal.words or removal.command.words
    text = " ".join(w.raw for w in moved)
    if "$" in text:
        before, known_before = expand(text, dest.run.env)
        after, known_after = expand(text, step.run.env)
        if not (known_before and known_after and before == after):
            return "the variables it uses may have other values there"
    directory_changes = [c for c in (*dest.run.commands, *step.run.commands[: cleanup.order])
                         if c.name in ("cd", "pushd", "popd")]
    if _relative(removal) and (dest.place.workdir != step.place.workdir or directory_changes):
        return "it uses relative paths and the working directory differs"
    if dest.place.stage is not step.place.stage and shared_stages(history.model, dest.place.stage, step.place.stage):
        return f"another stage is built from or copies from stage `{dest.place.stage.label}`"
    return None


def _opaque_between(history: History, first: Step, last: Step) -> str | None:
    for step in history.steps:
        if first.index < step.index < last.index and step.run.opaque:
            return f"the RUN on line {_line(step)} in between does not run in a POSIX shell"
    return None


def _relative(removal: Removal) -> bool:
    if removal.command.name != "rm":
        return False
    words = removal.words or tuple(w for w in removal.command.args if not w.text.startswith("-"))
    return any(not w.text.startswith(("/", "~", "$")) for w in words)


def _line(step: Step) -> int:
    return step.place.holder.start_line + 1


def _line_of(history: History, index: int) -> int:
    return history.places[index].holder.start_line + 1


def _shown(removal: Removal) -> str:
    command = removal.command
    words = [command.words[0].raw, *(w.raw for w in command.args if w.text.startswith("-"))]
    if removal.words:
        words += [w.raw for w in removal.words]
    else:
        words = [w.raw for w in command.words]
    shown = " ".join(words)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def _finding(command: ShellCommand, moves: list[Move], safe_plan: Fix | str | None,
             every: Fix | str | None) -> Finding:
    first = moves[0].cleanup
    shown = f"`{_shown(first.removal)}`" if len(moves) == 1 else f"`{_shown_command(command)}`"
    packages = first.removal.target.kind == "package"
    problem = next((move.problem for move in moves if move.problem), None)
    fixes: tuple[Fix, ...] = ()
    if problem is None and isinstance(safe_plan, Fix):
        fixes = (safe_plan,)
    elif all(move.possible for move in moves) and isinstance(every, Fix) and not packages:
        fixes = (Fix(every.title, every.edits, safe=False),)
    live = [move for move in moves if move.dest is not None]
    whats = _what([move.cleanup.removal for move in (live or moves)])
    if not live:
        gone = first.status.gone_by
        assert gone is not None
        severity: Severity | None = Severity.INFO
        related: tuple[Related, ...]
        repeats = first.status.repeats
        if repeats is not None:
            message = f"{shown} deletes nothing: the same command earlier in this RUN already deleted {whats}"
            related = (Related(repeats.span, f"{whats} deleted here"),)
        else:
            how = "removed" if first.status.removed_own else "deleted"
            message = f"{shown} deletes nothing: the RUN on line {_line(gone)} already {how} {whats}"
            related = (Related(gone.place.holder.keyword_span, f"{whats} removed here"),)
        message += "; drop this cleanup"
    else:
        writers = sorted({s.index: s for move in live for s in move.cleanup.status.writers}.values(),
                         key=lambda s: s.index)
        several = len(writers) > 1
        lines = _and([str(_line(s)) for s in writers])
        creators = _and([f"`{c}`" for move in live for c in move.cleanup.status.creators.values()])
        sizes = [move.cleanup.removal.target.size for move in live if move.cleanup.removal.target.size]
        message = (f"{shown} {'removes' if packages else 'deletes'} {whats}, "
                   f"{'installed' if packages else 'created'} by {creators} in the RUN{'s' * several} on "
                   f"line{'s' * several} {lines}{', ' + sizes[0] if sizes else ''}: "
                   f"the files stay in {'those layers' if several else 'that layer'}, so this later RUN "
                   "does not make the image smaller")
        severity = None
        if all(move.cleanup.removal.target.key == "apt-cache" for move in live):
            severity = Severity.INFO  # docker-clean deletes the .deb files on most Debian-based images
            message += (" (on images with Debian's docker-clean — official Debian and Ubuntu images and those "
                        "built on them — there is nothing to clean anyway)")
        dest = live[-1].dest
        assert dest is not None
        message += ("; install, use and remove them in one RUN, or better build in a separate stage and "
                    "`COPY --from` it only the result" if packages else
                    f"; clean up at the end of the RUN on line {_line(dest)}")
        related = tuple(Related(s.place.holder.keyword_span, f"the layer that holds {whats}") for s in writers)
    if problem is not None:
        message += f" ({'not fixed automatically' if fixes else 'no automatic fix'}: {problem})"
    elif not fixes:
        reason = safe_plan if isinstance(safe_plan, str) else "it cannot be moved as it is written"
        message += f" (no automatic fix: {reason})"
    return Finding(RULE, command.span, message, fixes, severity=severity, related=related)


def _what(removals: list[Removal]) -> str:
    unique = list({removal.target.key: removal for removal in removals}.values())
    packages = [r.target.what.removeprefix("the package ") for r in unique if r.target.kind == "package"]
    others = [f"files in {r.target.what}" if r.partial and r.target.kind == "path" else r.target.what
              for r in unique if r.target.kind != "package"]
    if packages:
        others.append(f"the package{'s' if len(packages) > 1 else ''} {_and(packages)}")
    return _and(others)


def _and(items: list[str]) -> str:
    unique = list(dict.fromkeys(items))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


# --------------------------------------------------------------------------- the fix


def _plan(history: History, moves: list[Move]) -> Fix | str:
    """Append the moved cleanups to the RUNs that created the files and take them (or the whole RUN)
    out of the later RUN; or why that cannot be done."""
    model = history.model
    text = model.text
    step = moves[0].cleanup.step
    inst = step.run.instruction
    appended: dict[int, tuple[Step, list[str]]] = {}
    whole: list[ShellCommand] = []
    words: list[Word] = []
    for command, group in _by_command(moves):
        dests = {move.dest.index if move.dest else -1: move.dest for move in group}
        covered = {w.span for move in group for w in move.cleanup.removal.words}
        if any(not move.cleanup.removal.words for move in group) or (
                len(dests) == 1 and covered >= {w.span for w in _operands(command)}):
            if len(dests) > 1:
                return f"`{command.name}` deletes what several RUNs created"
            moved: str | None = _command_text(model, inst, command)
            chosen: list[Word] = []
            whole.append(command)
        else:
            chosen = sorted({w.span: w for move in group for w in move.cleanup.removal.words}.values(),
                            key=lambda w: w.span.start)
            words.extend(chosen)
            moved = None
        for dest in dests.values():
            if dest is None:
                continue
            if chosen:
                mine = [w for move in group if move.dest is dest for w in move.cleanup.removal.words]
                moved = " ".join(w.raw for w in (command.words[0], *_options(command), *mine))
                if inst.json:
                    return "only some paths of an exec-form `rm` would move"
            if moved is None:
                return f"`{_shown_command(command)}` spans lines in a way that cannot be moved"
            appended.setdefault(dest.index, (dest, []))[1].append(moved)
    edits: list[Edit] = []
    for dest, texts in appended.values():
        edit = _append(model, dest, " && ".join(texts))
        if edit is None:
            return f"the RUN on line {_line(dest)} cannot be extended"
        edits.append(edit)
    moved_ids = {id(command) for command in whole}
    if all(id(c) in moved_ids or c.name in NO_OPS for c in step.run.commands):
        edits.append(delete_instruction(text, step.place.holder))
    else:
        removals = remove_commands(text, inst, whole)
        if removals is None or (words and inst.json):
            return "the cleanup is not a whole command of an `&&` chain or a whole line"
        edits.extend(removals)
        edits.extend(_remove_word(w, step.run.commands) for w in words)
    if appended:
        title = f"Move the cleanup to the RUN on line {_and([str(_line(d)) for d, _ in appended.values()])}"
    else:
        title = "Drop the cleanup that deletes nothing"
    return Fix(title, tuple(edits))


def _operands(command: ShellCommand) -> list[Word]:
    return options_and_operands(command.args, frozenset())[1]


def _command_text(model: Model, inst: Instruction, command: ShellCommand) -> str | None:
    """A command's shell text on one line, to append elsewhere; None when it cannot be had."""
    if inst.json:
        if any("$" in w.text for w in command.words):
            return None  # `sh -c` would have expanded it; quoted it would not be
        return " ".join(shlex.quote(w.text) for w in command.words)
    heredoc = any(command.span.start in h.body_span for h in inst.heredocs)
    escape = "\\" if heredoc else model.tree.escape
    raw = model.text[command.span.start : command.span.end]
    joined = re.sub(re.escape(escape) + r"[ \t]*\r?\n[ \t]*", " ", raw)
    return None if "\n" in joined or "\r" in joined else joined


def _shown_command(command: ShellCommand) -> str:
    shown = " ".join(w.raw for w in command.words)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def _options(command: ShellCommand) -> list[Word]:
    return [w for w in command.args if w.text.startswith("-") and w.text != "-"]


def _append(model: Model, dest: Step, command: str) -> Edit | None:
    inst = dest.run.instruction
    if inst.json:
        return None
    if inst.heredocs:
        heredoc = inst.heredocs[-1]
        if not any(c.span.start in heredoc.body_span for c in dest.run.commands):
            return None
        return append_to_heredoc(model.text, heredoc, dest.run.shell, command)
    after = chain_after(model.text, inst, model.tree.escape)
    if after is None:
        return None
    at, separator = after
    return Edit(Span(at, at), separator + command)


def _remove_word(word: Word, commands: tuple[ShellCommand, ...]) -> Edit:
    """Delete an operand with the blank (and any line continuation) before it."""
    command = next(c for c in commands if word in c.words)
    previous = command.words[command.words.index(word) - 1]
    return Edit(Span(previous.span.end, word.span.end), "")


def remove_commands(text: str, inst: Instruction, commands: list[ShellCommand]) -> list[Edit] | None:
    """Delete several commands of a RUN, each a whole operand of an ``&&`` chain or a whole statement,
    with the operators that join them; None when that cannot be done without changing what the rest
    means (``||``, ``&``, nested commands, comments in the way) or would leave a heredoc empty."""
    if inst.json:
        return None
    groups: dict[int, list[ShellCommand]] = {}
    for command in commands:
        key = next((i for i, h in enumerate(inst.heredocs) if command.span.start in h.body_span), -1)
        groups.setdefault(key, []).append(command)
    edits: list[Edit] = []
    for key, group in groups.items():
        found = _remove_from_body(text, inst, key, group)
        if found is None:
            return None
        edits.extend(found)
    return edits


def _remove_from_body(text: str, inst: Instruction, heredoc: int, commands: list[ShellCommand]) -> list[Edit] | None:
    body = body_holding(inst, inst.heredocs[heredoc].body_span.start) if heredoc >= 0 else \
        body_holding(inst, inst.args_span.start)
    parts = top_level_parts(body.source)
    if parts is None:
        return None
    seq = [part for part in parts if part.kind != "comment"]
    statements: list[list[int]] = [[]]  # operand indices into seq, per statement
    broken: set[int] = set()  # statements with `||` or run in the background
    for i, part in enumerate(seq):
        if part.is_operand:
            statements[-1].append(i)
        elif part.kind == "||":
            broken.add(len(statements) - 1)
        elif part.kind in ("\n", ";", "&"):
            if part.kind == "&":
                broken.add(len(statements) - 1)
            statements.append([])
    spans = {body.span(seq[i]): i for i in range(len(seq)) if seq[i].kind == "command"}
    chosen: set[int] = set()
    for command in commands:
        index = spans.get(command.span)
        if index is None:
            return None
        chosen.add(index)
    numbered = [(n, ops) for n, ops in enumerate(statements) if ops]
    if any(n in broken and chosen & set(ops) for n, ops in numbered):
        return None
    full = [k for k, (_, ops) in enumerate(numbered) if set(ops) <= chosen]
    if len(full) == len(numbered):
        return None
    cuts: list[tuple[int, int]] = []  # (start, end) as (index into seq, "start"/"end") pairs in the source
    for first_k, last_k in _blocks(full):
        if last_k + 1 < len(numbered):
            cuts.append((body.start_at(seq[numbered[first_k][1][0]].start),
                         body.start_at(seq[numbered[last_k + 1][1][0]].start)))
        else:
            cuts.append((body.end_at(seq[numbered[first_k - 1][1][-1]].end),
                         body.end_at(seq[numbered[last_k][1][-1]].end)))
    for k, (_, ops) in enumerate(numbered):
        if k in full:
            continue
        positions = [p for p, i in enumerate(ops) if i in chosen]
        for first_p, last_p in _blocks(positions):
            if last_p + 1 < len(ops):
                cuts.append((body.start_at(seq[ops[first_p]].start), body.start_at(seq[ops[last_p + 1]].start)))
            else:
                cuts.append((body.end_at(seq[ops[first_p - 1]].end), body.end_at(seq[ops[last_p]].end)))
    edits = []
    for start, end in cuts:
        removed = text[start:end]
        if "#" in removed and any(line.lstrip().startswith("#") for line in removed.split("\n")[1:]):
            return None
        if any(part.kind == "comment" and start <= body.start_at(part.start) < end for part in parts):
            return None
        edits.append(Edit(Span(start, end), ""))
    return edits


def _blocks(indices: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive integers: [1, 2, 4] → [(1, 2), (4, 4)]."""
    blocks: list[tuple[int, int]] = []
    for index in sorted(indices):
        if blocks and blocks[-1][1] == index - 1:
            blocks[-1] = (blocks[-1][0], index)
        else:
            blocks.append((index, index))
    return blocks


RULE = Rule(
    id="DKL009",
    name="cleanup-in-later-layer",
    summary="A later RUN deletes what an earlier RUN created: the files stay in the earlier layer",
    severity=Severity.WARNING,
    category="size",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
)
