"""Package tools' download caches: which commands fill them, and where they are.

For each package tool in :data:`TOOLS` (pip, uv, Poetry, npm, Yarn, pnpm, Go, Cargo, Maven, Gradle,
Bundler, Composer, NuGet, apt, apk, dnf/yum …):

- :func:`downloading_tool` — whether a command downloads packages, and with which :class:`Tool`
  (:func:`tool_of`: whatever it does; :func:`call_of`: with its options and positionals);
- :func:`cache_dirs` — the folders that command keeps its downloads in, for the user and environment
  of its RUN (:class:`Context`);
- :func:`no_cache_options`, :func:`cache_disabled` and :func:`clears_cache` — whether a command does
  without the cache (``pip install --no-cache-dir``), the environment turns it off
  (``PIP_NO_CACHE_DIR``), or a command deletes it (``npm cache clean``, ``rm -rf /root/.npm``);
- :func:`resolve_path` and :func:`covers` — the paths of ``rm``-like arguments (``~/.npm``,
  ``$HOME/.cache``) and whether one takes a cache folder with it.

A folder under the home folder is known for root (``/root``, or ``ENV HOME``) and for another user only
when an ``ENV HOME`` sets it; otherwise :data:`UNKNOWN_HOME` stands for the home folder in the paths
returned, so that a caller can still match ``…/.npm``-like mount targets but knows not to mount there.
Variables that move a cache (``PIP_CACHE_DIR``, ``GOMODCACHE`` …) count when an ``ARG``/``ENV`` visible
to the RUN or the command's own ``NAME=value`` prefix sets them. What a base image sets is not visible,
except the few variables of official images listed in :data:`IMAGE_ENV` (``golang`` sets
``GOPATH=/go`` …). A base image's own ``USER`` is not known either: without a ``USER`` instruction the
RUN is taken to run as root.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from dockls.ecosystems import (
    BUNDLE_VALUED,
    CARGO_VALUED,
    COMPOSER_VALUED,
    DOTNET_VALUED,
    GRADLE_VALUED,
    MAVEN_VALUED,
    NPM_CLEAN_INSTALL,
    NPM_INSTALL,
    NPM_VALUED,
    PIP_SYNC_VALUED,
    PIP_VALUED,
    PIPENV_VALUED,
    PNPM_VALUED,
    POETRY_VALUED,
    UV_VALUED,
    YARN_VALUED,
    Options,
    parse_options,
)
from dockls.model import Model, Run, Stage, expand
from dockls.packages import APK_VALUED, APT_VALUED, PIP_RE, PYTHON_RE
from dockls.shell import ShellCommand, Word

Env = dict[str, "str | None"]

# Stands for the home folder of a user other than root when no ENV HOME sets it.
UNKNOWN_HOME = "/~"
ROOT_USERS = frozenset({"", "root", "0"})
# ENV of official images that moves a cache (a base image's ENV is not visible to the model).
IMAGE_ENV: dict[str, dict[str, str]] = {
    "golang": {"GOPATH": "/go"},
    "rust": {"CARGO_HOME": "/usr/local/cargo"},
    "ruby": {"GEM_HOME": "/usr/local/bundle"},
    "composer": {"COMPOSER_HOME": "/tmp"},
}
_PLAIN_PATH = re.compile(r"/[\w./+@~-]*")  # a path a mount target can hold without quoting
_HOME_PREFIX = re.compile(r"^(?:~(?=/|$)|\$HOME\b|\$\{HOME\})")


@dataclass(frozen=True)
class Context:
    """Who runs a RUN and with which environment: what decides where its tools keep their caches."""

    env: Env  # the ARG and ENV visible to the RUN, over the known ENV of its official base image
    user: str  # the USER in force, expanded when known ("" when no USER instruction sets one)
    root: bool  # the RUN runs as root (a USER whose value is not known is not root)
    home: str | None  # ENV HOME, else /root for root, else None: not known
    image: str  # the repository of the stage's base image: "golang" for golang:1.22-bookworm
    tag: str  # its tag: "1.22-bookworm" ("" when none)

    @classmethod
    def of(cls, model: Model, run: Run) -> Context:
        image, tag = _image_name(_base_image(run.stage))
        env: dict[str, str | None] = {**IMAGE_ENV.get(image, {}), **run.env}
        user, known = user_of(model, run)
        root = known and user.split(":", 1)[0] in ROOT_USERS
        home_value = env.get("HOME")
        home = _plain(expand(home_value, env)[0]) if home_value else ("/root" if root else None)
        return cls(env, user, root, home, image, tag)

    @property
    def uid(self) -> str | None:
        """The numeric ``uid[:gid]`` of a non-root USER, for a cache mount's ``uid=``/``gid=``."""
        uid, _, gid = self.user.partition(":")
        return self.user if uid.isdigit() and (not gid or gid.isdigit()) else None


def _image_name(reference: str) -> tuple[str, str]:
    """``docker.io/library/golang:1.22@sha256:…`` → (``golang``, ``1.22``)."""
    name = reference.split("@", 1)[0].rsplit("/", 1)[-1]
    repository, _, tag = name.partition(":")
    return repository.lower(), tag


def _base_image(stage: Stage | None) -> str:
    return stage.chain[-1].image if stage is not None else ""


def user_of(model: Model, run: Run) -> tuple[str, bool]:
    """The USER in force for ``run`` (from its stage and the stages it is built FROM), expanded, and
    whether its value is known ("" when no USER is given: the base image's)."""
    before = run.holder.span.start
    for stage in run.stage.chain if run.stage is not None else []:
        users = stage.users
        last = bisect.bisect_left(users, before, key=lambda inst: inst.span.start)
        if last:
            raw = users[last - 1].args.strip()
            value, known = expand(raw, run.env)
            return (value if known else raw), known
        before = len(model.text)  # in a stage it is built FROM, every USER counts
    return "", True


# --------------------------------------------------------------------------- paths


def _plain(path: str | None) -> str | None:
    """``path`` normalised when it is absolute and needs no quoting, else None."""
    if path and _PLAIN_PATH.fullmatch(path):
        return posixpath.normpath(path)
    return None


def resolve_path(word: str, env: Env, home: str | None) -> str | None:
    """An argument such as ``~/.npm``, ``$HOME/.cache`` or ``${GOPATH}/pkg`` as an absolute path, when
    it can be known (:data:`UNKNOWN_HOME` for an unknown home)."""
    word = _HOME_PREFIX.sub(home or UNKNOWN_HOME, word, count=1)
    if "$" in word:
        word, known = expand(word, env)
        if not known:
            return None
    return posixpath.normpath(word) if word.startswith("/") else None


def covers(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or a folder above it (``/*`` after it: its contents)."""
    path = posixpath.normpath(path.removesuffix("/*"))
    return path != "/" and (path == folder or folder.startswith(path.rstrip("/") + "/"))


def _locate(env: Env, home: str, *candidates: tuple[str, str]) -> str | None:
    """The first candidate that applies, as ``(where, suffix)``: a variable (it decides when it is set,
    known or not), ``~`` for the home folder, or an absolute path."""
    for where, suffix in candidates:
        if where == "~":
            return _plain(home + suffix)
        if where.startswith("/"):
            return _plain(where + suffix)
        if where in env:
            value = env[where]
            if not value:
                return None
            expanded, known = expand(_unquote(value), {"HOME": home, **env})
            if not known:
                return None
            if where == "GOPATH":  # a list: modules go in the first entry
                expanded = expanded.split(":", 1)[0]
            return _plain(expanded + suffix)
    return None


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"" else value


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Call:
    """A command of a tool, split: what invokes it (``python3 -m pip``), its options and positionals."""

    program: tuple[Word, ...]
    options: Options

    @property
    def positionals(self) -> list[str]:
        return self.options.positionals


Dirs = Callable[[Context, Env, Call], "tuple[str | None, ...]"]


@dataclass(frozen=True, eq=False)
class Tool:
    """A package tool and what this module knows about its cache."""

    name: str  # "pip", "go" … (as in messages: "pip's cache")
    programs: frozenset[str]  # the command names that run it
    valued: frozenset[str]  # its options that take a value
    downloads: Callable[[Call], bool]  # whether a call downloads packages
    dirs: Dirs  # where a call keeps them: None for a folder that is not known
    # Options that make one command do without the cache; variables that turn it off for a RUN.
    no_cache: frozenset[str] = frozenset()
    no_cache_env: tuple[str, ...] = ()
    # A command of the tool that deletes the cache: its first positionals (`cache clean`).
    cleans: tuple[tuple[str, ...], ...] = ()
    # Subfolders whose deletion counts as deleting the cache (npm's `_cacache`, apt's lists).
    contents: tuple[str, ...] = ()
    # Folders the tool may use instead on other systems, whose removal counts as deleting the cache too.
    alternatives: tuple[str, ...] = ()
    mount_options: str = ""  # extra options of its cache mounts (`sharing=locked`)
    # Later commands of the tool read what this one downloaded (go modules, apt's package lists), so
    # they need the same cache mount; otherwise only an `--offline` command does.
    shared: bool = False
    # The cache is also where the dependencies are used from (go modules, Maven's repository): an image
    # may need it at run time (`go run`, `mvn -o`), or as a base for other builds.
    store: bool = False


def _positional(*names: str) -> Callable[[Call], bool]:
    wanted = frozenset(names)
    return lambda call: bool(call.positionals) and call.positionals[0] in wanted


def _not_offline(test: Callable[[Call], bool], *offline: str) -> Callable[[Call], bool]:
    flags = frozenset(offline or ("--offline",))
    return lambda call: flags.isdisjoint(call.options.flags) and flags.isdisjoint(call.options.values) and test(call)


def _option(call: Call, *names: str) -> str | None:
    value = call.options.first(*names)
    return None if value is None else (_plain(value) or "")


def _pip_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "--cache-dir")
    if option is not None:
        return (option or None,)
    return (_locate(env, _home(ctx), ("PIP_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/pip"), ("~", "/.cache/pip")),)


def _home(ctx: Context) -> str:
    return ctx.home or UNKNOWN_HOME


def _uv_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "--cache-dir")
    if option is not None:
        return (option or None,)
    return (_locate(env, _home(ctx), ("UV_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/uv"), ("~", "/.cache/uv")),)


def _poetry_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    # Not the whole cache folder: its virtualenvs/ holds the project's environment.
    base = _locate(env, _home(ctx), ("POETRY_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/pypoetry"),
                   ("~", "/.cache/pypoetry"))
    return (base and base + "/cache", base and base + "/artifacts")


def _pipenv_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    own = _locate(env, _home(ctx), ("PIPENV_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/pipenv"),
                  ("~", "/.cache/pipenv"))
    return (own, *_pip_dirs(ctx, env, Call(call.program, Options())))


def _npm_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "--cache")
    if option is not None:
        return (option or None,)
    return (_locate(env, _home(ctx), ("npm_config_cache", ""), ("NPM_CONFIG_CACHE", ""), ("~", "/.npm")),)


def _yarn_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "--cache-folder")
    if option is not None:
        return (option or None,)
    # Yarn 1 takes /usr/local/share for root's home folder on Linux.
    default = ("/usr/local/share", "/.cache/yarn") if ctx.root else ("~", "/.cache/yarn")
    return (_locate(env, _home(ctx), ("YARN_CACHE_FOLDER", ""), ("XDG_CACHE_HOME", "/yarn"), default),)


def _pnpm_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "--store-dir")
    if option is not None:
        return (option or None,)
    return (_locate(env, _home(ctx), ("npm_config_store_dir", ""), ("NPM_CONFIG_STORE_DIR", ""),
                    ("PNPM_HOME", "/store"), ("XDG_DATA_HOME", "/pnpm/store"), ("~", "/.local/share/pnpm/store")),)


GO_BUILDS = frozenset({"build", "install", "get", "test", "run", "vet", "generate"})
GO_MOD_DOWNLOADS = frozenset({"download", "tidy", "vendor"})


def _go_downloads(call: Call) -> bool:
    words = call.positionals
    return bool(words) and (words[0] in GO_BUILDS or (words[0] == "mod" and words[1:2] in (
        [sub] for sub in GO_MOD_DOWNLOADS)))


def _go_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    home = _home(ctx)
    modules = _locate(env, home, ("GOMODCACHE", ""), ("GOPATH", "/pkg/mod"), ("~", "/go/pkg/mod"))
    if call.positionals[:1] == ["mod"]:
        return (modules,)
    return (modules, _locate(env, home, ("GOCACHE", ""), ("XDG_CACHE_HOME", "/go-build"), ("~", "/.cache/go-build")))


CARGO_DOWNLOADS = frozenset({"build", "b", "check", "c", "clippy", "doc", "d", "fetch", "install", "run", "r",
                             "test", "t", "bench", "update", "vendor", "generate-lockfile"})


def _cargo_downloads(call: Call) -> bool:
    words = [word for word in call.positionals if not word.startswith("+")]  # `cargo +nightly build`
    return bool(words) and words[0] in CARGO_DOWNLOADS and not call.options.has("--offline", "--frozen")


def _cargo_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    base = _locate(env, _home(ctx), ("CARGO_HOME", ""), ("~", "/.cargo"))
    return (base and base + "/registry", base and base + "/git")


def _maven_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    for define in call.options.get("-D", "--define"):
        key, _, value = define.partition("=")
        if key == "maven.repo.local":
            return (_plain(value),)
    # Not ~/.m2 itself: it also holds settings.xml, which a COPY may have put there.
    return (_locate(env, _home(ctx), ("~", "/.m2/repository")),)


def _gradle_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "-g", "--gradle-user-home")
    base = (option or None) if option is not None else _locate(env, _home(ctx), ("GRADLE_USER_HOME", ""),
                                                               ("~", "/.gradle"))
    # Not the whole user home: gradle.properties and init.d/ may have been copied there.
    wrapper = posixpath.basename(call.program[-1].text) == "gradlew"
    return (base and base + "/caches", *((base and base + "/wrapper",) if wrapper else ()))


def _bundler_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    # Gems are downloaded to $GEM_HOME/cache; under BUNDLE_PATH or --deployment the folder is
    # <path>/ruby/<ruby version>/cache, and the system gem folder depends on the Ruby install.
    if any(name in env for name in ("BUNDLE_PATH", "BUNDLE_DEPLOYMENT")) or call.options.has("--path",
                                                                                          "--deployment"):
        return (None,)
    return (_locate(env, _home(ctx), ("GEM_HOME", "/cache")),)


def _composer_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    return (_locate(env, _home(ctx), ("COMPOSER_CACHE_DIR", ""), ("COMPOSER_HOME", "/cache"),
                    ("XDG_CACHE_HOME", "/composer"), ("~", "/.composer/cache")),)


def _nuget_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    option = _option(call, "--packages")
    if option is not None:
        return (option or None,)
    return (_locate(env, _home(ctx), ("NUGET_PACKAGES", ""), ("~", "/.nuget/packages")),)


def _fixed(*dirs: str) -> Dirs:
    return lambda ctx, env, call: dirs


def _dnf_dirs(ctx: Context, env: Env, call: Call) -> tuple[str | None, ...]:
    name = posixpath.basename(call.program[0].text)
    fedora_dnf5 = ctx.image == "fedora" and not (ctx.tag[:2].isdigit() and int(ctx.tag[:2]) < 41)
    if name == "dnf5" or (name == "dnf" and fedora_dnf5):  # Fedora 41+: dnf is dnf5
        return ("/var/cache/libdnf5",)
    if name == "yum":  # yum 3 (EL7), or dnf under that name (EL8+)
        return ("/var/cache/yum", "/var/cache/dnf")
    return ("/var/cache/yum",) if name == "microdnf" else ("/var/cache/dnf",)


APT_DOWNLOADS = frozenset({"update", "install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade",
                           "build-dep", "source", "download"})
APT_SIMULATE = frozenset({"-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act", "--print-uris"})
DNF_VALUED = frozenset({"-c", "--config", "--installroot", "--releasever", "--setopt", "--repo", "--repoid",
                        "--enablerepo", "--disablerepo", "-x", "--exclude", "-d", "--debuglevel", "-e",
                        "--errorlevel", "--forcearch", "--color", "--destdir", "--downloaddir"})
DNF_DOWNLOADS = frozenset({"install", "in", "reinstall", "upgrade", "up", "update", "groupinstall", "group",
                           "downgrade", "distro-sync", "dsync", "makecache", "mc", "builddep", "module", "swap",
                           "localinstall"})

TOOLS: tuple[Tool, ...] = (
    Tool("pip", frozenset({"pip"}), PIP_VALUED, _positional("install", "download", "wheel"), _pip_dirs,
         frozenset({"--no-cache-dir", "--no-cache"}), ("PIP_NO_CACHE_DIR",), (("cache", "purge"), ("cache", "remove"))),
    Tool("pip-sync", frozenset({"pip-sync"}), PIP_SYNC_VALUED, lambda call: True, _pip_dirs,
         no_cache_env=("PIP_NO_CACHE_DIR",)),
    Tool("uv", frozenset({"uv"}), UV_VALUED,
         _not_offline(lambda call: call.positionals[:1] in (["sync"], ["add"], ["lock"], ["run"])
                      or call.positionals[:2] in (["pip", "install"], ["pip", "sync"], ["pip", "compile"],
                                                  ["tool", "install"])),
         _uv_dirs, frozenset({"--no-cache", "-n"}), ("UV_NO_CACHE",), (("cache", "clean"), ("cache", "prune"))),
    Tool("poetry", frozenset({"poetry"}), POETRY_VALUED, _positional("install", "add", "update", "lock", "sync"),
         _poetry_dirs, frozenset({"--no-cache"}), cleans=(("cache", "clear"),)),
    Tool("pipenv", frozenset({"pipenv"}), PIPENV_VALUED, _positional("install", "sync", "update", "lock", "upgrade"),
         _pipenv_dirs, no_cache_env=("PIP_NO_CACHE_DIR",)),
    Tool("npm", frozenset({"npm"}), NPM_VALUED,
         _not_offline(_positional(*NPM_INSTALL, *NPM_CLEAN_INSTALL, "update", "up", "upgrade", "udpate", "install-test",
                                  "it", "install-ci-test", "cit")),
         _npm_dirs, cleans=(("cache", "clean"), ("cache", "clear"), ("cache", "rm")), contents=("_cacache",)),
    Tool("yarn", frozenset({"yarn", "yarnpkg"}), YARN_VALUED,
         _not_offline(lambda call: not call.positionals or call.positionals[0] in (
             "install", "add", "upgrade", "global", "import")),
         _yarn_dirs, cleans=(("cache", "clean"),)),
    Tool("pnpm", frozenset({"pnpm"}), PNPM_VALUED,
         _not_offline(_positional("install", "i", "add", "update", "up", "upgrade", "fetch", "install-test", "it")),
         _pnpm_dirs, cleans=(("store", "prune"),)),
    Tool("go", frozenset({"go"}), frozenset({"-C", "-o", "-p", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile",
                                            "-run", "-count", "-timeout", "-exec", "-pkgdir", "-overlay"}),
         _go_downloads, _go_dirs, shared=True, store=True),
    Tool("cargo", frozenset({"cargo"}), CARGO_VALUED, _cargo_downloads, _cargo_dirs, shared=True, store=True),
    Tool("maven", frozenset({"mvn", "mvnw"}), MAVEN_VALUED,
         _not_offline(lambda call: bool(call.positionals), "-o", "--offline"), _maven_dirs, shared=True, store=True),
    Tool("gradle", frozenset({"gradle", "gradlew"}), GRADLE_VALUED,
         _not_offline(lambda call: bool(call.positionals)), _gradle_dirs, shared=True, store=True),
    Tool("bundler", frozenset({"bundle", "bundler"}), BUNDLE_VALUED,
         _not_offline(lambda call: not call.positionals or call.positionals[0] in (
             "install", "i", "update", "cache", "package"), "--local"),
         _bundler_dirs),
    Tool("composer", frozenset({"composer", "composer.phar"}), COMPOSER_VALUED,
         _positional("install", "i", "update", "u", "upgrade", "require", "r", "create-project", "reinstall"),
         _composer_dirs, frozenset({"--no-cache"}), cleans=(("clear-cache",), ("clearcache",), ("cc",))),
    Tool("nuget", frozenset({"dotnet", "nuget"}), DOTNET_VALUED,
         _not_offline(_positional("restore", "build", "publish", "test", "run", "pack"), "--no-restore"),
         _nuget_dirs, cleans=(("nuget", "locals"), ("locals",)), shared=True, store=True),
    Tool("apt", frozenset({"apt-get", "apt", "apt-cache", "aptitude"}), APT_VALUED,
         lambda call: (call.positionals[:1] != [] and call.positionals[0] in APT_DOWNLOADS
                       and posixpath.basename(call.program[0].text) in ("apt-get", "apt")
                       and APT_SIMULATE.isdisjoint(call.options.flags)),
         _fixed("/var/cache/apt", "/var/lib/apt"), cleans=(("clean",), ("autoclean",), ("dist-clean",)),
         contents=("lists", "archives"), mount_options="sharing=locked", shared=True),
    Tool("apk", frozenset({"apk"}), APK_VALUED,
         _not_offline(_positional("add"), "--no-network"), _fixed("/var/cache/apk"), frozenset({"--no-cache"}),
         cleans=(("cache", "clean"), ("cache", "purge"))),
    Tool("dnf", frozenset({"dnf", "dnf-3", "dnf5", "yum", "microdnf"}), DNF_VALUED,
         _not_offline(_positional(*DNF_DOWNLOADS), "-C", "--cacheonly"), _dnf_dirs, cleans=(("clean", "all"),),
         alternatives=("/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum")),
)
_BY_PROGRAM: dict[str, Tool] = {program: tool for tool in TOOLS for program in tool.programs}


def call_of(command: ShellCommand) -> tuple[Tool, Call] | None:
    """The tool ``command`` runs (``pip3.12``, ``python3 -m pip``, ``./mvnw``, ``php composer.phar``), with
    its options and positionals."""
    memo = _calls.get(id(command))
    if memo is not None and memo[0] is command:
        return memo[1]
    found = _call_of(command)
    if len(_calls) > 4096:  # the rules of one analysis ask about the same commands: keep those
        _calls.clear()
    _calls[id(command)] = (command, found)  # holding the command keeps its id from being reused
    return found


_calls: dict[int, tuple[ShellCommand, tuple[Tool, Call] | None]] = {}


def _call_of(command: ShellCommand) -> tuple[Tool, Call] | None:
    name = command.name
    words = command.words
    skip = 1
    tool = _BY_PROGRAM.get(name)
    if tool is None:
        if name.startswith("pip") and PIP_RE.fullmatch(name):
            tool = _BY_PROGRAM["pip"]
        elif (name.startswith("python") and len(words) > 2 and words[1].text == "-m" and PYTHON_RE.fullmatch(name)
              and PIP_RE.fullmatch(words[2].text)):
            tool, skip = _BY_PROGRAM["pip"], 3
        elif name == "php" and len(words) > 1 and words[1].text.endswith("composer.phar"):
            tool, skip = _BY_PROGRAM["composer"], 2
        else:
            return None
    return tool, Call(words[:skip], parse_options([word.text for word in words[skip:]], tool.valued))


def tool_of(command: ShellCommand) -> Tool | None:
    """The package tool ``command`` runs, whatever it does."""
    found = call_of(command)
    return found[0] if found else None


def downloading_tool(command: ShellCommand) -> Tool | None:
    """The tool when ``command`` downloads packages with it (``npm ci``, ``go build``, ``apk add``)."""
    found = call_of(command)
    return found[0] if found is not None and found[0].downloads(found[1]) else None


def _command_env(ctx: Context, command: ShellCommand) -> Env:
    """The environment of one command: the RUN's, and its own ``NAME=value`` prefix."""
    if not command.assignments:
        return ctx.env
    env = ctx.env.copy()
    for item in command.assignments:
        name, _, value = item.partition("=")
        env[name] = expand(_unquote(value), env)[0]
    return env


def cache_dirs(tool: Tool, command: ShellCommand, ctx: Context) -> tuple[str, ...] | None:
    """The folders ``command`` keeps ``tool``'s downloads in; None when one of them is not known (a
    variable without a known value, a relative path …). Under an unknown home folder, paths start with
    :data:`UNKNOWN_HOME`."""
    found = call_of(command)
    if found is None:
        return None
    dirs = tool.dirs(ctx, _command_env(ctx, command), found[1])
    if any(folder is None for folder in dirs):
        return None
    return tuple(dict.fromkeys(folder for folder in dirs if folder is not None))


def no_cache_options(tool: Tool, command: ShellCommand) -> tuple[Word, ...]:
    """The words of ``command`` that make it do without its cache (``--no-cache-dir``)."""
    if not tool.no_cache:
        return ()
    return tuple(word for word in command.args
                 if word.text in tool.no_cache or word.text.partition("=")[0] in tool.no_cache)


def cache_disabled(tool: Tool, command: ShellCommand, ctx: Context, script: str) -> bool:
    """Whether the environment turns ``tool``'s cache off for ``command``: a variable such as
    ``PIP_NO_CACHE_DIR`` with a value in the RUN's ARG/ENV or its prefix, or set anywhere in the RUN's
    ``script`` (``export``, ``env``). pip takes any non-empty value as "off", ``0`` included; an ARG
    without default counts (its value comes with ``--build-arg``). ``COMPOSER_CACHE_DIR=/dev/null``
    and ``GOCACHE=off`` count too."""
    env = _command_env(ctx, command)
    for name in tool.no_cache_env:
        if (name in env and env[name] != "") or _assigned(name).search(script):
            return True
    if tool.name == "composer":
        return env.get("COMPOSER_CACHE_DIR") == "/dev/null"
    return tool.name == "go" and env.get("GOCACHE") == "off"


@cache
def _assigned(name: str) -> re.Pattern[str]:
    """``NAME=`` followed by a value, anywhere in a script (``export``, ``env``, a prefix)."""
    return re.compile(rf"(?<![\w$]){name}=(?=[^\s;&|)])")


def clears_cache(tool: Tool, command: ShellCommand, dirs: tuple[str, ...], ctx: Context) -> bool:
    """Whether ``command`` deletes ``tool``'s cache: its own cleanup (``npm cache clean``, ``apt-get clean``,
    ``dnf clean all``), or an ``rm`` of one of ``dirs``, a folder above it, its contents or its main
    subfolder (npm's ``_cacache``, apt's ``/var/lib/apt/lists``)."""
    if command.name == "rm":
        env = _command_env(ctx, command)
        for word in command.args:
            path = None if word.text.startswith("-") else resolve_path(word.text, env, ctx.home)
            if path is None:
                continue
            removed = posixpath.normpath(path.removesuffix("/*"))
            if any(covers(path, folder) or removed in (f"{folder}/{sub}" for sub in tool.contents)
                   for folder in (*dirs, *tool.alternatives)):
                return True
        return False
    found = call_of(command)
    if found is None or found[0] is not tool:
        return False
    call = found[1]
    if tool.name == "go":
        return call.positionals[:1] == ["clean"] and call.options.has("-modcache", "-cache")
    if tool.name == "maven":
        return "dependency:purge-local-repository" in call.positionals
    if tool.name == "nuget" and not any(word.text in ("--clear", "-clear") for word in command.args):
        return False  # `nuget locals all -list` only lists them
    return any(call.positionals[: len(clean)] == list(clean) for clean in tool.cleans)
