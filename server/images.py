"""What dockls knows about official base images: sizes, lifecycle and smaller variants.

The facts come from ``data/base-images.json``, shipped with the package and transcribed from
docker-library/repo-info (see docs/base-images.md). Nothing is fetched at run time, and the file is
read on first use only, so importing this module costs nothing.

Sizes are answered for exact ``image:tag`` keys of the data set only: a tag that was not read is
unknown (``None``), never guessed from a similar tag.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

DOCKER_HUB = "docker.io"
DEFAULT_PLATFORM = "linux/amd64"

_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
# The grammar of github.com/distribution/reference (IPv6 registry addresses are not supported).
_DOMAIN = re.compile(r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*"
                     r"[a-zA-Z0-9]))*(?::[0-9]+)?")
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_MAX_NAME_LENGTH = 255
# Docker reports `linux/arm64` as the v8 variant; the data set keys it by the full form.
_PLATFORM_ALIASES = {"linux/arm64": "linux/arm64/v8"}


@dataclass(frozen=True)
class ImageRef:
    """An image reference as written in FROM, normalised the way Docker resolves it."""

    registry: str
    """``docker.io`` for Docker Hub, whichever of its host names was written."""
    repository: str
    """Path on the registry; the ``library/`` prefix of official Hub images is dropped."""
    tag: str | None
    """``latest`` when neither tag nor digest was written; ``None`` for digest-only references and scratch."""
    digest: str | None

    @property
    def name(self) -> str:
        """The image name as the data set spells it: ``python``, ``owner/app``, ``ghcr.io/owner/app``."""
        return self.repository if self.registry == DOCKER_HUB else f"{self.registry}/{self.repository}"

    @property
    def key(self) -> str | None:
        """``name:tag``, the key of size data; ``None`` without a tag."""
        return f"{self.name}:{self.tag}" if self.tag is not None else None


@dataclass(frozen=True)
class Alternative:
    """A smaller variant of the same release line, with its amd64 download size."""

    reference: str
    compressed_bytes_amd64: int
    delta_pct: int
    """``round(100 * (alternative / original - 1))``, negative for smaller."""


@dataclass(frozen=True)
class ImageInfo:
    """What the data set records for one image tag, for one platform."""

    reference: str
    """The data set key, e.g. ``python:3.12``."""
    platform: str
    """The platform the size refers to, e.g. ``linux/amd64`` or ``linux/arm64/v8``."""
    compressed_bytes: int | None
    """Download size for ``platform``; ``None`` when that platform was not read (or, for a vendor figure, not given)."""
    on_disk_bytes: int | None
    """Uncompressed size, known for a few amd64 images only (approximate: 3-4 significant digits)."""
    family: str | None
    variant: str | None
    resolved: str | None
    """The specific tag the floating tag pointed to when it was read."""
    eol: str | None
    eol_scheduled: str | None
    deprecated: str | None
    stale: bool
    """The stored reading is old: do not present the size as current or suggest the tag."""
    data_date: str | None
    """When the amd64 image was built (newest layer date); the "as of" date of the size."""
    source: str
    source_path: str | None
    source_commit: str | None
    notes: str | None
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Lifecycle:
    """End-of-life and deprecation facts about an image, a release line or a whole repository."""

    eol: str | None
    """EOL date (``YYYY-MM-DD`` or ``YYYY-MM``) that had passed when the data set was generated."""
    eol_scheduled: str | None
    deprecated: str | None
    stale: bool
    note: str | None

    def is_eol(self, today: date) -> bool:
        """``eol`` is only recorded once it has passed; a scheduled date is compared with ``today``."""
        return self.eol is not None or (self.eol_scheduled is not None and _date_has_passed(self.eol_scheduled, today))


def normalize(reference: str) -> ImageRef | None:
    """Parse an image reference as written in FROM after ARG substitution; ``None`` if it is not one.

    References that still contain variables (``$``) are rejected, as are names Docker rejects
    (e.g. upper case in the repository path).
    """
    text = reference.strip()
    if not text or "$" in text or any(char.isspace() for char in text):
        return None
    if text == "scratch":
        return ImageRef(DOCKER_HUB, "scratch", None, None)
    name, at, digest = text.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        return None
    tag: str | None = None
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        name, tag = name[:colon], name[colon + 1:]
        if not _TAG.fullmatch(tag):
            return None
    if not name or len(name) > _MAX_NAME_LENGTH:
        return None
    registry, repository = _split_registry(name)
    if registry is None or not all(_PATH_COMPONENT.fullmatch(part) for part in repository.split("/")):
        return None
    if registry == DOCKER_HUB and repository.startswith("library/") and repository.count("/") == 1:
        repository = repository.removeprefix("library/")
    if tag is None and not digest:
        tag = "latest"
    return ImageRef(registry, repository, tag, digest or None)


def lookup(reference: str, platform: str | None = None) -> ImageInfo | None:
    """What the data set records for ``reference`` on ``platform`` (default linux/amd64); ``None`` if unknown."""
    ref = normalize(reference)
    platform_key = _platform_key(platform)
    if ref is None or platform_key is None:
        return None
    data = _dataset()
    special = data["special"].get(ref.name)
    if isinstance(special, dict):
        return _special_info(ref.name, special, platform_key)
    entry = data["images"].get(ref.key) if ref.key is not None else None
    if not isinstance(entry, dict) or ref.key is None:
        return None
    return _image_info(ref.key, entry, platform_key)


def references() -> list[str]:
    """Every reference the data set knows (``python:3.12-slim``, ``scratch`` …), in the data set's order."""
    data = _dataset()
    return [*data["special"], *data["images"]]


def smaller_variants(reference: str) -> list[Alternative]:
    """Smaller variants of the same line recorded in the data set (amd64 sizes), in the data set's order."""
    info = lookup(reference)
    return list(info.alternatives) if info is not None else []


def lifecycle(reference: str) -> Lifecycle | None:
    """EOL/deprecation facts about ``reference``; ``None`` when the data set says nothing about it.

    Besides the image entries, the data set's ``lifecycle`` section covers things without sizes: a
    release line such as ``node:20`` applies to its tags (``20``, ``20-alpine``, ``20.11.1-slim``), a
    repository name such as ``openjdk`` to every tag of that repository.
    """
    ref = normalize(reference)
    if ref is None:
        return None
    data = _dataset()
    entry = data["images"].get(ref.key) if ref.key is not None else None
    sources = [entry] if isinstance(entry, dict) else []
    for key, value in data["lifecycle"].items():
        if isinstance(value, dict) and _lifecycle_applies(key, ref):
            sources.append(value)
    if not sources:
        return None
    return Lifecycle(
        eol=_first_text(sources, "eol"),
        eol_scheduled=_first_text(sources, "eol_scheduled"),
        deprecated=_first_text(sources, "deprecated"),
        stale=any(source.get("stale") is True for source in sources),
        note=_first_text(sources, "note"),
    )


def is_eol(reference: str, today: date | None = None) -> bool | None:
    """Whether the image's release line is past its end of life; ``None`` when nothing is known about it.

    A deprecation without an EOL date (e.g. the openjdk image) is reported by :func:`lifecycle`, not here.
    """
    facts = lifecycle(reference)
    return facts.is_eol(today or date.today()) if facts is not None else None


def as_of() -> str:
    """The date the data set was generated (``YYYY-MM-DD``); each entry's own date is ``ImageInfo.data_date``."""
    return str(_dataset()["generated"])


def format_size(size: int) -> str:
    """A size in decimal units with 2-3 significant digits, as Docker prints them: ``43 MB``, ``1.1 GB``."""
    if size < 0:
        return "-" + format_size(-size)
    if size < 1000:
        return f"{size} B"
    value = size / 1000
    for unit in ("kB", "MB", "GB"):
        text = _two_or_three_digits(value)
        if float(text) < 1000:
            return f"{text} {unit}"
        value /= 1000
    return f"{_two_or_three_digits(value)} TB"


def _two_or_three_digits(value: float) -> str:
    return str(round(value)) if value >= 9.95 else f"{round(value, 1):g}"


@functools.cache
def _dataset() -> dict[str, Any]:
    # Next to this module (package data), read directly: importlib.resources costs start-up ~10 ms.
    resource = Path(__file__).with_name("data") / "base-images.json"
    loaded: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


def _split_registry(name: str) -> tuple[str | None, str]:
    """Split off the registry the way Docker does: the first component is a host if it looks like one."""
    first, slash, rest = name.partition("/")
    if not slash or ("." not in first and ":" not in first and first != "localhost" and first == first.lower()):
        return DOCKER_HUB, name if slash else f"library/{name}"
    if not _DOMAIN.fullmatch(first):
        return None, rest
    if first.lower() in _HUB_ALIASES:
        return DOCKER_HUB, rest if "/" in rest else f"library/{rest}"
    return first, rest


def _platform_key(platform: str | None) -> str | None:
    if platform is None:
        return DEFAULT_PLATFORM
    key = platform.strip().lower()
    if not key or "$" in key:
        return None
    return _PLATFORM_ALIASES.get(key, key)


def _image_info(key: str, entry: dict[str, Any], platform: str) -> ImageInfo:
    platforms = entry.get("platforms")
    reading = platforms.get(platform) if isinstance(platforms, dict) else None
    compressed = reading.get("compressed_bytes") if isinstance(reading, dict) else None
    on_disk = entry.get("on_disk_bytes_amd64") if platform == DEFAULT_PLATFORM else None
    return ImageInfo(
        reference=key,
        platform=platform,
        compressed_bytes=compressed if isinstance(compressed, int) else None,
        on_disk_bytes=on_disk if isinstance(on_disk, int) else None,
        family=_text(entry, "family"),
        variant=_text(entry, "variant"),
        resolved=_text(entry, "resolved"),
        eol=_text(entry, "eol"),
        eol_scheduled=_text(entry, "eol_scheduled"),
        deprecated=_text(entry, "deprecated"),
        stale=entry.get("stale") is True,
        data_date=_text(entry, "data_date"),
        source=str(_dataset()["source"]),
        source_path=_text(entry, "source_path"),
        source_commit=_text(entry, "source_commit"),
        notes=_text(entry, "notes"),
        alternatives=tuple(_alternatives(entry.get("alternatives"))),
    )


def _special_info(name: str, entry: dict[str, Any], platform: str) -> ImageInfo:
    """scratch is empty on every platform; other special entries carry a labelled vendor figure, not a reading."""
    compressed = entry.get("compressed_bytes")
    on_disk = entry.get("on_disk_bytes", entry.get("approx_on_disk_bytes"))
    return ImageInfo(
        reference=name,
        platform=platform,
        compressed_bytes=compressed if isinstance(compressed, int) else None,
        on_disk_bytes=on_disk if isinstance(on_disk, int) else None,
        family=None,
        variant=None,
        resolved=None,
        eol=None,
        eol_scheduled=None,
        deprecated=None,
        stale=False,
        data_date=None,
        source=_text(entry, "source") or "Docker: reserved empty image",
        source_path=None,
        source_commit=None,
        notes=_text(entry, "note"),
        alternatives=(),
    )


def _alternatives(raw: object) -> list[Alternative]:
    if not isinstance(raw, list):
        return []
    found = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        reference, size, delta = item.get("tag"), item.get("compressed_bytes_amd64"), item.get("delta_pct")
        if isinstance(reference, str) and isinstance(size, int) and isinstance(delta, int):
            found.append(Alternative(reference, size, delta))
    return found


def _lifecycle_applies(key: str, ref: ImageRef) -> bool:
    name, colon, line = key.partition(":")
    if name != ref.name:
        return False
    if not colon:
        return True
    tag = ref.tag or ""
    return tag == line or tag.startswith((f"{line}-", f"{line}."))


def _date_has_passed(when: str, today: date) -> bool:
    """``YYYY-MM-DD`` has passed on that day; a month-only ``YYYY-MM`` once the month is over."""
    current = today.isoformat()[:len(when)]
    return current >= when if len(when) > len("YYYY-MM") else current > when


def _text(entry: dict[str, Any], field: str) -> str | None:
    value = entry.get(field)
    return value if isinstance(value, str) else None


def _first_text(entries: list[dict[str, Any]], field: str) -> str | None:
    return next((text for entry in entries if (text := _text(entry, field)) is not None), None)
