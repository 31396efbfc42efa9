"""## What it does
Finds credentials used inside `RUN` instructions: literal ones, and build arguments or `ENV` variables
passed where a credential goes.

Where a credential goes:
- the password of a URL, or the whole user part when it is a variable with a credential name:
  `https://user:$TOKEN@host/…`, `https://${GITHUB_TOKEN}@github.com/…`,
  `https://oauth2:${GITLAB_TOKEN}@gitlab.com/…` — in `git clone`, `git config url.….insteadOf`,
  `pip install --index-url`, `curl` … alike;
- an authentication header: `-H`/`--header` (`curl`, `wget`, `http` …) or git's `http.extraheader`
  naming `Authorization`, `Proxy-Authorization`, `Private-Token`, `Job-Token`, `Deploy-Token` or an
  `X-…` header with a credential name (`X-API-Key`);
- `curl -u`/`--user`/`--proxy-user` `user:password`; `wget --password`/`--http-password`/
  `--ftp-password`/`--proxy-password`; `-p`/`--password` of `docker login` (and `podman`,
  `buildah`, `skopeo`, `nerdctl`, `helm`, `oras`, `crane`);
- npm registry credentials, `_authToken=…`, `_auth=…`, `_password=…` (in an `echo … > .npmrc` or an
  `npm config set`);
- the value of a configuration key that holds a credential: `npm`/`yarn`/`pnpm config set`,
  `git config`, `pip config set`, `aws configure set`, `composer config` (`github-oauth.*`,
  `gitlab-token.*`, `http-basic.*`, `bearer.*`) and `poetry config` (`http-basic.*`, `pypi-token.*`);
- for a build argument or `ENV` variable with a credential name (the naming rules of
  `secret-in-arg-env`): an option with a credential name (`--token "$NPM_TOKEN"`), a `key=value`
  argument with one (`api_token=$GITHUB_TOKEN`), and `echo`/`printf`, which write it to a file or the
  build log.

A literal value there is an error, except placeholders (`<token>`, `changeme`, `xxxx`, values with
`example`, `dummy`, `placeholder`) and credentials for `localhost`, which belong to a service set up
inside the build. A credential in a well-known token format (the list in `secret-in-arg-env`:
`ghp_…`, `github_pat_…`, `glpat-…`, `AKIA…`, `xoxb-…`, `npm_…`, `-----BEGIN … PRIVATE KEY-----`, JWTs
…) is an error anywhere in the `RUN`, heredocs and exec form included. A build argument or `ENV`
variable is a warning. A variable that is neither (a shell variable, one read from `/run/secrets/…`)
and a command substitution are not reported.

## Why is this bad?
A literal credential is in the Dockerfile, your source control and the image history, readable by
anyone who can read either. A build argument's value is recorded in the history of every `RUN` after
its `ARG` (`docker history` shows `RUN |1 TOKEN=… /bin/sh -c …`), and an `ENV` value in the image
configuration. Some commands also write the credential into the layer: `git clone` keeps the URL in
`.git/config`, `git config`, `npm config set`, `docker login` and the like store it in their
configuration files, and `echo` writes it wherever its output goes.

## Example
```dockerfile
FROM node:22
ARG NPM_TOKEN
WORKDIR /app
COPY package.json package-lock.json ./
RUN curl -H "Authorization: Bearer $NPM_TOKEN" -o vendor.tgz https://npm.example.com/vendor.tgz && npm ci
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM node:22
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \\
    curl -H "Authorization: Bearer $NPM_TOKEN" -o vendor.tgz https://npm.example.com/vendor.tgz && npm ci
```
built with `docker build --secret id=npm_token,env=NPM_TOKEN .`.

## Fix safety
For a build argument declared without a default in the `RUN`'s stage, used by a command that does not
store it, the fix is the one of `secret-in-arg-env`: it removes the `ARG` and adds
`--mount=type=secret,id=<name in lower case>,env=<NAME>` to the `RUN`s that use it (adding
`# syntax=docker/dockerfile:1` when the file has no syntax directive). It is only offered as a code
action, because the build must then be invoked with `--secret id=<id>,env=<NAME>` instead of
`--build-arg`. There is no fix for a literal credential — never move it around, revoke it — for an
`ENV` variable, or for a command that stores the credential in a file (`git clone`, `git config`,
`npm config set`, `docker login`, `echo`): a secret mount would keep it out of the history, but not
out of that file, which needs a different approach (a credential helper or a configuration file
mounted as a secret).

## Stages
All stages: a builder stage's `RUN`s are in the build history and cache, and in any image built from it
with `--target`. `ONBUILD RUN` triggers are checked too (without a fix).

## References
- [Build secrets](https://docs.docker.com/build/building/secrets/)
- [RUN --mount=type=secret](https://docs.docker.com/reference/dockerfile/#run---mounttypesecret)
- [Secret mounts as environment variables](https://docs.docker.com/build/building/secrets/#secret-mounts)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.edits import ShellBody, heredoc_body, line_body
from dockls.model import Model, Run
from dockls.rule import Finding, Fix, FixAvailability, Rule, Severity
from dockls.secrets import (
    arg_to_secret_mount,
    credentials_in,
    declaration_of,
    is_placeholder,
    is_secret_name,
    name_words,
    referenced_names,
    secret_id,
)
from dockls.shell import ShellCommand, Word
from dockls.text import Span

_URL_RE = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://(?P<userinfo>[^/?#@\s]+)@(?P<host>\[[^\]]*\]|[^/?#:\s]*)")
_HOSTS_RE = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://(?:[^/?#@\s]*@)?(?P<host>\[[^\]]*\]|[^/?#:\s]*)")
_LOCAL_HOSTS = frozenset({"localhost", "0.0.0.0", "::1", "[::1]"})
_HEADER_RE = re.compile(r"^\s*(?P<name>[A-Za-z][A-Za-z0-9-]*)\s*:\s*(?P<value>\S.*)$", re.DOTALL)
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization", "private-token", "job-token", "deploy-token"})
_AUTH_SCHEME_RE = re.compile(r"(?i)^(?:bearer|basic|token|digest|bot|apikey|api-key)\s+")
_NPM_AUTH_RE = re.compile(r"(?:^|:)(?P<key>_authToken|_auth|_password)\s*=\s*(?P<value>.+)$", re.IGNORECASE)
_KEY_VALUE_RE = re.compile(r"^-{0,2}(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<value>.+)$", re.DOTALL)

SUBCOMMAND_TOOLS = frozenset({"git", "npm", "yarn", "pnpm", "pip", "pip3", "aws", "composer", "poetry"})
LOGIN_TOOLS = frozenset({"docker", "podman", "buildah", "skopeo", "nerdctl", "helm", "oras", "crane"})
CURL_USER_OPTIONS = ("-u", "--user", "-U", "--proxy-user")
WGET_PASSWORD_OPTIONS = ("--password", "--http-password", "--ftp-password", "--proxy-password")
# Configuration commands: how to find (key, values) and where they store the value.
CONFIG_STORES = {
    "npm": "~/.npmrc", "pnpm": "~/.npmrc", "yarn": "the yarn configuration file", "git": "the git configuration",
    "pip": "pip.conf", "pip3": "pip.conf", "aws": "~/.aws/credentials", "composer": "composer's auth.json",
    "poetry": "Poetry's auth.toml",
}
# Key prefixes of composer and poetry whose values are credentials.
CREDENTIAL_KEY_PREFIXES = ("github-oauth.", "gitlab-token.", "gitlab-oauth.", "bitbucket-oauth.", "http-basic.",
                           "bearer.", "pypi-token.")
# The last word of a configuration key that holds a credential itself (`_authToken`, `npmAuthToken`,
# `aws_secret_access_key`), unlike `credential.helper`.
CREDENTIAL_LAST_WORDS = frozenset({
    "token", "password", "passwd", "pass", "pword", "secret", "apikey", "authtoken", "accesstoken", "apitoken",
    "key", "auth",
})
GIT_STORING = frozenset({"clone", "remote", "submodule", "config"})
GIT_VALUE_OPTIONS = frozenset({"-c", "-C", "--git-dir", "--work-tree", "--namespace", "--exec-path"})


@dataclass(frozen=True)
class Usage:
    """A credential found in a command: where, what it is used as, and the value's text."""

    command: ShellCommand
    word: Word
    what: str  # "the password of a URL"
    value: str
    storable: bool  # the command may keep it in a file: git keeps a clone's URL, `git config` its values …
    local: bool = False  # it authenticates against localhost
    secret_names_only: bool = False  # only a variable with a credential name counts


# --------------------------------------------------------------------------- what the commands do


def _subcommand(cmd: ShellCommand) -> str:
    """The first argument that is not an option (git: after its global options)."""
    skip = False
    for word in cmd.args:
        if skip:
            skip = False
        elif cmd.name == "git" and word.text in GIT_VALUE_OPTIONS:
            skip = True
        elif not word.text.startswith("-"):
            return word.text
    return ""


def _label(cmd: ShellCommand) -> str:
    sub = _subcommand(cmd)
    if (cmd.name in SUBCOMMAND_TOOLS or cmd.name in LOGIN_TOOLS) and sub.isalpha():
        return f"{cmd.name} {sub}"
    return cmd.name


def _store(cmd: ShellCommand) -> str | None:
    """Where the command keeps what it is given in the layer."""
    sub = _subcommand(cmd)
    if cmd.name == "git" and sub in GIT_STORING:
        return "the git configuration" if sub == "config" else ".git/config of the repository"
    if cmd.name in ("echo", "printf"):
        return "the file or build log it writes to"
    if cmd.name in LOGIN_TOOLS and "login" in (word.text for word in cmd.args):
        return "~/.docker/config.json" if cmd.name in ("docker", "nerdctl") else "the registry auth file"
    if cmd.name in CONFIG_STORES and _config_key_index(cmd) is not None:
        return CONFIG_STORES[cmd.name]
    return None


def _config_key_index(cmd: ShellCommand) -> int | None:
    """The index (in ``cmd.args``) of the key of a ``config set``-style command."""
    texts = [word.text for word in cmd.args]
    positional = [k for k, text in enumerate(texts) if not text.startswith("-")]
    if cmd.name in ("npm", "pnpm", "yarn", "pip", "pip3") and len(positional) >= 3 and [
            texts[k] for k in positional[:2]] == ["config", "set"]:
        return positional[2]
    if cmd.name == "aws" and len(positional) >= 3 and [texts[k] for k in positional[:2]] == ["configure", "set"]:
        return positional[2]
    if cmd.name in ("composer", "poetry") and len(positional) >= 2 and texts[positional[0]] == "config":
        return positional[1]
    if cmd.name == "git" and _subcommand(cmd) == "config":
        sub = next(k for k in positional if texts[k] == "config")
        after = [k for k in positional if k > sub and not texts[k - 1].startswith(("--file", "-f"))]
        return after[0] if after else None
    return None


def _option_values(cmd: ShellCommand, names: tuple[str, ...]) -> Iterator[tuple[Word, str]]:
    """Values of the options ``names``: the next word, or attached (``--user=a:b``, ``-ua:b``)."""
    args = cmd.args
    for k, word in enumerate(args):
        text = word.text
        if text in names:
            if k + 1 < len(args):
                yield args[k + 1], args[k + 1].text
            continue
        for name in names:
            if name.startswith("--") and text.startswith(name + "="):
                yield word, text[len(name) + 1 :]
            elif len(name) == 2 and not name.startswith("--") and text.startswith(name) and len(text) > 2 and (
                    text[1] == name[1]):
                yield word, text[2:]


def _all_local(cmd: ShellCommand) -> bool:
    hosts = [match.group("host").lower() for word in cmd.args for match in _HOSTS_RE.finditer(word.text)]
    return bool(hosts) and all(_is_local(host) for host in hosts)


def _is_local(host: str) -> bool:
    return host in _LOCAL_HOSTS or host.startswith("127.")


def _usages(cmd: ShellCommand) -> Iterator[Usage]:
    name, args = cmd.name, cmd.args
    if not args:
        return
    # Cheap tests first: this runs for every command of every RUN on each keystroke.
    joined = "\0".join([word.text for word in args])
    lower = joined.lower()
    url = "@" in joined and "://" in joined
    header = "-H" in joined or "--header" in lower or "extraheader" in lower
    named = "$" in joined or "_auth" in lower or "_password" in lower
    config = name in CONFIG_STORES
    if not (url or header or named or config or name in ("curl", "wget") or name in LOGIN_TOOLS):
        return
    if url:
        yield from _url_usages(cmd)
    if header:
        for word, value in _option_values(cmd, ("-H", "--header")):
            yield from _header_usage(cmd, word, value, False)
        for word in args:
            if ".extraheader=" in word.text.lower():  # git -c http.extraheader="Authorization: …"
                yield from _header_usage(cmd, word, word.text.split("=", 1)[1], False)
    if name == "curl":
        for word, value in _option_values(cmd, CURL_USER_OPTIONS):
            _, colon, password = value.partition(":")
            if colon:
                yield Usage(cmd, word, "the password of `curl --user`", password, False, _all_local(cmd))
    elif name == "wget":
        for word, value in _option_values(cmd, WGET_PASSWORD_OPTIONS):
            yield Usage(cmd, word, "a `wget` password", value, False, _all_local(cmd))
    elif name in LOGIN_TOOLS and "login" in (word.text for word in args):
        for word, value in _option_values(cmd, ("-p", "--password")):
            yield Usage(cmd, word, f"the password of `{name} login`", value, True)
    if config:
        yield from _config_usages(cmd)
    if named:
        yield from _named_usages(cmd)


def _header_usage(cmd: ShellCommand, word: Word, header: str, storable: bool) -> Iterator[Usage]:
    match = _HEADER_RE.match(header)
    if match is None:
        return
    name = match.group("name")
    if name.lower() in _AUTH_HEADERS or (name.lower().startswith("x-") and is_secret_name(name)):
        value = _AUTH_SCHEME_RE.sub("", match.group("value").strip())
        yield Usage(cmd, word, f"the value of an `{name}` header", value, storable, _all_local(cmd))


def _url_usages(cmd: ShellCommand) -> Iterator[Usage]:
    for word in cmd.words:
        for match in _URL_RE.finditer(word.text):
            user, colon, password = match.group("userinfo").partition(":")
            local = _is_local(match.group("host").lower())
            if colon and password:
                yield Usage(cmd, word, "the password of a URL", password, True, local)
            elif user:
                yield Usage(cmd, word, "the user of a URL", user, True, local, secret_names_only=True)


def _config_usages(cmd: ShellCommand) -> Iterator[Usage]:
    key_index = _config_key_index(cmd)
    if key_index is None:
        return
    args = cmd.args
    key = args[key_index].text
    key, eq, attached = key.partition("=")
    values = [(args[key_index], attached)] if eq else [(word, word.text) for word in args[key_index + 1 :]
                                                       if not word.text.startswith("-")]
    if values and key.lower().endswith(".extraheader"):  # git config http.extraheader "Authorization: …"
        yield from _header_usage(cmd, values[-1][0], values[-1][1], True)
        return
    words = name_words(key)
    if not values or not (key.lower().startswith(CREDENTIAL_KEY_PREFIXES) or (
            words and words[-1] in CREDENTIAL_LAST_WORDS)):
        return
    word, value = values[-1]  # `http-basic.repo user password`: the password
    yield Usage(cmd, word, f"the value of `{key}`", value, True)


def _named_usages(cmd: ShellCommand) -> Iterator[Usage]:
    """``_authToken=…`` anywhere; options and ``key=value`` words with a credential name; echo/printf.
    Only npm's keys take literal values: the others count for variables with credential names."""
    args = cmd.args
    for k, word in enumerate(args):
        text = word.text
        if text.startswith("--") and "=" not in text:
            following = args[k + 1] if k + 1 < len(args) else None
            if following is not None and "$" in following.text and is_secret_name(text[2:]):
                yield Usage(cmd, following, f"the value of `{text}`", following.text, True, secret_names_only=True)
            continue
        lower = text.lower()
        if "$" not in text and "_auth" not in lower and "_password" not in lower:
            continue
        npm = _NPM_AUTH_RE.search(text)
        pair = None if npm else _KEY_VALUE_RE.match(text)
        if npm:
            yield Usage(cmd, word, f"npm's `{npm.group('key')}`", npm.group("value"), True)
        elif pair and is_secret_name(pair.group("key")):
            yield Usage(cmd, word, f"`{pair.group('key')}`", pair.group("value"), True, secret_names_only=True)
        elif cmd.name in ("echo", "printf"):
            yield Usage(cmd, word, f"an argument of `{cmd.name}`", text, True, secret_names_only=True)


# --------------------------------------------------------------------------- where the value comes from


@dataclass(frozen=True)
class Source:
    variable: str | None  # the build argument or ENV variable; None for a literal


def _source(usage: Usage, run: Run) -> Source | None:
    value, raw = usage.value, usage.word.raw
    if "$(" in value or "`" in value:
        return None  # computed at run time, e.g. read from a mounted secret
    names = referenced_names(value)
    if names:
        if raw.startswith("'") and raw.endswith("'"):
            return None  # single quotes: the shell does not expand it
        if run.holder is not run.instruction:
            return None  # an ONBUILD trigger sees the variables of the build that uses the image
        known = [name for name in names if name in run.env]
        if not known:
            return None  # a shell variable
        chosen = next((name for name in known if is_secret_name(name)), None)
        if usage.secret_names_only and chosen is None:
            return None
        return Source(chosen or known[0])
    if usage.secret_names_only or usage.local or is_placeholder(value):
        return None
    return Source(None)


# --------------------------------------------------------------------------- the check


def check(model: Model) -> Iterator[Finding]:
    for run in model.runs:
        literal_spans = list(_literal_findings(run))
        yield from (finding for _, finding in literal_spans)
        if run.opaque:
            continue
        taken = [span for span, _ in literal_spans]
        for command in run.commands:
            for usage in _usages(command):
                span = usage.word.span
                if any(span.start < other.end and other.start < span.end for other in taken):
                    continue
                source = _source(usage, run)
                if source is None:
                    continue
                taken.append(span)
                yield _finding(model, run, usage, source)


def _literal_findings(run: Run) -> Iterator[tuple[Span, Finding]]:
    inst = run.instruction
    if credentials_in(inst.args):
        yield from _located(line_body(inst))
    for heredoc in inst.heredocs:
        if credentials_in(heredoc.content):
            yield from _located(heredoc_body(heredoc))


def _located(body: ShellBody) -> Iterator[tuple[Span, Finding]]:
    for credential in credentials_in(body.source):
        span = Span(body.start_at(credential.start), body.end_at(credential.end))
        message = (f"this RUN contains {credential.kind}: it is in the Dockerfile, your source control and the "
                   "image history — revoke and rotate it, then pass the new one as a build secret "
                   "(`RUN --mount=type=secret,id=…,env=…`)")
        yield span, Finding(RULE, span, message, severity=Severity.ERROR)


def _finding(model: Model, run: Run, usage: Usage, source: Source) -> Finding:
    label = _label(usage.command)
    stores = _store(usage.command) if usage.storable else None
    stored = f"; `{label}` also stores it in {stores}, in the layer" if stores else ""
    if source.variable is None:
        message = (f"`{label}` has a literal credential as {usage.what}: it is in the Dockerfile, your source control "
                   f"and the image history{stored} — revoke and rotate it, then pass the new one as a build secret "
                   "(`RUN --mount=type=secret,id=…,env=…`)")
        return Finding(RULE, usage.word.span, message, severity=Severity.ERROR)
    name = source.variable
    ident = secret_id(name)
    stage = run.stage
    arg = declaration_of(stage, run.holder, name) if stage is not None else None
    if arg is not None:
        noun = f"build argument {name}"
        kept = f"its value is recorded in the image history (`docker history` shows `{name}=…`)"
    else:
        noun, kept = f"ENV {name}", "its value is in the image configuration, where `docker inspect` shows it"
    advice = (f"pass it as a secret, `RUN --mount=type=secret,id={ident},env={name} …`, built with "
              f"`--secret id={ident},env={name}`")
    if usage.command.name in ("echo", "printf"):
        message = (f"`{label}` writes {noun} to its output (into a file in the layer, a pipe or the build log), "
                   f"and {kept}; {advice}, and do not write it out")
    elif stores:
        message = (f"`{label}` uses {noun} as {usage.what}: {kept}{stored}; {advice}, and keep it out of {stores} "
                   "(a credential helper, or the file itself mounted as a secret)")
    else:
        message = f"`{label}` uses {noun} as {usage.what}: {kept}; {advice}"
    fix: Fix | None = None
    if arg is not None and stores is None and run.holder is run.instruction:
        fix = arg_to_secret_mount(model, arg, name)
    return RULE.finding(usage.word.span, message, *((fix,) if fix else ()))


RULE = Rule(
    id="DKL019",
    name="secret-in-run",
    summary="A RUN uses a literal credential, or a build argument or ENV variable as one",
    severity=Severity.WARNING,
    category="secrets",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
