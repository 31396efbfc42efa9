"""Coverage-guided fuzzing of the Dockerfile parser and the engine with atheris (libFuzzer).

Each input is decoded as a Dockerfile would be read from disk (UTF-8, undecodable bytes kept as
surrogates) and must parse, be analysed and be fixed without an exception, with every span inside
the text. No test runs this; run it by hand, e.g. for 10 seconds::

    pip install atheris
    python3 fuzz/parser_fuzz.py -max_total_time=10 -max_len=4096

Pass a directory of Dockerfiles as a seed corpus to start from real files, e.g.
``python3 fuzz/parser_fuzz.py -max_total_time=600 /tmp/fuzz-corpus ../shared/corpus/files``
(libFuzzer writes new interesting inputs into the first directory).
"""

from __future__ import annotations

import sys

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports():
    from dockls.engine import analyze, analyze_ignore
    from dockls.fixes import fix_all
    from dockls.rule import Finding
    from dockls.syntax import parse
    from dockls.text import Span


def _inside(span: Span, text: str) -> bool:
    return 0 <= span.start <= span.end <= len(text)


def _findings(text: str) -> list[Finding]:
    return analyze(text).findings


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="surrogateescape")
    tree = parse(text)
    previous_end = 0
    for inst in tree.instructions:
        assert previous_end <= inst.span.start and _inside(inst.span, text), inst
        previous_end = inst.span.end
    spans = [c.span for c in tree.comments] + [d.span for d in tree.directives] + [p.span for p in tree.problems]
    assert all(_inside(span, text) for span in spans), spans
    for finding in [*_findings(text), *analyze_ignore(text).findings]:
        assert _inside(finding.span, text), finding
    fixed, _ = fix_all(text, _findings)
    assert fix_all(fixed, _findings)[0] == fixed, "fix-all is not idempotent"


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
