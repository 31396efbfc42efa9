"""The generated rule reference and the README table stay in step with the rule modules."""

from __future__ import annotations

from pathlib import Path

from dockls.docs import expected_files

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_up_to_date() -> None:
    stale = [str(path.relative_to(ROOT)) for path, content in expected_files(ROOT).items()
             if not path.exists() or path.read_text(encoding="utf-8") != content]
    assert not stale, f"regenerate with `python -m dockls.docs`: {stale}"
