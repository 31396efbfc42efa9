"""dnf-cache-kept (DKL015): dnf, yum, microdnf and zypper metadata left in the layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_fix, apply_only_fix, assert_corpus_fixes_are_safe, findings

NAME = "dnf-cache-kept"


def fixed(text: str) -> str:
    """The text after the one finding's safe fix, checked for safety."""
    return apply_only_fix(text, NAME, safe=True)


# -- what it reports ---------------------------------------------------------------------------------


def test_reports_the_install_with_the_cache_folder() -> None:
    text = "FROM fedora:40\nRUN dnf install -y git\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "dnf install -y git"
    assert finding.effective_severity is Severity.WARNING
    assert "/var/cache/dnf" in finding.message and "`dnf clean all`" in finding.message


@pytest.mark.parametrize(("image", "run", "cache"), [
    ("fedora:40", "dnf -y install git", "/var/cache/dnf"),
    ("fedora:40", "dnf -y --enablerepo crb install git", "/var/cache/dnf"),
    ("fedora:40", "dnf -y update", "/var/cache/dnf"),
    ("fedora:40", "dnf makecache", "/var/cache/dnf"),
    ("fedora:41", "dnf5 install -y git", "/var/cache/libdnf5"),
    ("centos:7", "yum install -y git", "/var/cache/yum"),
    ("redhat/ubi9-minimal", "microdnf install -y git", "/var/cache/yum"),
    ("opensuse/leap", "zypper --non-interactive install git", "/var/cache/zypp"),
    ("opensuse/leap", "zypper -n ref", "/var/cache/zypp"),
    ("fedora:40", "dnf clean all && dnf install -y git", "/var/cache/dnf"),  # cleaned before, not after
    ("fedora:40", "dnf install -y git && rm -rf /var/cache/yum", "/var/cache/dnf"),  # the wrong folder
    ("fedora:40", "dnf install -y git && microdnf clean all", "/var/cache/dnf"),  # another tool's cache
])
def test_fires(image: str, run: str, cache: str) -> None:
    [finding] = findings(f"FROM {image}\nRUN {run}\n", NAME)
    assert cache in finding.message


def test_dnf_is_dnf5_on_fedora_41_and_later() -> None:
    [finding] = findings("FROM fedora:42\nRUN dnf install -y git && rm -rf /var/cache/dnf\n", NAME)
    assert "/var/cache/libdnf5" in finding.message
    assert findings("FROM fedora:42\nRUN dnf install -y git && rm -rf /var/cache/libdnf5\n", NAME) == []
    assert findings("FROM fedora:42\nRUN dnf install -y git && dnf clean all\n", NAME) == []


def test_one_finding_per_tool_at_its_last_command() -> None:
    text = "FROM fedora\nRUN dnf install -y a && dnf install -y b && microdnf install c\n"
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["dnf install -y b", "microdnf install c"]


def test_a_plain_zypper_clean_leaves_the_metadata() -> None:
    text = "FROM opensuse/leap\nRUN zypper -n install git && zypper clean\n"
    [finding] = findings(text, NAME)
    assert "--all" in finding.message
    assert fixed(text) == "FROM opensuse/leap\nRUN zypper -n install git && zypper clean --all\n"


@pytest.mark.parametrize("text", [
    pytest.param("FROM fedora\nRUN dnf install -y git && dnf clean all\n", id="dnf clean all"),
    pytest.param("FROM fedora\nRUN dnf -y install git && dnf -y clean all\n", id="option before clean"),
    pytest.param("FROM fedora\nRUN dnf install -y git && yum clean all\n", id="yum cleans dnf's cache"),
    pytest.param("FROM centos:7\nRUN yum install -y git && yum clean all\n", id="yum clean all"),
    pytest.param("FROM centos:7\nRUN yum install -y git && rm -rf /var/cache/yum\n", id="rm yum cache"),
    pytest.param("FROM fedora:40\nRUN dnf install -y git && rm -rf /var/cache/dnf/*\n", id="rm contents"),
    pytest.param("FROM fedora\nRUN dnf install -y git && rm -rf /var/cache\n", id="rm parent"),
    pytest.param("FROM ubi9-minimal\nRUN microdnf install -y git && microdnf clean all\n", id="microdnf"),
    pytest.param("FROM opensuse\nRUN zypper -n in git && zypper clean -a\n", id="zypper clean -a"),
    pytest.param("FROM opensuse\nRUN zypper -n in git && zypper cc --all\n", id="zypper cc --all"),
    pytest.param("FROM opensuse\nRUN zypper -n in git && rm -rf /var/cache/zypp/*\n", id="rm zypp"),
    pytest.param("FROM fedora\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y git\n", id="cache mount"),
    pytest.param("FROM fedora\nRUN --mount=type=tmpfs,target=/var/cache/dnf dnf install -y git\n", id="tmpfs"),
    pytest.param("FROM fedora\nRUN dnf -C install -y git\n", id="cache only"),
    pytest.param("FROM fedora\nRUN dnf remove -y git\n", id="remove"),
    pytest.param("FROM fedora AS build\nRUN dnf install -y gcc\nFROM scratch\nCOPY --from=build /out /\n",
                 id="builder stage not in the final image"),
    pytest.param("FROM debian\nRUN apt-get update && apt-get install -y git\n", id="debian base"),
    pytest.param("FROM fedora\n# dockls ignore=dnf-cache-kept\nRUN dnf install -y git\n", id="suppressed"),
    pytest.param("FROM fedora\n# hadolint ignore=DL3040\nRUN dnf install -y git\n", id="hadolint pragma dnf"),
    pytest.param("FROM centos\n# hadolint ignore=DL3032\nRUN yum install -y git\n", id="hadolint pragma yum"),
    pytest.param("FROM opensuse\n# hadolint ignore=DL3036\nRUN zypper -n in git\n", id="hadolint pragma zypper"),
    pytest.param("FROM fedora\nRUN echo dnf install git\n", id="only mentioned"),
    pytest.param('FROM fedora\nSHELL ["pwsh", "-c"]\nRUN dnf install -y git\n', id="non-POSIX shell"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_the_final_stages_parent_is_checked() -> None:
    assert len(findings("FROM fedora AS base\nRUN dnf install -y git\nFROM base\nCMD [\"git\"]\n", NAME)) == 1


def test_differs_from_hadolint_on_purpose() -> None:
    # hadolint's DL3040 fires on both; a cache mount keeps the metadata out of the layer, and a builder
    # stage does not reach the image.
    mounted = "FROM fedora:42\nRUN --mount=type=cache,target=/var/cache/dnf dnf -y install git\n"
    builder = "FROM fedora:42 AS build\nRUN dnf -y install gcc\nFROM scratch\nCOPY --from=build /x /x\n"
    assert findings(mounted, NAME) == findings(builder, NAME) == []
    # hadolint accepts a plain `zypper clean`, which leaves the metadata.
    assert len(findings("FROM opensuse/leap\nRUN zypper -n in git && zypper clean\n", NAME)) == 1


# -- the fix ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("run", "expected"), [
    ("dnf install -y git", "dnf install -y git && dnf clean all"),
    ("yum -y install git", "yum -y install git && yum clean all"),
    ("microdnf install -y git", "microdnf install -y git && microdnf clean all"),
    ("zypper -n in git", "zypper -n in git && zypper clean --all"),
    ("dnf install -y git || true", "dnf install -y git || true && dnf clean all"),
])
def test_appends_the_cleanup(run: str, expected: str) -> None:
    assert fixed(f"FROM fedora\nRUN {run}\n") == f"FROM fedora\nRUN {expected}\n"


def test_continuation_lines_and_crlf() -> None:
    text = "FROM fedora\r\nRUN dnf install -y \\\r\n      git \\\r\n    && git --version\r\n"
    assert fixed(text) == ("FROM fedora\r\nRUN dnf install -y \\\r\n      git \\\r\n    && git --version \\\r\n"
                           "    && dnf clean all\r\n")


def test_heredoc_with_errexit_gets_its_own_line() -> None:
    text = "FROM fedora\nRUN <<EOF\nset -e\ndnf install -y git\nEOF\n"
    assert fixed(text) == "FROM fedora\nRUN <<EOF\nset -e\ndnf install -y git\ndnf clean all\nEOF\n"


def test_heredoc_without_errexit_chains() -> None:
    text = "FROM fedora\nRUN <<EOF\ndnf install -y git\nEOF\n"
    assert fixed(text) == "FROM fedora\nRUN <<EOF\ndnf install -y git && dnf clean all\nEOF\n"


def test_onbuild_trigger() -> None:
    text = "FROM fedora\nONBUILD RUN dnf install -y git\n"
    assert fixed(text) == "FROM fedora\nONBUILD RUN dnf install -y git && dnf clean all\n"


def test_exec_form_has_no_fix() -> None:
    [finding] = findings('FROM fedora\nRUN ["dnf", "install", "-y", "git"]\n', NAME)
    assert finding.fixes == ()


# -- real-world files ---------------------------------------------------------------------------------


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The corpus's few dnf/yum/microdnf RUNs all clean up or use cache mounts: nothing to fix there.
    assert assert_corpus_fixes_are_safe(corpus, NAME) >= 0


# -- agreement with cache-mount-missing ----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "FROM fedora:40\nRUN dnf install -y git\n", "FROM fedora:42\nRUN dnf install -y git\n",
    "FROM centos:7\nRUN yum install -y git\n", "FROM ubi9-minimal\nRUN microdnf install -y git\n",
])
def test_never_contradicts_cache_mount_missing(text: str) -> None:
    # The cleanup leaves cache-mount-missing silent, and its cache mount leaves this rule silent.
    [finding] = findings(text, NAME)
    assert findings(apply_fix(text, finding.fixes[0]), "cache-mount-missing") == []
    [missing] = findings(text, "cache-mount-missing")
    for fix in missing.fixes:
        assert findings(apply_fix(text, fix), NAME) == []
