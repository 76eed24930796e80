"""samples/blockers and samples/deps: their own tests pass on the monoliths as they are."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import SAMPLES


@pytest.mark.parametrize("sample", ["blockers", "deps"])
def test_own_tests_pass(sample: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=SAMPLES / sample, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
