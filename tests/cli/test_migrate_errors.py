"""`cleave migrate` and `cleave scale` on bad input: one line on stderr, exit 1 (2: usage), no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SHOP = Path(__file__).resolve().parents[2] / "samples" / "shop"
CLEAVE = str(Path(sys.executable).parent / "cleave")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEAVE, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("item", ["catalog", "catalog=three", "=2", "catalog=-1"])
def test_malformed_replicas(tmp_path: Path, item: str) -> None:
    result = run("migrate", str(SHOP), "--replicas", item, cwd=tmp_path)
    assert result.returncode == 2  # a usage error
    assert result.stderr.strip().splitlines() == [
        f"error: {item!r}: expected SERVICE=N with N a whole number (example: cleave migrate SRC --replicas "
        "catalog=3)"]
    assert list(tmp_path.iterdir()) == []


def test_replicas_for_a_service_the_plan_does_not_have(tmp_path: Path) -> None:
    result = run("migrate", str(SHOP), "--replicas", "warehouse=2", "--no-up", cwd=tmp_path)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert "--replicas names no such service: warehouse" in last and "catalog" in last, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cleave.yaml").exists()
    assert not (tmp_path / ".cleave" / "build").exists()


def test_missing_source(tmp_path: Path) -> None:
    result = run("migrate", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert result.returncode == 1
    assert "source folder does not exist" in result.stderr and "Traceback" not in result.stderr


def test_scale_with_a_malformed_count(tmp_path: Path) -> None:
    result = run("scale", "orders=many", cwd=tmp_path)
    assert result.returncode == 2  # a usage error
    assert result.stderr.strip() == ("error: 'orders=many': expected SERVICE=N with N a whole number "
                                     "(example: cleave scale orders=3 catalog=1)")
