"""## What it does
Finds `ADD` instructions whose sources are all local files or folders, and offers to replace `ADD`
by `COPY`.

Not reported: `ADD` of a URL (`http://`, `https://`), of a git source (`git@…`, `git://…`,
`github.com/…`, a URL ending in `.git`), of a local archive that `ADD` extracts (`.tar`, `.tar.gz`,
`.tgz`, `.tar.bz2`, `.tar.xz`, `.tar.zst`, … — `.zip` is not extracted and is reported), a source
given by a variable (`ADD $FILE /`: unknown whether it is an archive or a URL), and `ADD --unpack`
(the flag asks for `ADD`'s own behaviour). hadolint DL3020 reports variable sources too.

## Why is this bad?
`ADD` does more than copy: it downloads URLs, clones git repositories and unpacks local tar archives
— recognised by their content, not their name. For plain files that magic is a trap: a file that
happens to be a tar archive is extracted instead of copied. `COPY` says what it does, and readers
and tools can rely on it.

## Example
```dockerfile
FROM python:3.12-slim
ADD requirements.txt /app/
ADD src/ /app/src/
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY requirements.txt /app/
COPY src/ /app/src/
```

## Fix safety
The fix replaces the keyword only; flags both accept (`--chown`, `--chmod`, `--link`, `--exclude`)
stay. It is safe when every source is a folder (`src/`, `.`) or a file with an extension that is not
an archive's (`app.py`, `nginx.conf`): such files are not tar archives in practice. A source without
an extension (`ADD bin/tool /usr/bin/`) may be a tar archive in disguise, which `ADD` would extract
and `COPY` would not: there the fix is offered as a code action only. No fix is offered when `ADD`
has a flag `COPY` does not know (`--checksum`, `--keep-git-dir`).

## Stages
All stages: the behaviour of `ADD` is the same in a builder stage.

## References
- [Dockerfile reference: ADD](https://docs.docker.com/reference/dockerfile/#add)
- [Best practices: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
- [hadolint DL3020](https://github.com/hadolint/hadolint/wiki/DL3020)
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Edit, Finding, Fix, FixAvailability, Rule, Severity
from dockls.syntax import Instruction

# Archives ADD unpacks (tar, optionally compressed), by the names they usually carry.
ARCHIVE_RE = re.compile(
    r"\.(?:tar|tgz|tbz2?|tb2|txz|tlz|tzst|taz|tz|gz|bz2|xz|lz|lzma|lz4|zst|z)$", re.IGNORECASE)
COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude", "parents", "from"})


def is_remote(source: str) -> bool:
    """A URL or git source, which ``ADD`` downloads or clones."""
    lowered = source.lower()
    return ("://" in lowered or lowered.startswith(("git@", "github.com/"))
            or lowered.split("#", 1)[0].endswith(".git"))


def check(model: Model) -> Iterator[Finding]:
    for top in model.tree.instructions:
        inst = top.command
        if inst.keyword != "ADD" or inst.flag("unpack") is not None:
            continue
        sources = inst.value[:-1]
        if not sources or any("$" in source or is_remote(source) or ARCHIVE_RE.search(source)
                              for source in sources):
            continue
        message = (f"`ADD` of local {'sources' if len(sources) > 1 else 'source'} {', '.join(sources)}: use "
                   "`COPY`, which only copies — `ADD` also downloads URLs and unpacks tar archives")
        fix = _fix(inst, sources)
        yield RULE.finding(inst.keyword_span, message, *((fix,) if fix else ()))


def _fix(inst: Instruction, sources: list[str]) -> Fix | None:
    if any(flag.name.lower() not in COPY_FLAGS for flag in inst.flags):
        return None
    return Fix("Replace ADD by COPY", (Edit(inst.keyword_span, "COPY"),),
               safe=all(_plainly_not_archive(source) for source in sources))


def _plainly_not_archive(source: str) -> bool:
    """A folder, or a file whose extension is not an archive's."""
    if source.startswith("<<") or source.endswith("/") or source in (".", ".."):
        return True  # a heredoc's text or a folder: never unpacked
    name = posixpath.basename(source)
    stem, extension = posixpath.splitext(name)
    return bool(stem) and bool(extension) and not any(char in name for char in "*?[")


RULE = Rule(
    id="DKL034",
    name="add-instead-of-copy",
    summary="ADD of local files or folders: use COPY",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.SAFE,
    check=check,
    doc=__doc__ or "",
    hadolint=("DL3020",),
)
