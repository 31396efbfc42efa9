"""Configuration: which rules run, and at which severity, for one Dockerfile.

A file's configuration is built from layers, each applied over the ones before it:

1. the defaults: every rule, at its own severity;
2. the nearest ``.hadolint.yaml`` (or ``.hadolint.yml``): its ``ignored`` and ``override`` keys act on
   the rules that name those hadolint ids as equivalents;
3. the nearest dockls file: ``.dockls.toml``, or a ``pyproject.toml`` with a ``[tool.dockls]`` table
   (``.dockls.toml`` wins in the same directory). The nearest file wins; files further up are not merged;
4. the editor's settings (language server) or the command-line options (CLI).

Within a layer, ``select`` replaces the set of rules that run, then ``extend-select`` adds to it, then
``ignore`` and the matching ``per-file-ignores`` remove from it; ``rules`` sets severities (or ``off``).
Rules are named by id (``DKL001``), name (``consecutive-run``), category (``size``) or ``ALL``.
The format is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pathspec

from dockls.engine import Config, all_rules
from dockls.rule import Rule, Severity
from dockls.workspace import Workspace, readable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DOCKLS_FILE = ".dockls.toml"
PYPROJECT = "pyproject.toml"
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")

LEVELS: Mapping[str, Severity | None] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
    "hint": Severity.HINT,
    "off": None,
}
# hadolint's levels (``override``) in ours; "style" findings are the least severe.
HADOLINT_LEVELS: Mapping[str, Severity] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.HINT,
}
# Keys a dockls layer understands (editor settings may spell them in camelCase).
_KEYS = frozenset({"select", "extend-select", "ignore", "rules", "per-file-ignores", "hadolint-config", "context",
                   "max-context-size"})
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?\s*$")
_SIZE_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}
# Editor-only keys, read by the language server itself.
EDITOR_KEYS = frozenset({"configuration-preference"})


class ConfigError(Exception):
    """A configuration file that cannot be read or does not have the documented shape."""


@dataclass(frozen=True)
class PathPattern:
    """A gitignore-style pattern relative to the directory of the file that declares it."""

    pattern: str
    base: Path | None  # None (editor settings): the workspace folder that holds the file

    @cached_property
    def _spec(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines([self.pattern])

    def folder(self, path: Path, roots: Sequence[Path] = ()) -> Path | None:
        """The directory the pattern is relative to, for ``path``; None if the path is outside it."""
        return next((base for base in ([self.base] if self.base is not None else roots)
                     if base == path or base in path.parents), None)

    def matches(self, path: Path, roots: Sequence[Path] = ()) -> bool:
        base = self.folder(path, roots)
        return base is not None and self._spec.match_file(path.relative_to(base).as_posix())


@dataclass(frozen=True)
class PathIgnore(PathPattern):
    """``per-file-ignores``: rules switched off for the paths a pattern matches."""

    rule_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContextRoot(PathPattern):
    """``context``: the build context root of the Dockerfiles a pattern matches, relative to the
    pattern's directory (``context = "."`` applies to every Dockerfile: pattern ``**``)."""

    root: str = "."

    def resolve(self, dockerfile: Path, roots: Sequence[Path] = ()) -> Path:
        base = self.folder(dockerfile, roots) or dockerfile.parent
        return Path(os.path.normpath(base / self.root))


@dataclass(frozen=True)
class Layer:
    """One source of settings, with every rule reference resolved to rule ids."""

    source: str  # a file path, "editor settings" or "command line"
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severities: Mapping[str, Severity | None] = field(default_factory=dict)
    per_file_ignores: tuple[PathIgnore, ...] = ()
    contexts: tuple[ContextRoot, ...] = ()
    max_context_size: int | None = None  # bytes; large-build-context's threshold
    hadolint_config: bool | None = None  # whether .hadolint.yaml files are read (default: yes)
    warnings: tuple[str, ...] = ()


def kebab(key: str) -> str:
    """``extendSelect`` → ``extend-select``; editor settings are camelCase, files kebab-case."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", key).replace("_", "-").lower()


def rules_named(key: str) -> tuple[Rule, ...]:
    """The rules a reference names: an id, a name, a category or ``ALL``."""
    wanted = key.strip().lower()
    if wanted == "all":
        return all_rules()
    return tuple(r for r in all_rules() if wanted in (r.id.lower(), r.name, r.category))


def _string_list(value: object, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ConfigError(f"'{key}' must be a list of rule ids, names or categories")


class _LayerBuilder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.warnings: list[str] = []

    def rule_ids(self, value: object, key: str) -> tuple[str, ...]:
        ids: list[str] = []
        for reference in _string_list(value, key):
            found = rules_named(reference)
            if not found:
                self.warnings.append(f"{key}: unknown rule or category {reference!r}")
            ids.extend(r.id for r in found if r.id not in ids)
        return tuple(ids)

    def severities(self, value: object) -> dict[str, Severity | None]:
        if not isinstance(value, Mapping):
            raise ConfigError("'rules' must be a table of rule = level (error, warning, info, hint or off)")
        severities: dict[str, Severity | None] = {}
        for reference, level in value.items():
            rules = rules_named(str(reference))
            if not rules:
                self.warnings.append(f"rules: unknown rule or category {reference!r}")
                continue
            if not isinstance(level, str) or level.strip().lower() not in LEVELS:
                self.warnings.append(f"rules: {level!r} for {reference} is not one of error, warning, info, "
                                     "hint, off")
                continue
            severities.update((r.id, LEVELS[level.strip().lower()]) for r in rules)
        return severities

    def path_ignores(self, value: object, base: Path | None) -> tuple[PathIgnore, ...]:
        if not isinstance(value, Mapping):
            raise ConfigError("'per-file-ignores' must be a table of pattern = [rules]")
        ignores: list[PathIgnore] = []
        for pattern, rules in value.items():
            ids = self.rule_ids(rules, f"per-file-ignores {pattern!r}")
            ignores.append(PathIgnore(str(pattern), base, ids))
        return tuple(ignores)

    def contexts(self, value: object, base: Path | None) -> tuple[ContextRoot, ...]:
        if isinstance(value, str):
            return (ContextRoot("**", base, value),)
        if not isinstance(value, Mapping) or not all(isinstance(root, str) for root in value.values()):
            raise ConfigError("'context' must be a directory, or a table of pattern = directory")
        return tuple(ContextRoot(str(pattern), base, root) for pattern, root in value.items())


def layer_from_mapping(data: Mapping[str, Any], source: str, base: Path | None) -> Layer:
    """A layer from a ``[tool.dockls]`` table, a ``.dockls.toml`` or the editor's ``dockls`` section.
    Raises ConfigError when a known key has the wrong type; unknown keys and rules become warnings."""
    builder = _LayerBuilder(source)
    # null is "not set" (VS Code sends it for settings the user never set).
    values = {kebab(str(key)): value for key, value in data.items() if value is not None}
    for key in sorted(values.keys() - _KEYS - EDITOR_KEYS):
        builder.warnings.append(f"unknown setting {key!r}")
    select = builder.rule_ids(values["select"], "select") if "select" in values else None
    hadolint = values.get("hadolint-config")
    if hadolint is not None and not isinstance(hadolint, bool):
        raise ConfigError("'hadolint-config' must be true or false")
    return Layer(
        source=source,
        select=select,
        extend_select=builder.rule_ids(values.get("extend-select", []), "extend-select"),
        ignore=builder.rule_ids(values.get("ignore", []), "ignore"),
        severities=builder.severities(values.get("rules", {})),
        per_file_ignores=builder.path_ignores(values.get("per-file-ignores", {}), base),
        contexts=builder.contexts(values.get("context", {}), base),
        max_context_size=_size(values["max-context-size"]) if "max-context-size" in values else None,
        hadolint_config=hadolint,
        warnings=tuple(builder.warnings),
    )


def _size(value: object) -> int:
    """Bytes, from a number or a size like "50 MB" or "1.5GB" (decimal units, as sizes are shown)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE_RE.match(value) if isinstance(value, str) else None
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(f"'max-context-size' must be a positive number of bytes or a size like \"50 MB\", "
                          f"not {value!r}")
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def _equivalents(hadolint_ids: Iterable[object]) -> tuple[str, ...]:
    """Our rules that name one of these hadolint ids as an equivalent; the others have none."""
    wanted = {str(code).strip().upper() for code in hadolint_ids}
    return tuple(r.id for r in all_rules() if wanted.intersection(r.hadolint))


def hadolint_layer(data: object, source: str) -> Layer:
    """A layer from a ``.hadolint.yaml``: ``ignored`` and ``override``; hadolint's other keys
    (trusted registries, label schemas, thresholds) have no counterpart and are left to hadolint."""
    if data is None:
        return Layer(source)
    if not isinstance(data, Mapping):
        raise ConfigError("a hadolint configuration must be a mapping")
    ignored = data.get("ignored") or []
    if not isinstance(ignored, list):
        raise ConfigError("'ignored' must be a list of rule ids")
    override = data.get("override") or {}
    if not isinstance(override, Mapping):
        raise ConfigError("'override' must map error/warning/info/style to lists of rule ids")
    severities: dict[str, Severity | None] = {}
    warnings: list[str] = []
    for level, codes in override.items():
        severity = HADOLINT_LEVELS.get(str(level).lower())
        if severity is None or not isinstance(codes, list):
            warnings.append(f"override: {level!r} is not a list under error, warning, info or style")
            continue
        severities.update((rule_id, severity) for rule_id in _equivalents(codes))
    return Layer(source, ignore=_equivalents(ignored), severities=severities, warnings=tuple(warnings))


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class ConfigFiles:
    """The configuration files that apply to one directory."""

    dockls: Path | None = None
    hadolint: Path | None = None


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


class ConfigFileCache:
    """Reads configuration files once per version (by mtime, size and inode), so that the editor can
    resolve the configuration on every keystroke and still see a file the moment it is saved."""

    def __init__(self) -> None:
        self._loaded: dict[Path, tuple[tuple[int, int, int], Layer | ConfigError | None]] = {}

    def load(self, path: Path) -> Layer | None:
        """The layer in ``path``; None for a pyproject.toml without ``[tool.dockls]``. Raises ConfigError."""
        signature = _signature(path)
        cached = self._loaded.get(path)
        if signature is not None and cached is not None and cached[0] == signature:
            result = cached[1]
        else:
            try:
                result = _read_layer(path)
            except ConfigError as error:
                result = error
            if signature is not None:
                self._loaded[path] = (signature, result)
        if isinstance(result, ConfigError):
            raise result
        return result

    def find(self, directory: Path, stop_at: Path | None = None, workspace: Workspace | None = None) -> ConfigFiles:
        """The nearest dockls and hadolint files at or above ``directory``, not above ``stop_at``;
        files outside ``workspace`` (symlinks resolved) are passed over, unread."""
        # Plain strings and os.path: this runs on every keystroke, and pathlib costs 4x as much here.
        dockls: str | None = None
        hadolint: str | None = None
        folder, stop = str(directory), str(stop_at) if stop_at is not None else None
        while True:
            if dockls is None:
                dockls = next((path for path in (os.path.join(folder, DOCKLS_FILE), os.path.join(folder, PYPROJECT))
                               if self._declares(path, workspace)), None)
            if hadolint is None:
                hadolint = next((path for path in (os.path.join(folder, name) for name in HADOLINT_FILES)
                                 if os.path.isfile(path) and readable(workspace, path)), None)
            parent = os.path.dirname(folder)
            if (dockls and hadolint) or folder == stop or parent == folder:
                break
            folder = parent
        return ConfigFiles(Path(dockls) if dockls else None, Path(hadolint) if hadolint else None)

    def _declares(self, path: str, workspace: Workspace | None) -> bool:
        if not os.path.isfile(path) or not readable(workspace, path):
            return False
        if not path.endswith(PYPROJECT):
            return True
        try:
            return self.load(Path(path)) is not None
        except ConfigError:
            return True  # a broken pyproject.toml is reported, not skipped silently


def _read_layer(path: Path) -> Layer | None:
    import yaml  # here, not at the top: most sessions read no YAML, and it costs start-up ~15 ms

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8")
        if path.name in HADOLINT_FILES:
            return hadolint_layer(yaml.safe_load(text), str(path))
        data = tomllib.loads(text)
        if path.name == PYPROJECT:
            tool = data.get("tool", {})
            section = tool.get("dockls") if isinstance(tool, dict) else None
            if section is None:
                return None
            if not isinstance(section, dict):
                raise ConfigError("[tool.dockls] must be a table")
            data = section
        return layer_from_mapping(data, str(path), path.parent)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {_one_line(str(error))}") from error
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error


def _one_line(message: str) -> str:
    return " ".join(message.split())


# --------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class RuleSetting:
    """Whether a rule runs on a file and at which severity, and which setting decided it."""

    rule: Rule
    enabled: bool
    severity: Severity
    decided_by: str


@dataclass(frozen=True)
class Resolved:
    """The effective configuration for one file."""

    config: Config
    files: tuple[Path, ...]
    rules: tuple[RuleSetting, ...]
    errors: tuple[str, ...] = ()  # configuration files that could not be used
    warnings: tuple[str, ...] = ()
    context: Path | None = None  # the configured build context root, if any
    max_context_size: int | None = None  # the configured large-build-context threshold, if any


def context_root(layers: Sequence[Layer], path: Path, roots: Sequence[Path] = ()) -> Path | None:
    """The build context root configured for the Dockerfile at ``path``: the last matching ``context``
    entry of the last layer that has one wins."""
    found: Path | None = None
    for layer in layers:
        for entry in layer.contexts:
            if entry.matches(path, roots):
                found = entry.resolve(path, roots)
    return found


def resolve(layers: Sequence[Layer], path: Path | None,
            roots: Sequence[Path] = ()) -> tuple[Config, tuple[RuleSetting, ...]]:
    """Apply the layers in order for the file at ``path`` (absolute; None: per-file ignores do not
    apply); ``roots`` are the workspace folders that editor per-file ignores are relative to."""
    rules = all_rules()
    enabled = {r.id: True for r in rules}
    severity = {r.id: r.severity for r in rules}
    decided = dict.fromkeys(enabled, "default")

    def switch(ids: Iterable[str], on: bool, why: str) -> None:
        for rule_id in ids:
            enabled[rule_id] = on
            decided[rule_id] = why

    for layer in layers:
        if layer.select is not None:
            switch((r.id for r in rules if r.id not in layer.select), False, f"select in {layer.source}")
            switch(layer.select, True, f"select in {layer.source}")
        switch(layer.extend_select, True, f"extend-select in {layer.source}")
        switch(layer.ignore, False, f"ignore in {layer.source}")
        for ignore in layer.per_file_ignores:
            if path is not None and ignore.matches(path, roots):
                switch(ignore.rule_ids, False, f"per-file-ignores {ignore.pattern!r} in {layer.source}")
        for rule_id, level in layer.severities.items():
            if level is None:
                switch([rule_id], False, f"rules ({rule_id} = off) in {layer.source}")
            else:
                severity[rule_id] = level
                decided[rule_id] = f"rules in {layer.source}"
    config = Config(
        ignore=frozenset(rule_id for rule_id, on in enabled.items() if not on),
        severities={r.id: severity[r.id] for r in rules if severity[r.id] is not r.severity},
    )
    settings = tuple(RuleSetting(r, enabled[r.id], severity[r.id], decided[r.id]) for r in rules)
    return config, settings


def _warnings(layers: Sequence[Layer]) -> tuple[str, ...]:
    return tuple(f"{layer.source}: {warning}" for layer in layers for warning in layer.warnings)


@dataclass
class Configuration:
    """Resolves the configuration of each file: the files found for it between the ``before`` and
    ``after`` layers. ``isolated`` reads no files; ``config_file`` replaces the search with one file."""

    before: Sequence[Layer] = ()
    after: Sequence[Layer] = ()
    isolated: bool = False
    config_file: Path | None = None
    roots: Sequence[Path] = ()  # the search for files stops at the root that holds the file
    cache: ConfigFileCache = field(default_factory=ConfigFileCache)
    _resolved: dict[tuple[tuple[int, ...], Path | None],
                    tuple[tuple[Layer, ...], Config, tuple[RuleSetting, ...]]] = field(
        default_factory=dict, init=False, repr=False)

    def files_for(self, path: Path | None, workspace: Workspace | None = None) -> ConfigFiles:
        if self.isolated:
            return ConfigFiles()
        if self.config_file is not None:
            if self.config_file.name in HADOLINT_FILES:
                return ConfigFiles(hadolint=self.config_file)
            return ConfigFiles(dockls=self.config_file)
        directory = (path.parent if path is not None else Path.cwd()).absolute()
        stop_at = next((root for root in self.roots if directory == root or root in directory.parents), None)
        return self.cache.find(directory, stop_at, workspace)

    def for_path(self, path: Path | None, workspace: Workspace | None = None) -> Resolved:
        """The effective configuration for the Dockerfile at ``path`` (None: no file, e.g. stdin
        without a name; files are then searched from the working directory), from the files inside
        ``workspace`` (None: from any file)."""
        absolute = Path(os.path.abspath(path)) if path is not None else None
        files = self.files_for(absolute, workspace)
        layers: list[Layer] = []
        errors: list[str] = []
        dockls = self._load(files.dockls, errors)
        wants_hadolint = all(layer.hadolint_config is not False for layer in (*self.before, *self.after))
        if dockls is not None and dockls.hadolint_config is False:
            wants_hadolint = False
        hadolint = self._load(files.hadolint, errors) if wants_hadolint else None
        layers.extend(layer for layer in (*self.before, hadolint, dockls, *self.after) if layer is not None)
        # Unchanged files give the same layer objects, so their identities make the key; each entry
        # keeps its layers alive, so that no new layer can be given the id of one in the key.
        key = (tuple(map(id, layers)), absolute)
        if key not in self._resolved:
            if len(self._resolved) > 1024:
                self._resolved.clear()
            self._resolved[key] = (tuple(layers), *resolve(layers, absolute, self.roots))
        _, config, settings = self._resolved[key]
        used = tuple(Path(layer.source) for layer in (hadolint, dockls) if layer is not None)
        warnings = _warnings(layers)
        context = context_root(layers, absolute, self.roots) if absolute is not None else None
        size = next((layer.max_context_size for layer in reversed(layers) if layer.max_context_size), None)
        return Resolved(config, used, settings, tuple(errors), warnings, context, size)

    def for_no_file(self) -> Resolved:
        """The configuration of a document that is not a file (e.g. unsaved): no files apply."""
        layers = [*self.before, *self.after]
        config, settings = resolve(layers, None)
        warnings = _warnings(layers)
        return Resolved(config, (), settings, (), warnings)

    def _load(self, path: Path | None, errors: list[str]) -> Layer | None:
        if path is None:
            return None
        try:
            return self.cache.load(path)
        except ConfigError as error:
            errors.append(str(error))
            return None
