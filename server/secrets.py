"""What looks like a credential, for the secrets rules: variable names, literal values in well-known
token formats, and files that usually hold credentials; and the fix that turns a build argument into
a secret mount.

Names follow BuildKit's ``SecretsUsedInArgOrEnv`` check (``getSecretsRegex`` in
``frontend/dockerfile/dockerfile2llb/validations.go``): a name is a credential when one of its
``_``-separated words, case-insensitively, is one of :data:`BUILDKIT_SECRET_WORDS`, unless one of its
words is one of :data:`BUILDKIT_ALLOWED_WORDS`. :func:`is_secret_name` adds to that what the
secrets rules' documentation lists as deviations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dockls.edits import add_flag, delete_instruction, syntax_directive
from dockls.model import PLATFORM_ARGS, PROXY_ARGS, Model, Run, Stage
from dockls.rule import Edit, Fix
from dockls.syntax import Instruction
from dockls.text import Span

# BuildKit's words, verbatim.
BUILDKIT_SECRET_WORDS = frozenset({
    "apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token",
})
BUILDKIT_ALLOWED_WORDS = frozenset({"public", "file", "version"})
# Ours: more credential words (`DB_PASS`, `GITHUB_PAT`, `NPM_AUTHTOKEN` …), which also count in camelCase
# (`githubToken`) and between `-` or `.` (`x-api-key`, `github-oauth.github.com`).
EXTRA_SECRET_WORDS = frozenset({
    "pass", "passphrase", "pat", "oauth", "creds", "privatekey", "accesskey", "secretkey", "apisecret",
    "apitoken", "authtoken", "accesstoken", "clientsecret",
})
# Words that make a name not a credential wherever they are: GnuPG key ids and fingerprints are public.
EXTRA_ALLOWED_WORDS = frozenset({"gpg", "pgp", "gnupg", "fingerprint"})
# The last word says what the variable holds: where a credential is (`KEY_PATH`, `TOKEN_URL`), not it.
ALLOWED_LAST_WORDS = frozenset({
    "path", "dir", "url", "uri", "endpoint", "host", "server", "port", "type", "method", "mode", "name", "user",
    "username", "length", "size", "enabled", "required",
})
# The first word makes it a switch (`ALLOW_EMPTY_PASSWORD`, `SKIP_AUTH`).
SWITCH_FIRST_WORDS = frozenset({"allow", "skip", "enable", "disable", "use", "require", "no"})
SWITCH_VALUES = frozenset({"yes", "no", "true", "false", "on", "off", "0", "1"})

# ARGs BuildKit defines itself: never a credential.
PREDEFINED_ARGS = frozenset({*PLATFORM_ARGS, *PROXY_ARGS, "SOURCE_DATE_EPOCH"})

_CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SEPARATORS_RE = re.compile(r"[^A-Za-z0-9]+")


def name_words(name: str) -> list[str]:
    """``githubApiToken`` → github, api, token; ``X-API-Key`` → x, api, key (lower-case)."""
    return [word.lower() for part in _SEPARATORS_RE.split(name) for word in _CAMEL_RE.findall(part)]


def buildkit_secret_name(name: str) -> bool:
    """Exactly BuildKit's SecretsUsedInArgOrEnv test."""
    words = name.lower().split("_")
    return bool(BUILDKIT_SECRET_WORDS.intersection(words)) and not BUILDKIT_ALLOWED_WORDS.intersection(words)


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """BuildKit's test, plus our credential words and word splitting, minus names that say they hold a
    public key, a location or a switch."""
    if name in PREDEFINED_ARGS or name.startswith("BUILDKIT_"):
        return False
    words = name_words(name)
    underscore_words = name.lower().split("_")
    if not words:
        return False
    secret = buildkit_secret_name(name) or bool((BUILDKIT_SECRET_WORDS | EXTRA_SECRET_WORDS).intersection(
        words + underscore_words))
    allowed = (BUILDKIT_ALLOWED_WORDS | EXTRA_ALLOWED_WORDS).intersection(words + underscore_words)
    return secret and not allowed and words[-1] not in ALLOWED_LAST_WORDS and words[0] not in SWITCH_FIRST_WORDS


def is_switch_value(value: str) -> bool:
    return value.strip().lower() in SWITCH_VALUES


# --------------------------------------------------------------------------- literal credentials

# Well-known token formats: (what it is, regular expression). Only formats with a distinctive prefix, so
# that a match is very unlikely to be anything else.
CREDENTIAL_FORMATS: tuple[tuple[str, str], ...] = (
    ("a GitHub token", r"gh[pousr]_[A-Za-z0-9]{36,251}"),
    ("a GitHub fine-grained token", r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
    ("a GitLab token", r"gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}"),
    ("an AWS access key id", r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"),
    ("a Slack token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("an npm token", r"npm_[A-Za-z0-9]{36}"),
    ("a PyPI token", r"pypi-AgE[A-Za-z0-9_-]{50,}"),
    ("a Docker Hub token", r"dckr_pat_[A-Za-z0-9_-]{27,}"),
    ("a Google API key", r"AIza[0-9A-Za-z_-]{35}"),
    ("a Stripe secret key", r"[sr]k_live_[0-9A-Za-z]{24,}"),
    ("a Hugging Face token", r"hf_[A-Za-z]{34}"),
    ("an OpenAI key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}"),
    ("an Anthropic key", r"sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}"),
    ("a JSON Web Token", r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
)
_FORMATS_RE = re.compile("|".join(
    f"(?P<f{index}>(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9]))" for index, (_, pattern) in enumerate(CREDENTIAL_FORMATS)))
# A quick test before the full expression: every format contains one of these.
_MARKERS = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-",
    "AKIA", "ASIA", "ABIA", "ACCA", "xox", "npm_", "pypi-AgE", "dckr_pat_", "AIza", "k_live_", "hf_", "sk-", "eyJ",
    "-----BEGIN",
)
_PLACEHOLDER_WORDS_RE = re.compile(r"(?i)example|sample|placeholder|dummy|changeme|change_me|redacted|x{4}|\*{3}|\.{3}|"
                                   r"<[^>]*>|\{\{")
_MIN_DISTINCT = 8  # a real token's random part has many distinct characters; `ghp_xxxx…` has not


@dataclass(frozen=True)
class Credential:
    kind: str  # "a GitHub token"
    start: int  # indices into the text searched
    end: int


@lru_cache(maxsize=4096)  # RUN bodies and values mostly stay the same between two keystrokes
def credentials_in(text: str) -> tuple[Credential, ...]:
    """Literal credentials in a well-known format in ``text``, without placeholders such as
    ``ghp_XXXX…`` or the AWS documentation's ``AKIAIOSFODNN7EXAMPLE``."""
    if not any(marker in text for marker in _MARKERS):
        return ()
    found = []
    for match in _FORMATS_RE.finditer(text):
        value = match.group()
        if _PLACEHOLDER_WORDS_RE.search(value):
            continue
        index = int(next(name for name, group in match.groupdict().items() if group is not None)[1:])
        kind = CREDENTIAL_FORMATS[index][0]
        if kind != "a private key" and len(set(value)) < _MIN_DISTINCT:
            continue
        found.append(Credential(kind, match.start(), match.end()))
    return tuple(found)


def is_placeholder(value: str) -> bool:
    """A value that stands for a credential rather than being one: ``<token>``, ``changeme``, ``xxxx`` …"""
    stripped = value.strip().strip("'\"")
    return not stripped or len(set(stripped)) == 1 or bool(_PLACEHOLDER_WORDS_RE.search(stripped))


# --------------------------------------------------------------------------- files holding credentials


@dataclass(frozen=True)
class SecretFile:
    kind: str  # "npm registry credentials"
    ssh_key: bool = False  # an SSH private key, or a directory of them
    directory: bool = False
    often_plain: bool = False  # often holds only settings (an .npmrc with `legacy-peer-deps=true`)


_SSH_KEY_RE = re.compile(r"^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$")
_NOT_SSH_KEYS = frozenset({"known_hosts", "known_hosts.old", "config", "authorized_keys", "environment", "rc"})
# Names of .env files that document the variables rather than hold them.
_ENV_TEMPLATES = frozenset({"example", "sample", "template", "tpl", "dist", "default", "defaults", "schema"})
# Words of a `*.key` path that make it a public key (apt and rpm repository signing keys …).
_PUBLIC_KEY_WORDS = frozenset({
    "gpg", "pgp", "asc", "pub", "public", "apt", "keyring", "keyrings", "rpm", "yum", "release", "archive", "signing",
    "repo",
})
_PRIVATE_PEM_WORDS = frozenset({"key", "privkey", "private", "priv"})
_TRUSTSTORE_WORDS = frozenset({"trust", "truststore", "cacerts"})
_FILES = {
    ".netrc": "netrc credentials", "_netrc": "netrc credentials",
    ".pypirc": "PyPI credentials",
    ".git-credentials": "stored git credentials",
    ".pgpass": "a PostgreSQL password file",
    ".dockercfg": "Docker registry credentials",
    ".vault-token": "a Vault token",
    "application_default_credentials.json": "Google Cloud credentials",
    "credentials.json": "a credentials file",
    "kubeconfig": "a kubeconfig (cluster credentials)",
}


@lru_cache(maxsize=4096)
def secret_file(path: str) -> SecretFile | None:
    """What credential a file usually holds, judged by its path (a COPY source or destination), or None.

    Recognised: .npmrc (often only settings), .netrc, .pypirc, .git-credentials, .pgpass, .dockercfg,
    .vault-token; SSH keys (id_rsa, id_ecdsa, id_ed25519, id_dsa and anything else in a .ssh directory
    but known_hosts, config, authorized_keys and *.pub) and .ssh directories; *.pem named as a key
    (key.pem, privkey.pem), *.key (but repository signing keys: gpg, apt, rpm, release … in the path),
    *.p12, *.pfx, Java keystores (not truststores); .env and .env.* (not .env.example, .env.sample,
    .env.template …); .aws/ and .aws/credentials; .docker/config.json; Google Cloud credentials
    (application_default_credentials.json, service-account*.json, client_secret*.json,
    credentials.json, .config/gcloud/); kubeconfig, *.kubeconfig, .kube/ and .kube/config."""
    parts = [part for part in path.rstrip("/").split("/") if part not in ("", ".")]
    if not parts:
        return None
    name = parts[-1].lower()
    parent = parts[-2].lower() if len(parts) > 1 else ""
    stem, dot, extension = name.rpartition(".")
    words = set(name_words("/".join(parts)))
    if name == ".npmrc":
        return SecretFile("an npm configuration file, which may hold registry tokens", often_plain=True)
    if name in _FILES:
        return SecretFile(_FILES[name])
    if _SSH_KEY_RE.match(name) or (parent == ".ssh" and name not in _NOT_SSH_KEYS and extension != "pub"):
        return SecretFile("an SSH private key", ssh_key=True)
    if name == ".ssh":
        return SecretFile("an .ssh directory (SSH keys)", ssh_key=True, directory=True)
    if dot and stem:
        if extension == "pem" and _PRIVATE_PEM_WORDS & set(name_words(stem)):
            return SecretFile("a private key")
        if extension == "key" and not _PUBLIC_KEY_WORDS & words:
            return SecretFile("a private key")
        if extension in ("p12", "pfx"):
            return SecretFile("a PKCS#12 bundle (a certificate with its private key)")
        if extension in ("jks", "keystore") and not _TRUSTSTORE_WORDS & set(name_words(stem)):
            return SecretFile("a Java keystore")
        if extension == "kubeconfig":
            return SecretFile(_FILES["kubeconfig"])
        if extension == "json" and stem.startswith(("service-account", "service_account", "serviceaccount",
                                                    "client_secret")):
            return SecretFile("Google Cloud credentials")
    if name == ".env" or (name.startswith(".env.") and not _ENV_TEMPLATES & set(name[5:].split("."))):
        return SecretFile("an environment file (.env)")
    if name == ".aws" or (parent == ".aws" and name == "credentials"):
        return SecretFile("AWS credentials", directory=name == ".aws")
    if parent == ".docker" and name == "config.json":
        return SecretFile("Docker registry credentials")
    if name == ".kube" or (parent == ".kube" and name == "config"):
        return SecretFile(_FILES["kubeconfig"], directory=name == ".kube")
    if name == "gcloud" and parent == ".config":
        return SecretFile("Google Cloud credentials", directory=True)
    return None


# --------------------------------------------------------------------------- variable references


@lru_cache(maxsize=4096)
def _reference_re(name: str) -> re.Pattern[str]:
    return re.compile(r"\$(?:\{[#!]?)?" + re.escape(name) + r"(?![A-Za-z0-9_])")


def references(text: str, name: str) -> bool:
    """Whether ``text`` uses the variable ``name`` (``$NAME``, ``${NAME}``, ``${NAME:-x}`` …)."""
    return "$" in text and name in text and _reference_re(name).search(text) is not None


_ANY_REFERENCE_RE = re.compile(r"\$(?:\{[#!]?)?([A-Za-z_][A-Za-z0-9_]*)")


def referenced_names(text: str) -> list[str]:
    return _ANY_REFERENCE_RE.findall(text) if "$" in text else []


# --------------------------------------------------------------------------- the secret-mount fix


def secret_id(name: str) -> str:
    """The id a secret gets in a mount and on the command line: ``NPM_TOKEN`` → ``npm_token``,
    ``.npmrc`` → ``npmrc``."""
    return re.sub(r"[^a-z0-9_.-]+", "_", name.lower()).strip("._-") or "secret"


_FRONTEND_RE = re.compile(r"^(?:docker\.io/)?docker/dockerfile(?::(?P<major>\d+)(?:\.(?P<minor>\d+))?[^\s]*)?$")


def frontend_supports(model: Model, minor: int) -> bool | None:
    """Whether the file's ``# syntax=`` frontend has Dockerfile 1.``minor`` features: True, False for an
    older pinned version or another frontend, None when there is no directive (one can be added)."""
    directive = model.tree.directive("syntax")
    if directive is None:
        return None
    match = _FRONTEND_RE.match(directive.value.strip())
    if match is None:
        return False
    if match.group("major") is None:
        return True  # docker/dockerfile means :latest
    if int(match.group("major")) != 1:
        return False
    return match.group("minor") is None or int(match.group("minor")) >= minor


def mount_edits(model: Model, run: Run, flag: str) -> list[Edit]:
    """Add ``flag`` to a RUN; with a ``# syntax=docker/dockerfile:1`` directive when the file has none."""
    edits = [add_flag(run.instruction, flag)]
    directive = syntax_directive(model.text, model.tree)
    if directive is not None:
        edits.append(directive)
    return edits


def has_secret_env(run: Run, name: str) -> bool:
    return any(mount.type == "secret" and mount.flag.option("env") == name for mount in run.mounts)


def declaration_of(stage: Stage, before: Instruction, name: str) -> Instruction | None:
    """The last ``ARG name`` of ``stage`` before ``before`` (top-level instructions only)."""
    found = None
    for inst in stage.instructions:
        if inst is before or inst.span.start >= before.span.start:
            break
        if inst.keyword == "ARG" and any(word.partition("=")[0] == name for word in inst.value):
            found = inst
        elif inst.keyword == "ENV" and name in inst.value[::2]:
            found = None  # an ENV of the same name overrides the ARG
    return found


def arg_to_secret_mount(model: Model, arg: Instruction, name: str) -> Fix | None:
    """Replace ``ARG name`` (without a default) with a secret mount exposing it as the environment
    variable ``name`` (``env=``, Dockerfile 1.10) on the RUNs after it that use it — or on every RUN after
    it when none names it, since a tool may read it from the environment by itself.

    None when something else uses the value (``ENV``, ``COPY``, ``LABEL`` … or a later ``ARG``/``ENV`` of
    the same name), when no RUN follows, or when the file pins a frontend older than 1.10."""
    stage = model.stage_of(arg)
    if stage is None or arg.sub is not None or frontend_supports(model, 10) is False:
        return None
    words = [(word, span) for word, span in zip(arg.value, arg.value_spans)]
    declared = [(word, span) for word, span in words if word.partition("=")[0] == name]
    if len(declared) != 1 or declared[0][0].partition("=")[2].strip("'\""):
        return None  # a default value: the build would silently lose it
    later = [inst for inst in stage.instructions if inst.span.start > arg.span.start]
    runs: list[Run] = []
    run_of = {id(run.instruction): run for run in model.runs_in(stage)}
    for inst in later:
        if inst.keyword == "ONBUILD":
            continue  # runs in another build, which has no such ARG
        if inst.keyword == "ARG" and any(word.partition("=")[0] == name for word in inst.value):
            return None
        if inst.keyword == "ENV" and name in inst.value[::2]:
            return None
        text = model.text[inst.span.start : inst.span.end]
        if inst.keyword == "RUN" and id(inst) in run_of:
            runs.append(run_of[id(inst)])
        elif references(text, name):
            return None
    if not runs:
        return None
    users = [run for run in runs if references(model.text[run.instruction.span.start : run.instruction.span.end], name)]
    edits: list[Edit] = []
    flag = f"--mount=type=secret,id={secret_id(name)},env={name}"
    for run in users or runs:
        if not has_secret_env(run, name):
            edits.append(add_flag(run.instruction, flag))
    if len(words) == 1:
        edits.append(delete_instruction(model.text, arg))
    else:
        span = declared[0][1]
        start = span.start
        while start > 0 and model.text[start - 1] in " \t":
            start -= 1
        if model.text[start - 1] in "\r\n":
            return None  # the word starts a continuation line: removing it could leave a dangling escape
        edits.append(Edit(Span(start, span.end), ""))
    directive = syntax_directive(model.text, model.tree)
    if directive is not None:
        edits.append(directive)
    return Fix(f"Pass {name} as a build secret (--secret id={secret_id(name)},env={name})", tuple(edits), safe=False)
