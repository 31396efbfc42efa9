"""secret-file-copied (DKL020): COPY/ADD of a credentials file."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_fix, apply_only_fix, assert_corpus_fixes_are_safe, findings

NAME = "secret-file-copied"


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


# -- what it reports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("copy, kind", [
    ("COPY .netrc /root/", "netrc credentials"),
    ("COPY .pypirc /root/.pypirc", "PyPI credentials"),
    ("ADD .git-credentials /root/", "stored git credentials"),
    ("COPY id_rsa /root/.ssh/id_rsa", "an SSH private key"),
    ("COPY keys/id_ed25519 /root/.ssh/", "an SSH private key"),
    ("COPY deploy_key /root/.ssh/", "an SSH private key"),
    ("COPY deploy_key /root/.ssh", "an SSH private key"),
    ("COPY .ssh /root/.ssh", "an .ssh directory"),
    ("COPY certs/server.key /etc/nginx/", "a private key"),
    ("COPY tls/privkey.pem /etc/ssl/private/", "a private key"),
    ("COPY client.p12 /app/", "a PKCS#12 bundle"),
    ("COPY .env /app/", "an environment file"),
    ("COPY .env.production /app/.env", "an environment file"),
    ("COPY .aws/credentials /root/.aws/credentials", "AWS credentials"),
    ("COPY config.json /root/.docker/config.json", "Docker registry credentials"),
    ("COPY service-account.json /secrets/", "Google Cloud credentials"),
    ("COPY kubeconfig /root/.kube/config", "kubeconfig"),
    ("COPY .npmrc /app/\nRUN npm ci && rm /app/.npmrc", "an npm configuration file"),
    ("COPY ci-npmrc /root/.npmrc\nRUN npm ci && rm -f /root/.npmrc", "an npm configuration file"),
])
def test_fires(copy: str, kind: str) -> None:
    [finding] = findings(f"FROM alpine\n{copy}\n", NAME)
    assert kind in finding.message and finding.effective_severity is Severity.WARNING


@pytest.mark.parametrize("copy", ["COPY .npmrc ./", "COPY ci-npmrc /root/.npmrc", "COPY $SRC/.npmrc /app/"])
def test_an_npmrc_that_is_not_deleted_is_only_informational(copy: str) -> None:
    # Many only hold settings (`legacy-peer-deps=true`), or reference the token as ${NPM_TOKEN}.
    [finding] = findings(f"FROM node:22\n{copy}\nRUN npm ci\n", NAME)
    assert finding.effective_severity is Severity.INFO
    assert "if it holds a literal token (`_authToken=…`)" in finding.message


def test_reports_only_the_secret_source_of_several() -> None:
    text = "FROM node:22\nCOPY package.json package-lock.json .npmrc ./\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == ".npmrc"


def test_message_explains_and_shows_the_secret_mount() -> None:
    [finding] = findings("FROM node:22\nWORKDIR /app\nCOPY .netrc ./\nRUN ./fetch\n", NAME)
    assert "even after a later `rm`" in finding.message
    assert "RUN --mount=type=secret,id=netrc,target=/app/.netrc" in finding.message
    assert "--secret id=netrc,src=.netrc" in finding.message


def test_a_later_rm_is_related() -> None:
    text = "FROM node:22\nWORKDIR /app\nCOPY .npmrc ./\nRUN npm ci\nRUN rm -f /app/.npmrc\n"
    [finding] = findings(text, NAME)
    [related] = finding.related
    assert text[related.span.start : related.span.end] == "rm -f /app/.npmrc"
    assert "only hides it in a later layer" in finding.message


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nCOPY . .\n", id="whole context: .dockerignore's job"),
    pytest.param("FROM alpine\nCOPY ./ /app/\n", id="whole context with a slash"),
    pytest.param("FROM alpine\nCOPY cert.pem ca.pem fullchain.pem /etc/ssl/\n", id="certificates"),
    pytest.param("FROM alpine\nCOPY nodesource.gpg.key /usr/share/keyrings/\n", id="a repository signing key"),
    pytest.param("FROM alpine\nCOPY id_rsa.pub /root/.ssh/authorized_keys\n", id="a public key"),
    pytest.param("FROM alpine\nCOPY ssh_config /root/.ssh/config\n", id="ssh client configuration"),
    pytest.param("FROM alpine\nCOPY known_hosts /root/.ssh/\n", id="known_hosts"),
    pytest.param("FROM alpine\nCOPY .env.example /app/\n", id=".env.example"),
    pytest.param("FROM alpine\nCOPY .env.example .env\n", id="a template copied as .env"),
    pytest.param("FROM alpine\nCOPY truststore.jks /app/\n", id="a truststore"),
    pytest.param("FROM alpine\nADD https://example.com/key.pem /tmp/\n", id="a URL"),
    pytest.param("FROM alpine\n# dockls ignore=secret-file-copied\nCOPY .npmrc /app/\n", id="suppressed"),
    pytest.param("FROM alpine\nRUN echo .npmrc\n", id="not a copy"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_every_stage_is_checked() -> None:
    text = ("FROM node:22 AS build\nCOPY .npmrc ./\nRUN npm ci\n"
            "FROM node:22-slim\nCOPY --from=build /root/.ssh/id_rsa /root/.ssh/\n")
    found = findings(text, NAME)
    assert len(found) == 2
    assert "from build" in found[1].message and found[1].fixes == ()


def test_heredoc_copy_to_a_credentials_file() -> None:
    text = "FROM alpine\nCOPY <<EOF /root/.npmrc\n//registry.npmjs.org/:_authToken=x\nEOF\nRUN npm ci\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "<<EOF" and finding.fixes == ()


def test_onbuild_copy_is_reported_without_fix() -> None:
    [finding] = findings("FROM alpine\nWORKDIR /app\nONBUILD COPY .npmrc ./\nONBUILD RUN npm ci\n", NAME)
    assert finding.message.startswith("ONBUILD COPY .npmrc") and finding.fixes == ()


# -- the fix --------------------------------------------------------------------------------------------


def test_fix_mounts_it_where_the_copy_put_it_and_drops_the_rm() -> None:
    text = ("FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nCOPY .npmrc ./\n"
            "RUN npm ci && rm .npmrc\n")
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM node:22\nWORKDIR /app\n"
                           "COPY package.json package-lock.json ./\n"
                           "RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci\n")


def test_fix_removes_one_source_and_an_rm_in_a_later_run() -> None:
    text = ("FROM node:22\nWORKDIR /app\nCOPY package.json .npmrc ./\nRUN npm ci\nRUN rm -f .npmrc\n"
            "CMD [\"node\", \"server.js\"]\n")
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM node:22\nWORKDIR /app\nCOPY package.json ./\n"
                           "RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci\n"
                           "CMD [\"node\", \"server.js\"]\n")


def test_fix_keeps_the_owner_and_mode_and_other_paths_of_the_rm() -> None:
    text = ("# syntax=docker/dockerfile:1.7\nFROM node:22\nUSER 1000\nCOPY --chmod=600 .npmrc /home/node/.npmrc\n"
            "RUN npm ci && rm -rf /home/node/.npmrc /tmp/cache\n")
    assert fixed(text) == ("# syntax=docker/dockerfile:1.7\nFROM node:22\nUSER 1000\n"
                           "RUN --mount=type=secret,id=npmrc,target=/home/node/.npmrc,uid=1000,mode=0600 npm ci && "
                           "rm -rf /tmp/cache\n")


def test_fix_with_a_numeric_chown() -> None:
    text = "FROM alpine\nCOPY --chown=1000:1000 .netrc /home/app/.netrc\nUSER 1000\nRUN ./fetch.sh\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine\nUSER 1000\n"
                           "RUN --mount=type=secret,id=netrc,target=/home/app/.netrc,uid=1000,gid=1000 ./fetch.sh\n")


def test_fix_of_a_key_in_a_heredoc_run_with_crlf() -> None:
    text = ("FROM alpine\r\nCOPY id_ed25519 /root/.ssh/id_ed25519\r\n"
            "RUN <<EOF\r\ngit clone git@github.com:org/repo.git\r\nrm /root/.ssh/id_ed25519\r\nEOF\r\n")
    assert fixed(text) == ("# syntax=docker/dockerfile:1\r\nFROM alpine\r\n"
                           "RUN --mount=type=secret,id=id_ed25519,target=/root/.ssh/id_ed25519 <<EOF\r\n"
                           "git clone git@github.com:org/repo.git\r\nEOF\r\n")


def test_fix_on_an_exec_form_run_and_a_relative_workdir() -> None:
    text = 'FROM python:3.12\nWORKDIR /src\nWORKDIR app\nCOPY .pypirc .\nRUN ["twine", "upload", "dist/*"]\n'
    assert fixed(text) == ('# syntax=docker/dockerfile:1\nFROM python:3.12\nWORKDIR /src\nWORKDIR app\n'
                           'RUN --mount=type=secret,id=pypirc,target=/src/app/.pypirc ["twine", "upload", "dist/*"]\n')


def test_fix_follows_the_workdir_of_the_parent_stage() -> None:
    text = "FROM node:22 AS base\nWORKDIR /app\nFROM base\nCOPY .npmrc ./\nRUN npm ci\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM node:22 AS base\nWORKDIR /app\nFROM base\n"
                           "RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci\n")


@pytest.mark.parametrize("text", [
    pytest.param("FROM node:22\nCOPY .npmrc ./\nRUN npm ci\n", id="relative destination, WORKDIR unknown"),
    pytest.param("FROM node:22\nCOPY --chown=node:node .npmrc /app/.npmrc\nRUN npm ci\n", id="owner by name"),
    pytest.param("FROM node:22\nUSER node\nCOPY .npmrc /app/.npmrc\nRUN npm ci\n", id="USER by name"),
    pytest.param("FROM node:22\nCOPY .npmrc /app/.npmrc\n", id="no RUN after it"),
    pytest.param("FROM node:22\nCOPY $SRC/.npmrc /app/\nRUN npm ci\n", id="a variable"),
    pytest.param("FROM alpine\nCOPY .ssh /root/.ssh\nRUN git clone git@github.com:a/b\n", id="a directory"),
    pytest.param("FROM alpine\nCOPY deploy_key /root/.ssh\nRUN ./x\n", id="file or directory?"),
    pytest.param("# syntax=docker/dockerfile:1.0\nFROM node:22\nCOPY .npmrc /app/.npmrc\nRUN npm ci\n",
                 id="frontend without mounts"),
    pytest.param("FROM node:22\nCOPY .npmrc /app/.npmrc\nRUN npm ci\nRUN ls && rm /app/.npmrc || true\n",
                 id="an rm that cannot be removed cleanly"),
])
def test_no_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


# -- real-world files ---------------------------------------------------------------------------------

# Every finding on the corpus, each reviewed.
CORPUS_FINDINGS = {
    # nginx's TLS private key baked into the image (belongs in a volume or a runtime secret)
    ("chrisguest75__docker_examples__40_ssl_nginx__Dockerfile.nginx_ssl", "./certs/testsite.local.key"),
    # .npmrc copied into the build stage, whose /app is copied into the released image: info only, it
    # holds `legacy-peer-deps=true` and `no-optional=true` in that repository
    ("louislam__uptime-kuma__docker__dockerfile", ".npmrc"),
}


def test_corpus_findings_are_the_reviewed_ones(corpus: list[Path]) -> None:
    found = set()
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        found.update((path.name, text[f.span.start : f.span.end]) for f in findings(text, NAME))
    assert found == CORPUS_FINDINGS


def test_unsafe_fixes_keep_corpus_files_valid(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        for finding in findings(text, NAME):
            for fix in finding.fixes:
                dockerfile.parse_string(apply_fix(text, fix))


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The fix changes how the build is invoked, so it is never applied by --fix: nothing changes.
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
