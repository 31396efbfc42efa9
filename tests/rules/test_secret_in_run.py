"""secret-in-run (DKL019): credentials used inside RUN instructions."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.rule import Severity
from tests.rules.helpers import apply_fix, apply_only_fix, assert_corpus_fixes_are_safe, findings

NAME = "secret-in-run"
GITHUB_TOKEN = "ghp_" + "R2d9Kq7LmP4xZ8vB1nC6wT3yH5jF0aE9sD2g"  # made up, in GitHub's format


def reported(text: str) -> list[tuple[str, Severity]]:
    return [(text[f.span.start : f.span.end], f.effective_severity) for f in findings(text, NAME)]


def fixed(text: str) -> str:
    return apply_only_fix(text, NAME, safe=False)


# -- build arguments and ENV variables where a credential goes -------------------------------------------


@pytest.mark.parametrize("run, word", [
    ('git clone https://$TOKEN@github.com/org/repo', "https://$TOKEN@github.com/org/repo"),
    ('git clone https://oauth2:${GITLAB_TOKEN}@gitlab.com/org/repo', "https://oauth2:${GITLAB_TOKEN}@gitlab.com/org/repo"),
    ('git config --global url."https://${GITHUB_TOKEN}@github.com/".insteadOf "https://github.com/"',
     'url."https://${GITHUB_TOKEN}@github.com/".insteadOf'),
    ('echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc',
     '"//registry.npmjs.org/:_authToken=${NPM_TOKEN}"'),
    ("echo $NPM_TOKEN > .npmrc", "$NPM_TOKEN"),
    ('curl -H "Authorization: Bearer $TOKEN" https://example.com/a', '"Authorization: Bearer $TOKEN"'),
    ('curl --header "PRIVATE-TOKEN: $TOKEN" https://gitlab.example.com/api', '"PRIVATE-TOKEN: $TOKEN"'),
    ('curl -H "X-API-Key: $KEY" https://example.com/a', '"X-API-Key: $KEY"'),
    ("curl --user=me:$PASS https://example.com/a", "--user=me:$PASS"),
    ('curl -u "ci:${PASS}" https://example.com/a', '"ci:${PASS}"'),
    ("wget --password=$PASS https://example.com/a", "--password=$PASS"),
    ("pip install --index-url https://user:${PASS}@pypi.example.com/simple foo",
     "https://user:${PASS}@pypi.example.com/simple"),
    ("docker login -u me -p $PASS registry.example.com", "$PASS"),
    ("npm config set //registry.npmjs.org/:_authToken $NPM_TOKEN", "$NPM_TOKEN"),
    ("composer config -g github-oauth.github.com $TOKEN", "$TOKEN"),
    ("aws configure set aws_secret_access_key $AWS_SECRET_ACCESS_KEY", "$AWS_SECRET_ACCESS_KEY"),
    ("npm publish --token $NPM_TOKEN", "$NPM_TOKEN"),
    ("./upload.sh github_api_token=$GITHUB_TOKEN", "github_api_token=$GITHUB_TOKEN"),
    ('git config --global http.https://github.com/.extraheader "AUTHORIZATION: bearer $TOKEN"',
     '"AUTHORIZATION: bearer $TOKEN"'),
    ('git -C /src config http.extraheader "AUTHORIZATION: bearer $TOKEN"', '"AUTHORIZATION: bearer $TOKEN"'),
])
def test_build_arguments_in_credential_positions_are_warnings(run: str, word: str) -> None:
    text = ("FROM alpine\nARG TOKEN GITLAB_TOKEN GITHUB_TOKEN NPM_TOKEN KEY PASS AWS_SECRET_ACCESS_KEY\n"
            f"RUN {run}\n")
    assert reported(text) == [(word, Severity.WARNING)]


def test_an_env_variable_is_named_as_such() -> None:
    text = 'FROM alpine\nENV API_TOKEN=abc\nRUN curl -H "X-API-Key: $API_TOKEN" https://example.com\n'
    [finding] = findings(text, NAME)
    assert finding.message.startswith("`curl` uses ENV API_TOKEN as the value of an `X-API-Key` header")
    assert "docker inspect" in finding.message and finding.fixes == ()


def test_message_of_a_build_argument() -> None:
    text = 'FROM alpine\nARG TOKEN\nRUN curl -H "Authorization: Bearer $TOKEN" https://example.com\n'
    [finding] = findings(text, NAME)
    assert finding.message.startswith("`curl` uses build argument TOKEN as the value of an `Authorization` header")
    assert "docker history" in finding.message and "--secret id=token,env=TOKEN" in finding.message


def test_commands_that_store_the_credential_say_where() -> None:
    text = "FROM alpine\nARG GITHUB_TOKEN\nRUN git clone https://${GITHUB_TOKEN}@github.com/org/repo\n"
    [finding] = findings(text, NAME)
    assert ".git/config" in finding.message and finding.fixes == ()


def test_echo_says_it_writes_the_value_out() -> None:
    [finding] = findings("FROM alpine\nARG PASSWD\nRUN echo Your password is $PASSWD\n", NAME)
    assert "writes build argument PASSWD to its output" in finding.message and finding.fixes == ()


# -- literal credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize("run, word", [
    ('curl -H "Authorization: Bearer abcdef123456" https://example.com/a', '"Authorization: Bearer abcdef123456"'),
    ("curl -u admin:s3cr3tpw https://example.com/a", "admin:s3cr3tpw"),
    ("docker login -u me -p hunter22 registry.example.com", "hunter22"),
    ("git clone https://me:hunter22@git.example.com/repo", "https://me:hunter22@git.example.com/repo"),
    ('git -c http.extraheader="AUTHORIZATION: basic dXNlcjpwYXNz" clone https://github.com/org/repo',
     'http.extraheader="AUTHORIZATION: basic dXNlcjpwYXNz"'),
    (f"echo {GITHUB_TOKEN} > /token", GITHUB_TOKEN),
    (f"pip install git+https://user:{GITHUB_TOKEN}@github.com/org/pkg", GITHUB_TOKEN),
])
def test_literal_credentials_are_errors(run: str, word: str) -> None:
    text = f"FROM alpine\nRUN {run}\n"
    [finding] = findings(text, NAME)
    assert (text[finding.span.start : finding.span.end], finding.effective_severity) == (word, Severity.ERROR)
    assert "rotate" in finding.message and finding.fixes == ()


def test_literal_token_in_a_heredoc_and_in_a_non_posix_shell() -> None:
    text = (f'FROM alpine\nRUN <<EOF\nexport T={GITHUB_TOKEN}\nEOF\n'
            f'SHELL ["pwsh", "-c"]\nRUN $env:T = "{GITHUB_TOKEN}"\n')
    assert reported(text) == [(GITHUB_TOKEN, Severity.ERROR)] * 2


def test_a_private_key_block() -> None:
    text = "FROM alpine\nRUN echo '-----BEGIN OPENSSH PRIVATE KEY-----' > /root/.ssh/id_ed25519\n"
    [finding] = findings(text, NAME)
    assert "a private key" in finding.message and finding.effective_severity is Severity.ERROR


# -- what stays silent -----------------------------------------------------------------------------------


@pytest.mark.parametrize("run", [
    pytest.param("git clone git@github.com:org/repo.git", id="ssh URL"),
    pytest.param("curl -fsSL https://user@example.com/x", id="a user name only"),
    pytest.param("curl -u admin:admin http://localhost:8080/api", id="localhost"),
    pytest.param('curl -H "Authorization: Bearer <your-token>" https://example.com', id="placeholder"),
    pytest.param("git config --global credential.helper store", id="a setting, not a credential"),
    pytest.param("git clone https://$(cat /run/secrets/t)@github.com/org/repo", id="read from a secret mount"),
    pytest.param("T=$(cat /run/secrets/t) && git clone https://$T@github.com/org/repo", id="a shell variable"),
    pytest.param("echo '$TOKEN'", id="single quotes"),
    pytest.param("tool --key $KEY_FILE", id="a file name"),
    pytest.param("echo 'RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]' >> .htaccess",
                 id="an Apache rule"),
    pytest.param("SECRET_KEY_BASE=precompile_placeholder rails assets:precompile", id="a placeholder assignment"),
    pytest.param("echo $VERSION", id="echo of something else"),
])
def test_silent(run: str) -> None:
    text = f"FROM alpine\nARG TOKEN KEY_FILE VERSION\nRUN {run}\n"
    assert findings(text, NAME) == []


def test_suppression_comment() -> None:
    assert findings(f"FROM alpine\n# dockls ignore=secret-in-run\nRUN curl -u admin:{GITHUB_TOKEN} https://x\n",
                    NAME) == []


def test_onbuild_variables_belong_to_another_build() -> None:
    text = 'FROM alpine\nARG TOKEN\nONBUILD RUN curl -H "Authorization: Bearer $TOKEN" https://x\n'
    assert findings(text, NAME) == []
    assert len(findings(f"FROM alpine\nONBUILD RUN echo {GITHUB_TOKEN}\n", NAME)) == 1


def test_builder_stages_are_checked() -> None:
    text = ("FROM alpine AS build\nARG TOKEN\nRUN curl -H \"Authorization: Bearer $TOKEN\" -o /a https://x\n"
            "FROM alpine\nCOPY --from=build /a /a\n")
    assert len(findings(text, NAME)) == 1


# -- the fix --------------------------------------------------------------------------------------------


def test_fix_turns_the_build_argument_into_a_secret_mount() -> None:
    text = 'FROM alpine\nARG TOKEN\nRUN curl -H "Authorization: Bearer $TOKEN" -o /a https://example.com/a\n'
    assert fixed(text) == ('# syntax=docker/dockerfile:1\nFROM alpine\n'
                           'RUN --mount=type=secret,id=token,env=TOKEN '
                           'curl -H "Authorization: Bearer $TOKEN" -o /a https://example.com/a\n')


def test_fix_in_a_heredoc_with_crlf() -> None:
    text = "FROM alpine\r\nARG PASS\r\nRUN <<EOF\r\ncurl -u ci:$PASS -o /a https://example.com/a\r\nEOF\r\n"
    assert fixed(text) == ("# syntax=docker/dockerfile:1\r\nFROM alpine\r\n"
                           "RUN --mount=type=secret,id=pass,env=PASS <<EOF\r\n"
                           "curl -u ci:$PASS -o /a https://example.com/a\r\nEOF\r\n")


def test_fix_on_an_exec_form_shell() -> None:
    text = 'FROM alpine\nARG PASS\nRUN ["sh", "-c", "wget --password=$PASS https://example.com/a"]\n'
    assert fixed(text) == ('# syntax=docker/dockerfile:1\nFROM alpine\n'
                           'RUN --mount=type=secret,id=pass,env=PASS ["sh", "-c", "wget --password=$PASS '
                           'https://example.com/a"]\n')


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nARG PASS=changeit\nRUN curl -u ci:$PASS https://x\n", id="a default value"),
    pytest.param("FROM alpine\nENV PASS=abc\nRUN curl -u ci:$PASS https://x\n", id="an ENV"),
    pytest.param("FROM alpine\nARG PASS\nRUN docker login -u ci -p $PASS registry.example.com\n",
                 id="stored by docker login"),
])
def test_no_fix(text: str) -> None:
    [finding] = findings(text, NAME)
    assert finding.fixes == ()


# -- real-world files ---------------------------------------------------------------------------------

# Every finding on the corpus, each reviewed.
CORPUS_FINDINGS = {
    ("48763__docker-tutorial__image__Dockerfile", "$PASSWD"),  # echo Your password is $PASSWD
    ("jessfraz__dockerfiles__chromium__Dockerfile", "AIzaSyCkfPOPZXDKNn8hhgu3JrA62wIgC93d44k"),  # Google API key
    ("louislam__uptime-kuma__docker__dockerfile", "github_api_token=$GITHUB_TOKEN"),  # a build argument
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
    assert fixed_files == 1  # uptime-kuma's GITHUB_TOKEN


def test_fix_all_over_the_corpus_keeps_files_valid(corpus: list[Path]) -> None:
    # The fix changes how the build is invoked, so it is never applied by --fix: nothing changes.
    assert assert_corpus_fixes_are_safe(corpus, NAME) == 0
