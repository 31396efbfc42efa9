"""Navigation engine: definitions, references, highlights and rename of stages and ARG/ENV variables."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import dockerfile
import pytest

from dockls.model import Model
from dockls.navigation import (
    RenameError,
    definitions,
    highlights,
    references,
    rename,
    rename_range,
    target_at,
)
from dockls.text import Span
from tests.buildkit import buildkit_error


def at(text: str, needle: str, nth: int = 0, into: int = 0) -> int:
    """The offset ``into`` characters into the ``nth`` occurrence of ``needle``."""
    starts = [m.start() for m in re.finditer(re.escape(needle), text)]
    return starts[nth] + into


def span_of(text: str, needle: str, nth: int = 0) -> Span:
    start = at(text, needle, nth)
    return Span(start, start + len(needle))


def words(text: str, spans: list[Span]) -> list[str]:
    return [text[s.start:s.end] for s in spans]


def apply(text: str, edits: list[tuple[Span, str]]) -> str:
    for span, new in sorted(edits, reverse=True):
        text = text[:span.start] + new + text[span.end:]
    return text


STAGES = """\
FROM alpine:3.20 AS Builder
RUN echo hi
FROM builder AS test
RUN --mount=type=cache,from=BUILDER,target=/x true
FROM alpine:3.20
COPY --from=builder /a /b
COPY --from=0 /a /b
COPY --from=nginx /etc/nginx /etc/nginx
ONBUILD COPY --from=builder /c /d
"""


def test_stage_definition_from_every_kind_of_reference() -> None:
    model = Model.from_text(STAGES)
    builder = span_of(STAGES, "Builder")
    for needle, nth in (("builder", 0), ("BUILDER", 0), ("builder", 1), ("builder", 2), ("Builder", 0)):
        assert definitions(model, at(STAGES, needle, nth, 2)) == [builder], needle


def test_stage_references_are_case_insensitive_and_include_onbuild() -> None:
    model = Model.from_text(STAGES)
    found = references(model, at(STAGES, "Builder"), include_declaration=True)
    assert words(STAGES, found) == ["Builder", "builder", "BUILDER", "builder", "0", "builder"]
    without = references(model, at(STAGES, "Builder"), include_declaration=False)
    assert words(STAGES, without) == ["builder", "BUILDER", "builder", "0", "builder"]


def test_stage_highlights_write_for_the_name_read_for_uses() -> None:
    model = Model.from_text(STAGES)
    found = highlights(model, at(STAGES, "--from=builder", 0, 8))
    assert [(STAGES[s.start:s.end], write) for s, write in found][:2] == [("Builder", True), ("builder", False)]
    assert sum(write for _, write in found) == 1


def test_images_and_stage_indexes_are_not_renamed() -> None:
    model = Model.from_text(STAGES)
    assert target_at(model, at(STAGES, "nginx", 0, 1)) is None
    assert target_at(model, at(STAGES, "alpine", 0, 1)) is None
    index = at(STAGES, "--from=0", 0, 7)
    assert definitions(model, index) == [span_of(STAGES, "Builder")]
    assert rename_range(model, index) is None
    assert rename(model, index, "other") == []
    assert rename_range(model, at(STAGES, "BUILDER")) == span_of(STAGES, "BUILDER")


def test_unnamed_stage_index_goes_to_its_from() -> None:
    text = "FROM alpine\nFROM busybox\nCOPY --from=0 /a /b\n"
    model = Model.from_text(text)
    assert definitions(model, at(text, "0")) == [Span(0, 4)]


def test_rename_stage_renames_every_spelling_and_keeps_indexes() -> None:
    model = Model.from_text(STAGES)
    edits = rename(model, at(STAGES, "BUILDER"), "compile")
    result = apply(STAGES, edits)
    assert "AS compile" in result and "from=compile" in result and "--from=0" in result
    assert "FROM compile AS test" in result and "ONBUILD COPY --from=compile" in result
    assert "builder" not in result.lower()
    dockerfile.parse_string(result)


@pytest.mark.parametrize(("name", "message"), [
    ("Compile", "not a valid stage name"),
    ("1st", "not a valid stage name"),
    ("a b", "not a valid stage name"),
    ("test", "already exists"),
    ("nginx", "already names an image"),
    ("alpine:3.20", "not a valid stage name"),
])
def test_rename_stage_rejects_bad_names(name: str, message: str) -> None:
    model = Model.from_text(STAGES)
    with pytest.raises(RenameError, match=message):
        rename(model, at(STAGES, "Builder"), name)


VARIABLES = """\
ARG BASE=alpine
ARG VERSION=1
ARG UNUSED
FROM $BASE:${VERSION} AS build
RUN echo $VERSION
ARG VERSION
ENV HOME_DIR=/app LEVEL=$VERSION
RUN echo "$VERSION" '$VERSION' ${HOME_DIR:-$LEVEL}
ENV HOME_DIR=/srv COPY=$HOME_DIR
WORKDIR $HOME_DIR
FROM build
RUN echo $VERSION $LEVEL
CMD echo $VERSION $LEVEL
FROM --platform=$BUILDPLATFORM alpine
ARG TARGETARCH
RUN echo $TARGETARCH $HOME_DIR
"""


def occurrence_words(text: str, offset: int) -> list[tuple[str, int]]:
    """(name, line) of each occurrence of the symbol at ``offset``."""
    return [(text[s.start:s.end], text.count("\n", 0, s.start)) for s, _ in highlights(Model.from_text(text), offset)]


def test_global_arg_in_from_and_linked_stage_arg() -> None:
    version = occurrence_words(VARIABLES, at(VARIABLES, "VERSION=1"))
    # Global declaration, FROM use, the stage's re-declaration and the uses after it, the child stage.
    assert [line for _, line in version] == [1, 3, 5, 6, 7, 11]
    model = Model.from_text(VARIABLES)
    use = at(VARIABLES, "echo $VERSION", 1, 6)
    assert definitions(model, use) == [span_of(VARIABLES, "VERSION"), span_of(VARIABLES, "VERSION", 3)]


def test_global_arg_is_not_visible_in_a_stage_before_its_redeclaration() -> None:
    model = Model.from_text(VARIABLES)
    before = at(VARIABLES, "echo $VERSION", 0, 6)
    assert definitions(model, before) == []
    assert rename_range(model, before) is None
    # Free uses of one name are one symbol: this one and the ARG-less CMD's.
    free = references(model, before, True)
    assert [VARIABLES.count("\n", 0, s.start) for s in free] == [4, 12]


def test_single_quotes_are_not_expanded() -> None:
    quoted = at(VARIABLES, "'$VERSION'", 0, 2)
    assert target_at(Model.from_text(VARIABLES), quoted) is None


def test_env_shadows_and_sees_the_previous_value_on_its_own_line() -> None:
    first = occurrence_words(VARIABLES, at(VARIABLES, "HOME_DIR"))
    assert [line for _, line in first] == [6, 7, 8]  # the second ENV's COPY=$HOME_DIR uses the first
    second = occurrence_words(VARIABLES, at(VARIABLES, "HOME_DIR=/srv"))
    assert [line for _, line in second] == [8, 9]
    level = occurrence_words(VARIABLES, at(VARIABLES, "LEVEL"))
    assert [line for _, line in level] == [6, 7, 11, 12]  # inherited by FROM build, ENV seen by CMD


def test_env_wins_over_a_later_arg_of_the_same_name() -> None:
    text = "FROM alpine\nENV X=1\nARG X=2\nRUN echo $X\n"
    model = Model.from_text(text)
    assert definitions(model, at(text, "$X", 0, 1)) == [span_of(text, "X=1")._replace(end=at(text, "X=1") + 1)]
    assert references(model, at(text, "X=2"), include_declaration=False) == []


def test_args_are_not_visible_to_cmd_at_run_time() -> None:
    model = Model.from_text(VARIABLES)
    assert definitions(model, at(VARIABLES, "CMD echo $VERSION", 0, 10)) == []
    assert definitions(model, at(VARIABLES, "RUN echo $VERSION $LEVEL", 0, 10)) != []


def test_onbuild_triggers_see_env_only() -> None:
    text = "FROM alpine\nARG A=1\nENV E=2\nONBUILD RUN echo $A $E\nONBUILD COPY $E /x\n"
    model = Model.from_text(text)
    assert definitions(model, at(text, "$A", 0, 1)) == []
    assert words(text, references(model, at(text, "E=2"), include_declaration=False)) == ["E", "E"]


def test_predefined_args_cannot_be_renamed_and_do_not_leak_into_stages() -> None:
    model = Model.from_text(VARIABLES)
    assert rename_range(model, at(VARIABLES, "BUILDPLATFORM")) is None
    arch = at(VARIABLES, "$TARGETARCH", 0, 1)
    assert definitions(model, arch) == [span_of(VARIABLES, "TARGETARCH")]
    assert rename_range(model, arch) is None
    # HOME_DIR was an ENV of another stage: not this one's.
    assert definitions(model, at(VARIABLES, "$HOME_DIR", 2, 1)) == []


def test_rename_variable_everywhere_in_its_scope() -> None:
    model = Model.from_text(VARIABLES)
    result = apply(VARIABLES, rename(model, at(VARIABLES, "VERSION"), "RELEASE"))
    assert "'$VERSION'" in result and "RUN echo $VERSION\nARG RELEASE" in result
    assert "FROM $BASE:${RELEASE}" in result and "RUN echo $RELEASE $LEVEL" in result
    assert "CMD echo $VERSION" in result
    dockerfile.parse_string(result)


@pytest.mark.parametrize(("name", "message"), [
    ("1X", "not a valid variable name"),
    ("A-B", "not a valid variable name"),
    ("", "not a valid variable name"),
    ("TARGETOS", "predefined"),
    ("BASE", "already used"),
    ("LEVEL", "already used"),
])
def test_rename_variable_rejects_bad_names(name: str, message: str) -> None:
    model = Model.from_text(VARIABLES)
    with pytest.raises(RenameError, match=message):
        rename(model, at(VARIABLES, "VERSION"), name)


def test_braced_forms_and_defaults() -> None:
    text = "FROM alpine\nARG A=1 B=${A:+x}\nRUN echo ${A} ${A:-d} ${B:?e} ${C:-$A}$A\n"
    found = occurrence_words(text, at(text, "A=1"))
    assert [name for name, _ in found] == ["A"] * 6
    assert occurrence_words(text, at(text, "B:?")) == [("B", 1), ("B", 2)]


def test_heredocs_expand_only_with_unquoted_delimiters() -> None:
    text = ("FROM alpine\nARG V=1\nRUN cat <<EOF\n'$V'\nEOF\nRUN cat <<'EOF'\n$V\nEOF\n"
            "COPY <<EOF /x\n$V\nEOF\nRUN <<EOF\necho '$V' $V\nEOF\n")
    lines = [line for _, line in occurrence_words(text, at(text, "V=1"))]
    assert lines == [1, 3, 9, 12]
    assert target_at(Model.from_text(text), at(text, "$V\nEOF\nCOPY", 0, 1)) is None


def test_windows_escape_and_cmd_shell() -> None:
    text = ("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nARG V=1\n"
            "WORKDIR C:\\$V\\`$V\nRUN echo %V% $V\n")
    found = occurrence_words(text, at(text, "V=1"))
    assert found == [("V", 2), ("V", 3)]  # `$V is escaped; cmd does not expand $V


def test_continuation_lines_tabs_crlf_and_wide_characters() -> None:
    text = "FROM alpine\r\nARG V=1\r\nLABEL a=\"😀名前 $V\" \\\r\n\tb=${V}\r\nRUN echo 😀 \\\r\n  # note\r\n  $V\r\n"
    found = occurrence_words(text, at(text, "V=1"))
    assert [name for name, _ in found] == ["V"] * 4
    model = Model.from_text(text)
    assert words(text, references(model, at(text, "$V", 1, 1), False)) == ["V", "V", "V"]
    assert references(model, at(text, "$V", 1, 1), False)[-1] == Span(text.rindex("$V") + 1, text.rindex("$V") + 2)


def test_cursor_positions_around_a_name() -> None:
    text = "FROM alpine\nARG AB=1\nRUN echo $AB$AB\n"
    model = Model.from_text(text)
    first, second = span_of(text, "AB", 1), span_of(text, "AB", 2)
    assert rename_range(model, first.start) == first
    assert rename_range(model, first.end) == first  # right after the name, on the next "$"
    assert rename_range(model, second.start) == second
    assert rename_range(model, second.end) == second
    assert rename_range(model, first.start - 1) is None  # the "$"


@pytest.mark.parametrize("text", [
    "", "\n", "FROM", "FROM ", "FROM alpine AS", "FROM alpine AS b\nCOPY --from=", "FROM a\nRUN echo ${",
    "FROM a\nRUN echo $", "ARG", "ARG =1\nFROM a", "FROM a\nENV", "FROM a\nRUN --mount=from= true",
    "FROM a\nONBUILD", "FROM a\nONBUILD COPY --from=", "FROM a\nRUN <<EOF\n$X", "\x00binary",
])
def test_half_typed_and_odd_input_never_fails(text: str) -> None:
    model = Model.from_text(text)
    for offset in range(len(text) + 3):
        assert all(s.end <= len(text) for s in definitions(model, offset))
        assert all(s.end <= len(text) for s in references(model, offset, True))
        found = rename_range(model, offset)
        assert found is None or found.end <= len(text)
        # A name valid for stages and variables alike: never an error.
        assert all(span.end <= len(text) for span, _ in rename(model, offset, "fresh_name"))


def fresh(length: int, taken: set[str], alphabet: str) -> str:
    """A name of ``length`` characters not in ``taken`` (so every span keeps its place)."""
    for letters in itertools.product(alphabet, repeat=length):
        name = "".join(letters)
        if name not in taken:
            return name
    raise AssertionError("no fresh name")


def occurrence_sets(model: Model, offset: int) -> tuple[list[Span], list[Span]]:
    return sorted(definitions(model, offset)), references(model, offset, True)


def round_trip(text: str, model: Model, offset: int, alphabet: str, taken: set[str]) -> None:
    span = rename_range(model, offset)
    assert span is not None
    before = occurrence_sets(model, offset)
    new_name = fresh(span.end - span.start, taken, alphabet)
    edits = rename(model, offset, new_name)
    after_text = apply(text, edits)
    assert occurrence_sets(Model.from_text(after_text), offset) == before
    assert all(after_text[s.start:s.end] == new_name for s, _ in edits)
    dockerfile.parse_string(after_text)


def test_rename_round_trip_over_the_corpus(corpus: list[Path]) -> None:
    """Every stage name and ARG of every file BuildKit accepts: renamed to a fresh name of the same
    length (so locations stay put), the new name has the same definitions and references."""
    checked = 0
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        if buildkit_error(text) is not None:
            continue
        model = Model.from_text(text)
        taken = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.-]*", text))
        names = [(stage.name_span.start, "qxzjk") for stage in model.stages if stage.name_span is not None]
        names += [(span.start, "QXZJK") for inst in model.tree.instructions if inst.keyword == "ARG"
                  for span in inst.value_spans]
        done: set[int] = set()
        for offset, alphabet in names:
            target = target_at(model, offset)
            if target is None or not target.can_rename or id(target.symbol) in done:
                continue
            done.add(id(target.symbol))
            round_trip(text, model, offset, alphabet, {name.lower() for name in taken} if alphabet.islower() else taken)
            checked += 1
    assert checked > 100


def test_corpus_robustness(corpus: list[Path]) -> None:
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace")
        model = Model.from_text(text)
        line_offsets = [m.end() for m in re.finditer("\n", text)]
        offsets = sorted({0, len(text), *line_offsets, *(o - 1 for o in line_offsets), *range(0, len(text), 13)})
        for offset in offsets:
            for span in [*definitions(model, offset), *references(model, offset, True)]:
                assert 0 <= span.start <= span.end <= len(text), path
            found = rename_range(model, offset)
            assert found is None or 0 <= found.start < found.end <= len(text)
