"""cleave split on the command line: writes the plan, keeps edits, refuses bad plans without touching them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cleave.formats.graph import save_graph
from cleave.formats.plan import load_plan
from tests.splitter.handmade import domain_graph

ROOT = Path(__file__).resolve().parents[2]


def run_cleave(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess (its error handling and exit codes included)."""
    return subprocess.run([sys.executable, "-c", "from cleave.cli.app import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "200"})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    save_graph(domain_graph(), tmp_path / ".cleave" / "graph.json")
    return tmp_path


def test_split_writes_plan_and_json(project: Path) -> None:
    result = run_cleave(project, "split", "--services", "4", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["services"]) == 4
    plan = load_plan(project / "cleave.yaml")
    assert plan.entry == "shop.web:application"
    assert plan.metrics["services"] == 4


def test_rerun_keeps_pins_and_renames(project: Path) -> None:
    assert run_cleave(project, "split", "--services", "4").returncode == 0
    path = project / "cleave.yaml"
    text = path.read_text()
    text = text.replace("\n  catalog:\n", "\n  products:\n    pinned: true\n", 1)
    path.write_text(text)
    result = run_cleave(project, "split", "--services", "4")
    assert result.returncode == 0, result.stderr
    plan = load_plan(path)
    assert plan.service("products").pinned
    assert "catalog" not in [s.name for s in plan.services]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("shop.catalog.*", "shop.catalog.*, shop.nothing", 1), "matches no module"),
    (lambda t: t.replace("  billing:\n    modules: [", "  billing:\n    modules: [shop.catalog.*, "),
     "is in two services"),
    (lambda t: t.replace("services:\n", "services:\n  - [unclosed\n"), "YAML does not parse"),
])
def test_bad_plan_is_one_clear_error_and_untouched(project: Path, edit: Callable[[str], str], message: str) -> None:
    assert run_cleave(project, "split", "--services", "4").returncode == 0
    path = project / "cleave.yaml"
    broken = edit(path.read_text())
    path.write_text(broken)
    result = run_cleave(project, "split")
    assert result.returncode == 1
    assert message in result.stderr
    assert re.search(r"cleave\.yaml:\d+:", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_text() == broken


def test_missing_graph_is_clear(tmp_path: Path) -> None:
    result = run_cleave(tmp_path, "split")
    assert result.returncode == 1
    assert "graph not found" in result.stderr and "cleave analyze" in result.stderr
