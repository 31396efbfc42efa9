"""Differential test: our parser against BuildKit's own (PyPI ``dockerfile``) over the real corpus.

Compared instruction by instruction: keyword, start and end line, flags, value, JSON form, and heredoc
names and bodies. Files BuildKit rejects must still parse here without an exception, and must get a
syntax-error diagnostic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dockerfile
import pytest

from dockls.syntax import Dockerfile, Instruction, parse

# Files where we knowingly differ from BuildKit, with the reason. Empty: full agreement.
KNOWN_DIFFERENCES: dict[str, str] = {}


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def ours(inst: Instruction) -> tuple[Any, ...]:
    target = inst.command
    return (
        inst.keyword,
        inst.sub.keyword if inst.sub else None,
        inst.start_line + 1,
        inst.end_line + 1,
        [flag.raw for flag in inst.flags],
        list(target.value),
        target.json,
        [(h.name, h.content) for h in target.heredocs],
    )


def theirs(cmd: Any) -> tuple[Any, ...]:
    return (
        cmd.cmd.upper(),
        cmd.sub_cmd.upper() if cmd.sub_cmd else None,
        cmd.start_line,
        cmd.end_line,
        list(cmd.flags),
        list(cmd.value),
        cmd.json,
        [(h.name, h.content) for h in cmd.heredocs],
    )


def compare(tree: Dockerfile, reference: Any) -> str | None:
    mine = [ours(inst) for inst in tree.instructions]
    ref = [theirs(cmd) for cmd in reference]
    for a, b in zip(mine, ref):
        if a != b:
            return f"instruction differs:\n  dockls   {a}\n  buildkit {b}"
    if len(mine) != len(ref):
        return f"{len(mine)} instructions here, {len(ref)} in BuildKit"
    return None


def test_agrees_with_buildkit_on_the_corpus(corpus: list[Path]) -> None:
    accepted = rejected = 0
    differences: dict[str, str] = {}
    for path in corpus:
        text = read(path)
        tree = parse(text)  # must never raise
        try:
            reference = dockerfile.parse_string(text)
        except dockerfile.GoParseError as error:
            rejected += 1
            assert any(p.severity == "error" for p in tree.problems), (
                f"{path.name}: BuildKit rejects it ({error}) but we report no error"
            )
            continue
        accepted += 1
        problem = compare(tree, reference)
        if problem and path.name not in KNOWN_DIFFERENCES:
            differences[path.name] = problem
    print(f"\nparser agreement: {accepted - len(differences)}/{accepted} files BuildKit accepts; "
          f"{rejected} rejected by BuildKit, all parsed here with a diagnostic")
    assert not differences, "\n".join(f"{name}: {why}" for name, why in differences.items())


EDGE_CASES = [
    "FROM alpine\nRUN echo a \\\n  # comment inside\n\n  && echo b\n",
    "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n  c:\\\n",
    "FROM a\nENV C trailing\\\\backslash\\\\\nENV D x\n",
    "FROM a\nRUN <<-EOF\n\techo\n\tEOF\n",
    "FROM a\nRUN <<A <<'B' cat\na\nA\nb\nB\n",
    "FROM a\nCOPY <<EOF /x\nhi\nEOF\nRUN x\n",
    "FROM a\nONBUILD RUN --mount=type=cache,target=/x echo hi\n",
    "FROM a\r\nRUN a \\\r\n b\r\nRUN <<EOF\r\necho\r\nEOF\r\n",
    "\ufeffFROM a\nHEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"x\"]\nHEALTHCHECK NONE\n",
    "FROM a\nLABEL a=b \"c d\"=\"e f\" g='h i'\nENV A 1 2\nARG X Y=1\nUNKNOWN foo\n",
    "FROM a\nRUN ['not', 'json']\nCMD [\"a\",\n  \"b\"]\nEXPOSE 80/tcp 443\nVOLUME [\"/a\", \"/b\"]\n",
    "FROM a\nRUN --network=none --security=insecure -- echo\nCOPY --chmod=0755 --link a b\n",
    "#syntax=docker/dockerfile:1\n#check=skip=all\nFROM a\nRUN a \\  \n b\nRUN x \\\n",
    "FROM a\nRUN echo 'a<<b' \"<<c\" <<EOF\nbody\nEOF\nRUN 2<<X cat\nx\nX\n",
    "FROM a AS b\nfrom b\nrun echo lower\nMAINTAINER me <m@e>\nSTOPSIGNAL SIGTERM\nSHELL [\"bash\", \"-c\"]\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_agrees_with_buildkit_on_edge_cases(text: str) -> None:
    assert compare(parse(text), dockerfile.parse_string(text)) is None


@pytest.mark.parametrize(
    "text",
    [
        "FROM a\nRUN <<EOF\nno terminator\n",
        'FROM a\nRUN ["a", 1]\n',
        "FROM a\nENV X\n",
        "# escape=x\nFROM a\n",
        "# escape=\\\n# escape=`\nFROM a\n",
    ],
)
def test_rejected_files_parse_with_an_error(text: str) -> None:
    with pytest.raises(dockerfile.GoParseError):
        dockerfile.parse_string(text)
    assert any(p.severity == "error" for p in parse(text).problems)
