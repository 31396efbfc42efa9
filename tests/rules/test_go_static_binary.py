"""go-static-binary (DKL031): cgo binaries in libc-less images, unstripped Go binaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockls.rule import Finding, Severity
from tests.rules.helpers import apply_fix, assert_each_corpus_fix_is_valid, assert_fix_is_safe, findings

NAME = "go-static-binary"
STRIPPED = '-trimpath -ldflags="-s -w"'


def copied(build: str, runtime: str = "scratch", builder: str = "golang:1.22") -> str:
    return (f"FROM {builder} AS build\nWORKDIR /src\nCOPY . .\nRUN {build}\n"
            f"FROM {runtime}\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")


def cgo(text: str) -> list[Finding]:
    return [f for f in findings(text, NAME) if f.effective_severity is Severity.WARNING]


def size(text: str) -> list[Finding]:
    return [f for f in findings(text, NAME) if f.effective_severity is Severity.INFO]


def fixed(text: str, finding: Finding) -> str:
    [fix] = finding.fixes
    assert not fix.safe
    after = apply_fix(text, fix)
    assert_fix_is_safe(text, after, NAME)
    return after


# -- cgo -----------------------------------------------------------------------------------------------


def test_reports_a_cgo_build_copied_into_scratch() -> None:
    text = copied("go build -o /out/app ./cmd/app")
    [finding] = cgo(text)
    assert text[finding.span.start : finding.span.end] == "go build -o /out/app ./cmd/app"
    assert "cgo enabled" in finding.message and "`scratch`, which has no C library" in finding.message
    assert "CGO_ENABLED=0" in finding.message
    [related] = finding.related
    assert text[related.span.start : related.span.end] == "COPY --from=build /out/app /app"
    assert fixed(text, finding) == copied("CGO_ENABLED=0 go build -o /out/app ./cmd/app")
    assert cgo(fixed(text, finding)) == []


@pytest.mark.parametrize("runtime", [
    "scratch", "gcr.io/distroless/static-debian12", "gcr.io/distroless/static-debian12:nonroot",
    "cgr.dev/chainguard/static:latest", "alpine:3.20", "nginx:1.27-alpine",
])
def test_fires_for_libc_less_runtimes(runtime: str) -> None:
    assert len(cgo(copied("go build -o /out/app .", runtime))) == 1


def test_explicit_cgo_is_named() -> None:
    [finding] = cgo(copied("CGO_ENABLED=1 go build -o /out/app .", "scratch", "golang:1.22-alpine"))
    assert "with `CGO_ENABLED=1`" in finding.message


def test_alpine_builder_with_a_c_compiler() -> None:
    build = "apk add --no-cache gcc musl-dev && go build -o /out/app ."
    assert len(cgo(copied(build, "scratch", "golang:1.22-alpine"))) == 1


def test_other_builder_with_gcc() -> None:
    build = "apt-get install -y golang gcc && go build -o /out/app ."
    assert len(cgo(copied(build, "scratch", "debian:12"))) == 1


def test_heredoc_build() -> None:
    text = ("FROM golang:1.22 AS build\nRUN <<EOF\nset -e\ngo build -o /out/app .\nEOF\n"
            "FROM scratch\nCOPY --from=build /out/app /app\n")
    [finding] = cgo(text)
    assert fixed(text, finding) == text.replace("\ngo build", "\nCGO_ENABLED=0 go build")


def test_build_in_a_stage_the_copied_stage_is_built_from() -> None:
    text = ("FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM build AS test\nRUN go vet ./...\n"
            "FROM scratch\nCOPY --from=test /out/app /app\n")
    assert len(cgo(text)) == 1


def test_exec_form_has_no_cgo_fix() -> None:
    [finding] = cgo(copied('["go", "build", "-o", "/out/app", "."]'))
    assert finding.fixes == ()


def test_crlf() -> None:
    text = copied("go build -o /out/app .").replace("\n", "\r\n")
    [finding] = cgo(text)
    assert fixed(text, finding) == copied("CGO_ENABLED=0 go build -o /out/app .").replace("\n", "\r\n")


@pytest.mark.parametrize("text", [
    pytest.param(copied("CGO_ENABLED=0 go build -o /out/app ."), id="assignment"),
    pytest.param(copied("export CGO_ENABLED=0 && go build -o /out/app ."), id="exported"),
    pytest.param(copied("go build -o /out/app .").replace("WORKDIR", "ENV CGO_ENABLED=0\nWORKDIR"), id="ENV"),
    pytest.param(copied("go build -o /out/app .").replace("WORKDIR", "ARG CGO_ENABLED\nWORKDIR"), id="unknown ARG"),
    pytest.param(copied("go env -w CGO_ENABLED=0 && go build -o /out/app ."), id="go env -w"),
    pytest.param(copied("go build -ldflags \"-extldflags '-static'\" -o /out/app ."), id="static link"),
    pytest.param(copied("go build -tags netgo,osusergo -o /out/app ."), id="netgo"),
    pytest.param(copied("go build -o /out/app .", "scratch", "golang:1.22-alpine"), id="alpine builder, no gcc"),
    pytest.param(copied("apk add gcc && go build -o /out/app .", "alpine:3.20", "golang:1.22-alpine"),
                 id="musl on both sides"),
    pytest.param(copied("go build -o /out/app .", "debian:12-slim"), id="glibc runtime"),
    pytest.param("ARG GO\n" + copied("go build -o /out/app .", "scratch", "golang:${GO}-alpine3.20"),
                 id="alpine builder behind an ARG"),
    pytest.param(copied("go build -o /out/app .", "scratch", "debian:12"), id="builder without gcc"),
    pytest.param(copied("go build -o /out/app .", "gcr.io/distroless/base-debian12"), id="distroless base"),
    pytest.param("FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY app /app\n",
                 id="nothing copied from the builder"),
    pytest.param("FROM golang:1.22 AS build\nONBUILD RUN go build -o /out/app .\nFROM scratch\n"
                 "COPY --from=build /out/app /app\n", id="ONBUILD trigger does not run in the builder"),
    pytest.param(copied("go build -o /out/app .").replace("RUN go", "# dockls ignore=go-static-binary\nRUN go"),
                 id="suppressed"),
    pytest.param(copied("go test ./... && go vet ./..."), id="no build"),
    pytest.param(copied("echo go build"), id="only mentioned"),
])
def test_cgo_silent(text: str) -> None:
    assert cgo(text) == []


# -- size flags --------------------------------------------------------------------------------------


def test_reports_missing_strip_flags() -> None:
    text = copied("CGO_ENABLED=0 go build -o /out/app .")
    [finding] = size(text)
    assert '`-trimpath` and `-ldflags="-s -w"`' in finding.message
    assert fixed(text, finding) == copied(f"CGO_ENABLED=0 go build {STRIPPED} -o /out/app .")


def test_only_trimpath_missing() -> None:
    text = copied("CGO_ENABLED=0 go build -ldflags='-s -w -X main.v=1' -o /out/app .")
    [finding] = size(text)
    assert fixed(text, finding) == copied("CGO_ENABLED=0 go build -trimpath -ldflags='-s -w -X main.v=1' -o /out/app .")


def test_ldflags_without_strip_is_reported_without_fix() -> None:
    [finding] = size(copied("CGO_ENABLED=0 go build -trimpath -ldflags '-X main.v=1' -o /out/app ."))
    assert "`-s in -ldflags`" in finding.message and finding.fixes == ()


def test_exec_form_fix() -> None:
    text = copied('["go", "build", "-o", "/out/app", "."]')
    [finding] = size(text)
    assert fixed(text, finding) == copied('["go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/app", "."]')


def test_json_shell_fix_uses_single_quotes() -> None:
    text = copied('["sh", "-c", "CGO_ENABLED=0 go build -o /out/app ."]')
    [finding] = size(text)
    assert fixed(text, finding) == copied(
        '["sh", "-c", "CGO_ENABLED=0 go build -trimpath -ldflags=\'-s -w\' -o /out/app ."]')


def test_build_in_the_final_stage() -> None:
    assert len(size("FROM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]\n")) == 1


@pytest.mark.parametrize("text", [
    pytest.param(copied(f"CGO_ENABLED=0 go build {STRIPPED} -o /out/app ."), id="both"),
    pytest.param(copied("CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/app ."), id="-s alone"),
    pytest.param(copied("CGO_ENABLED=0 go build -trimpath -ldflags \"$LDFLAGS\" -o /out/app ."), id="variable"),
    pytest.param(copied("CGO_ENABLED=0 go build -o /out/app .").replace(
        "WORKDIR", "ENV GOFLAGS=\"-trimpath -ldflags=-s\"\nWORKDIR"), id="GOFLAGS"),
    pytest.param("FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM alpine\nCOPY app /app\n",
                 id="builder not copied"),
])
def test_size_silent(text: str) -> None:
    assert size(text) == []


def test_corpus(corpus: list[Path]) -> None:
    assert assert_each_corpus_fix_is_valid(corpus, NAME) > 0
