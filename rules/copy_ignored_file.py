"""## What it does
Reports a `COPY` or `ADD` source from the build context that the ignore file (`.dockerignore`, or the
one that applies to this Dockerfile) excludes, with the pattern and line that exclude it:

- an **error** when everything the source names is excluded: a file, a directory that is excluded
  and that no `!` exception re-includes anything of, or a glob whose every match is excluded. The
  build fails (`"/config.yaml": not found`) or, for a glob, copies nothing;
- a **warning** when only part of it is: an excluded directory some of whose files a `!` exception
  brings back, or a glob some of whose matches are excluded. The build then silently copies less
  than the `COPY` names.

Files left out *inside* a copied directory that is not itself excluded (`COPY src/ …` with
`**/__pycache__` ignored) are not reported: leaving them out is what the ignore file is for. The whole
context (`COPY . …`) is never reported either.

Not checked: copies `--from` another stage or image, URLs and git sources, heredocs, and sources with
variables. Nothing is reported without an ignore file, or when the Dockerfile is not a file on disk.
This is BuildKit's `CopyIgnoredFile` check (which warns for every excluded source).

## Why is this bad?
The ignore file applies before any instruction runs: an excluded file is not in the context, so a
`COPY` of it fails the build — often only in CI, when a developer's local build had it cached — or a
glob copies less than intended, which surfaces as a missing file when the container runs.

## Example
```dockerfile
FROM python:3.13-slim
COPY README.md pyproject.toml ./
RUN pip install .
```
with `*.md` in `.dockerignore`.

## Use instead
```
*.md
!README.md
```
in `.dockerignore`, or remove the source from the `COPY`.

## Stages
All stages: every stage's `COPY` reads the same context.

## References
- [.dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
- [BuildKit check CopyIgnoredFile](https://docs.docker.com/reference/build-checks/copy-ignored-file/)
"""

from __future__ import annotations

from collections.abc import Iterator

from dockls.buildcontext import BuildContext, ContextWalk
from dockls.contexthover import ContextSource, context_facts, context_sources, count, source_files
from dockls.ignorefile import IgnoreFile, Pattern
from dockls.model import Model
from dockls.rule import Finding, FixAvailability, Rule, Severity


def check(model: Model) -> Iterator[Finding]:
    context = model.context
    ignore = context.ignore if context is not None else None
    if context is None or ignore is None:
        return
    named = [source for source in context_sources(model) if not source.whole_context]
    if not named:
        return
    walk = context.walk()
    excluded = context_facts(context).excluded_paths
    for source in named:
        finding = _finding(context, ignore, walk, excluded, source)
        if finding is not None:
            yield finding


def _finding(context: BuildContext, ignore: IgnoreFile, walk: ContextWalk, excluded: frozenset[str],
             source: ContextSource) -> Finding | None:
    copied = f"`{source.text}`"
    if not source.is_glob:
        pattern = ignore.deciding(source.path)
        if pattern is None or pattern.negated:
            return None
        where = _excluded_by(context, pattern)
        # Files below an excluded directory come back only through `!` exceptions.
        files = source_files(walk, source) if ignore.may_reinclude_under(source.path) else []
        brought_back = [file for file in files if file.path not in excluded]
        if brought_back:
            message = (f"{copied} is excluded by {where}: only {count(len(brought_back), 'file', 'files')} "
                       f"of it that `!` exceptions re-include will be copied "
                       f"({len(files) - len(brought_back):,} left out)")
            return Finding(RULE, source.span, message, severity=Severity.WARNING)
        message = f"{copied} is excluded by {where}, so it is not in the build context and the build fails"
        return RULE.finding(source.span, message)
    matches = source_files(walk, source)
    left_out = [file for file in matches if file.path in excluded]
    if not left_out:
        return None
    deciding = ignore.deciding(left_out[0].path)
    where = _excluded_by(context, deciding) if deciding is not None else _ignore_name(context)
    if len(left_out) == len(matches):
        message = (f"{copied}: every file it matches ({count(len(matches), 'file', 'files')}, e.g. "
                   f"`{left_out[0].path}`) is excluded by {where}, so it copies nothing")
        return RULE.finding(source.span, message)
    message = (f"{copied}: {len(left_out):,} of the {count(len(matches), 'file', 'files')} it matches "
               f"(e.g. `{left_out[0].path}`) are excluded by {where} and will not be copied")
    return Finding(RULE, source.span, message, severity=Severity.WARNING)


def _ignore_name(context: BuildContext) -> str:
    path = context.ignore_path
    if path is None:
        return "the ignore file"
    try:
        return f"`{path.relative_to(context.root).as_posix()}`"
    except ValueError:
        return f"`{path.name}`"


def _excluded_by(context: BuildContext, pattern: Pattern) -> str:
    return f"{_ignore_name(context)} line {pattern.line + 1}: `{pattern.text}`"


RULE = Rule(
    id="DKL053",
    name="copy-ignored-file",
    summary="A COPY/ADD source is excluded by the .dockerignore",
    severity=Severity.ERROR,
    category="context",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    buildkit=("CopyIgnoredFile",),
)
