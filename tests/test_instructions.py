"""The instruction knowledge base: consistent with the parser, complete, and its near-miss finder."""

from __future__ import annotations

import pytest

from dockls.instructions import INSTRUCTIONS, MOUNT_KEYS, MOUNT_TYPES, FlagSpec, MountOption, suggestion
from dockls.syntax import KNOWN_INSTRUCTIONS


def flag(instruction: str, name: str) -> FlagSpec:
    found = INSTRUCTIONS[instruction].flag(name)
    assert found is not None, f"{instruction} --{name}"
    return found


def option(mount: str, key: str) -> MountOption:
    found = MOUNT_TYPES[mount].option(key)
    assert found is not None, f"{mount} {key}"
    return found


def test_the_instructions_are_those_the_parser_knows() -> None:
    assert set(INSTRUCTIONS) == KNOWN_INSTRUCTIONS
    assert all(name == spec.name for name, spec in INSTRUCTIONS.items())


def test_flags_per_instruction() -> None:
    flags = {name: [flag.name for flag in spec.flags] for name, spec in INSTRUCTIONS.items() if spec.flags}
    assert flags == {
        "ADD": ["chown", "chmod", "link", "checksum", "keep-git-dir", "parents", "exclude", "unpack"],
        "ARG": ["required"],
        "COPY": ["from", "chown", "chmod", "link", "parents", "exclude"],
        "FROM": ["platform"],
        "HEALTHCHECK": ["interval", "timeout", "start-period", "start-interval", "retries"],
        "RUN": ["mount", "network", "security", "device"],
    }
    assert INSTRUCTIONS["RUN"].flag("network") is not None and INSTRUCTIONS["RUN"].flag("from") is None
    assert not INSTRUCTIONS["STOPSIGNAL"].checks_flags


def test_every_entry_has_a_one_line_description() -> None:
    descriptions = [spec.description for spec in INSTRUCTIONS.values()]
    descriptions += [flag.description for spec in INSTRUCTIONS.values() for flag in spec.flags]
    descriptions += [mount.description for mount in MOUNT_TYPES.values()]
    descriptions += [option.description for mount in MOUNT_TYPES.values() for option in mount.options]
    assert all(text and "\n" not in text and len(text) <= 110 for text in descriptions)


def test_flag_kinds_and_values() -> None:
    run = INSTRUCTIONS["RUN"]
    assert [(f.name, f.kind, f.needs_value) for f in run.flags if f.name in ("mount", "network")] == [
        ("mount", "repeatable", True), ("network", "string", True)]
    assert flag("RUN", "network").values == ("default", "none", "host")
    assert flag("RUN", "security").values == ("sandbox", "insecure")
    assert [f.name for f in run.flags if f.labs] == ["device"]
    assert flag("COPY", "link").kind == "bool" and not flag("COPY", "link").needs_value


@pytest.mark.parametrize(("mount", "keys"), [
    ("bind", {"type", "target", "dst", "destination", "source", "src", "from", "rw", "readwrite", "readonly", "ro"}),
    ("cache", {"type", "id", "target", "dst", "destination", "readonly", "ro", "rw", "readwrite", "sharing", "from",
               "source", "src", "mode", "uid", "gid"}),
    ("tmpfs", {"type", "target", "dst", "destination", "size", "readonly", "ro", "rw", "readwrite"}),
    ("secret", {"type", "id", "source", "src", "target", "dst", "destination", "env", "required", "mode", "uid",
                "gid"}),
    ("ssh", {"type", "id", "target", "dst", "destination", "required", "mode", "uid", "gid"}),
])
def test_mount_types_and_their_keys(mount: str, keys: set[str]) -> None:
    spec = MOUNT_TYPES[mount]
    assert set(spec.keys) == keys
    # A key is either used by the type, refused by BuildKit on it, or accepted without effect.
    assert not spec.rejected & keys and spec.rejected <= MOUNT_KEYS
    assert option(mount, "dst") is option(mount, "target")


def test_mount_option_values() -> None:
    assert option("cache", "sharing").values == ("shared", "private", "locked")
    assert [option("cache", k).kind for k in ("mode", "uid", "ro")] == ["octal", "decimal", "bool"]
    assert option("secret", "required").kind == "bool"
    assert set(MOUNT_TYPES) == {"bind", "cache", "tmpfs", "secret", "ssh"}


@pytest.mark.parametrize(("word", "expected"), [
    ("COPPY", "COPY"),
    ("coppy", "COPY"),  # case-insensitive; the candidate comes back as given
    ("FORM", "FROM"),  # a swap of neighbours is one edit
    ("WROKDIR", "WORKDIR"),
    ("ENTRYPONT", "ENTRYPOINT"),
    ("HEALTHCHEK", "HEALTHCHECK"),
    ("MAINTANER", "MAINTAINER"),
    ("ENTRY", "ENTRYPOINT"),  # a prefix of exactly one
    ("COPY", None),  # the word itself is no near miss
    ("CD", None),  # too short to guess
    ("EXPORT", None),  # two edits from EXPOSE: too far for six letters
    ("ARD", None),  # as near to ADD as to ARG
    ("APT-GET", None),
])
def test_suggestion_for_instructions(word: str, expected: str | None) -> None:
    assert suggestion(word, INSTRUCTIONS) == expected


def test_suggestion_for_flags_and_values() -> None:
    assert suggestion("chwon", ["from", "chown", "chmod"]) == "chown"
    assert suggestion("lock", ["shared", "private", "locked"]) == "locked"
    assert suggestion("plattform", ["platform"]) == "platform"
    assert suggestion("sharring", ["sharing"]) == "sharing"
    assert suggestion("xyz", ["platform"]) is None
