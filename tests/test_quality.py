"""ruff and mypy (strict) over the code base, as part of the test suite.

mypy cannot follow setuptools' editable-install mapping (``server/`` → ``dockls``), so the package is
laid out for it in a temporary folder of symlinks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "server", "rules", "tests", "benchmarks"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean(tmp_path: Path) -> None:
    package = tmp_path / "dockls"
    package.mkdir()
    for source in (ROOT / "server").glob("*.py"):
        (package / source.name).symlink_to(source)
    (package / "rules").symlink_to(ROOT / "rules", target_is_directory=True)
    (package / "features").symlink_to(ROOT / "server" / "features", target_is_directory=True)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "-p", "dockls"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "MYPYPATH": str(tmp_path)},
    )
    output = result.stdout.replace(str(package), "server")
    assert result.returncode == 0, output + result.stderr
