"""`.dockerignore` parsing and matching against BuildKit's documented and implemented behaviour.

Sources the rows cite:
- docs: docs.docker.com/build/concepts/context/#dockerignore-files
- ReadAll: moby/buildkit frontend/dockerfile/dockerignore (now moby/patternmatcher/ignorefile) ``ReadAll``
- New / compile: moby/patternmatcher ``patternmatcher.go`` (``New``, ``Pattern.compile``, ``Pattern.match``)
- Match: Go's ``path/filepath.Match`` syntax errors (``ErrBadPattern``), which ``New`` checks
- RE2: Go's ``regexp/syntax``, which reads the expression ``compile`` builds (escapes and classes pass through)
- walk: tonistiigi/fsutil ``filter.go`` ``filterFS.Walk`` (``MatchesUsingParentResults`` + pruning)
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dockls.ignorefile import IgnoreFile, IgnoreModel, go_clean, parse_ignore
from dockls.text import Span
from tests.conftest import CORPUS

# (ignore file text, context-relative path, excluded?, what it pins)
CASES: list[tuple[str, str, bool, str]] = [
    # --- docs examples -------------------------------------------------------------------------------------
    ("*/temp*", "somedir/temporary.txt", True, "docs: */temp* in an immediate subdirectory"),
    ("*/temp*", "somedir/temp", True, "docs: */temp* matches the directory itself"),
    ("*/temp*", "temporary.txt", False, "docs: */temp* not at the root"),
    ("*/*/temp*", "somedir/subdir/temporary.txt", True, "docs: two levels below the root"),
    ("temp?", "tempa", True, "docs: temp? one character"),
    ("temp?", "temp", False, "docs: ? needs exactly one character"),
    ("temp?", "tempab", False, "docs: ? is one character only"),
    ("**/*.go", "main.go", True, "docs: ** matches zero directories (root)"),
    ("**/*.go", "a/b/c.go", True, "docs: ** matches any number of directories"),
    ("/foo/bar", "foo/bar", True, "docs: /foo/bar and foo/bar are the same"),
    ("foo/bar", "x/foo/bar", False, "docs: patterns are anchored at the context root"),
    ("*.md\n!README.md", "README.md", False, "docs: ! exception re-includes"),
    ("*.md\n!README.md", "CHANGES.md", True, "docs: other markdown still excluded"),
    ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", True, "docs: a later line wins"),
    ("*.md\n!README*.md\nREADME-secret.md", "README-x.md", False, "docs: exception still applies to others"),
    ("*.md\nREADME-secret.md\n!README*.md", "README-secret.md", False, "docs: the last matching line wins"),
    ("*\n!src", "src/main.c", False, "docs: exclude everything, then list what to include"),
    ("*\n!src", "Makefile", True, "docs: * then ! exceptions"),
    # --- reading: comments, blanks, whitespace, BOM, CRLF -----------------------------------------------------
    ("#foo", "#foo", False, "ReadAll: a line starting with # is a comment"),
    (" #foo", "#foo", True, "ReadAll: # only at column 1; the trimmed line is a pattern"),
    ("\t# x", "# x", True, "ReadAll: a tab before # makes it a pattern"),
    ("\\#foo", "#foo", True, "compile: \\# escapes the hash (RE2 literal)"),
    ("\n\n  \nfoo\n\n", "foo", True, "ReadAll: blank and whitespace-only lines are skipped"),
    ("  foo \t ", "foo", True, "ReadAll: surrounding whitespace is trimmed"),
    ("foo\r\nbar\r\n", "bar", True, "ReadAll: bufio.ScanLines drops the \\r of CRLF"),
    ("foo\r\nbar\r\n", "foo", True, "ReadAll: CRLF on every line"),
    ("\ufeff#comment\nfoo", "#comment", False, "ReadAll: BOM stripped before the comment check"),
    ("\ufefffoo", "foo", True, "ReadAll: UTF-8 BOM stripped from the first line"),
    ("a\n\ufefffoo", "foo", False, "ReadAll: a BOM is only stripped from the first line"),
    ("foo\u00a0", "foo", True, "ReadAll: Go's TrimSpace strips Unicode spaces (NBSP)"),
    # --- cleaning ------------------------------------------------------------------------------------------
    ("./foo", "foo", True, "ReadAll: filepath.Clean removes ./"),
    ("//foo", "foo", True, "ReadAll: Clean collapses slashes, then the leading / goes"),
    ("foo/./bar", "foo/bar", True, "ReadAll: Clean removes ."),
    ("foo/../bar", "bar", True, "ReadAll: Clean resolves .."),
    ("foo/../bar", "foo", False, "ReadAll: the cleaned-away element does not match"),
    ("../foo", "foo", False, "ReadAll: a leading .. stays and matches nothing in the context"),
    ("/../foo", "foo", True, "ReadAll: Clean drops .. at the root, then the / goes"),
    ("node_modules/", "node_modules/x", True, "ReadAll: Clean removes a trailing /"),
    (".", "a", False, "New: the pattern . matches no path the walk visits"),
    ("/", "a", False, "ReadAll: / stays / and matches nothing"),
    ("*", ".", False, "walk: the context root itself is never excluded"),
    ("*", "", False, "walk: the empty path is the root"),
    # --- wildcards -----------------------------------------------------------------------------------------
    ("*.txt", "a.txt", True, "compile: * within a name"),
    ("*.txt", "a/b.txt", False, "compile: * does not cross /"),
    ("*", "a/b/c", True, "walk: * matches the top-level directory, children inherit"),
    ("a?b", "a/b", False, "compile: ? does not match /"),
    ("a?b", "axb", True, "compile: ? matches one character"),
    ("**", "a/b/c", True, "compile: ** alone matches everything"),
    ("foo/**", "foo/x/y", True, "compile: foo/** is a prefix match on foo/"),
    ("foo/**", "foo", False, "compile: foo/** does not match foo itself"),
    ("foo**", "foobar", True, "compile: trailing ** is a plain prefix match"),
    ("a/**/b", "a/b", True, "compile: **/ matches zero directories"),
    ("a/**/b", "a/x/y/b", True, "compile: **/ matches several directories"),
    ("a/**/b", "a/xb", False, "compile: **/ ends at a /"),
    ("**/foo", "foo", True, "match: **/foo matches foo at the root"),
    ("**/foo", "x/y/foo/z", True, "match: **/foo as a suffix, children inherit"),
    ("**/foo", "xfoo", False, "match: the suffix starts with /"),
    ("**foo", "xfoo", True, "match: **foo is a bare suffix match"),
    ("*/", "a/b", True, "ReadAll: */ cleans to *"),
    # --- character classes and escapes --------------------------------------------------------------------
    ("[abc].txt", "b.txt", True, "Match/RE2: character class"),
    ("[abc].txt", "d.txt", False, "Match/RE2: character class excludes others"),
    ("[a-c].txt", "b.txt", True, "Match/RE2: range"),
    ("[^a].txt", "b.txt", True, "Match/RE2: ^ negates"),
    ("[^a].txt", "a.txt", False, "Match/RE2: ^ negates"),
    ("[!a].txt", "!.txt", True, "Match/RE2: ! is a literal member, not negation"),
    ("[!a].txt", "b.txt", False, "Match/RE2: ! does not negate"),
    ("[\\]]", "]", True, "Match: \\] inside a class"),
    ("[[:digit:]].log", "5.log", True, "RE2: POSIX class inside brackets"),
    ("\\*.txt", "*.txt", True, "compile: \\* is a literal star"),
    ("\\*.txt", "a.txt", False, "compile: \\* is not a wildcard"),
    ("\\d.txt", "5.txt", True, "compile+RE2: \\d reaches the regexp as a digit class"),
    ("bin\\Debug", "bin/ebug", True, "compile+RE2: a Windows path's \\D is a non-digit class"),
    ("bin\\Debug", "bin/Debug", False, "compile+RE2: so bin\\Debug does not match bin/Debug"),
    ("a.b", "axb", False, "compile: . is escaped"),
    ("*.b", "axb", False, "compile: . is escaped in a regexp too"),
    ("{a,b}", "{a,b}", True, "compile: braces are literal"),
    ("{a,b}", "a", False, "compile: no brace expansion"),
    ("a^b", "a^b", True, "compile: without wildcards the match is exact"),
    ("a^b*", "a^bc", False, "compile+RE2: ^ is not escaped, an anchor never matching mid-expression"),
    ("a$b*", "a$bc", True, "compile: $ is escaped"),
    ("日本*", "日本語.txt", True, "compile: the scanner reads UTF-8"),
    # --- exceptions and precedence -----------------------------------------------------------------------
    ("!README.md", "a.md", False, "New: an exception alone excludes nothing"),
    ("!keep\n*", "keep", True, "New: an exception before its exclusion has no effect"),
    ("*\n!keep", "other", True, "New: only the exception is re-included"),
    ("! foo\n*\n!  foo", "foo", False, "ReadAll: whitespace after ! is trimmed"),
    ("*\n!!foo", "!foo", False, "New: !! is an exception for a name starting with !"),
    ("*\na/../!x", "x", False, "New: cleans again, and a ! that cleaning brings to the front is an exception"),
    ("node_modules", "node_modules/a/b", True, "walk: a directory pattern excludes everything below"),
    ("node_modules", "x/node_modules", False, "walk: unanchored names are not matched deeper"),
    ("dir\n!dir/keep", "dir/keep", False, "walk: a literal exception below an excluded directory"),
    ("dir\n!dir/keep", "dir/keep/x", False, "walk: the re-included directory's content"),
    ("dir\n!dir/keep", "dir/other", True, "walk: the rest of the directory stays excluded"),
    ("dir\n!other/x", "dir/x", True, "walk: the excluded directory is pruned"),
    ("dir\n!*.go", "dir/a.go", True, "walk: *.go does not match dir/a.go"),
    ("dir\n!**/*.go", "dir/a.go", False, "walk: a wildcard exception keeps every directory walked"),
    ("dir/*\n!dir/keep", "dir/keep", False, "walk: dir/* then an exception"),
    ("a/**\n!a", "a/c", True, "walk: `!a` was skipped at a, so its children do not inherit it"),
    ("a/**\n!a", "a", False, "walk: a/** does not match a"),
    ("*.md\n!docs\ndocs/*.md", "docs/x.md", True, "New: !docs is skipped while nothing excluded docs"),
    # --- invalid patterns never match; the others still do ------------------------------------------------
    ("[\nfoo", "foo", True, "New: invalid patterns fail the build; here they are skipped"),
    ("[", "[", False, "Match: an invalid pattern never matches"),
]


@pytest.mark.parametrize(("text", "path", "excluded", "source"), CASES, ids=[f"{c[0]!r}:{c[1]}" for c in CASES])
def test_table(text: str, path: str, excluded: bool, source: str) -> None:
    assert parse_ignore(text).excludes(path) is excluded, source


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(("written", "cleaned"), [
    ("", "."), ("/", "/"), ("//a//b/", "/a/b"), ("a/./b/../c", "a/c"), ("../../a", "../../a"),
    ("/../a", "/a"), ("a/..", "."), ("./", "."),
])
def test_go_clean(written: str, cleaned: str) -> None:
    assert go_clean(written) == cleaned


def test_pattern_fields() -> None:
    text = "# comment\n  !  /foo/bar/  \n\t*.log\r\n日本/*.txt\n"
    patterns = parse_ignore(text).patterns
    assert [(p.text, p.negated, p.line) for p in patterns] == [
        ("foo/bar", True, 1), ("*.log", False, 2), ("日本/*.txt", False, 3)]
    assert [text[p.span.start:p.span.end] for p in patterns] == ["!  /foo/bar/", "*.log", "日本/*.txt"]
    assert all(p.error is None and p.error_span is None for p in patterns)


def test_span_after_bom_and_crlf() -> None:
    text = "\ufeff  foo\r\nbar"
    first, second = parse_ignore(text).patterns
    assert first.span == Span(3, 6) and second.span == Span(8, 11)


# (pattern line, the text error_span covers)
INVALID: list[tuple[str, str]] = [
    ("[", "["),                      # Match: class never closed
    ("[abc", "[abc"),
    ("a/[b", "[b"),
    ("[]a]", "[]"),                  # Match: ] cannot be the first member
    ("[^]", "[^]"),
    ("[a-]", "[a-]"),                # Match: a range needs an upper bound
    ("[-a]", "[-"),                  # Match: a leading - must be escaped
    ("foo\\", "\\"),                 # Match: trailing backslash
    ("!", "!"),                      # New: illegal exclusion pattern "!"
    ("!   ", "!"),
    ("src\\public", "\\pu"),         # RE2: \pu is no Unicode class
    ("obj\\Release", "\\R"),         # RE2: invalid escape
    ("\\1", "\\1"),                  # RE2: no back-references
    ("[[:foo:]]", "[[:foo:]"),       # RE2: unknown POSIX class
    ("[z-a]", "[z-a"),               # RE2: range out of order (Match accepts it)
    ("/x/[", "["),                   # located after the stripped /
    ("\t日本[", "["),                # tab and CJK before the error
]


@pytest.mark.parametrize(("line", "covered"), INVALID)
def test_invalid_patterns(line: str, covered: str) -> None:
    text = "ok\r\n" + line + "\n"
    ignore = parse_ignore(text)
    pattern = ignore.patterns[1]
    assert pattern.error, line
    assert pattern.error_span is not None
    assert text[pattern.error_span.start:pattern.error_span.end] == covered
    assert pattern.span.covers(pattern.error_span)
    assert ignore.excludes("ok")


@pytest.mark.parametrize("line", ["[!a]", "[\\]]", "[a-z]*", "\\x41", "[**]", "\\pL*", "a\\\\b", "\\Q*"])
def test_valid_unusual_patterns(line: str) -> None:
    assert parse_ignore(line).patterns[0].error is None


def test_cleaning_changes_the_text_error_points_at_whole_pattern() -> None:
    text = "./a//[b"
    pattern = parse_ignore(text).patterns[0]
    assert pattern.text == "a/[b" and pattern.error_span == pattern.span == Span(0, 7)


@pytest.mark.parametrize(("text", "path", "deciding"), [
    ("*.md\n!README.md", "README.md", 1),            # the exception decides
    ("*.md\n!README.md", "a.md", 0),
    ("*.md\n!README.md\nREADME.md", "README.md", 2),
    ("*.md\n!README.md\nREADME-secret.md", "README-secret.md", 0),  # the later line is never evaluated
    ("build\n!other", "build/x/y", 0),              # pruned directory: its pattern decides
    ("*.md", "a.txt", None),
    ("[\n*", "x", 1),
])
def test_deciding(text: str, path: str, deciding: int | None) -> None:
    ignore = parse_ignore(text)
    expected = None if deciding is None else ignore.patterns[deciding]
    assert ignore.deciding(path) is expected


@pytest.mark.parametrize(("text", "directory", "may"), [
    ("dir", "dir", False),                          # no exceptions: always pruned
    ("dir\n!dir/keep", "dir", True),                # literal exception inside
    ("dir\n!dir/keep", "other", False),
    ("dir\n!dir/keep/**", "dir", True),             # trailing /** trimmed before comparing
    ("dir\n!dir2/x", "dir", False),                 # dir2/ does not start with dir/
    ("a\n!a/b/c", "a/b", True),
    ("dir\n!*.go", "dir", True),                    # any wildcard exception disables pruning
    ("dir\n!dir\\.x", "dir", True),                 # \\ counts as a wildcard character for fsutil
    ("dir\n![", "dir", False),                      # invalid patterns do not count
])
def test_may_reinclude_under(text: str, directory: str, may: bool) -> None:
    assert parse_ignore(text).may_reinclude_under(directory) is may


def test_ignore_model_holds_its_parts() -> None:
    ignore = parse_ignore("*.log")
    model = IgnoreModel(text="*.log", ignore=ignore, context=None, dockerfiles=[])
    assert model.ignore.excludes("a.log") and model.context is None


def test_never_raises_on_garbage() -> None:
    text = "".join(chr(c) for c in range(0, 0x3000, 7)) + "\n[\\\n\\\\\n!\n**/[\n\x00\n"
    ignore = parse_ignore(text)
    for path in ("a", "a/b", "\x00", "[", "../x", "/abs"):
        ignore.excludes(path)
        ignore.deciding(path)
    assert isinstance(ignore, IgnoreFile)


def test_deep_paths_do_not_recurse() -> None:
    ignore = parse_ignore("a\n!a/b")
    deep = "/".join(["d"] * 5000)
    assert not ignore.excludes(deep + "/f")
    assert ignore.excludes("a/" + deep + "/f")


def test_pattern_matches_alone_and_with_parents() -> None:
    pattern = parse_ignore("!src/*.c").patterns[0]
    assert pattern.negated and pattern.matches("src/a.c") and not pattern.matches("src/a.c/x")
    assert pattern.matches_or_parent("src/a.c/x") and not pattern.matches_or_parent("lib/a.c")
    assert pattern.walk_prefix == "src/*.c" and parse_ignore("a/**").patterns[0].walk_prefix == "a"


def _corpus_ignore_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.name.endswith("ignore"))


def test_corpus_ignore_files_parse() -> None:
    files = _corpus_ignore_files()
    if not files:
        pytest.skip(f"real-world corpus not found at {CORPUS}")
    invalid: list[tuple[str, str, str]] = []
    for path in files:
        ignore = parse_ignore(path.read_text(encoding="utf-8", errors="replace"))
        invalid.extend((path.name, p.text, p.error or "") for p in ignore.patterns if p.error)
        ignore.excludes("src/main.go")
    # The corpus uses no character classes or escapes, so nothing in it is invalid for Go.
    assert invalid == []


def test_matching_is_fast_enough_for_large_contexts() -> None:
    """100,000 paths against 30 patterns; a loose bound, the real figure is measured in the report."""
    patterns = [
        ".git", "node_modules", "**/__pycache__", "*.pyc", "**/*.log", "dist/", "build", ".venv", "venv",
        "coverage/**", "*.md", "!README.md", ".env*", "**/*.pem", "id_rsa*", ".npmrc", ".aws", "tmp?",
        "target/**", "docs/[a-c]*", "**/.DS_Store", "*.swp", ".idea", ".vscode", "Dockerfile*", "*.tar.gz",
        "out/**/*.map", "logs", "!logs/keep", "*.bak",
    ]
    ignore = parse_ignore("\n".join(patterns))
    paths = [f"src/pkg{i % 200}/mod{i % 37}/file{i}.{('py', 'js', 'md', 'log')[i % 4]}" for i in range(100_000)]
    started = time.perf_counter()
    excluded = sum(ignore.excludes(path) for path in paths)
    elapsed = time.perf_counter() - started
    assert excluded == 25_000  # the .log quarter (*.md only matches at the root)
    assert elapsed < 20
