"""Package managers' command lines: what an ``apt-get``, ``apk`` or ``pip`` command asks for.

- :func:`apt_subcommand`, :func:`apk_applet`, :func:`pip_install` — the subcommand of a command line, past
  the general options before it;
- :func:`apt_call` — the options of an ``apt-get``/``apt`` command as apt reads them (:class:`AptCall`),
  :func:`apt_bool` — a value as apt reads a boolean, and :func:`configured_value` — a setting of an
  apt.conf snippet written earlier in the build;
- :func:`options_and_operands` and :func:`package_names` — a command's options and operands, and the
  package names among the operands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from dockls.model import Model, Run, Scope, Stage, expand
from dockls.shell import ShellCommand, Word, first_operand
from dockls.syntax import Instruction

# --------------------------------------------------------------------------- apt

APT_TOOLS = frozenset({"apt-get", "apt", "aptitude"})
# Options of apt-get/apt/aptitude whose value is the next word.
APT_VALUED = frozenset({
    "-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release",
    "-a", "--host-architecture",
})
# Subcommands that need the package lists (apt-cache needs them for everything).
LIST_READERS = frozenset({
    "install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download",
    "satisfy", "changelog", "search", "show", "showsrc", "policy",
})


def apt_subcommand(command: ShellCommand) -> str | None:
    """``install`` for ``apt-get -y -o X=Y install …``; None when ``command`` is not an apt tool."""
    if command.name not in APT_TOOLS:
        return None
    word = first_operand(command.args, APT_VALUED)
    return word.text if word is not None else None


# The tools whose command line apt_call reads.
APT_CALL_TOOLS = frozenset({"apt-get", "apt"})
# Short options of apt/apt-get whose value is the rest of the word or the next word.
_SHORT_WITH_VALUE = frozenset("octa")
_LONG_WITH_VALUE = frozenset({
    "option", "config-file", "target-release", "default-release", "host-architecture",
})
_SIMULATE_LONG = frozenset({"simulate", "just-print", "dry-run", "recon", "no-act"})
# apt's StringToBool: these words, else a number (non-zero is true).
_FALSE_WORDS = frozenset({"no", "false", "without", "off", "disable"})
_TRUE_WORDS = frozenset({"yes", "true", "with", "on", "enable"})


def apt_bool(value: str, default: bool) -> bool:
    value = value.strip().lower()
    if value in _FALSE_WORDS:
        return False
    if value in _TRUE_WORDS:
        return True
    return int(value) != 0 if value.isdigit() else default


@dataclass
class AptCall:
    """The options of an ``apt-get``/``apt`` command line as apt's own parser reads them."""

    subcommand: Word | None = None
    short: str = ""  # every short option letter given, clusters split (``-qy`` → "qy")
    long: dict[str, str] = field(default_factory=dict)  # ``--name[=value]`` → value ("" when none)
    config: dict[str, str] = field(default_factory=dict)  # ``-o Key=Value``, keys lower-cased
    quiet: int = 0

    @property
    def simulated(self) -> bool:
        return "s" in self.short or any(name in _SIMULATE_LONG for name in self.long)

    def setting(self, long_name: str, config_key: str) -> str | None:
        """The value ``--long_name`` or ``-o config_key=…`` gives (``"true"`` for a bare flag)."""
        if long_name in self.long:
            return self.long[long_name] or "true"
        return self.config.get(config_key)


def apt_call(command: ShellCommand) -> AptCall | None:
    """The parsed options of an ``apt-get``/``apt`` command; None for any other command."""
    if command.name not in APT_CALL_TOOLS:
        return None
    call = AptCall()
    words = [word.text for word in command.args]
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word[2:].partition("=")
            name = name.lower()
            if not eq and name in _LONG_WITH_VALUE and i + 1 < len(words):
                i += 1
                value = words[i]
            if name == "option":
                _set_config(call, value)
            elif name == "quiet":
                call.quiet = int(value) if value.isdigit() else call.quiet + 1
            else:
                call.long[name] = value
        elif word.startswith("-") and len(word) > 1:
            letters = word[1:]
            for k, letter in enumerate(letters):
                if letter in _SHORT_WITH_VALUE:
                    value = letters[k + 1 :].removeprefix("=")
                    if not value and i + 1 < len(words):
                        i += 1
                        value = words[i]
                    if letter == "o":
                        _set_config(call, value)
                    break
                if letter == "q" and letters[k + 1 : k + 2] == "=":
                    call.quiet = int(letters[k + 2 :]) if letters[k + 2 :].isdigit() else call.quiet + 1
                    break
                call.quiet += letter == "q"
                call.short += letter
        elif call.subcommand is None:
            call.subcommand = command.args[i]
        i += 1
    configured_quiet = call.config.get("quiet", "")
    if configured_quiet.isdigit():
        call.quiet = max(call.quiet, int(configured_quiet))
    return call


def _set_config(call: AptCall, item: str) -> None:
    key, eq, value = item.partition("=")
    if eq:
        call.config[key.strip().lower()] = value


def configured_value(model: Model, run: Run, offset: int, pattern: re.Pattern[str]) -> str | None:
    """The value (group 1 of ``pattern``) of the last apt.conf line matching ``pattern`` written before
    ``offset`` of ``run``: earlier in the RUN, in an earlier instruction of its stage or in a stage it is
    built FROM."""
    chain = run.stage.chain if run.stage is not None else []
    before = run.holder.span.start
    value: str | None = None
    for setting in _settings(model, pattern):  # in file order: the last one wins
        inst = setting.instruction
        if (before <= setting.start and setting.end <= offset) or (
                setting.stage in chain and (setting.stage is not run.stage or inst.span.end <= before)):
            value = setting.value
    return value


@dataclass(frozen=True)
class _Setting:
    start: int
    end: int
    value: str
    instruction: Instruction  # the top-level instruction the match lies in
    stage: Stage


_SETTINGS: WeakKeyDictionary[Model, dict[re.Pattern[str], list[_Setting]]] = WeakKeyDictionary()


def _settings(model: Model, pattern: re.Pattern[str]) -> list[_Setting]:
    """Every match of ``pattern`` inside an instruction of a stage, found once per model: asked for
    each RUN, a scan of the earlier instructions would cost quadratic time."""
    cached = _SETTINGS.setdefault(model, {})
    if pattern not in cached:
        cached[pattern] = [
            _Setting(match.start(), match.end(), match.group(1), inst, stage)
            for stage in model.stages for inst in stage.instructions
            for match in pattern.finditer(model.text, inst.span.start, inst.span.end)
        ]
    return cached[pattern]


# --------------------------------------------------------------------------- apk

# apk's general options whose value is the next word (they may come before the applet).
APK_VALUED = frozenset({
    "-X", "--repository", "-p", "--root", "--arch", "--keys-dir", "--repositories-file", "--cache-dir",
    "--cache-max-age", "--wait", "--timeout",
})


def apk_applet(command: ShellCommand) -> Word | None:
    """The applet word (``add``, ``update``, ``del`` …) of an ``apk`` command."""
    if command.name != "apk":
        return None
    return first_operand(command.args, APK_VALUED)


# --------------------------------------------------------------------------- pip

PIP_RE = re.compile(r"pip(\d+(\.\d+)?)?")
PYTHON_RE = re.compile(r"python(\d+(\.\d+)?)?")
# pip's general options whose value is the next word (they may come before the subcommand).
PIP_GENERAL_VALUED = frozenset({
    "--python", "--log", "--log-file", "--proxy", "--retries", "--timeout", "--exists-action",
    "--trusted-host", "--cert", "--client-cert", "--cache-dir", "--use-feature", "--use-deprecated",
})


def pip_install(command: ShellCommand) -> Word | None:
    """The ``install`` word of a ``pip install`` / ``python -m pip install`` command."""
    words = list(command.args)
    if PYTHON_RE.fullmatch(command.name):
        at = next((i for i, word in enumerate(words) if word.text in ("-m", "-mpip")), None)
        if at is None or any(not word.text.startswith("-") or word.text == "-c" for word in words[:at]):
            return None
        if words[at].text == "-m":
            if at + 1 >= len(words) or words[at + 1].text not in ("pip", "pip3"):
                return None
            at += 1
        words = words[at + 1 :]
    elif not PIP_RE.fullmatch(command.name):
        return None
    word = first_operand(words, PIP_GENERAL_VALUED)
    return word if word is not None and word.text == "install" else None


# --------------------------------------------------------------------------- operands


def options_and_operands(words: tuple[Word, ...] | list[Word], value_options: frozenset[str]) -> tuple[
        list[tuple[str, str]], list[Word]]:
    """Split a command's words into (option, value) pairs and operands, the way getopt does: ``--opt=value``,
    ``--opt value``, ``-o value``, ``-ovalue`` and bundles such as ``-fsSLo file`` (``value_options`` names
    the options that take a value)."""
    options: list[tuple[str, str]] = []
    operands: list[Word] = []
    takes: str | None = None
    ended = False
    for word in words:
        text = word.text
        if takes is not None:
            options.append((takes, text))
            takes = None
        elif ended or not text.startswith("-") or text == "-":
            operands.append(word)
        elif text == "--":
            ended = True
        elif text.startswith("--"):
            name, eq, value = text.partition("=")
            if eq or name not in value_options:
                options.append((name, value))
            else:
                takes = name
        else:
            for at, letter in enumerate(text[1:], start=2):
                if f"-{letter}" not in value_options:
                    options.append((f"-{letter}", ""))
                elif at < len(text):
                    options.append((f"-{letter}", text[at:]))
                    break
                else:
                    takes = f"-{letter}"
    return options, operands


def package_names(words: list[Word], env: Scope) -> list[tuple[str, Word]]:
    """The package names a package manager's operands name, variables expanded, versions
    (``curl=8.5*``, ``gcc>12``) and architectures (``libc6:amd64``) dropped, with the word each came from.
    Words with unknown variables and local package files are left out."""
    names: list[tuple[str, Word]] = []
    for word in words:
        value, known = expand(word.text, env)
        if not known or "$" in value or "`" in value:
            continue
        for name in value.split():
            name = re.split(r"[=<>~]", name, maxsplit=1)[0].split(":", 1)[0]
            if name and not name.startswith("-") and not name.endswith((".deb", ".rpm", ".apk")):
                names.append((name, word))
    return names
