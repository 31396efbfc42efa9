"""ssh-mount-missing (DKL021): fetching over SSH without --mount=type=ssh."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_only_fix, assert_corpus_fixes_are_safe, findings

NAME = "ssh-mount-missing"
INSTEAD_OF = 'RUN git config --global url."git@github.com:".insteadOf "https://github.com/"\n'


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


# -- what it reports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("run", [
    "git clone git@github.com:org/repo.git",
    "git clone --depth 1 ssh://git@gitlab.example.com:2222/org/repo.git /src",
    "git -C /src fetch git@github.com:org/repo.git main",
    "git ls-remote git@github.com:org/repo.git",
    "pip install git+ssh://git@github.com/org/pkg.git",
    "pip install git+git@github.com:org/pkg.git",
    "npm install git+ssh://git@github.com:org/pkg.git",
    "yarn add git@github.com:org/pkg.git",
    "cargo install --git ssh://git@github.com/org/tool",
    "scp deploy@build.example.com:/artifacts/app.tar.gz /tmp/",
    "ssh -T git@github.com",
])
def test_fires(run: str) -> None:
    text = f"FROM alpine\nRUN apk add --no-cache git && {run}\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == run
    assert finding.effective_severity is Severity.WARNING


def test_message_says_how_to_build_and_how_to_trust_the_host() -> None:
    [finding] = findings("FROM alpine\nRUN git clone git@github.com:org/repo.git\n", NAME)
    assert finding.message.startswith("`git clone` fetches over SSH (an SSH URL) without `--mount=type=ssh`")
    assert "--ssh default" in finding.message
    assert "ssh-keyscan github.com >> ~/.ssh/known_hosts" in finding.message
    assert "rather than turning StrictHostKeyChecking off" in finding.message


def test_no_known_hosts_advice_when_the_stage_sets_it_up() -> None:
    text = ("FROM alpine\nRUN mkdir -p -m 0700 ~/.ssh && ssh-keyscan github.com >> ~/.ssh/known_hosts\n"
            "RUN git clone git@github.com:org/repo.git\n")
    [finding] = findings(text, NAME)
    assert "ssh-keyscan" not in finding.message


def test_go_modules_after_an_insteadof_rewrite() -> None:
    text = (f"FROM golang:1.23\n{INSTEAD_OF}WORKDIR /src\nCOPY go.mod go.sum ./\n"
            "RUN go mod download\nRUN go build ./...\n")
    found = findings(text, NAME)
    assert [text[f.span.start : f.span.end] for f in found] == ["go mod download", "go build ./..."]
    assert "`go mod download` fetches over SSH (the `insteadOf` rewrite to SSH)" in found[0].message


def test_the_rewrite_in_the_same_run_counts() -> None:
    text = ('FROM golang:1.23\nRUN git config --global url."ssh://git@github.com/".insteadOf "https://github.com/" '
            "&& go mod download\n")
    assert len(findings(text, NAME)) == 1


def test_the_rewrite_is_inherited_by_stages_built_from_it() -> None:
    text = f"FROM golang:1.23 AS base\n{INSTEAD_OF}FROM base AS build\nRUN go mod download\n"
    assert len(findings(text, NAME)) == 1


def test_submodules_after_a_clone_over_ssh() -> None:
    text = ("FROM alpine\nRUN --mount=type=ssh git clone git@github.com:org/repo.git /src\n"
            "RUN cd /src && git submodule update --init\n")
    [finding] = findings(text, NAME)
    assert "the SSH remote it was cloned from" in finding.message


def test_a_copied_private_key_is_related() -> None:
    text = ("FROM alpine\nCOPY id_rsa /root/.ssh/id_rsa\nRUN ssh-keyscan github.com >> /root/.ssh/known_hosts\n"
            "RUN git clone git@github.com:org/repo.git\n")
    [finding] = findings(text, NAME)
    [related] = finding.related
    assert text[related.span.start : related.span.end] == "COPY id_rsa /root/.ssh/id_rsa"
    assert "private key copied into the image on line 2" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nRUN --mount=type=ssh git clone git@github.com:org/repo.git\n", id="ssh mount"),
    pytest.param("FROM alpine\nRUN --mount=type=secret,id=deploy_key,target=/root/.ssh/id_ed25519 "
                 "git clone git@github.com:org/repo.git\n", id="key as a secret mount"),
    pytest.param("FROM alpine\nRUN git clone https://github.com/org/repo.git\n", id="https"),
    pytest.param("FROM alpine\nRUN git clone https://github.com/org/repo.git && "
                 "git remote set-url origin git@github.com:org/repo.git\n", id="set-url does not fetch"),
    pytest.param("FROM golang\nRUN go mod download\n", id="go without a rewrite"),
    pytest.param("FROM alpine\nRUN echo git@github.com:org/repo.git\n", id="only mentioned"),
    pytest.param("FROM alpine\nRUN ssh-keygen -t ed25519 -f /tmp/k -N ''\n", id="ssh-keygen"),
    pytest.param("FROM alpine\n# dockls ignore=ssh-mount-missing\nRUN git clone git@github.com:org/repo.git\n",
                 id="suppressed"),
    pytest.param('FROM alpine\nSHELL ["pwsh", "-c"]\nRUN git clone git@github.com:org/repo.git\n',
                 id="non-POSIX shell"),
    pytest.param(f"FROM golang AS a\n{INSTEAD_OF}FROM golang\nRUN go mod download\n",
                 id="the rewrite is in another stage"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_builder_stages_are_checked() -> None:
    text = ("FROM alpine AS src\nRUN git clone git@github.com:org/repo.git /src\n"
            "FROM alpine\nCOPY --from=src /src /src\n")
    assert len(findings(text, NAME)) == 1


def test_one_finding_per_run() -> None:
    text = "FROM alpine\nRUN git clone git@github.com:a/b.git && git clone git@github.com:c/d.git\n"
    assert len(findings(text, NAME)) == 1


# -- the fix --------------------------------------------------------------------------------------------


def test_fix_adds_the_ssh_mount_and_the_syntax_directive() -> None:
    text = "FROM alpine\nRUN apk add --no-cache git openssh-client && git clone git@github.com:org/repo.git /src\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine\nRUN --mount=type=ssh apk add --no-cache git "
                           "openssh-client && git clone git@github.com:org/repo.git /src\n")


def test_fix_after_existing_flags_with_a_directive() -> None:
    text = ("# syntax=docker/dockerfile:1.4\nFROM golang\n" + INSTEAD_OF +
            "RUN --mount=type=cache,target=/go/pkg/mod go mod download\n")
    assert fixed(text) == ("# syntax=docker/dockerfile:1.4\nFROM golang\n" + INSTEAD_OF +
                           "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=ssh go mod download\n")


def test_fix_on_heredoc_exec_form_onbuild_and_crlf() -> None:
    assert fixed("FROM alpine\r\nRUN <<EOF\r\ngit clone git@github.com:org/repo.git\r\nEOF\r\n") == (
        "# syntax=docker/dockerfile:1\r\nFROM alpine\r\nRUN --mount=type=ssh <<EOF\r\n"
        "git clone git@github.com:org/repo.git\r\nEOF\r\n")
    assert fixed('FROM alpine\nRUN ["git", "clone", "git@github.com:org/repo.git"]\n') == (
        '# syntax=docker/dockerfile:1\nFROM alpine\n'
        'RUN --mount=type=ssh ["git", "clone", "git@github.com:org/repo.git"]\n')
    assert fixed("FROM alpine\nONBUILD RUN git clone git@github.com:org/repo.git\n") == (
        "# syntax=docker/dockerfile:1\nFROM alpine\n"
        "ONBUILD RUN --mount=type=ssh git clone git@github.com:org/repo.git\n")


def test_no_fix_for_a_frontend_without_mounts() -> None:
    text = "# syntax=docker/dockerfile:1.0\nFROM alpine\nRUN git clone git@github.com:org/repo.git\n"
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


# -- real-world files ---------------------------------------------------------------------------------


def test_corpus_has_no_findings(corpus: list[Path]) -> None:
    # Reviewed: the corpus clones public repositories over https only, and runs `go mod download` without
    # an insteadOf rewrite to SSH.
    for path in corpus:
        assert findings(path.read_bytes().decode("utf-8", errors="surrogateescape"), NAME) == [], path.name


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The fix changes how the build is invoked, so it is never applied by --fix: nothing changes.
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
