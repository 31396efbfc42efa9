"""## What it does
Reports, on the first `COPY .` or `ADD .` (also `./`) of a Dockerfile, that the build context it
copies is large: more than 50 MB (configuration key `max-context-size`) sent after the ignore
file's exclusions. The message gives the
total size and file count and the three largest entries sent (top-level directories added up).

A Dockerfile that copies only named files is not reported: it does not care how large the rest of
the context is (BuildKit transfers only what the instructions use). Nothing is reported when the
Dockerfile is not a file on disk, or when the walk of the context stopped early (too many files or
too slow) before reaching the threshold; when it stopped above it, the figures are "at least".

## Why is this bad?
Everything `COPY .` copies must be transferred to the builder (over the network for a remote
builder or in CI), hashed to check the layer cache, and written into a layer of the image. Large
contexts usually hold things the image does not need: datasets, build outputs, dependency
directories built on the host, the `.git` history.

## Example
```dockerfile
FROM python:3.13-slim
COPY . /app
```
in a directory with a 2 GB `data/` directory and a `.venv/`.

## Use instead
```
data/
.venv/
```
in `.dockerignore`, or copy only the directories the image needs (`COPY src/ /app/src/`).

## Stages
All stages; reported once per Dockerfile, on the first whole-context copy.

## References
- [Build context](https://docs.docker.com/build/concepts/context/)
- [.dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.contexthover import amount, context_facts, entry_text, whole_context_copies
from dockls.images import format_size
from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity

LARGEST_NAMED = 3


def check(model: Model) -> Iterator[Finding]:
    context = model.context
    if context is None:
        return
    copies = whole_context_copies(model)
    if not copies:
        return
    facts = context_facts(context)
    if facts.sent_bytes <= context.large_threshold:
        return
    first = copies[0]
    largest = ", ".join(entry_text(entry) for entry in facts.entries[:LARGEST_NAMED])
    message = (f"`{first.instruction.keyword} {first.text}` copies a large build context: "
               f"{amount(facts.sent_bytes, len(facts.sent), facts.capped)} sent "
               f"(more than {format_size(context.large_threshold)}); largest: {largest}")
    yield RULE.finding(first.span, message)


RULE = Rule(
    id="DKL054",
    name="large-build-context",
    summary="COPY . copies a build context larger than 50 MB",
    severity=Severity.INFO,
    category="context",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
)
