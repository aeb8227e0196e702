"""dynastore ships py.typed, so its own sources must type-check cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    if not (ROOT / "src" / "dynastore").is_dir():
        pytest.skip("not running from a source checkout")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "src", "--ignore-missing-imports"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"
