"""## What it does
Reports a `COPY` or `ADD` of a file that usually holds credentials, named explicitly as a source (or as
the destination file): `.npmrc`, `.netrc`, `.pypirc`, `.git-credentials`, `.pgpass`, `.dockercfg`,
`.vault-token`; SSH private keys (`id_rsa`, `id_ecdsa`, `id_ed25519`, `id_dsa`, any file in a `.ssh`
directory but `known_hosts`, `config`, `authorized_keys` and `*.pub`) and `.ssh` directories; private
keys (`*.key`, and `*.pem` named as a key such as `key.pem`, `server-key.pem`, `privkey.pem`),
`*.p12`, `*.pfx` and Java keystores; `.env` and `.env.*` files; `.aws/credentials`,
`.docker/config.json`, Google Cloud credentials (`application_default_credentials.json`,
`service-account*.json`, `client_secret*.json`, `credentials.json`, `.config/gcloud`), `kubeconfig`
and `.kube/config`.

An `.npmrc` that no later `RUN` of the stage deletes is only reported as information: many hold
nothing but settings (`legacy-peer-deps=true`) or reference the token as `${NPM_TOKEN}`, which is
fine; deleting it after use says it holds a token.

Not reported: certificates and public keys (`cert.pem`, `ca.pem`, `fullchain.pem`, `*.pub`),
repository signing keys (`*.key` with `gpg`, `pgp`, `apt`, `rpm`, `release`, `signing` … in the
path), truststores, `.env.example`/`.env.sample`/`.env.template` (and `.dist`, `.default(s)`, `.tpl`,
`.schema`), a template copied to the real name (`COPY .env.example .env`), sources that are URLs, and
broad copies such as `COPY . .`, which copy whatever the build context holds: keeping credentials out
of those is the job of a `.dockerignore`.

## Why is this bad?
Every `COPY` makes a layer, and a layer is never changed afterwards: a file deleted by a later `RUN rm`
is only hidden in the image's last layer, and anyone who pulls the image (or can read the build cache)
can extract it from the layer of the `COPY` (`docker save`, `dive`, a registry download). In a builder
stage it still stays in the build cache, and in any image built with `--target` that stage.

A secret mount makes the file available to one `RUN` while it runs, without writing it to any layer.
A file that the container needs when it runs (a TLS key for a web server) belongs in a volume or a
runtime secret of the orchestrator, not in the image.

## Example
```dockerfile
FROM node:22
WORKDIR /app
COPY package.json package-lock.json ./
COPY .npmrc ./
RUN npm ci && rm .npmrc
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM node:22
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npmrc,target=/app/.npmrc npm ci
```
built with `docker build --secret id=npmrc,src=.npmrc .`.

## Fix safety
The fix is offered when the file is copied from the build context to a known path — an absolute
destination, or a relative one under a known `WORKDIR` — and the first `RUN` after the copy in its
stage is taken as the one that needs it. It deletes the copy (or only that source of a copy of several
files into a directory), adds `--mount=type=secret,id=<file name>,target=<where the copy put it>` to
that `RUN` (with `uid=`/`gid=` from a numeric `--chown` or `USER`, and `mode=` from `--chmod`), removes
any `rm` of the file from the `RUN`s after the copy in that stage (a mounted secret cannot be deleted),
and adds `# syntax=docker/dockerfile:1` when the file has no syntax directive. It is not offered for
directories (a secret mount is one file), for a copy `--from` another stage or image, a destination
with variables or `~`, a `USER` given by name, or when the destination cannot be told to be a file or
a directory (`COPY key /root/.ssh`).

It is never applied automatically: the build must then be invoked with `--secret id=<id>,src=<file>`;
the file is no longer in the image for later `RUN`s or for stages that copy from this one; and a base
image that sets a non-root `USER` needs a `uid=` on the mount (without a `USER` in the Dockerfile, root
is assumed). The secret mount is mode `0400` by default: only its owner can read it.

## Stages
All stages: a builder stage's layers are in the build cache, and in the image whenever that stage is
built with `--target`. `ONBUILD COPY` triggers are reported too, without a fix.

## References
- [Build secrets](https://docs.docker.com/build/building/secrets/)
- [RUN --mount=type=secret](https://docs.docker.com/reference/dockerfile/#run---mounttypesecret)
- [.dockerignore](https://docs.docker.com/build/concepts/context/#dockerignore-files)
- [Image layers](https://docs.docker.com/get-started/docker-concepts/building-images/understanding-image-layers/)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dockls.edits import add_flag, delete_instruction, remove_command, syntax_directive
from dockls.model import Model, Run, Stage
from dockls.rule import Edit, Finding, Fix, FixAvailability, Related, Rule, Severity
from dockls.secrets import SecretFile, frontend_supports, secret_file, secret_id
from dockls.shell import ShellCommand, Word
from dockls.syntax import Instruction
from dockls.text import Span

_NUMERIC_OWNER_RE = re.compile(r"^(?P<uid>\d+)(?::(?P<gid>\d+))?$")
_BROAD = frozenset({".", "./", "*", "./*", "/"})
# A source named like this is a template of the file (`COPY .env.example .env`), not the credentials.
TEMPLATE_EXTENSIONS = frozenset({"example", "sample", "template", "tpl", "dist"})


@dataclass(frozen=True)
class Removal:
    """An ``rm`` of the copied file in a later RUN of the stage."""

    run: Run
    command: ShellCommand
    word: Word


@dataclass(frozen=True)
class Copied:
    holder: Instruction
    inst: Instruction
    index: int  # of the source among the copy's values
    source: str
    file: SecretFile
    target: str | None  # the absolute path of the copied file, when known


def check(model: Model) -> Iterator[Finding]:
    # The working directory at the end of each stage; None when the base image decides it.
    ends: dict[int, str | None] = {}
    runs = {id(run.instruction): run for run in model.runs}
    for stage in model.stages:
        workdir = ends.get(id(stage.parent)) if stage.parent is not None else None
        for position, holder in enumerate(stage.instructions):
            inst = holder.command
            if holder.keyword == "WORKDIR" and holder.value:
                workdir = _resolve(workdir, holder.value[0])
            elif inst.keyword in ("COPY", "ADD"):
                for copied in _copied(holder, inst, workdir):
                    yield _finding(model, stage, position, copied, workdir, runs)
        ends[id(stage)] = workdir


def _resolve(base: str | None, path: str) -> str | None:
    if "$" in path or "~" in path:
        return None
    if path.startswith("/"):
        return posixpath.normpath(path)
    return posixpath.normpath(posixpath.join(base, path)) if base else None


def _copied(holder: Instruction, inst: Instruction, workdir: str | None) -> Iterator[Copied]:
    """The explicit sources of a COPY/ADD that hold credentials, judged by their names or by the name
    of the destination file."""
    if len(inst.value) < 2:
        return
    sources, dest = inst.value[:-1], inst.value[-1]
    into_directory = dest.endswith("/") or posixpath.normpath(dest) == "." or len(sources) > 1
    for index, source in enumerate(sources):
        heredoc = source.startswith("<<")
        base = source.lstrip("<-").strip("'\"") if heredoc else posixpath.basename(source.rstrip("/"))
        if source in _BROAD or "://" in source or base.rpartition(".")[2].lower() in TEMPLATE_EXTENSIONS:
            continue
        file = None if heredoc else secret_file(source)  # a heredoc: only its destination
        target_name = None
        if into_directory:
            file = file or secret_file(posixpath.join(dest, base))  # `COPY deploy_key /root/.ssh/`
        else:
            named = secret_file(dest)
            if named is not None and named.directory:  # `COPY key /root/.ssh`: into it, or as it
                file = file or secret_file(posixpath.join(dest, base))
            elif named is not None or posixpath.basename(dest) == base or "." in posixpath.basename(dest).lstrip("."):
                file = file or named
                target_name = dest
        if file is None:
            continue
        if into_directory:
            folder = _resolve(workdir, dest)
            target = posixpath.join(folder, base) if folder else None
        else:
            target = _resolve(workdir, target_name) if target_name else None
        yield Copied(holder, inst, index, source, file, target)


def _finding(model: Model, stage: Stage, position: int, copied: Copied, workdir: str | None,
             runs: dict[int, Run]) -> Finding:
    inst = copied.inst
    span = inst.value_spans[copied.index]
    ident = secret_id(posixpath.basename(copied.source.rstrip("/")))
    keyword = inst.keyword if copied.holder is inst else f"ONBUILD {inst.keyword}"
    origin = inst.flag("from")
    where = f" from {origin.value}" if origin is not None and origin.value else ""
    removals = _removals(stage, position, copied, workdir, runs)
    later_rm = ("; the `rm` in a later RUN only hides it in a later layer" if removals
                else ", even after a later `rm`")
    target = copied.target or "<path>"
    advice = (f"mount it as a secret on the RUN that needs it, `RUN --mount=type=secret,id={ident},target={target} …`, "
              f"built with `--secret id={ident},src={copied.source.removeprefix('./')}`")
    if copied.file.often_plain and not removals:
        # Nothing says it holds credentials: many only hold settings (`legacy-peer-deps=true`).
        message = (f"{keyword} {copied.source}{where} puts {copied.file.kind} into an image layer: if it holds a "
                   f"literal token (`_authToken=…`), anyone who can pull the image or read the build cache can "
                   f"extract it, even after a later `rm` — then {advice}; settings, and a token referenced as "
                   "`${NPM_TOKEN}`, are fine")
        fix = _fix(model, stage, position, copied, runs, removals) if copied.holder is inst else None
        return Finding(RULE, span, message, (fix,) if fix else (), severity=Severity.INFO)
    message = (f"{keyword} {copied.source}{where} puts {copied.file.kind} into an image layer, where anyone who can "
               f"pull the image or read the build cache can extract it{later_rm}; {advice} (a file the container "
               "needs when it runs belongs in a volume or a runtime secret)")
    related = tuple(Related(removal.command.span, f"this `rm` does not remove {copied.source} from the layer of "
                                                  f"the {inst.keyword}") for removal in removals)
    fix = _fix(model, stage, position, copied, runs, removals) if copied.holder is inst else None
    return RULE.finding(span, message, *((fix,) if fix else ()), related=related)


def _removals(stage: Stage, position: int, copied: Copied, workdir: str | None,
              runs: dict[int, Run]) -> list[Removal]:
    """The ``rm`` commands after the copy in its stage that delete the copied file."""
    found: list[Removal] = []
    if copied.target is None:
        return found
    for holder in stage.instructions[position + 1 :]:
        if holder.keyword == "WORKDIR" and holder.value:
            workdir = _resolve(workdir, holder.value[0])
        run = runs.get(id(holder))
        if run is None or run.opaque:
            continue
        for cmd in run.commands:
            word = next((word for word in cmd.args if _names(word.text, workdir, copied.target)), None)
            if cmd.name == "rm" and word is not None:
                found.append(Removal(run, cmd, word))
    return found


def _names(word: str, workdir: str | None, target: str | None) -> bool:
    if target is None or word.startswith("-"):
        return False
    if word.startswith("~/"):
        word = "/root/" + word[2:]
    return _resolve(workdir, word) == target


def _fix(model: Model, stage: Stage, position: int, copied: Copied, runs: dict[int, Run],
         removals: list[Removal]) -> Fix | None:
    inst = copied.inst
    if (copied.file.directory or copied.target is None or inst.flag("from") is not None or inst.flag("parents")
            or any(ch in copied.source for ch in "*?[$") or inst.heredocs or frontend_supports(model, 2) is False):
        return None
    consumer = next((runs.get(id(holder)) for holder in stage.instructions[position + 1 :]
                     if holder.keyword == "RUN"), None)
    if consumer is None or any(mount.covers(copied.target) for mount in consumer.mounts):
        return None
    options = _owner_options(inst, _user_at(stage, consumer.instruction))
    if options is None:
        return None
    ident = secret_id(posixpath.basename(copied.source.rstrip("/")))
    edits = [add_flag(consumer.instruction, f"--mount=type=secret,id={ident},target={copied.target}{options}")]
    removal = _remove_source(model, copied)
    if removal is None:
        return None
    edits.append(removal)
    for item in removals:
        edit = _remove_rm(model, item)
        if edit is None:
            return None
        edits.append(edit)
    directive = syntax_directive(model.text, model.tree)
    if directive is not None:
        edits.append(directive)
    return Fix(f"Mount {copied.source} as a build secret (--secret id={ident},src={copied.source.removeprefix('./')})",
               tuple(edits), safe=False)


def _user_at(stage: Stage, run: Instruction) -> str | None:
    """The USER in force for ``run``: the last USER before it in the stage, else the one it inherits
    from the stage it is built FROM; None when the Dockerfile sets none."""
    user = None
    for holder in stage.instructions:
        if holder is run:
            break
        if holder.keyword == "USER" and holder.value:
            user = holder.value[0]
    return user if user is not None else _inherited_user(stage)


def _inherited_user(stage: Stage) -> str | None:
    parent = stage.parent
    while parent is not None:
        users = [holder.value[0] for holder in parent.instructions if holder.keyword == "USER" and holder.value]
        if users:
            return users[-1]
        parent = parent.parent
    return None


def _owner_options(inst: Instruction, user: str | None) -> str | None:
    """Extra mount options keeping the file readable for whoever the copy made it readable for; None
    when that cannot be said (a user or owner given by name)."""
    options = ""
    chown = inst.flag("chown")
    if chown is not None and chown.value:
        owner = _NUMERIC_OWNER_RE.match(chown.value)
        if owner is None:
            return None
        options += f",uid={owner.group('uid')}" + (f",gid={owner.group('gid')}" if owner.group("gid") else "")
    elif user is not None:
        name = user.split(":", 1)[0]
        if name not in ("root", "0"):
            if not name.isdigit():
                return None
            options += f",uid={name}"
    chmod = inst.flag("chmod")
    if chmod is not None and chmod.value:
        if not re.fullmatch(r"[0-7]{3,4}", chmod.value):
            return None
        options += f",mode={chmod.value.zfill(4)}"
    return options


def _remove_source(model: Model, copied: Copied) -> Edit | None:
    inst = copied.inst
    if len(inst.value) == 2:
        return delete_instruction(model.text, copied.holder)
    span = inst.value_spans[copied.index]
    start = span.start
    while start > 0 and model.text[start - 1] in " \t":
        start -= 1
    if model.text[start - 1] in "\r\n":
        return None  # the source starts a continuation line
    return Edit(Span(start, span.end), "")


def _remove_rm(model: Model, removal: Removal) -> Edit | None:
    """Drop the file from the ``rm`` (its other paths stay), or the whole ``rm``, or its whole RUN."""
    run, cmd, word = removal.run, removal.command, removal.word
    text = model.text
    if len([other for other in cmd.args if not other.text.startswith("-")]) > 1:
        start = word.span.start
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        return Edit(Span(start, word.span.end), "")
    edit = remove_command(text, run.instruction, cmd)
    if edit is not None:
        return edit
    if len(run.commands) == 1 and not run.instruction.heredocs and run.holder is run.instruction:
        return delete_instruction(text, run.instruction)
    return None


RULE = Rule(
    id="DKL020",
    name="secret-file-copied",
    summary="COPY or ADD of a credentials file (.npmrc, SSH key, .env …) keeps it in an image layer",
    severity=Severity.WARNING,
    category="secrets",
    fix=FixAvailability.UNSAFE,
    check=check,
    doc=__doc__ or "",
)
