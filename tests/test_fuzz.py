"""Property-based tests: Dockerfiles generated from a grammar of instructions, flags, heredocs,
continuations and odd characters, plus mutations of real-world files, must never crash the parser or
the engine, must yield spans inside the text, and safe fixes must keep BuildKit's parser happy and be
idempotent. Derandomized and bounded so the file runs the same way, quickly, every time."""

from __future__ import annotations

import os

import dockerfile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockls.engine import analyze, analyze_ignore
from dockls.fixes import fix_all
from dockls.rule import Finding
from dockls.syntax import KNOWN_INSTRUCTIONS, Dockerfile, parse
from dockls.text import Span
from tests.conftest import corpus_dockerfiles

# CI runs a fixed, derandomized sample; DOCKLS_FUZZ_EXAMPLES=N runs N random examples per property
# instead (a longer hunt, see docs/hardening.md).
LONG_RUN = int(os.environ.get("DOCKLS_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(max_examples=LONG_RUN or 150, derandomize=not LONG_RUN, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Fixing re-analyses the text once per pass: fewer, smaller examples keep the file well under a minute.
FIX_FUZZ = settings(FUZZ, max_examples=LONG_RUN or 40)

ODD_SPACES = ["\t", "\r\n", "\r", "\f", "\u2028", "\xa0", "\v", "  "]
ODD_TEXT = ["🐳", "日本語", "é", "\u200b", "\ufffd", "\ud800", "$BUILDPLATFORM", "${TARGETARCH:-amd64}",
            "'", '"', "\\", "`"]
WORDS = ["apt-get", "install", "-y", "curl", "pip", "npm", "ci", "/app", ".", "a.txt", "&&", ";", "|", "$HOME",
         "key=value", "[\"sh\", \"-c\"]", "[", "]", "base:1.0", "AS", "build", "8080/tcp", "root"]
FLAGS = ["--mount=type=cache,target=/x", "--mount=type=secret,id=s", "--mount=type=bind,from=build,source=/a,target=/b",
         "--from=build", "--from=0", "--platform=$BUILDPLATFORM", "--platform=linux/amd64", "--chown=1:1",
         "--link", "--network=none", "--bogus", "--bogus=1", "--", "--mount", "--mount=type=", "-x"]


def random_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.lower() if flip else c for c, flip in zip(word, flips, strict=True))


@st.composite
def words(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(ODD_TEXT),
                                    st.text(max_size=6)), max_size=6))
    separators = draw(st.lists(st.sampled_from([" ", " ", "\t", "\f", "\xa0"]),
                               min_size=len(parts), max_size=len(parts)))
    return "".join(sep + part for sep, part in zip(separators, parts, strict=True))


@st.composite
def heredoc(draw: st.DrawFn) -> tuple[str, str]:
    """The marker on the instruction line, and the body that follows the line."""
    name = draw(st.sampled_from(["EOF", "END", "x"]))
    quote = draw(st.sampled_from(["", "'", '"']))
    chomp = draw(st.sampled_from(["", "-"]))
    body = draw(st.lists(st.sampled_from(["\techo hi", "echo $X", "", "  EOF", "\tEOF", "日本 🐳", "\\"]), max_size=3))
    terminated = draw(st.booleans())
    tail = ["\t" + name if chomp and draw(st.booleans()) else name] if terminated else []
    return f"<<{chomp}{quote}{name}{quote}", "".join("\n" + line for line in body + tail)


@st.composite
def instruction(draw: st.DrawFn, escape: str) -> str:
    keyword = draw(st.one_of(st.sampled_from(sorted(KNOWN_INSTRUCTIONS)),
                             st.sampled_from(["FRM", "ONBUILD RUN", "#", ""])))
    text = draw(st.sampled_from(["", " ", "\t"])) + random_case(draw, keyword)
    text += "".join(" " + f for f in draw(st.lists(st.sampled_from(FLAGS), max_size=2)))
    text += draw(words())
    body = ""
    if draw(st.booleans()):
        marker, body = draw(heredoc())
        text += " " + marker + draw(words())
    for _ in range(draw(st.integers(0, 2))):  # continuation lines, maybe with comments or blanks between
        text += escape + draw(st.sampled_from(["", " ", "\t", " \t"]))
        text += draw(st.sampled_from(["", "\n# inside", "\n", "\n  # indented"])) + "\n" + draw(words())
    return text + body


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    escape = draw(st.sampled_from(["\\", "`"]))
    directives = draw(st.lists(st.sampled_from([f"# escape={escape}", "# syntax=docker/dockerfile:1",
                                                "#check=skip=all", "# ESCAPE = \\", "# bogus=1"]), max_size=2))
    if "`" in escape and f"# escape={escape}" not in directives:
        escape = "\\"  # without its directive the backtick is an ordinary character
    lines = directives + draw(st.lists(st.one_of(instruction(escape), st.sampled_from(["# comment", "", "  "])),
                                       min_size=1, max_size=8))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    text = newline.join(lines)
    # Sprinkle odd whitespace and characters at a few places.
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(ODD_SPACES + ODD_TEXT)) + text[at:]
    return text + draw(st.sampled_from(["", "\n", " \\", "\\\n"]))


def _small_corpus() -> list[str]:
    files = [p for p in corpus_dockerfiles() if p.stat().st_size < 6000][:60]
    return [p.read_bytes().decode("utf-8", errors="surrogateescape") for p in files]


CORPUS_TEXTS = _small_corpus()
FALLBACK = "# syntax=docker/dockerfile:1\nFROM python:3.12 AS build\nRUN pip install -r requirements.txt\nCOPY . /app\n"


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(CORPUS_TEXTS or [FALLBACK])).split("\n")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines) - 1))
        match draw(st.sampled_from(["truncate", "delete", "duplicate", "swap", "bytes", "nul", "surrogate", "long"])):
            case "truncate":
                lines = lines[: at + 1]
            case "delete" if len(lines) > 1:
                del lines[at]
            case "duplicate":
                lines.insert(at, lines[at])
            case "swap":
                other = draw(st.integers(0, len(lines) - 1))
                lines[at], lines[other] = lines[other], lines[at]
            case "bytes":
                noise = draw(st.binary(max_size=12)).decode("utf-8", errors="surrogateescape")
                column = draw(st.integers(0, len(lines[at])))
                lines[at] = lines[at][:column] + noise + lines[at][column:]
            case "nul":
                lines[at] += "\x00"
            case "surrogate":
                lines[at] += "\udcff\ud83d"
            case "long":
                lines[at] += " x" * 2000
    return "\n".join(lines)


def inside(span: Span, text: str) -> bool:
    return 0 <= span.start <= span.end <= len(text)


def assert_tree_is_sound(tree: Dockerfile, text: str) -> None:
    """What the parser's spans promise: everything is inside the text, instructions come in order and
    never overlap, and each instruction's parts lie within it."""
    assert tree.text == text
    previous_end = 0
    for inst in tree.instructions:
        assert inside(inst.span, text)
        assert previous_end <= inst.span.start, "instructions overlap or are out of order"
        previous_end = inst.span.end
        assert inst.span.start <= inst.keyword_span.start <= inst.keyword_span.end <= inst.span.end
        # start_line is where the logical line begins, which may be an empty continuation line above
        # the keyword.
        assert inst.start_line <= text.count("\n", 0, inst.keyword_span.start) <= inst.end_line
        for flag in inst.flags:
            assert inst.span.start <= flag.span.start <= flag.span.end <= inst.span.end
        assert all(inst.span.start <= span.start <= span.end <= inst.span.end
                   for span in [inst.args_span, *inst.value_spans])
        for heredoc_ in inst.heredocs:
            for span in (heredoc_.marker_span, heredoc_.body_span, heredoc_.terminator_span):
                assert span is None or inside(span, text)
    spans = [c.span for c in tree.comments] + [d.span for d in tree.directives] + [p.span for p in tree.problems]
    assert all(inside(span, text) for span in spans)
    for directive in tree.directives:
        assert inside(directive.name_span, text) and inside(directive.value_span, text)


def assert_findings_inside(text: str) -> None:
    analysis = analyze(text)
    for finding in analysis.findings:
        assert inside(finding.span, text), f"{finding.rule.id} span {finding.span} outside the text"
        for fix in finding.fixes:
            for edit in fix.edits:
                assert inside(edit.span, text), f"{finding.rule.id} fix edit {edit.span} outside the text"


def buildkit_accepts(text: str) -> bool:
    """Whether BuildKit parses ``text``; False for text it cannot be given at all (the ``dockerfile``
    binding crashes the interpreter on a lone surrogate, so such text is never passed to it)."""
    try:
        text.encode("utf-8")
        dockerfile.parse_string(text)
    except (dockerfile.GoParseError, UnicodeError, ValueError):
        return False
    return True


def check(text: str) -> list[Finding]:
    return analyze(text).findings


def assert_fixes_are_safe(text: str) -> None:
    accepted = buildkit_accepts(text)
    once, _ = fix_all(text, check)
    if accepted:
        assert buildkit_accepts(once), f"BuildKit rejects the fixed file:\n{once!r}"
    assert fix_all(once, check)[0] == once, "a second fix-all pass changes the file"


@FUZZ
@given(dockerfiles())
def test_generated_parse_is_sound(text: str) -> None:
    assert_tree_is_sound(parse(text), text)


@FUZZ
@given(dockerfiles())
def test_generated_analysis_stays_inside_the_text(text: str) -> None:
    assert_findings_inside(text)


@FIX_FUZZ
@given(dockerfiles())
def test_generated_fixes_are_safe_and_idempotent(text: str) -> None:
    assert_fixes_are_safe(text)


@FUZZ
@given(mutated())
def test_mutated_corpus_parse_is_sound(text: str) -> None:
    assert_tree_is_sound(parse(text), text)


@FUZZ
@given(mutated())
def test_mutated_corpus_analysis_stays_inside_the_text(text: str) -> None:
    assert_findings_inside(text)


@FIX_FUZZ
@given(mutated())
def test_mutated_corpus_fixes_are_safe_and_idempotent(text: str) -> None:
    assert_fixes_are_safe(text)


@FUZZ
@given(st.one_of(st.text(max_size=200), mutated(), st.lists(
    st.sampled_from(["node_modules", "!keep", "**/*.pyc", "#c", "", "\\", "[", "a/../b", " x ", "🐳", "\r"]),
    max_size=8).map("\n".join)))
def test_ignore_analysis_stays_inside_the_text(text: str) -> None:
    for finding in analyze_ignore(text).findings:
        assert inside(finding.span, text), f"{finding.rule.id} span {finding.span} outside the text"


@pytest.mark.parametrize("text", ["", "\x00", "\ud800", "FROM a\\", "RUN <<EOF", "\r\r\r", "# escape=`\nRUN a`"])
def test_edge_inputs(text: str) -> None:
    assert_tree_is_sound(parse(text), text)
    assert_findings_inside(text)
    assert_fixes_are_safe(text)


def test_corpus_sample_is_used_when_present() -> None:
    """The mutation strategy draws from real files when the corpus sits beside the repository."""
    if not corpus_dockerfiles():
        pytest.skip("real-world corpus absent")
    assert CORPUS_TEXTS and all(isinstance(text, str) for text in CORPUS_TEXTS)

