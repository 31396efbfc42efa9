"""secret-in-arg-env (DKL018): ARG or ENV holding a credential."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.rule import Severity
from dockls.secrets import buildkit_secret_name, is_secret_name
from tests.rules.helpers import apply_fix, apply_only_fix, assert_corpus_fixes_are_safe, findings

NAME = "secret-in-arg-env"
GITHUB_TOKEN = "ghp_" + "R2d9Kq7LmP4xZ8vB1nC6wT3yH5jF0aE9sD2g"  # made up, in GitHub's format


def fixed(text: str) -> str:
    """The text after the finding's fix, checked: unsafe, BuildKit accepts it, the rule is silent."""
    return apply_only_fix(text, NAME, safe=False)


# -- names, as BuildKit matches them -------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "api_key", "DATABASE_PASSWORD", "GITHUB_TOKEN", "secret_MESSAGE", "AUTH", "apiKey", "NPM_TOKEN",
    "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "GH_TOKEN", "GITLAB_TOKEN", "PYPI_TOKEN", "SONAR_TOKEN",
    "DOCKER_PASSWORD", "MY_CREDENTIALS", "PASSWD", "SSH_KEY",
])
def test_buildkit_names_fire(name: str) -> None:
    assert buildkit_secret_name(name) and is_secret_name(name)
    [finding] = findings(f"FROM alpine\nARG {name}\nRUN echo\n", NAME)
    assert finding.effective_severity is Severity.WARNING


@pytest.mark.parametrize("name", ["PUBLIC_KEY", "PASSWORD_FILE", "TOKEN_VERSION", "MONKEY", "MYPASSWORDHERE",
                                  "TOKENIZERS_PARALLELISM", "KEYCLOAK_URL", "NODE_VERSION"])
def test_names_neither_buildkit_nor_we_report(name: str) -> None:
    assert not buildkit_secret_name(name)
    assert findings(f"FROM alpine\nARG {name}\nENV {name}=x\n", NAME) == []


@pytest.mark.parametrize("name", [
    "GPG_KEY", "RABBITMQ_PGP_KEY_ID", "KEY_FINGERPRINT", "KEY_PATH", "SSH_KEY_DIR", "TOKEN_URL", "AUTH_HOST",
    "AUTH_TYPE", "API_KEY_NAME", "AUTH_USER", "PASSWORD_LENGTH", "ALLOW_EMPTY_PASSWORD", "SKIP_AUTH",
])
def test_deviation_names_buildkit_reports_but_we_do_not(name: str) -> None:
    assert buildkit_secret_name(name) and not is_secret_name(name)
    assert findings(f"FROM alpine\nARG {name}\nENV {name}=value\n", NAME) == []


@pytest.mark.parametrize("name", ["githubToken", "DB_PASS", "GITHUB_PAT", "NPM_AUTHTOKEN", "clientSecret",
                                  "github-oauth"])
def test_deviation_names_we_report_but_buildkit_does_not(name: str) -> None:
    assert not buildkit_secret_name(name) and is_secret_name(name)
    assert len(findings(f"FROM alpine\nARG {name}\n", NAME)) == 1


@pytest.mark.parametrize("value", ['""', "''", "yes", "false", "0", "off"])
def test_an_env_switch_or_an_empty_env_is_silent(value: str) -> None:
    assert findings(f"FROM alpine\nENV DB_PASSWORD={value}\n", NAME) == []


def test_env_with_a_value_fires_without_fix() -> None:
    text = "FROM wordpress\nENV WORDPRESS_PASSWORD=bitnami\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "WORDPRESS_PASSWORD"
    assert "image configuration" in finding.message and "docker run -e WORDPRESS_PASSWORD" in finding.message
    assert "written in the Dockerfile" in finding.message
    assert finding.fixes == ()


def test_env_taking_a_build_argument_does_not_claim_a_written_value() -> None:
    [_, env] = findings("FROM alpine\nARG TOKEN\nENV TOKEN=$TOKEN\n", NAME)
    assert "written in the Dockerfile" not in env.message


def test_legacy_env_form() -> None:
    text = "FROM alpine\nENV NAGIOSADMIN_PASS nagios\n"
    [finding] = findings(text, NAME)
    assert text[finding.span.start : finding.span.end] == "NAGIOSADMIN_PASS"


def test_reports_each_secret_of_one_instruction() -> None:
    text = "FROM alpine\nARG VERSION GITHUB_TOKEN NPM_TOKEN\n"
    assert [text[f.span.start : f.span.end] for f in findings(text, NAME)] == ["GITHUB_TOKEN", "NPM_TOKEN"]


def test_message_says_how_to_pass_it_now() -> None:
    [finding] = findings("FROM alpine\nARG GITHUB_TOKEN\nRUN echo\n", NAME)
    assert "docker history" in finding.message
    assert "--secret id=github_token,env=GITHUB_TOKEN" in finding.message
    assert "--build-arg GITHUB_TOKEN" in finding.message


def test_a_default_value_is_mentioned() -> None:
    [finding] = findings("FROM alpine\nARG DB_PASSWORD=admin\nRUN echo\n", NAME)
    assert "default value" in finding.message and finding.fixes == ()


# -- literal values -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, kind", [
    (GITHUB_TOKEN, "GitHub token"),
    ("AKIA" + "Q3EGRT5YH2KJ7WXA", "AWS access key id"),
    ("glpat-" + "x9Ab3Cd7Ef1Gh5Ij2Kl8", "GitLab token"),
    ("xoxb-" + "2930485761-Ab3Cd7Ef1Gh5", "Slack token"),
    ("npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "npm token"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "JSON Web Token"),
])
def test_literal_credentials_are_errors_whatever_the_name(value: str, kind: str) -> None:
    text = f"FROM alpine\nENV SETTING={value}\n"
    [finding] = findings(text, NAME)
    assert finding.effective_severity is Severity.ERROR
    assert kind in finding.message and "rotate" in finding.message
    assert text[finding.span.start : finding.span.end] == value
    assert value not in finding.message  # the message never repeats the credential


def test_a_literal_in_a_global_arg_is_reported() -> None:
    text = f"ARG TOKEN={GITHUB_TOKEN}\nFROM alpine\n"
    [finding] = findings(text, NAME)
    assert finding.effective_severity is Severity.ERROR and "global ARG" in finding.message


@pytest.mark.parametrize("value", [
    "ghp_" + "X" * 36, "AKIAIOSFODNN7EXAMPLE", "ghp_" + "ab" * 18, "<ghp_token>",
])
def test_placeholders_are_not_literal_credentials(value: str) -> None:
    assert findings(f"FROM alpine\nENV SETTING={value}\n", NAME) == []


# -- where it looks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    pytest.param("ARG GITHUB_TOKEN\nFROM alpine\n", id="global ARG name: BuildKit checks the stage's ARG only"),
    pytest.param("FROM alpine\nARG TARGETPLATFORM\nARG HTTP_PROXY\n", id="predefined ARGs"),
    pytest.param("FROM alpine\n# dockls ignore=secret-in-arg-env\nARG GITHUB_TOKEN\n", id="suppressed"),
    pytest.param("# check=skip=SecretsUsedInArgOrEnv\nFROM alpine\nARG GITHUB_TOKEN\n", id="BuildKit skip"),
    pytest.param("# check=skip=all\nFROM alpine\nENV API_KEY=1234abcd\n", id="BuildKit skip=all"),
    pytest.param("FROM alpine\nRUN echo $GITHUB_TOKEN\n", id="only used"),
])
def test_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_builder_stages_are_checked() -> None:
    text = "FROM node:22 AS build\nARG NPM_TOKEN\nRUN npm ci\nFROM nginx\nCOPY --from=build /app /usr/share/nginx\n"
    assert len(findings(text, NAME)) == 1


def test_onbuild_triggers_are_checked_without_fix() -> None:
    text = "FROM alpine\nONBUILD ARG NPM_TOKEN\nONBUILD ENV API_KEY=abc123\n"
    found = findings(text, NAME)
    assert [f.message.split(" looks")[0] for f in found] == ["ONBUILD ARG NPM_TOKEN", "ONBUILD ENV API_KEY"]
    assert all(f.fixes == () for f in found)


# -- the fix --------------------------------------------------------------------------------------------


def test_fix_mounts_the_secret_on_every_following_run_when_none_names_it() -> None:
    text = "FROM node:22\nARG NPM_TOKEN\nWORKDIR /app\nCOPY package.json .npmrc ./\nRUN npm ci\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM node:22\nWORKDIR /app\nCOPY package.json .npmrc ./\n"
                           "RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n")


def test_fix_mounts_the_secret_on_the_runs_that_name_it() -> None:
    text = ("FROM alpine\nARG API_TOKEN\nRUN apk add --no-cache curl\n"
            "RUN curl -H \"Authorization: Bearer $API_TOKEN\" -o /x https://example.com/x\n")
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine\nRUN apk add --no-cache curl\n"
                           "RUN --mount=type=secret,id=api_token,env=API_TOKEN "
                           "curl -H \"Authorization: Bearer $API_TOKEN\" -o /x https://example.com/x\n")


def test_fix_removes_only_the_secret_of_several_arguments_and_keeps_the_directive() -> None:
    text = "# syntax=docker/dockerfile:1.10\nFROM alpine\nARG VERSION GITHUB_TOKEN\nRUN --network=host ./get $VERSION\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1.10\nFROM alpine\nARG VERSION\n"
                           "RUN --network=host --mount=type=secret,id=github_token,env=GITHUB_TOKEN ./get $VERSION\n")


def test_fix_deletes_the_comment_of_the_arg() -> None:
    text = "FROM alpine\n# token for the private registry\nARG NPM_TOKEN=\nRUN ./fetch \"${NPM_TOKEN}\"\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine\n"
                           "RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN ./fetch \"${NPM_TOKEN}\"\n")


def test_fix_on_heredoc_and_exec_form_runs() -> None:
    text = "FROM alpine\nARG TOKEN\nRUN <<EOF\n./fetch \"$TOKEN\"\nEOF\nRUN [\"/bin/sh\", \"-c\", \"./use $TOKEN\"]\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine\n"
                           "RUN --mount=type=secret,id=token,env=TOKEN <<EOF\n./fetch \"$TOKEN\"\nEOF\n"
                           "RUN --mount=type=secret,id=token,env=TOKEN [\"/bin/sh\", \"-c\", \"./use $TOKEN\"]\n")


def test_fix_keeps_crlf() -> None:
    text = "FROM alpine\r\nARG TOKEN\r\nRUN ./fetch $TOKEN\r\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\r\nFROM alpine\r\n"
                           "RUN --mount=type=secret,id=token,env=TOKEN ./fetch $TOKEN\r\n")


def test_fix_in_a_builder_stage_only_touches_that_stage() -> None:
    text = "FROM alpine AS build\nARG TOKEN\nRUN ./fetch $TOKEN\nFROM alpine\nRUN ./other $TOKEN\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine AS build\n"
                           "RUN --mount=type=secret,id=token,env=TOKEN ./fetch $TOKEN\n"
                           "FROM alpine\nRUN ./other $TOKEN\n")


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nARG TOKEN=abc\nRUN ./fetch $TOKEN\n", id="a default value"),
    pytest.param("FROM alpine\nARG TOKEN\nENV TOKEN=$TOKEN\nRUN ./fetch\n", id="used by an ENV"),
    pytest.param("FROM alpine\nARG TOKEN\nLABEL token=$TOKEN\nRUN ./fetch\n", id="used by a LABEL"),
    pytest.param("FROM alpine\nARG TOKEN\n", id="no RUN after it"),
    pytest.param("# syntax=docker/dockerfile:1.4\nFROM alpine\nARG TOKEN\nRUN ./fetch $TOKEN\n",
                 id="frontend older than 1.10"),
    pytest.param("FROM alpine\nARG A \\\n    TOKEN\nRUN ./fetch $TOKEN\n", id="alone on a continuation line"),
])
def test_no_fix(text: str) -> None:
    found = [f for f in findings(text, NAME) if "TOKEN" in f.message]
    assert found and all(f.fixes == () for f in found)


def test_fix_leaves_runs_that_already_mount_it() -> None:
    text = "FROM alpine\nARG TOKEN\nRUN --mount=type=secret,id=t,env=TOKEN ./a $TOKEN\nRUN ./b $TOKEN\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\nFROM alpine\n"
                           "RUN --mount=type=secret,id=t,env=TOKEN ./a $TOKEN\n"
                           "RUN --mount=type=secret,id=token,env=TOKEN ./b $TOKEN\n")


# -- real-world files ---------------------------------------------------------------------------------

# Every finding on the corpus, each reviewed: build arguments named as credentials, and default
# credentials baked into ENV (`docker inspect` shows them).
CORPUS_FINDINGS = {
    ("48763__docker-tutorial__image__Dockerfile", "PASSWD"),  # ARG PASSWD, echoed by a RUN
    ("bitnami__bitnami-docker-wordpress__5__debian-10__Dockerfile", "WORDPRESS_PASSWORD"),  # ="bitnami"
    ("louislam__uptime-kuma__docker__dockerfile", "GITHUB_TOKEN"),  # passed to a release upload script
    ("moby__buildkit__frontend__dockerfile__parser__testfiles__cpuguy83-nagios__Dockerfile",
     "NAGIOSADMIN_PASS"),  # ENV NAGIOSADMIN_PASS nagios
    ("nextcloud__all-in-one__Containers__nextcloud__Dockerfile", "AIO_TOKEN"),  # ENV AIO_TOKEN=123456
}


def test_corpus_findings_are_the_reviewed_ones(corpus: list[Path]) -> None:
    found = set()
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        found.update((path.name, text[f.span.start : f.span.end]) for f in findings(text, NAME))
    assert found == CORPUS_FINDINGS


def test_unsafe_fixes_keep_corpus_files_valid(corpus: list[Path]) -> None:
    fixed_files = 0
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        for finding in findings(text, NAME):
            for fix in finding.fixes:
                after = apply_fix(text, fix)
                dockerfile.parse_string(after)
                assert len(findings(after, NAME)) == len(findings(text, NAME)) - 1
                fixed_files += 1
    assert fixed_files == 2  # uptime-kuma's GITHUB_TOKEN and the tutorial's PASSWD


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The fix changes how the build is invoked, so it is never applied by --fix: nothing changes.
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
