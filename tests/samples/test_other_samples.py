"""samples/blockers and samples/deps: their own tests pass on the monoliths as they are."""

from __future__ import annotations

import pytest

from .conftest import SAMPLES, run_own_tests


@pytest.mark.parametrize("sample", ["blockers", "deps"])
def test_own_tests_pass(sample: str) -> None:
    result = run_own_tests(SAMPLES / sample)
    assert result.returncode == 0, result.stdout + result.stderr
