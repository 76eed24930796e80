"""``cleave build`` refuses unsafe crossings: exit 1, one line per crossing (file:line, what, what to do), nothing
written, no traceback; an existing build folder is left as it was."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

PLANTED = Path(__file__).resolve().parents[1] / "assets" / "crossing" / "planted"
CLEAVE = str(Path(sys.executable).parent / "cleave")
LINE = re.compile(r"^ledger/\w+\.py:\d+: ledger\.\w+ -> [\w.:]+: .+\(.+\)$")


def test_unsafe_crossings_stop_the_build(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(PLANTED, src)
    out = tmp_path / "build"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier build\n")
    run = subprocess.run([CLEAVE, "build", str(src), "--plan", str(src / "cleave.yaml"), "-o", str(out),
                          "--no-images"], capture_output=True, text=True, timeout=180, check=False, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    crossings = [line for line in lines if LINE.match(line)]
    assert len(crossings) == 5, run.stderr  # one line per crossing, each with file:line and what to do
    assert len(lines) == 6 and "5 blocker(s)" in lines[0]
    assert any(line.startswith("ledger/orders.py:12: ledger.orders -> ledger.store.db:") for line in crossings)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]  # nothing written, nothing removed
