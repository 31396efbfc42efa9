"""## What it does
Finds `ADD` instructions that download an `http://` or `https://` URL without `--checksum`.

Git sources (`ADD https://github.com/org/repo.git#v1.2 /src`) are not reported: they are pinned by
a tag or commit in the URL, not by a file checksum. A URL given by a variable (`ADD $URL /x`) is
unknown and not reported.

## Why is this bad?
Without a checksum the build trusts whatever the server returns: a changed release asset, a
compromised mirror or a man in the middle (plain `http://`) lands in the image unnoticed, and the
same Dockerfile builds different images over time. `ADD --checksum=sha256:<hex>` (Dockerfile syntax
1.6 and later) makes the build fail when the download differs. There is no fix: only you can tell
which content is the right one.

## Example
```dockerfile
FROM debian:bookworm-slim
ADD https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64 /usr/local/bin/gosu
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
ADD --checksum=sha256:bbc4136d03ab138b1ad66fa4fc051bafc6cc7ffae632b069a53657279a450de3 \\
    https://github.com/tianon/gosu/releases/download/1.17/gosu-amd64 /usr/local/bin/gosu
```

## Stages
All stages: a download into a builder stage ends up in what the build produces just the same.

## References
- [Dockerfile reference: ADD --checksum](https://docs.docker.com/reference/dockerfile/#add---checksum)
- [Best practices: ADD or COPY](https://docs.docker.com/build/building/best-practices/#add-or-copy)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity


def _is_git(url: str) -> bool:
    """BuildKit clones a URL whose path ends in ``.git`` (optionally with ``#ref``)."""
    return url.split("#", 1)[0].rstrip("/").lower().endswith(".git")


def check(model: Model) -> Iterator[Finding]:
    for top in model.tree.instructions:
        inst = top.command
        if inst.keyword != "ADD" or inst.flag("checksum") is not None:
            continue
        for url, span in zip(inst.value[:-1], inst.value_spans):
            if not url.lower().startswith(("http://", "https://")) or _is_git(url):
                continue
            plain = " over plain http, open to tampering on the way," if url.lower().startswith("http:") else ""
            message = (f"`ADD {url}` downloads{plain} without `--checksum`: whatever the server returns goes "
                       "into the image; pin it with `ADD --checksum=sha256:<digest>` (Dockerfile syntax 1.6+)")
            yield RULE.finding(span, message)


RULE = Rule(
    id="DKL035",
    name="add-url-without-checksum",
    summary="ADD of a URL without --checksum: the download is not verified",
    severity=Severity.WARNING,
    category="build-correctness",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
)
