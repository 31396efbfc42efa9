"""The context hovers and the context facts (dockls.contexthover), on real trees in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.buildcontext import context_for, contexts_using
from dockls.contexthover import (
    clean_source,
    context_facts,
    context_sources,
    copy_hover,
    ignore_hover,
    source_files,
    top_level_entries,
)
from dockls.hover import hover
from dockls.ignorefile import IgnoreModel, parse_ignore
from dockls.model import Model
from dockls.text import Span
from tests.trees import tree

pytestmark = pytest.mark.usefixtures("fresh_walks")


def model_in(root: Path, text: str, name: str = "Dockerfile") -> Model:
    dockerfile = root / name
    dockerfile.write_text(text)
    return Model.from_text(text, context_for(dockerfile))


def ignore_model(text: str, root: Path) -> IgnoreModel:
    """An ignore document ``text`` for the ``.dockerignore`` of ``root`` (which may differ on disk)."""
    [context] = contexts_using(root / ".dockerignore")
    return IgnoreModel(text, parse_ignore(text), context, [])


PROJECT = {"src/app.py": 3000, "src/util.py": 1000, "data/big.bin": 50_000, "README.md": 200,
           "node_modules/x/index.js": 7000, ".git/HEAD": 40}


# -- sources ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("written, cleaned", [
    (".", ""), ("./", ""), ("/", ""), ("..", ""), ("./src/", "src"), ("src/.", "src"), ("/etc/x", "etc/x"),
    ("a//b", "a/b"), ("../x", "x"),
])
def test_clean_source(written: str, cleaned: str) -> None:
    assert clean_source(written) == cleaned


def test_context_sources_skip_from_urls_heredocs_variables_and_onbuild(tmp_path: Path) -> None:
    text = ("FROM alpine AS build\nCOPY --from=base /x /y\nADD https://example.com/a.tgz /a\nCOPY <<EOF /b\nhi\nEOF\n"
            "COPY $SRC /c\nONBUILD COPY . /d\nADD [\"src/\", \"./\", \"/e\"]\nCOPY --chown=1 README.md /f\n")
    model = model_in(tmp_path, text)
    found = [(s.text, s.path, text[s.span.start:s.span.end]) for s in context_sources(model)]
    assert found == [("src/", "src", '"src/"'), ("./", "", '"./"'), ("README.md", "README.md", "README.md")]


def test_source_files_of_file_directory_and_glob(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, "src-old/a.py": 1, "src0": 1, "docs/a.md": 1, "docs/b.txt": 1})
    model = model_in(tmp_path, "FROM alpine\nCOPY src /a\nCOPY README.md *.md docs/*.md /b\n")
    walk = model.context.walk() if model.context else None
    assert walk is not None
    by_text = {s.text: [f.path for f in source_files(walk, s)] for s in context_sources(model)}
    assert by_text == {"src": ["src/app.py", "src/util.py"], "README.md": ["README.md"],
                       "*.md": ["README.md"], "docs/*.md": ["docs/a.md"]}


def test_a_glob_matching_a_directory_copies_its_files(tmp_path: Path) -> None:
    tree(tmp_path, {"pkg-a/x.py": 1, "pkg-b/y/z.py": 2, "pkgfile": 3})
    model = model_in(tmp_path, "FROM alpine\nCOPY pkg-* /a/\n")
    assert model.context is not None
    [source] = context_sources(model)
    assert [f.path for f in source_files(model.context.walk(), source)] == ["pkg-a/x.py", "pkg-b/y/z.py"]


# -- facts -----------------------------------------------------------------------------------------


def test_facts_attribute_files_to_the_deciding_pattern(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "node_modules\n*.md\n!README.md\ndata\n"})
    context = context_for(tmp_path / "Dockerfile")
    facts = context_facts(context)
    ignore = context.ignore
    assert ignore is not None
    modules, markdown, readme, _ = ignore.patterns
    assert [f.path for f in facts.decided_by[id(modules)]] == ["node_modules/x/index.js"]
    assert id(markdown) not in facts.decided_by  # README.md is decided by the exception after it
    assert [f.path for f in facts.decided_by[id(readme)]] == ["README.md"]
    assert sorted(f.path for f in facts.excluded) == ["data/big.bin", "node_modules/x/index.js"]
    assert facts.sent_bytes == 3000 + 1000 + 200 + 40 + (tmp_path / ".dockerignore").stat().st_size
    assert facts.excluded_bytes == 57_000
    assert context_facts(context) is facts  # cached per walk and ignore file


def test_top_level_entries_aggregate_directories() -> None:
    from dockls.buildcontext import ContextFile

    entries = top_level_entries([ContextFile("a/x", 5), ContextFile("a/y/z", 7), ContextFile("b", 20),
                                 ContextFile("c/d", 1)])
    assert [(e.path, e.size, e.files) for e in entries] == [("b", 20, 1), ("a/", 12, 2), ("c/", 1, 1)]


# -- COPY . hover ----------------------------------------------------------------------------------


def test_copy_dot_hover_on_the_dot_and_on_the_keyword(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "node_modules\n"})
    text = "FROM alpine\nCOPY . /app\n"
    model = model_in(tmp_path, text)
    dot = text.index(". /app")
    found = copy_hover(model, dot)
    assert found is not None and found.span == Span(dot, dot + 1)
    markdown = found.markdown
    assert "in 7 files" in markdown  # PROJECT's 6 without node_modules, plus .dockerignore and Dockerfile
    assert "`.dockerignore` excludes 7 kB in 1 file." in markdown
    assert markdown.index("`data/` 50 kB (1 file)") < markdown.index("`src/` 4 kB (2 files)")
    assert "This `COPY .` brings in everything that is sent" in markdown
    keyword = copy_hover(model, text.index("COPY") + 2)
    assert keyword is not None and keyword.span == Span(12, 16)


def test_engine_hover_joins_the_context_and_the_keyword_documentation(tmp_path: Path) -> None:
    tree(tmp_path, PROJECT)
    text = "FROM alpine\nADD ./ /app\n"
    model = model_in(tmp_path, text)
    found = hover(model, text.index("ADD"))
    assert found is not None and "No `.dockerignore`: everything under the root is sent." in found.markdown
    assert "**ADD**" in found.markdown
    on_dot = hover(model, text.index("./"))
    assert on_dot is not None and "**ADD**" not in on_dot.markdown and "Build context" in on_dot.markdown


@pytest.mark.parametrize("text", [
    "FROM alpine\nCOPY src /app\n",
    "FROM alpine\nCOPY --from=build . /app\n",
    "FROM alpine\nONBUILD COPY . /app\n",
])
def test_no_context_hover_for_other_copies(tmp_path: Path, text: str) -> None:
    tree(tmp_path, PROJECT)
    model = model_in(tmp_path, text)
    for offset in range(len(text) + 1):
        assert copy_hover(model, offset) is None


def test_no_context_hover_without_a_context() -> None:
    text = "FROM alpine\nCOPY . /app\n"
    model = Model.from_text(text)
    assert copy_hover(model, text.index(".")) is None
    found = hover(model, text.index("COPY"))
    assert found is not None and "Build context" not in found.markdown


def test_copy_hover_with_crlf_and_wide_characters(tmp_path: Path) -> None:
    tree(tmp_path, {"名前/😀.txt": 10})
    text = "FROM alpine\r\nLABEL a=😀名前\r\nCOPY . /app\r\n"
    model = model_in(tmp_path, text)
    dot = text.index(". /app")
    found = copy_hover(model, dot)
    assert found is not None and found.span == Span(dot, dot + 1) and "`名前/`" in found.markdown


def test_capped_walk_is_said(tmp_path: Path) -> None:
    tree(tmp_path, {f"f{i}": 1 for i in range(10)})
    context = context_for(tmp_path / "Dockerfile")
    context.max_files = 3
    text = "FROM alpine\nCOPY . /app\n"
    model = Model.from_text(text, context)
    found = copy_hover(model, text.index("."))
    assert found is not None
    assert "sends at least 3 B in 3 files" in found.markdown and "stopped after 3 files" in found.markdown


# -- ignore documents ------------------------------------------------------------------------------


IGNORE = "# context\nnode_modules\n**/*.md\n!README.md\n  data/  \n[z\n"


def test_pattern_hover_counts_what_it_excludes(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, "docs/a.md": 10, "docs/b.md": 20, ".dockerignore": IGNORE})
    model = ignore_model(IGNORE, tmp_path)
    markdown_at = IGNORE.index("**/*.md")
    found = ignore_hover(model, markdown_at + 3)
    assert found is not None and found.span == Span(markdown_at, markdown_at + 7)
    assert found.markdown.startswith("`**/*.md` excludes 30 B in 2 files.")
    assert found.markdown.index("`docs/b.md`") < found.markdown.index("`docs/a.md`")  # largest first
    readme = ignore_hover(model, IGNORE.index("!README"))
    assert readme is not None and readme.markdown.startswith("`!README.md` re-includes 200 B in 1 file.")
    data = IGNORE.index("data/")
    padded = ignore_hover(model, data + 5)  # at the end of the pattern
    assert padded is not None and padded.span == Span(data, data + 5)
    assert padded.markdown.startswith("`data` excludes 50 kB in 1 file.")
    assert ignore_hover(model, data - 1) is None  # the whitespace before it
    invalid = ignore_hover(model, IGNORE.index("[z"))
    assert invalid is not None and "is invalid and matches nothing" in invalid.markdown


def test_pattern_hover_with_more_files_than_examples(tmp_path: Path) -> None:
    tree(tmp_path, {f"logs/{i}.log": i + 1 for i in range(8)})
    text = "logs\n"
    found = ignore_hover(ignore_model(text, tmp_path), 0)
    assert found is not None and found.markdown.count("- `logs/") == 5
    assert "`logs/7.log` 8 B" in found.markdown


def test_pattern_that_decides_nothing(tmp_path: Path) -> None:
    tree(tmp_path, PROJECT)
    text = "*.md\nREADME.md\nnothing-here\n"
    model = ignore_model(text, tmp_path)
    first = ignore_hover(model, 0)
    assert first is not None and first.markdown.startswith("`*.md` excludes 200 B in 1 file.")
    assert "Build context" in first.markdown  # the first line also gives the context report
    for line in ("README.md", "nothing-here"):  # README.md is already excluded by line 1
        found = ignore_hover(model, text.index(line))
        assert found is not None and found.markdown.startswith(f"`{line}` excludes nothing")


def test_first_line_hover_uses_the_document_text_not_the_disk(tmp_path: Path) -> None:
    tree(tmp_path, {**PROJECT, ".dockerignore": "data\n"})
    text = "# unsaved\nnode_modules\n.git\n"
    found = ignore_hover(ignore_model(text, tmp_path), 3)
    assert found is not None and found.span == Span(0, 9)
    assert "excludes 7 kB in 2 files" in found.markdown and "`data/` 50 kB" in found.markdown


@pytest.mark.parametrize("offset", [-1, 10_000])
def test_ignore_hover_out_of_range(tmp_path: Path, offset: int) -> None:
    assert ignore_hover(ignore_model("x\n", tmp_path), offset) is None


def test_empty_ignore_document(tmp_path: Path) -> None:
    tree(tmp_path, {"a": 1})
    found = ignore_hover(ignore_model("", tmp_path), 0)
    assert found is not None and found.span == Span(0, 0) and "sends 1 B in 1 file" in found.markdown


def test_no_ignore_hover_without_a_context() -> None:
    assert ignore_hover(IgnoreModel(IGNORE, parse_ignore(IGNORE), None, []), 0) is None


def test_corpus_ignore_files_hover_at_every_line(tmp_path: Path) -> None:
    from tests.conftest import CORPUS

    files = sorted(CORPUS.glob("*ignore")) if CORPUS.is_dir() else []
    if not files:
        pytest.skip("no corpus ignore files")
    tree(tmp_path, PROJECT)
    for path in files:
        text = path.read_text(errors="replace")
        model = ignore_model(text, tmp_path)
        offsets = {0, len(text), *range(0, len(text), 13)}
        offsets.update(i + 1 for i, char in enumerate(text) if char == "\n")
        for offset in sorted(offsets):
            found = ignore_hover(model, offset)
            assert found is None or 0 <= found.span.start <= found.span.end <= len(text)


def test_no_ignore_hover_when_the_folder_does_not_exist(tmp_path: Path) -> None:
    assert ignore_hover(ignore_model("x\n", tmp_path / "missing"), 0) is None


def test_corpus_copy_hover_and_context_rules_never_raise(corpus: list[Path], tmp_path: Path) -> None:
    from dockls.engine import rule_by_key

    tree(tmp_path, {**PROJECT, ".dockerignore": "node_modules\n**/*.md\n!README.md\nsrc/app.py\n"})
    rules = [rule_by_key(name) for name in ("dockerignore-missing", "copy-ignored-file", "large-build-context")]
    context = context_for(tmp_path / "Dockerfile")
    bare = context_for(tmp_path / "other" / "Dockerfile")  # a context without an ignore file
    for path in corpus:
        text = path.read_text(errors="replace")
        for model in (Model.from_text(text, context), Model.from_text(text, bare)):
            for rule in rules:
                assert rule is not None
                for finding in rule.check(model):
                    assert 0 <= finding.span.start <= finding.span.end <= len(text)
            offsets = {len(text), *range(0, len(text), 13)}
            offsets.update(source.span.start for source in context_sources(model))
            for offset in offsets:
                found = copy_hover(model, offset)
                assert found is None or 0 <= found.span.start <= found.span.end <= len(text)
