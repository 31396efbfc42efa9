"""The parser's tree: exact ranges of every part, error tolerance, robustness on any input."""

from __future__ import annotations

import random
from pathlib import Path

from dockls.syntax import parse
from dockls.text import Span


def at(text: str, span: Span) -> str:
    return text[span.start : span.end]


def test_flags_with_mount_options_and_ranges() -> None:
    text = "FROM a\nRUN --mount=type=cache,target=/root/.cache/pip,sharing=locked --network=none pip install x\n"
    run = parse(text).instructions[1]
    mount, network = run.flags
    assert (mount.name, network.name, network.value) == ("mount", "network", "none")
    assert at(text, mount.span) == "--mount=type=cache,target=/root/.cache/pip,sharing=locked"
    assert mount.value_span is not None and at(text, mount.value_span).startswith("type=cache")
    assert [(o.key, o.value) for o in mount.options] == [
        ("type", "cache"), ("target", "/root/.cache/pip"), ("sharing", "locked")]
    assert [at(text, o.span) for o in mount.options] == [
        "type=cache", "target=/root/.cache/pip", "sharing=locked"]
    assert mount.option("target") == "/root/.cache/pip"
    assert run.args == "pip install x" and at(text, run.args_span) == "pip install x"


def test_bare_flag_and_quoted_flag_value() -> None:
    text = 'FROM a\nCOPY --link --chown="app user" a b\n'
    copy = parse(text).instructions[1]
    assert [(f.name, f.value) for f in copy.flags] == [("link", None), ("chown", "app user")]
    assert at(text, copy.flags[1].span) == '--chown="app user"'


def test_continuation_lines_map_back_to_the_document() -> None:
    text = "FROM a\nRUN apt-get update \\\n    # a comment line\n\n    && apt-get install -y curl\n"
    run = parse(text).instructions[1]
    assert run.args == "apt-get update     && apt-get install -y curl"
    assert (run.start_line, run.end_line) == (1, 4)
    index = run.args.index("curl")
    offset = run.line.offset(run.args_index + index)
    assert text[offset : offset + 4] == "curl"
    assert at(text, run.span).endswith("curl")
    assert at(text, run.args_span).startswith("apt-get update")


def test_heredoc_spans() -> None:
    text = "FROM a\nRUN <<EOF bash\necho 😀\nEOF\nRUN <<-'X'\n\tcat\n\tX\n"
    first, second = parse(text).instructions[1:]
    (doc,) = first.heredocs
    assert doc.name == "EOF" and doc.expand and not doc.chomp
    assert at(text, doc.marker_span) == "<<EOF"
    assert at(text, doc.body_span) == "echo 😀\n"
    assert doc.terminator_span is not None and at(text, doc.terminator_span) == "EOF"
    assert at(text, first.span) == "RUN <<EOF bash\necho 😀\nEOF"
    (quoted,) = second.heredocs
    assert quoted.name == "X" and not quoted.expand and quoted.chomp
    assert quoted.content == "\tcat\n"


def test_onbuild_trigger_has_its_own_ranges() -> None:
    text = "FROM a\nONBUILD COPY --from=b /x /y\n"
    onbuild = parse(text).instructions[1]
    assert onbuild.sub is not None and onbuild.command is onbuild.sub
    assert onbuild.sub.keyword == "COPY"
    assert at(text, onbuild.sub.keyword_span) == "COPY"
    assert at(text, onbuild.sub.flags[0].span) == "--from=b"
    assert onbuild.sub.value == ["/x", "/y"]


def test_json_form_value_spans() -> None:
    text = 'FROM a\nCMD ["python", "-m", "app"]\n'
    cmd = parse(text).instructions[1]
    assert cmd.json and cmd.value == ["python", "-m", "app"]
    assert [at(text, s) for s in cmd.value_spans] == ['"python"', '"-m"', '"app"']


def test_directives_comments_and_bom() -> None:
    text = "\ufeff# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\n# a comment\nFROM a\n# syntax=late\n"
    tree = parse(text)
    assert [(d.name, d.value) for d in tree.directives] == [
        ("syntax", "docker/dockerfile:1"), ("escape", "`"), ("check", "skip=all")]
    assert tree.escape == "`"
    assert at(text, tree.directives[0].value_span) == "docker/dockerfile:1"
    assert [c.text for c in tree.comments][-2:] == ["a comment", "syntax=late"]
    assert [c.text for c in tree.instructions[0].comments][-1] == "a comment"


def test_windows_escape_continuation() -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir `\n  c:\\\n"
    run = parse(text).instructions[1]
    assert run.args == "dir   c:\\" and run.end_line == 3


def test_problems_have_exact_ranges() -> None:
    text = "FROM a\nRUN <<EOF\nx\nENV X\nFOO bar\n"
    tree = parse(text)
    assert [(p.message.split(":")[0], at(text, p.span)) for p in tree.problems] == [
        ("unterminated heredoc", "<<EOF")]
    text = "FROM a\nENV X\nFOO bar\nCMD [\"a\", 1]\nRUN\n"
    messages = {p.message.split(" -")[0]: at(text, p.span) for p in parse(text).problems}
    assert messages == {
        "ENV must have two arguments": "X",
        "unknown instruction: FOO": "FOO",
        "when using JSON array syntax, arrays must be comprised of strings only": '["a", 1]',
        "RUN requires at least one argument": "RUN",
    }


def test_half_typed_and_empty_files() -> None:
    for text in ["", "\n\n", "# only a comment\n", "FR", "FROM", "RUN --mount=", "RUN --", 'CMD ["a',
                 "RUN a \\", "COPY <<", "ONBUILD", "ONBUILD ONBUILD", "LABEL \"a", "ARG =", "\\", "`"]:
        tree = parse(text)
        for inst in tree.instructions:
            assert 0 <= inst.span.start <= inst.span.end <= len(text)
    assert parse("").problems[0].message == "file with no instructions"


def test_binary_content_is_one_problem_not_a_line_of_noise_each() -> None:
    noise = "".join(chr(c) for c in range(1, 32)) * 20 + "\ufffd\nFROM x\n" * 30
    for text in ("\x00\x01\x02FROM\x00", noise, "FROM alpine\nRUN echo \x00\n"):
        tree = parse(text)
        assert [p.message for p in tree.problems] == ["binary content: this does not look like a Dockerfile"]
        assert tree.instructions == []
    assert parse("FROM alpine\nRUN echo \x1b[1mbold\n").problems == []  # one escape is not binary


def test_long_unknown_keywords_are_shortened_in_messages() -> None:
    (problem,) = parse("X" * 500 + " y\nFROM a\n").problems
    assert problem.message == "unknown instruction: " + "X" * 40 + "…"


def _check_spans(text: str) -> None:
    tree = parse(text)
    n = len(text)
    for inst in tree.walk():
        spans = [inst.span, inst.keyword_span, inst.args_span, *inst.value_spans]
        spans += [f.span for f in inst.flags] + [o.span for f in inst.flags for o in f.options]
        spans += [h.body_span for h in inst.heredocs] + [h.marker_span for h in inst.heredocs]
        for span in spans:
            assert 0 <= span.start <= span.end <= n, (text[:200], span)
    for problem in tree.problems:
        assert 0 <= problem.span.start <= problem.span.end <= n


def test_random_mutations_never_raise(corpus: list[Path]) -> None:
    rng = random.Random(1234)
    alphabet = "\\`\"'[]<<-EOF\n\r\t #=,${}😀日 RUN FROM COPY --mount=type=cache"
    for path in rng.sample(corpus, 60):
        text = path.read_bytes().decode("utf-8", errors="replace")
        for _ in range(15):
            cut = rng.randrange(len(text) + 1)
            _check_spans(text[:cut])  # half-typed
            pos = rng.randrange(len(text) + 1)
            noise = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 8)))
            _check_spans(text[:pos] + noise + text[pos:])


def test_random_garbage_never_raises() -> None:
    rng = random.Random(99)
    for _ in range(300):
        _check_spans("".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 300))))


def _flatten(tree_text: str, shift: int) -> list[object]:
    """Every position-bearing part of a tree, moved back by ``shift``."""
    out: list[object] = []

    def back(span: Span) -> tuple[int, int]:
        return span.start - shift, span.end - shift

    tree = parse(tree_text)
    for inst in tree.walk():
        out += [inst.keyword, back(inst.span), back(inst.keyword_span), back(inst.args_span), inst.value]
        out += [back(s) for s in inst.value_spans]
        out += [(f.raw, back(f.span), [back(o.span) for o in f.options]) for f in inst.flags]
        out += [(h.name, back(h.body_span), back(h.marker_span)) for h in inst.heredocs]
        out += [inst.line.offset(i) - shift for i in range(len(inst.line.text))]
    out += [(p.message, back(p.span)) for p in tree.problems]
    return out


def test_reused_instructions_are_exact_wherever_they_move() -> None:
    text = ("FROM a\nONBUILD RUN --mount=type=cache,target=/x apt-get \\\n  # c\n  install y\n"
            "RUN <<EOF\necho\nEOF\nBOGUS 1\nENV X\nCOPY --chown=a:b [\"x\", \"y\"] /z/\n")
    prefix = "# moved down\n\n"
    assert _flatten(prefix + text, len(prefix)) == _flatten(text, 0)
