"""## What it does
Finds patterns of an ignore file that match no file and no directory of the build context on disk.

The rule needs the context: it stays silent for an ignore file that is not on disk, and when the
walk of the context stopped early (too many files, or too slow), since an unwalked part could hold a
match. `!` exceptions and invalid patterns (see `dockerignore-syntax`) are not checked.

Protective patterns are never reported, as an ignore file rightly lists them before the files
exist: everything `dockerignore-incomplete` asks for (`.git`, `node_modules`, `.venv`, `venv`,
`__pycache__`, `target`, `dist`, `build`, `.idea`, `.vscode`, `.DS_Store`, `*.swp`, `Thumbs.db`,
`.env`, `.env.*`, `*.pem`, `id_rsa*`, `.npmrc`, `.aws`, `.ssh`), other secrets (`*.key`, `*.p12`,
`*.pfx`, `id_ed25519*`, `id_ecdsa*`, `.netrc`, `.pypirc`, `*.env`, `.env*`, `secrets`), and the
build's own files (`.dockerignore`, `Dockerfile*`, `*.Dockerfile`, `*.dockerignore`). A pattern is
protective when its last path element (after dropping a trailing `/**`) is one of these or matches
one of the wildcard entries (`.env.local` matches `.env.*`).

## Why is this bad?
A pattern that matches nothing is usually a typo (`node_module`), a path from an older layout of the
project, or a pattern anchored at the wrong place (`*.pyc` only matches at the root; `**/*.pyc`
matches everywhere) — and in the last two cases the files it was meant for are being sent. A
pattern for files that are only generated later (`*.log`) is harmless, which is why this is a hint.

## Example
```
node_module
*.pyc
```

## Use instead
```
node_modules
**/*.pyc
```

## Stages
Ignore files, not Dockerfiles: the patterns are matched against the context on disk.

## References
- [Docker: .dockerignore files](https://docs.docker.com/build/concepts/context/#dockerignore-files)
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from dockls.buildcontext import ContextWalk
from dockls.ignorefile import IgnoreModel, Pattern, parse_ignore
from dockls.rule import Finding, FixAvailability, Rule, Severity

_WILDCARDS = frozenset("*?[]\\")
_PROTECTED_NAMES = frozenset({
    ".git", "node_modules", ".venv", "venv", "__pycache__", "target", "dist", "build", ".idea", ".vscode",
    ".DS_Store", "Thumbs.db", ".env", ".npmrc", ".aws", ".ssh", ".netrc", ".pypirc", "secrets",
    ".dockerignore",
})
_PROTECTED_GLOBS = (
    "*.swp", ".env.*", ".env*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "id_rsa*", "id_ed25519*",
    "id_ecdsa*", "Dockerfile*", "*.Dockerfile", "*.dockerfile", "*.dockerignore",
)
_memo: tuple[object, dict[str, bool]] = (None, {})


def _is_protective(pattern: Pattern) -> bool:
    last = pattern.text.removesuffix("/**").rpartition("/")[2]
    return last in _PROTECTED_NAMES or any(fnmatchcase(last, glob) for glob in _PROTECTED_GLOBS)


def _matches_something(pattern: Pattern, walk: ContextWalk, sizes: dict[str, tuple[int, int]]) -> bool:
    if _WILDCARDS.isdisjoint(pattern.text):
        return pattern.text in sizes  # a literal path: one dictionary lookup
    key = (id(walk), walk.finished_at)
    global _memo
    if _memo[0] != key:  # results of wildcard patterns for the latest walk, reused while typing
        _memo = (key, {})
    known = _memo[1].get(pattern.text)
    if known is None:
        known = any(pattern.matches(path) for path in walk.directories) or \
            any(pattern.matches(file.path) for file in walk.files)
        _memo[1][pattern.text] = known
    return known


def check(model: IgnoreModel) -> Iterator[Finding]:
    context = model.context
    if context is None:
        return
    candidates = [p for p in model.ignore.patterns if p.error is None and not p.negated and not _is_protective(p)]
    if not candidates:
        return
    walk = context.walk()
    if walk.capped is not None:
        return
    sizes = walk.sizes()
    for pattern in candidates:
        if _matches_something(pattern, walk, sizes):
            continue
        written = model.text[pattern.span.start:pattern.span.end]
        message = f"`{written}` matches no file or directory in the build context `{context.root.name or context.root}`"
        if "/" not in pattern.text:
            anywhere = parse_ignore("**/" + pattern.text).patterns[0]
            if anywhere.error is None and _matches_something(anywhere, walk, sizes):
                message += f": it only matches at the root; `**/{pattern.text}` matches at any depth"
        yield RULE.finding(pattern.span, message)


RULE = Rule(
    id="DKL049",
    name="dockerignore-matches-nothing",
    summary="A pattern of the ignore file matches nothing in the build context",
    severity=Severity.HINT,
    category="context",
    fix=FixAvailability.NONE,
    check=check,
    doc=__doc__ or "",
    target="dockerignore",
)
