#!/usr/bin/env python3
"""Response times of the editor features (hover, completion, symbols, navigation …), per request
type, optionally side by side with a peer server on the same requests.

    python benchmarks/editor_features.py                  # dockls on ../shared/tools/Dockerfile.sample
    python benchmarks/editor_features.py --rcjsuen        # and rcjsuen's docker-langserver (npm, see README)
    python benchmarks/editor_features.py FILE --vs "CMD ARGS"

Method: start the server, initialize with a VS Code-like client (UTF-16, markdown hovers, snippets,
hierarchical symbols), open FILE and wait for its first diagnostics. Then, per request type, send
one request at a time at positions spread over the whole file — each line's first character, its
middle and its end (or once per file for whole-document requests) — and time each round trip.
The first WARMUP samples of each type are dropped. A request type the server does not advertise is
shown as "-". Requests that return an error are counted and shown; they should be 0. Standard library
only, apart from the client of lsp_latency.py next to this script.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsp_latency import CAPABILITIES as BASE_CAPABILITIES
from lsp_latency import DOCKLS, HERE, RCJSUEN, Client, utf16_length

DEFAULT_FILE = HERE.parent.parent / "shared" / "tools" / "Dockerfile.sample"
WARMUP = 5

# lsp_latency's client, plus what the editor features need to be offered in full.
CAPABILITIES: dict[str, Any] = {
    **BASE_CAPABILITIES,
    "textDocument": {
        **BASE_CAPABILITIES["textDocument"],
        "completion": {"completionItem": {"snippetSupport": True, "documentationFormat": ["markdown"]}},
        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
        "foldingRange": {"lineFoldingOnly": True},
        "semanticTokens": {"requests": {"full": True}, "tokenTypes": [], "tokenModifiers": [],
                           "formats": ["relative"]},
        "inlayHint": {},
        "documentLink": {},
        "rename": {"prepareSupport": True},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {
            "valueSet": ["quickfix", "refactor", "refactor.rewrite", "source"]}}},
    },
}

Position = dict[str, int]
# request type → (server capability that advertises it, LSP method, params per position or None for
# whole-document requests)
PerPosition = Callable[[str, Position], dict[str, Any]]


def _at(uri: str, position: Position) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": position}


def _references(uri: str, position: Position) -> dict[str, Any]:
    return {**_at(uri, position), "context": {"includeDeclaration": True}}


def _code_actions(uri: str, position: Position) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "range": {"start": position, "end": position},
            "context": {"diagnostics": [], "triggerKind": 1}}


POSITIONAL: dict[str, tuple[str, str, PerPosition]] = {
    "hover": ("hoverProvider", "textDocument/hover", _at),
    "completion": ("completionProvider", "textDocument/completion", _at),
    "definition": ("definitionProvider", "textDocument/definition", _at),
    "references": ("referencesProvider", "textDocument/references", _references),
    "highlight": ("documentHighlightProvider", "textDocument/documentHighlight", _at),
    "prepareRename": ("renameProvider", "textDocument/prepareRename", _at),
    "codeAction": ("codeActionProvider", "textDocument/codeAction", _code_actions),
}
WHOLE: dict[str, tuple[str, str]] = {
    "documentSymbol": ("documentSymbolProvider", "textDocument/documentSymbol"),
    "foldingRange": ("foldingRangeProvider", "textDocument/foldingRange"),
    "semanticTokens": ("semanticTokensProvider", "textDocument/semanticTokens/full"),
    "documentLink": ("documentLinkProvider", "textDocument/documentLink"),
    "inlayHint": ("inlayHintProvider", "textDocument/inlayHint"),
}


def positions(text: str) -> list[Position]:
    """Each line's first character, middle and end (UTF-16 columns)."""
    spread: list[Position] = []
    for number, line in enumerate(text.split("\n")):
        width = utf16_length(line)
        for character in sorted({min(len(line) - len(line.lstrip()), width), width // 2, width}):
            spread.append({"line": number, "character": character})
    return spread


def measure(command: list[str], path: Path, repeat: int) -> dict[str, tuple[list[float], int] | None]:
    """Per request type: the round-trip times in ms and the number of error replies (None: not
    advertised by the server)."""
    client = Client(command)
    results: dict[str, tuple[list[float], int] | None] = {}
    try:
        reply = client.request("initialize", {"processId": os.getpid(), "rootUri": path.parent.as_uri(),
                                              "capabilities": CAPABILITIES})
        capabilities = reply.get("result", {}).get("capabilities", {})
        client.notify("initialized", {})
        uri, text = path.as_uri(), path.read_text(encoding="utf-8")
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "dockerfile", "version": 1, "text": text}})
        client.diagnostics(uri)
        lines = text.split("\n")
        whole_range = {"start": {"line": 0, "character": 0},
                       "end": {"line": len(lines) - 1, "character": utf16_length(lines[-1])}}

        def timed(method: str, params: dict[str, Any], errors: list[int]) -> float:
            start = time.perf_counter()
            answer = client.request(method, params)
            elapsed = (time.perf_counter() - start) * 1000
            errors[0] += "error" in answer
            return elapsed

        for name, (capability, method, make) in POSITIONAL.items():
            if not capabilities.get(capability):
                results[name] = None
                continue
            errors = [0]
            samples = [timed(method, make(uri, position), errors) for position in positions(text)]
            results[name] = (samples[WARMUP:], errors[0])
        for name, (capability, method) in WHOLE.items():
            if not capabilities.get(capability):
                results[name] = None
                continue
            params: dict[str, Any] = {"textDocument": {"uri": uri}}
            if name == "inlayHint":
                params["range"] = whole_range
            errors = [0]
            samples = [timed(method, params, errors) for _ in range(repeat + WARMUP)]
            results[name] = (samples[WARMUP:], errors[0])
        return results
    finally:
        client.close()


def cell(result: tuple[list[float], int] | None) -> str:
    if result is None:
        return f"{'-':>24}"
    samples, errors = result
    ordered = sorted(samples)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    note = f" err={errors}" if errors else ""
    return f"{statistics.median(ordered):7.2f} / {p90:6.2f} ms{note}".rjust(24)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, nargs="?", default=DEFAULT_FILE)
    parser.add_argument("--server", default=shlex.join(DOCKLS), help="command line of server A (default: dockls)")
    parser.add_argument("--vs", help="command line of server B, measured after A on the same requests")
    parser.add_argument("--rcjsuen", action="store_true",
                        help=f"server B is rcjsuen's docker-langserver from {RCJSUEN.relative_to(HERE.parent)}")
    parser.add_argument("--repeat", type=int, default=40, help="samples of each whole-document request")
    args = parser.parse_args()
    if not args.file.is_file():
        parser.error(f"{args.file}: no such file")
    peer = [str(RCJSUEN), "--stdio"] if args.rcjsuen else shlex.split(args.vs) if args.vs else None
    a = measure(shlex.split(args.server), args.file, args.repeat)
    b = measure(peer, args.file, args.repeat) if peer else None
    lines = len(args.file.read_text(encoding="utf-8").splitlines())
    print(f"{args.file} ({lines} lines), {len(positions(args.file.read_text(encoding='utf-8')))} positions; "
          "median / p90 round trip")
    name_a = "dockls" if args.server == shlex.join(DOCKLS) else Path(shlex.split(args.server)[0]).name
    print(f"{'request':<16}{'A: ' + name_a:>24}" + (f"{'B: ' + Path(peer[0]).name:>24}" if peer else ""))
    for name in (*POSITIONAL, *WHOLE):
        print(f"{name:<16}{cell(a[name])}" + (cell(b[name]) if b is not None else ""))


if __name__ == "__main__":
    main()
