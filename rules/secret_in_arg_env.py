"""## What it does
Reports `ARG` and `ENV` instructions whose variable name says it holds a credential (`GITHUB_TOKEN`,
`NPM_TOKEN`, `AWS_SECRET_ACCESS_KEY`, `DB_PASSWORD`, `apiKey` …), and those whose value is a literal
credential in a well-known format. For an `ARG` without a default that only `RUN` instructions use, it
offers to turn it into a build secret.

Names are matched like BuildKit's `SecretsUsedInArgOrEnv` check: the name is split at `_` and it is a
credential when one word, in any case, is `apikey`, `auth`, `credential`, `credentials`, `key`,
`password`, `pword`, `passwd`, `secret` or `token` — unless a word is `public`, `file` or `version`
(`PUBLIC_KEY`, `PASSWORD_FILE`, `TOKEN_VERSION` are fine). On top of BuildKit:
- names are also split in camelCase and at `-` and `.` (`githubToken`, `apiKey`), and `pass`,
  `passphrase`, `pat`, `oauth`, `creds` (`DB_PASS`, `GITHUB_PAT`) and the run-together forms
  `privatekey`, `accesskey`, `secretkey`, `apisecret`, `apitoken`, `authtoken`, `accesstoken`,
  `clientsecret` count too;
- a name with the word `gpg`, `pgp`, `gnupg` or `fingerprint` is not reported: `ENV GPG_KEY` in the
  official Python images holds the fingerprint of a *public* signing key;
- a name whose last word says where or what kind of credential rather than holding it is not
  reported: `KEY_PATH`, `SSH_KEY_DIR`, `TOKEN_URL`, `AUTH_HOST`, `AUTH_TYPE`, `AUTH_METHOD`,
  `API_KEY_NAME`, `AUTH_USER`, `PASSWORD_LENGTH`, `AUTH_ENABLED` (also `uri`, `endpoint`, `server`,
  `port`, `mode`, `username`, `size`, `required`);
- a switch is not reported: a name starting with `allow`, `skip`, `enable`, `disable`, `use`,
  `require` or `no` (`ALLOW_EMPTY_PASSWORD`), or a value that is `yes`/`no`/`true`/`false`/`on`/`off`/
  `0`/`1`;
- an `ENV` that sets an empty value (`ENV DB_PASSWORD=""`, a placeholder for `docker run -e`) is not
  reported: nothing is stored;
- BuildKit's own predefined build arguments (`TARGETPLATFORM`, `HTTP_PROXY` …) never are.

Values are reported whatever the name when they are a literal credential in one of these formats:
GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab tokens (`glpat-` …),
AWS access key ids (`AKIA…`, `ASIA…`), Slack tokens (`xoxb-` …), npm tokens (`npm_`), PyPI tokens
(`pypi-AgE…`), Docker Hub tokens (`dckr_pat_`), Google API keys (`AIza…`), Stripe live keys
(`sk_live_`, `rk_live_`), Hugging Face tokens (`hf_`), OpenAI and Anthropic keys, JSON Web Tokens
(`eyJ….eyJ….…`) and PEM private keys (`-----BEGIN … PRIVATE KEY-----`). Placeholders such as
`ghp_XXXX…` or AWS's documentation key `AKIAIOSFODNN7EXAMPLE` are not. Such a value is an error; a
name alone is a warning. Global `ARG`s (before the first `FROM`) are only checked for literal values,
as in BuildKit, which checks the `ARG` that brings them into a stage.

## Why is this bad?
A build argument's value is recorded in the image: every `RUN` after the `ARG` in its stage runs with
it in its environment, and `docker history` shows it (`RUN |1 GITHUB_TOKEN=ghp_… /bin/sh -c …`); with
provenance attestations (`--provenance=mode=max`) every `--build-arg` is recorded too. An `ENV` value
is part of the image configuration: `docker inspect` shows it to anyone who can pull the image, and
every container started from it has it. A literal credential in the Dockerfile is also in your
source control.

BuildKit's secret mounts expose a secret to one `RUN` only, and never write it to a layer, the image
configuration or the history.

## Example
```dockerfile
FROM node:22
ARG NPM_TOKEN
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM node:22
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
```
built with `NPM_TOKEN=… docker build --secret id=npm_token,env=NPM_TOKEN .` instead of
`--build-arg NPM_TOKEN=…`.

## Fix safety
The fix is only offered for an `ARG` without a default value (or with an empty one) in a stage: it
removes the `ARG` and adds `--mount=type=secret,id=<name in lower case>,env=<NAME>` to the `RUN`s after
it in the stage that name the variable — or to every `RUN` after it when none does, since a tool may
read it from the environment itself (npm expands `${NPM_TOKEN}` in an `.npmrc`). It adds
`# syntax=docker/dockerfile:1` when the file has no syntax directive, because the `env=` option of
secret mounts needs Dockerfile syntax 1.10; it is not offered when the file pins an older version, or
when anything but a `RUN` uses the variable (`ENV`, `COPY`, `LABEL` …, or another `ARG`/`ENV` of the
same name later in the stage). It is never applied automatically: the build must then be invoked with
`--secret id=<id>,env=<NAME>` instead of `--build-arg`, a `RUN` that reads the variable without
naming it while another names it loses it, and a secret mount is not readable inside a `RUN` run
through a `SHELL` other than a POSIX shell in the same way. `ENV` findings and literal values have no
fix: a literal credential must be revoked, and an `ENV` may be needed when the container runs.

## Stages
All stages. A builder stage's build arguments are recorded in the build history and cache of that
stage, in provenance attestations, and in any image built from it with `--target`; an `ENV` is also
inherited by every stage built `FROM` it. `ONBUILD ARG` and `ONBUILD ENV` triggers are checked too.

## References
- [BuildKit check SecretsUsedInArgOrEnv](https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/)
- [BuildKit source: getSecretsRegex in frontend/dockerfile/dockerfile2llb/validations.go](https://github.com/moby/buildkit/blob/master/frontend/dockerfile/dockerfile2llb/validations.go)
- [Build secrets](https://docs.docker.com/build/building/secrets/)
- [RUN --mount=type=secret](https://docs.docker.com/reference/dockerfile/#run---mounttypesecret)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity
from dockls.secrets import arg_to_secret_mount, credentials_in, is_secret_name, is_switch_value, secret_id
from dockls.syntax import Instruction
from dockls.text import Span


def _strip_quotes(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _declarations(inst: Instruction) -> Iterator[tuple[str, Span, str | None, Span | None]]:
    """Each variable of an ARG or ENV: its name and range, and its value (None for ``ARG NAME``) and range."""
    if inst.keyword == "ARG":
        for word, span in zip(inst.value, inst.value_spans):
            name, eq, default = word.partition("=")
            value_span = Span(span.start + len(name) + 1, span.end) if eq else None
            yield name, Span(span.start, span.start + len(name)), (_strip_quotes(default) if eq else None), value_span
    elif inst.keyword == "ENV":
        spans = inst.value_spans
        for k in range(0, len(inst.value) - 1, 2):
            if k + 1 < len(spans):
                yield inst.value[k], spans[k], _strip_quotes(inst.value[k + 1]), spans[k + 1]


def check(model: Model) -> Iterator[Finding]:
    in_stage = False
    for holder in model.tree.instructions:
        if holder.keyword == "FROM":
            in_stage = True
            continue
        inst = holder.command
        if inst.keyword not in ("ARG", "ENV"):
            continue
        keyword = "ONBUILD " + inst.keyword if inst is not holder else inst.keyword
        for name, name_span, value, value_span in _declarations(inst):
            literal = next(iter(credentials_in(value)), None) if value else None
            if literal is not None and value_span is not None:
                yield _literal(keyword, name, literal.kind, value_span, in_stage)
            elif in_stage and _reportable(inst.keyword, name, value):
                yield _by_name(model, holder, inst, keyword, name, name_span, value)


def _reportable(keyword: str, name: str, value: str | None) -> bool:
    if not is_secret_name(name):
        return False
    if value is not None and is_switch_value(value):
        return False
    return keyword == "ARG" or bool(value and value.strip())


def _literal(keyword: str, name: str, kind: str, span: Span, in_stage: bool) -> Finding:
    where = "the image history" if keyword.endswith("ARG") else "the image configuration"
    scope = "" if in_stage else " (a global ARG)"
    message = (f"{keyword} {name}{scope} holds {kind}, written in the Dockerfile: it is in your source control and "
               f"{where} — revoke and rotate it, then pass the new one as a build secret "
               f"(`RUN --mount=type=secret,id={secret_id(name)},env={name} …`)")
    return Finding(RULE, span, message, severity=Severity.ERROR)


def _by_name(model: Model, holder: Instruction, inst: Instruction, keyword: str, name: str, span: Span,
             value: str | None) -> Finding:
    ident = secret_id(name)
    if inst.keyword == "ARG":
        default = " Its default value is written in the Dockerfile, too." if value else ""
        message = (f"{keyword} {name} looks like a credential: a build argument's value is recorded in the image "
                   f"history of every RUN after it (`docker history` shows `{name}=…`) and in provenance "
                   f"attestations; use a secret mount instead, `RUN --mount=type=secret,id={ident},env={name} …`, "
                   f"and build with `--secret id={ident},env={name}` instead of `--build-arg {name}=…`.{default}")
        fix = arg_to_secret_mount(model, holder, name) if holder is inst else None
        return RULE.finding(span, message, *((fix,) if fix else ()))
    written = "" if value is None or "$" in value else ", and this value is written in the Dockerfile"
    message = (f"{keyword} {name} looks like a credential: ENV values are stored in the image configuration, where "
               f"`docker inspect` shows them to anyone who can pull the image{written}; set it when the container "
               f"starts (`docker run -e {name}`), or for the build only "
               f"use a secret mount (`RUN --mount=type=secret,id={ident},env={name} …`)")
    return RULE.finding(span, message)


RULE = Rule(
    id="DKL018",
    name="secret-in-arg-env",
    summary="ARG or ENV holds a credential, which is recorded in the image history or configuration",
    severity=Severity.WARNING,
    category="secrets",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
    buildkit=("SecretsUsedInArgOrEnv",),
)
