"""The Dockerfiles the benchmarks run on: the issue's sample, and larger files made from it.

Larger files repeat the sample's stages with the stage names made unique (``builder`` becomes
``builder-2`` in the second copy, in ``FROM … AS``, ``FROM <stage>`` and ``--from=``), after the
sample's global ``ARG``s and parser directive, once. The result is deterministic and a valid
multi-stage build: BuildKit's parser accepts it and every stage a copy refers to is one of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent.parent / "shared" / "tools" / "Dockerfile.sample"
BENCH = HERE / "Dockerfile.bench"

_STAGE_NAME = re.compile(r"^FROM\s.*\sAS\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def _split(text: str) -> tuple[str, str]:
    """The lines before the first FROM (directive, global ARGs) and the stages from it on."""
    first = re.search(r"^FROM\s", text, re.IGNORECASE | re.MULTILINE)
    start = first.start() if first else 0
    return text[:start], text[start:]


def renamed(stages: str, suffix: str) -> str:
    """``stages`` with ``suffix`` appended to every stage name where it is declared or referred to."""
    if not suffix:
        return stages
    names = "|".join(re.escape(name) for name in _STAGE_NAME.findall(stages))
    if not names:
        return stages
    reference = re.compile(rf"(?i)(\sAS\s+|^FROM\s+|--from=)({names})(?=\s|$)", re.MULTILINE)
    return reference.sub(lambda match: match[1] + match[2] + suffix, stages)


def repeated(text: str, copies: int) -> str:
    """``text`` with its stages ``copies`` times (1: ``text`` itself)."""
    head, stages = _split(text)
    separated = stages if stages.endswith("\n") else stages + "\n"
    return head + "\n".join(renamed(separated, f"-{k}" if k > 1 else "") for k in range(1, copies + 1))


def with_lines(text: str, lines: int) -> str:
    """``text``'s stages repeated to exactly ``lines`` lines: cut after the last complete instruction
    that fits (not inside a line continuation), and blank lines after it to make up the count."""
    per_copy = max(1, len(_split(text)[1].splitlines()))
    kept = repeated(text, lines // per_copy + 2).splitlines()[:lines]
    while kept and kept[-1].rstrip().endswith("\\"):
        kept.pop()
    return "\n".join(kept + [""] * (lines - len(kept))) + "\n"


def variant(text: str, number: int) -> str:
    """A distinct copy of ``text``: its stage names end in ``-<number>``."""
    head, stages = _split(text)
    return head + renamed(stages, f"-{number}")


def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def write(directory: Path, name: str, text: str) -> Path:
    """``text`` as ``directory/name``: a document with a file (and an otherwise empty build context)
    behind it, as in an editor."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
