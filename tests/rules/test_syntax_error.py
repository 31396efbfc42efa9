"""syntax-error (DKL000): what BuildKit rejects, said exactly, with a "did you mean" for near misses."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from dockls.rule import Finding, Severity
from dockls.syntax import parse
from tests.buildkit import buildkit_error
from tests.rules.helpers import apply_fix, findings

NAME = "syntax-error"


def one(text: str) -> tuple[Finding, str]:
    """The only finding on ``text`` and the text it covers."""
    [finding] = findings(text, NAME)
    return finding, text[finding.span.start:finding.span.end]


def fixed(text: str) -> str:
    """``text`` after the only fix of its only finding, which is unsafe; BuildKit's parser accepts the
    result and the rule is silent on it."""
    finding, _ = one(text)
    [fix] = finding.fixes
    assert fix.safe is False
    after = apply_fix(text, fix)
    dockerfile.parse_string(after)
    assert findings(after, NAME) == []
    return after


# --------------------------------------------------------------------------- unknown instructions


@pytest.mark.parametrize(("written", "meant"), [
    ("COPPY", "COPY"), ("RUNN", "RUN"), ("FORM", "FROM"), ("ENTRYPONT", "ENTRYPOINT"), ("WROKDIR", "WORKDIR"),
    ("WORKDIRR", "WORKDIR"), ("coppy", "COPY"), ("LABLE", "LABEL"), ("ENTRY", "ENTRYPOINT"),
])
def test_unknown_instruction_suggests_the_near_miss(written: str, meant: str) -> None:
    text = f"FROM alpine\n{written} a /b\n"
    finding, covered = one(text)
    assert covered == written
    assert finding.message == f"unknown instruction: {written.upper()}; did you mean {meant}?"
    assert finding.effective_severity is Severity.ERROR
    assert fixed(text) == f"FROM alpine\n{meant} a /b\n"


@pytest.mark.parametrize("written", ["cd", "export", "CP", "FOO", "apt-get", "ARD", "fi", "ELSE", "rm"])
def test_unknown_instruction_without_a_sensible_guess_keeps_the_plain_message(written: str) -> None:
    # Mostly shell commands on a line that lost its `\`: CMD for `cd`, EXPOSE for `export` would be wild.
    finding, covered = one(f"FROM alpine\n{written} x\n")
    assert (covered, finding.message, finding.fixes) == (written, f"unknown instruction: {written.upper()}", ())


# --------------------------------------------------------------------------- flags


def test_unknown_flag_suggests_the_flag_of_that_instruction() -> None:
    text = "FROM alpine\nCOPY --chwon=app:app . /app\n"
    finding, covered = one(text)
    assert covered == "--chwon"
    assert finding.message == "unknown flag: --chwon; did you mean --chown?"
    assert [fix.title for fix in finding.fixes] == ["Replace with --chown"]
    assert fixed(text) == "FROM alpine\nCOPY --chown=app:app . /app\n"


def test_flag_names_are_case_sensitive() -> None:
    text = "FROM alpine AS build\nFROM alpine\nCOPY --FROM=build /a /b\n"
    finding, covered = one(text)
    assert covered == "--FROM"
    assert finding.message == "unknown flag: --FROM (flag names are case-sensitive); did you mean --from?"
    assert fixed(text) == "FROM alpine AS build\nFROM alpine\nCOPY --from=build /a /b\n"


@pytest.mark.parametrize(("text", "covered", "message"), [
    ("FROM alpine\nCOPY --platform=linux/amd64 a /b\n", "--platform", "unknown flag: --platform"),
    ("FROM alpine\nENV --x=1 A=b\n", "--x", "unknown flag: --x; ENV takes no flags"),
    ("FROM alpine\nCMD --doit [\"a\"]\n", "--doit", "unknown flag: --doit; CMD takes no flags"),
    ("FROM alpine\nONBUILD --x RUN true\n", "--x", "unknown flag: --x; ONBUILD takes no flags"),
    ("FROM alpine\nHEALTHCHECK --interval=5s NONE\n", "--interval",
     "unknown flag: --interval; HEALTHCHECK NONE takes no flags"),
    ("FROM alpine\nRUN --mout=type=cache,target=/x true\n", "--mout", "unknown flag: --mout; did you mean --mount?"),
    ("FROM alpine\nRUN --netwrok=none true\n", "--netwrok", "unknown flag: --netwrok; did you mean --network?"),
    ("FROM --plattform=linux/arm64 alpine\n", "--plattform", "unknown flag: --plattform; did you mean --platform?"),
    ("FROM alpine\nRUN <<EOF --x\nEOF\n", None, None),  # after the first argument it is an argument
])
def test_unknown_flags(text: str, covered: str | None, message: str | None) -> None:
    if covered is None:
        assert findings(text, NAME) == []
        return
    finding, where = one(text)
    assert (where, finding.message, finding.effective_severity) == (covered, message, Severity.ERROR)


def test_flags_of_exec_and_heredoc_forms_are_flags() -> None:
    exec_form, where = one('FROM alpine\nRUN --mont=type=cache,target=/x ["true"]\n')
    heredoc, _ = one("FROM alpine\nRUN --netwrk=none <<EOF\ntrue\nEOF\n")
    assert where == "--mont" and exec_form.message.startswith("unknown flag: --mont")
    assert heredoc.message == "unknown flag: --netwrk; did you mean --network?"


def test_flag_without_its_value() -> None:
    finding, covered = one("FROM alpine\nCOPY --from a /b\n")
    assert (covered, finding.message, finding.fixes) == ("--from", "flag --from needs a value: --from=…", ())


@pytest.mark.parametrize(("text", "after"), [
    ("FROM alpine\nRUN --mount type=cache,target=/root/.cache pip install x\n",
     "FROM alpine\nRUN --mount=type=cache,target=/root/.cache pip install x\n"),
    ("FROM alpine AS build\nFROM alpine\nCOPY --from build /a /b\n",
     "FROM alpine AS build\nFROM alpine\nCOPY --from=build /a /b\n"),
    ("FROM --platform linux/amd64 alpine\n", "FROM --platform=linux/amd64 alpine\n"),
])
def test_a_value_after_a_space_is_joined_with_equals(text: str, after: str) -> None:
    finding, covered = one(text)
    name = covered
    assert finding.message.startswith(f"flag {name} needs its value after '=', not after a space: {name}=")
    assert fixed(text) == after


def test_a_value_after_a_space_is_not_joined_when_the_instruction_would_lose_its_arguments() -> None:
    # `COPY --from=a /b` has one path left: BuildKit needs a source and a destination.
    finding, _ = one("FROM alpine\nCOPY --from a /b\n")
    assert finding.fixes == ()
    finding, _ = one("FROM alpine\nRUN --mount true\n")  # `true` is no mount spec
    assert finding.fixes == ()


def test_duplicate_flag() -> None:
    finding, covered = one("FROM alpine\nCOPY --chown=a --chown=b x /y\n")
    assert covered == "--chown"
    assert finding.span.start == len("FROM alpine\nCOPY --chown=a ")
    assert finding.message == "duplicate flag --chown: it may be given only once"


@pytest.mark.parametrize(("text", "covered", "message"), [
    ("FROM alpine\nCOPY --link=yes a /b\n", "yes", "--link takes true or false (or no value), not 'yes'"),
    ("FROM alpine\nADD --keep-git-dir= a /b\n", "--keep-git-dir=",
     "--keep-git-dir takes true or false (or no value), not nothing after '='"),
    ("FROM alpine\nRUN --security=unsafe true\n", "unsafe",
     "invalid value for --security: 'unsafe' (expected sandbox or insecure)"),
    ("FROM alpine\nRUN --network=Host true\n", "Host",
     "invalid value for --network: 'Host' (expected default, none or host); did you mean host?"),
])
def test_invalid_flag_values(text: str, covered: str, message: str) -> None:
    finding, where = one(text)
    assert (where, finding.message) == (covered, message)


def test_network_near_miss_is_replaced() -> None:
    text = "FROM alpine\nRUN --network=hots true\n"
    finding, covered = one(text)
    assert covered == "hots" and finding.message.endswith("; did you mean host?")
    assert fixed(text) == "FROM alpine\nRUN --network=host true\n"


def test_onbuild_trigger_flags_are_warnings() -> None:
    finding, covered = one("FROM alpine\nONBUILD COPY --chwon=x a /b\n")
    assert covered == "--chwon" and finding.message == "unknown flag: --chwon; did you mean --chown?"
    assert finding.effective_severity is Severity.WARNING


def test_stopsignal_ignores_flags() -> None:
    finding, covered = one("FROM alpine\nSTOPSIGNAL --x SIGTERM\n")
    assert (covered, finding.message) == ("--x", "STOPSIGNAL ignores flags: --x has no effect")
    assert finding.effective_severity is Severity.WARNING


def test_a_flag_on_a_continuation_line_is_pointed_at_without_a_fix() -> None:
    # The flag's text in the document has the continuation in it: the range is the flag, no edit.
    text = "FROM alpine\nCOPY --ch\\\nwon=x a /b\n"
    finding, covered = one(text)
    assert covered == "--ch\\\nwon=x" and finding.fixes == ()
    assert finding.message == "unknown flag: --chwon; did you mean --chown?"


# --------------------------------------------------------------------------- RUN --mount


@pytest.mark.parametrize(("mount", "covered", "message"), [
    ("type=cahce,target=/x", "cahce",
     "invalid value for --mount type: 'cahce' (expected bind, cache, tmpfs, secret or ssh); did you mean cache?"),
    ("type=volume,target=/x", "volume",
     "invalid value for --mount type: 'volume' (expected bind, cache, tmpfs, secret or ssh)"),
    ("type=cache,targt=/x", "targt", "unknown --mount option 'targt'; did you mean target?"),
    ("type=secret,id=x,enviroment=X", "enviroment", "unknown --mount option 'enviroment'"),
    ("type=cache,target=/x,sharing=lock", "lock",
     "invalid value for --mount option sharing: 'lock' (expected shared, private or locked); did you mean locked?"),
    ("type=cache,target=/x,size=1g", "size=1g", "--mount option 'size' is not allowed on a cache mount"),
    ("target=/x,mode=0755", "mode=0755", "--mount option 'mode' is not allowed on a bind mount"),
    ("type=secret,id=x,from=build", "from=build", "--mount option 'from' is not allowed on a secret mount"),
    ("type=tmpfs,target=/x,required", "required", "--mount option 'required' is not allowed on a tmpfs mount"),
    ("type=cache,target", "target", "--mount option 'target' needs a value: target=…"),
    ("type=cache,target=/x,uid=app", "app", "invalid value for --mount option uid: 'app' (expected a numeric id)"),
    ("type=cache,target=/x,mode=0855", "0855",
     "invalid value for --mount option mode: '0855' (expected an octal mode like 0755)"),
    ("type=secret,id=x,required=yes", "yes",
     "invalid value for --mount option required: 'yes' (expected true or false)"),
    ("type,target=/x", "type", "--mount option 'type' needs a value: type=…"),
    ("type=cache,target=/x,z", "z", "unknown --mount option 'z'"),  # podman's SELinux relabel
    # The flag's own quotes go before the CSV reader sees the value: `b` is a field of its own.
    ('type=bind,"source=a,b",target=/x', 'type=bind,"source=a,b",target=/x', "unknown --mount option 'b'"),
])
def test_mount_errors(mount: str, covered: str, message: str) -> None:
    finding, where = one(f"FROM alpine\nRUN --mount={mount} true\n")
    assert (where, finding.message, finding.effective_severity) == (covered, message, Severity.ERROR)


def test_a_mount_key_without_effect_is_a_warning() -> None:
    finding, covered = one("FROM alpine\nRUN --mount=type=bind,id=x,target=/x true\n")
    assert (covered, finding.message) == ("id=x", "--mount option 'id' has no effect on a bind mount")
    assert finding.effective_severity is Severity.WARNING


@pytest.mark.parametrize(("before", "after"), [
    ("type=cahce,target=/x", "type=cache,target=/x"),
    ("type=cache,targt=/x", "type=cache,target=/x"),
    ("type=cache,target=/x,sharing=lock", "type=cache,target=/x,sharing=locked"),
    ("type=bnd,target=/x", "type=bind,target=/x"),
])
def test_mount_near_misses_are_replaced(before: str, after: str) -> None:
    assert fixed(f"FROM alpine\nRUN --mount={before} true\n") == f"FROM alpine\nRUN --mount={after} true\n"


def test_every_mount_finding_of_one_flag_is_reported() -> None:
    found = findings("FROM alpine\nRUN --mount=type=cache,targt=/x,sharing=lock,size=1 true\n", NAME)
    assert [f.message.split(";")[0] for f in found] == [
        "unknown --mount option 'targt'",
        "invalid value for --mount option sharing: 'lock' (expected shared, private or locked)",
        "--mount option 'size' is not allowed on a cache mount",
    ]


# --------------------------------------------------------------------------- quotes


DOUBLE = 'unterminated double quote: BuildKit stops with "unexpected end of statement while looking for matching ' \
         'double-quote"'
SINGLE = 'unterminated single quote: BuildKit stops with "unexpected end of statement while looking for matching ' \
         'single-quote"'


@pytest.mark.parametrize(("text", "covered", "message"), [
    ('FROM alpine\nENV A="x\n', '"x', DOUBLE),
    ('FROM alpine\nENV A="x b=c\n', '"x b=c', DOUBLE),  # the open quote takes the rest of the line
    ("FROM alpine\nARG B='y\n", "'y", SINGLE),
    ('FROM alpine\nLABEL c="d" e="f\n', '"f', DOUBLE),
    ('FROM alpine\nENV A "x y\n', '"x y', DOUBLE),  # the legacy form: the value is the rest of the line
    ('FROM alpine\nWORKDIR "/my dir\n', '"/my dir', DOUBLE),
    ('FROM alpine\nENV A="x\\"\n', '"x\\"', DOUBLE),  # \" is an escaped quote, not the closing one
    ('FROM alpine\nENV A=$\'x\n', "'x", SINGLE),
    ('FROM alpine\nCOPY "my file" /x/\n', '"my',
     DOUBLE + "; COPY splits its arguments at spaces before it reads quotes: use the JSON form for a path "
              "with spaces"),
    ('FROM alpine\nENV A="x \\\n  y\n', '"x \\\n  y', DOUBLE),  # across a continuation line
])
def test_unterminated_quote_in_expanded_words(text: str, covered: str, message: str) -> None:
    finding, where = one(text)
    assert (where, finding.message, finding.effective_severity) == (covered, message, Severity.ERROR)


def test_backtick_escape_directive_changes_what_a_backslash_does() -> None:
    # With `# escape=`` a backslash is a plain character: "C:\dir\" is closed by its last quote.
    assert findings('# escape=`\nFROM windows\nENV A="C:\\dir\\"\n', NAME) == []
    finding, covered = one('# escape=`\nFROM windows\nENV A="x`"\n')
    assert covered == '"x`"' and finding.message == DOUBLE


@pytest.mark.parametrize(("text", "covered", "message"), [
    ('FROM alpine\nRUN echo "unterminated\n', '"unterminated',
     "unterminated double quote in the shell command: the build will fail"),
    ("FROM alpine\nRUN echo a && \\\n    echo 'b\n", "'b", "unterminated single quote in the shell command: the build "
                                                         "will fail"),
    ("FROM alpine\nCMD echo 'x\n", "'x", "unterminated single quote in the shell command: the container will fail "
                                         "to start"),
    ('FROM alpine\nENTRYPOINT exec "app\n', '"app', "unterminated double quote in the shell command: the container "
                                                    "will fail to start"),
])
def test_unterminated_quote_in_shell_form(text: str, covered: str, message: str) -> None:
    finding, where = one(text)
    assert (where, finding.message, finding.effective_severity) == (covered, message, Severity.WARNING)


def test_unterminated_heredoc_points_at_the_marker() -> None:
    finding, covered = one("FROM alpine\nRUN <<EOF\necho hi\n")
    assert (covered, finding.message) == ("<<EOF", "unterminated heredoc: no line 'EOF' ends it")


# --------------------------------------------------------------------------- silent


MOUNTS = [
    "type=bind,target=/x,source=/y,from=build,rw",
    "type=bind,dst=/x,src=y,from=build,readwrite=true,readonly=false",
    "target=/x,destination=/x,ro",
    "type=cache,id=pip,target=/root/.cache,ro=false,sharing=private,from=build,source=/c,mode=0700,uid=1000,gid=1000",
    "type=cache,target=/x,sharing=shared,readonly",
    "type=cache,target=/x,sharing=LOCKED",
    "type=tmpfs,target=/tmp,size=64m",
    "type=secret,id=token,target=/run/secrets/t,env=TOKEN,required,mode=0400,uid=0,gid=0",
    "type=secret,id=token,dst=/t,required=true",
    "type=secret,src=token",
    "type=ssh",
    "type=ssh,id=default,target=/ssh,required=false,mode=0600,uid=1,gid=1",
    "TYPE=CACHE,Target=/x",
    "type=cache,id=$CACHE_ID,target=$DIR,sharing=$SHARING,uid=$UID,mode=${MODE}",
    "type=$KIND,target=/x,size=1g",
    '"type=bind,target=/x"',
    'type=bind,\'"source=a,b"\',target=/x',  # BuildKit removes the outer quotes, the CSV reader the inner
]


@pytest.mark.parametrize("mount", MOUNTS)
def test_valid_mounts_are_silent(mount: str) -> None:
    text = f"FROM alpine AS build\nFROM alpine\nRUN --mount={mount} true\n"
    assert findings(text, NAME) == []


@pytest.mark.parametrize("text", [
    pytest.param("FROM --platform=$BUILDPLATFORM alpine AS build\nFROM --platform=linux/amd64 alpine\n", id="FROM"),
    pytest.param("FROM alpine\nRUN --network=none --security=insecure --device=gpu true\n", id="RUN"),
    pytest.param("FROM alpine\nRUN --network=$NET --security=${SEC} true\n", id="RUN variables"),
    pytest.param("FROM alpine AS b\nFROM alpine\nCOPY --from=b --chown=1:1 --chmod=755 --link --parents "
                 "--exclude=*.md --exclude=*.txt a /x/\n", id="COPY"),
    pytest.param("FROM alpine\nADD --chown=a --chmod=u+x --link=true --checksum=sha256:00 --keep-git-dir=false "
                 "--parents --exclude=x --unpack=false a /x/\n", id="ADD"),
    pytest.param("FROM alpine\nCOPY --link=$LINK a /x/\n", id="bool flag from a variable"),
    pytest.param("FROM alpine\nHEALTHCHECK --interval=5s --timeout=3s --start-period=1s --start-interval=1s "
                 "--retries=3 CMD true\n", id="HEALTHCHECK"),
    pytest.param("FROM alpine\nARG --required VERSION\n", id="ARG --required"),
    pytest.param("FROM alpine\nONBUILD COPY --from=x a /b\nONBUILD RUN --mount=type=cache,target=/x true\n",
                 id="ONBUILD triggers"),
    pytest.param("from alpine\ncopy --from=alpine a /b\nrun --mount=type=cache,target=/x true\n",
                 id="lower-case keywords"),
    pytest.param("FROM alpine\nCOPY --from= a /b\n", id="empty string value"),
    pytest.param("FROM alpine\nRUN -- --not-a-flag\n", id="after --"),
])
def test_valid_flags_are_silent(text: str) -> None:
    assert findings(text, NAME) == []


@pytest.mark.parametrize("text", [
    pytest.param("FROM alpine\nRUN <<EOF\necho \"it's\nEOF\n", id="RUN heredoc"),
    pytest.param("FROM alpine\nCOPY <<EOF /x\n\"unbalanced 'quotes\nEOF\n", id="COPY heredoc"),
    pytest.param("FROM alpine\nRUN python3 <<EOF\nprint(\"it's\")\nEOF\n", id="heredoc for another program"),
    pytest.param('FROM alpine\nCMD ["echo", "it\'s"]\n', id="JSON CMD"),
    pytest.param('FROM alpine\nRUN ["sh", "-c", "echo \\"x"]\n', id="JSON RUN"),
    pytest.param('FROM alpine\nCOPY ["it\'s here", "/x/"]\n', id="JSON COPY"),
    pytest.param('FROM alpine\nVOLUME ["/it\'s"]\n', id="JSON VOLUME"),
    pytest.param('FROM alpine\nENV A=\\"x B=it\\\'s\n', id="escaped quotes"),
    pytest.param('FROM alpine\nENV A="a \\" b" C=\'x"y\'\n', id="escaped and mixed quotes"),
    pytest.param('FROM alpine\nENV A "x y" \n', id="legacy form"),
    pytest.param('FROM alpine\nARG A="x"\nENV B=${A:-"default"} C=${A/"x"/y}\n', id="quotes in ${}"),
    pytest.param("FROM alpine\nRUN echo $'it\\'s'\n", id="$'…'"),
    pytest.param("FROM alpine\nRUN echo \\\"x\n", id="escaped quote in shell"),
    pytest.param("FROM alpine\nRUN echo hi # it's a comment\n", id="comment in shell"),
    pytest.param("FROM alpine\nRUN echo \"$(printf '%s\"' x)\"\n", id="nested quotes in $()"),
    pytest.param("FROM alpine\nCMD echo \"it's\"\n", id="CMD"),
    pytest.param("# escape=`\nFROM windows\nRUN echo \"x\n", id="Windows shell"),
    pytest.param('FROM alpine\nSHELL ["pwsh", "-c"]\nCMD Write-Host "x\n', id="non-POSIX SHELL"),
    pytest.param('FROM alpine\nMAINTAINER "me\n', id="MAINTAINER is not expanded"),
    pytest.param('FROM alpine\nONBUILD ENV A="x\n', id="ONBUILD trigger is not expanded here"),
])
def test_quotes_that_are_fine_are_silent(text: str) -> None:
    assert findings(text, NAME) == []


def test_every_instruction_with_its_flags_is_silent() -> None:
    text = (
        "# syntax=docker/dockerfile:1\n"
        "ARG BASE=alpine\n"
        "FROM --platform=$BUILDPLATFORM ${BASE} AS build\n"
        "RUN --mount=type=cache,target=/root/.cache --network=none echo 'hi'\n"
        "FROM alpine\n"
        "COPY --from=build --chown=app:app --chmod=0644 --link /a /b\n"
        "ADD --checksum=sha256:0000 https://example.com/x.tgz /x/\n"
        "ENV A=\"a b\" B='c'\n"
        "LABEL org.opencontainers.image.title=\"x\"\n"
        "EXPOSE 80/tcp\n"
        "USER app\n"
        "WORKDIR /app\n"
        "VOLUME /data\n"
        "STOPSIGNAL SIGTERM\n"
        "HEALTHCHECK --interval=30s CMD wget -q -O- http://localhost/ || exit 1\n"
        "SHELL [\"/bin/sh\", \"-c\"]\n"
        "ONBUILD RUN echo \"child\"\n"
        "ENTRYPOINT [\"/app\"]\n"
        "CMD [\"--help\"]\n"
    )
    dockerfile.parse_string(text)
    assert findings(text, NAME) == []


# --------------------------------------------------------------------------- the corpus


# Real-world files BuildKit's parser accepts on which the checks beyond the parser rightly fire.
CORRECT_ON_CORPUS = {
    # podman's `,z` (SELinux relabel) is no BuildKit mount option: BuildKit fails the build.
    "containers__podman__test__e2e__build__cache__Dockerfilecacheread",
    # A parser test file: COPY --user, COPY --doit, CMD --doit are flags BuildKit does not define.
    "moby__buildkit__frontend__dockerfile__parser__testfiles__flags__Dockerfile",
    # `CMD ["echo", "look ma, no quote!]` is not JSON: shell form with an unterminated quote.
    "moby__buildkit__frontend__dockerfile__parser__testfiles__jeztah-invalid-json-unterminated-string__Dockerfile",
}


def test_on_the_corpus_only_real_mistakes_fire_beyond_the_parser(corpus: list[Path]) -> None:
    fired: dict[str, list[str]] = {}
    for path in corpus:
        text = path.read_bytes().decode("utf-8", errors="surrogateescape")
        found = findings(text, NAME)  # never raises, whether BuildKit accepts the file or not
        if buildkit_error(text) is not None:
            continue
        parser_said = {(p.span, p.message) for p in parse(text).problems}
        beyond = [f.message for f in found
                  if (f.span, f.message) not in parser_said and not f.message.startswith("unknown instruction")]
        if beyond:
            fired[path.name] = beyond
    assert set(fired) == CORRECT_ON_CORPUS, fired
