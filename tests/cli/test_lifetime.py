"""The analyzed graph leaves the cyclic collector's sight only in the ``cleave`` console process."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from cleave.cli import lifetime
from cleave.cli.app import run


def test_run_in_a_callers_process_freezes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.py").write_text("def f():\n    return 1\n")
    monkeypatch.chdir(tmp_path)
    before = gc.get_freeze_count()
    enabled = gc.isenabled()
    assert run(["analyze", ".", "--json"]) == 0
    with lifetime.building():
        assert gc.isenabled() == enabled
    assert gc.get_freeze_count() == before and gc.isenabled() == enabled


def test_the_console_process_freezes_what_its_command_built(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def f():\n    return 1\n")
    script = ("import gc, sys\n"
              "from cleave.cli import lifetime\n"
              "from cleave.cli.app import run\n"
              "lifetime.console()\n"  # what main() does first
              "assert gc.get_freeze_count() == 0\n"
              "with lifetime.building():\n"
              "    assert not gc.isenabled()\n"  # paused while the result is made
              "assert gc.isenabled()\n"
              "code = run(['analyze', '.', '--json'])\n"
              "print(code, gc.get_freeze_count() > 0, gc.isenabled())\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-3:] == ["0", "True", "True"]
