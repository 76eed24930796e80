"""``cleave check`` for CI: a committed plan against today's code; DOT and Mermaid service graphs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cleave.cli.app import run

MINI = Path(__file__).resolve().parents[1] / "assets" / "packager" / "mini"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini monolith, analyzed and split into a plan that records today's boundaries (the committed plan)."""
    shutil.copytree(MINI, tmp_path / "mini-src")
    monkeypatch.chdir(tmp_path / "mini-src")
    assert run(["analyze", ".", "--json"]) == 0
    assert run(["split", "-n", "4", "--json"]) == 0  # the web edge, orders, catalog, util
    return tmp_path / "mini-src"


def test_a_clean_tree_passes_and_exports_the_service_graph(project: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["check", "-g", ".cleave/graph.json", "--dot", "services.dot", "--mermaid", "services.mmd"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    dot = (project / "services.dot").read_text()
    assert dot.startswith("digraph services {") and '"orders" -> "catalog" [label="2"]' in dot
    mermaid = (project / "services.mmd").read_text()
    assert mermaid.startswith("flowchart LR") and '-->|"2"|' in mermaid


def test_a_new_crossing_fails_with_file_and_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    util = project / "mini" / "util" / "__init__.py"
    util.write_text(util.read_text() + "\n\ndef catalog_size():\n    from mini.catalog.api import products\n"
                    "    return len(products())\n")
    assert run(["analyze", ".", "--json"]) == 0
    capsys.readouterr()
    assert run(["check", "-g", ".cleave/graph.json", "--json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert not document["ok"]
    wheres = {item["where"] for item in document["new"]}
    assert any(where.startswith("mini/util/__init__.py:") for where in wheres), wheres
    assert "new crossing(s)" in captured.err and "cleave.yaml" in captured.err


def test_piped_summaries_go_to_stdout_whole_lines(project: Path) -> None:
    """Summaries are results (stdout); piped or on a narrow terminal they are never hard-wrapped."""
    import subprocess
    import sys

    cleave = str(Path(sys.executable).parent / "cleave")
    done = subprocess.run([cleave, "split", "-n", "3"], cwd=project, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "40", "HOME": str(project)}, check=True)
    lines = done.stdout.splitlines()
    assert lines[-1] == "wrote cleave.yaml"
    summary = next(line for line in lines if line.startswith("3 services,"))
    assert len(summary) > 80 and "modularity" in summary
