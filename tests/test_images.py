"""The shipped base-image data set and its lookup module ``dockls.images``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from dockls import images
from dockls.images import Alternative, ImageRef

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((files("dockls") / "data" / "base-images.json").read_text(encoding="utf-8"))
    return loaded


def amd64_bytes(data: dict[str, Any], key: str) -> int:
    size: int = data["images"][key]["platforms"]["linux/amd64"]["compressed_bytes"]
    return size


@pytest.mark.parametrize(("reference", "expected"), [
    ("python", ImageRef("docker.io", "python", "latest", None)),
    ("python:3.12", ImageRef("docker.io", "python", "3.12", None)),
    ("docker.io/library/python:3.12", ImageRef("docker.io", "python", "3.12", None)),
    ("index.docker.io/library/python:3.12", ImageRef("docker.io", "python", "3.12", None)),
    ("registry-1.docker.io/python", ImageRef("docker.io", "python", "latest", None)),
    ("docker.io/python:3.12", ImageRef("docker.io", "python", "3.12", None)),
    ("library/python:3.12", ImageRef("docker.io", "python", "3.12", None)),
    ("owner/app:1.0", ImageRef("docker.io", "owner/app", "1.0", None)),
    (f"python:3.12@{DIGEST}", ImageRef("docker.io", "python", "3.12", DIGEST)),
    (f"python@{DIGEST}", ImageRef("docker.io", "python", None, DIGEST)),
    ("ghcr.io/owner/x:1", ImageRef("ghcr.io", "owner/x", "1", None)),
    ("localhost:5000/x", ImageRef("localhost:5000", "x", "latest", None)),
    ("localhost/x:2", ImageRef("localhost", "x", "2", None)),
    ("registry.example.com:8443/team/app:v1", ImageRef("registry.example.com:8443", "team/app", "v1", None)),
    ("  python:3.12  ", ImageRef("docker.io", "python", "3.12", None)),
    ("scratch", ImageRef("docker.io", "scratch", None, None)),
])
def test_normalize(reference: str, expected: ImageRef) -> None:
    assert images.normalize(reference) == expected


@pytest.mark.parametrize("reference", [
    "", "   ", "$BASE", "python:${VERSION}", "${REGISTRY}/app", "Python:3.12", "owner/App", "python:",
    "python:3.12@sha256:xyz", "python::3.12", "a b", "python:-tag", "/python", "python/", "bad_registry!/x",
])
def test_normalize_rejects(reference: str) -> None:
    assert images.normalize(reference) is None


def test_image_ref_names() -> None:
    hub = images.normalize("docker.io/library/python:3.12")
    ghcr = images.normalize("ghcr.io/owner/x:1")
    digest_only = images.normalize(f"python@{DIGEST}")
    assert hub is not None and ghcr is not None and digest_only is not None
    assert (hub.name, hub.key) == ("python", "python:3.12")
    assert (ghcr.name, ghcr.key) == ("ghcr.io/owner/x", "ghcr.io/owner/x:1")
    assert digest_only.key is None


def test_lookup_python_full_and_slim(data: dict[str, Any]) -> None:
    full = images.lookup("python:3.12")
    slim = images.lookup("docker.io/library/python:3.12-slim")
    assert full is not None and slim is not None
    assert full.compressed_bytes == amd64_bytes(data, "python:3.12")
    assert slim.compressed_bytes == amd64_bytes(data, "python:3.12-slim")
    # The README's example hover: 411 MB against 43 MB.
    assert images.format_size(full.compressed_bytes) == "411 MB"
    assert images.format_size(slim.compressed_bytes) == "43 MB"
    assert full.on_disk_bytes == data["images"]["python:3.12"]["on_disk_bytes_amd64"]
    assert (full.family, full.variant, full.platform) == ("python", "full", "linux/amd64")
    assert full.resolved == data["images"]["python:3.12"]["resolved"]
    assert full.data_date == data["images"]["python:3.12"]["data_date"]
    assert full.source == "docker-library/repo-info"
    assert full.source_path == "repos/python/remote/3.12.md"
    assert full.source_commit is not None and len(full.source_commit) == 40
    assert full.stale is False and full.eol is None and full.eol_scheduled is not None


def test_lookup_keeps_digest_but_uses_tag(data: dict[str, Any]) -> None:
    info = images.lookup(f"python:3.12-slim@{DIGEST}")
    assert info is not None and info.compressed_bytes == amd64_bytes(data, "python:3.12-slim")


@pytest.mark.parametrize("platform", ["linux/arm64", "linux/arm64/v8", "LINUX/ARM64"])
def test_lookup_arm64(data: dict[str, Any], platform: str) -> None:
    info = images.lookup("python:3.12", platform)
    assert info is not None
    assert info.platform == "linux/arm64/v8"
    assert info.compressed_bytes == data["images"]["python:3.12"]["platforms"]["linux/arm64/v8"]["compressed_bytes"]
    assert info.on_disk_bytes is None  # on-disk sizes are amd64 readings


def test_lookup_platform_not_read(data: dict[str, Any]) -> None:
    without_arm = next(key for key, entry in data["images"].items() if "linux/arm64/v8" not in entry["platforms"])
    info = images.lookup(without_arm, "linux/arm64")
    assert info is not None and info.compressed_bytes is None


@pytest.mark.parametrize(("reference", "platform"), [
    ("python:3.12-nonexistent", None),
    ("python:3.12.99", None),  # no tag matching beyond exact keys
    ("python:3.12-SLIM", None),
    ("nosuchimage:1", None),
    ("ghcr.io/owner/python:3.12", None),
    (f"python@{DIGEST}", None),
    ("$BASE", None),
    ("", None),
    ("python:3.12", "$BUILDPLATFORM"),
])
def test_lookup_unknown(reference: str, platform: str | None) -> None:
    assert images.lookup(reference, platform) is None


def test_every_image_entry_is_answered(data: dict[str, Any]) -> None:
    for key in data["images"]:
        info = images.lookup(key)
        assert info is not None and info.reference == key and info.compressed_bytes == amd64_bytes(data, key)


def test_special_entries(data: dict[str, Any]) -> None:
    scratch = images.lookup("scratch", "linux/arm64")
    assert scratch is not None and scratch.compressed_bytes == 0 and scratch.on_disk_bytes == 0
    distroless = images.lookup("gcr.io/distroless/static-debian12")
    assert distroless is not None
    assert distroless.compressed_bytes is None  # the vendor gives an on-disk round figure only
    assert distroless.on_disk_bytes == data["special"]["gcr.io/distroless/static-debian12"]["approx_on_disk_bytes"]
    assert "distroless" in distroless.source


def test_stale_entries_are_flagged(data: dict[str, Any]) -> None:
    stale = {key for key, entry in data["images"].items() if entry.get("stale")}
    assert stale  # python:3.9 and rockylinux:9 at present
    for key in data["images"]:
        info = images.lookup(key)
        assert info is not None and info.stale == (key in stale)
    facts = images.lifecycle("python:3.9")
    assert facts is not None and facts.stale and facts.deprecated


def test_alternatives(data: dict[str, Any]) -> None:
    alternatives = images.smaller_variants("python:3.12")
    assert Alternative("python:3.12-slim", amd64_bytes(data, "python:3.12-slim"), -89) in alternatives
    this = amd64_bytes(data, "python:3.12")
    for alternative in alternatives:
        assert alternative.compressed_bytes_amd64 < this
        assert alternative.delta_pct == round(100 * (alternative.compressed_bytes_amd64 / this - 1))
    assert images.smaller_variants("python:3.12-alpine") == []
    assert images.smaller_variants("nosuchimage") == []


def test_lifecycle_without_sizes() -> None:
    assert images.lookup("node:20") is None  # no size data
    node20 = images.lifecycle("node:20")
    assert node20 is not None and node20.eol == "2026-04-30"
    assert images.is_eol("node:20") is True
    # A release line covers its tags.
    assert images.is_eol("node:20-alpine") is True
    assert images.is_eol("node:20.11.1-bookworm-slim") is True
    assert images.is_eol("node:200") is None
    openjdk = images.lifecycle("openjdk:17-jdk-slim")
    assert openjdk is not None and openjdk.deprecated is not None and "eclipse-temurin" in openjdk.deprecated
    assert images.is_eol("openjdk:17-jdk-slim") is False  # deprecated, but no EOL date


def test_is_eol_dates() -> None:
    assert images.is_eol("python:3.9") is True
    assert images.is_eol("node:18", today=date(2020, 1, 1)) is True  # the data says it had passed
    # python:3.12's EOL is scheduled for a month: it has passed only once that month is over.
    facts = images.lifecycle("python:3.12")
    assert facts is not None and facts.eol_scheduled is not None
    year, month = (int(part) for part in facts.eol_scheduled.split("-")[:2])
    assert images.is_eol("python:3.12", today=date(year, month, 28)) is False
    assert images.is_eol("python:3.12", today=date(year + 1, 1, 1)) is True
    assert images.is_eol("nosuchimage:1") is None
    assert images.is_eol("$BASE") is None


def test_as_of(data: dict[str, Any]) -> None:
    assert images.as_of() == data["generated"]
    date.fromisoformat(images.as_of())


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (999, "999 B"), (1000, "1 kB"), (85_300, "85 kB"), (3_850_000, "3.9 MB"), (43_188_023, "43 MB"),
    (410_908_459, "411 MB"), (1_110_000_000, "1.1 GB"), (9_960_000, "10 MB"), (999_700_000, "1 GB"),
    (2_500_000_000_000, "2.5 TB"),
])
def test_format_size(size: int, text: str) -> None:
    assert images.format_size(size) == text


def test_data_is_loaded_lazily() -> None:
    script = (
        "import dockls.images as m\n"
        "assert m._dataset.cache_info().currsize == 0\n"
        "m.lookup('python:3.12'); m.lookup('alpine')\n"
        "info = m._dataset.cache_info()\n"
        "assert (info.currsize, info.misses) == (1, 1), info\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
