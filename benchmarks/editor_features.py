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
only, apart from the shared client next to this script (lsp_client.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dockerfiles import SAMPLE
from lsp_client import CAPABILITIES as BASE_CAPABILITIES
from lsp_client import Client, add_server_options, parse_arguments, server_name, utf16_length

WARMUP = 5

# The benchmarks' client, plus what the editor features need to be offered in full.
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


def measure(command: list[str], path: Path, repeat: int,
            every: int = 1) -> dict[str, tuple[list[float], int] | None]:
    """Per request type: the round-trip times in ms and the number of error replies (None: not
    advertised by the server), at every ``every``-th position."""
    client = Client(command)
    results: dict[str, tuple[list[float], int] | None] = {}
    try:
        capabilities = client.initialize(path.parent, CAPABILITIES)
        uri, text = path.as_uri(), path.read_text(encoding="utf-8")
        client.open(uri, text)
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
            samples = [timed(method, make(uri, position), errors) for position in positions(text)[::every]]
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
    parser.add_argument("file", type=Path, nargs="?", default=SAMPLE)
    add_server_options(parser, "measured after A on the same requests")
    parser.add_argument("--repeat", type=int, default=40, help="samples of each whole-document request")
    parser.add_argument("--every", type=int, default=1, metavar="N", help="only every N-th position (default 1)")
    args, servers = parse_arguments(parser)
    results = [measure(command, args.file, args.repeat, args.every) for command in servers]
    text = args.file.read_text(encoding="utf-8")
    print(f"{args.file} ({len(text.splitlines())} lines), {len(positions(text)[::args.every])} positions; "
          "median / p90 round trip")
    print(f"{'request':<16}" + "".join(f"{label + ': ' + server_name(command):>24}"
                                       for label, command in zip("AB", servers)))
    for name in (*POSITIONAL, *WHOLE):
        print(f"{name:<16}" + "".join(cell(result[name]) for result in results))


if __name__ == "__main__":
    main()
