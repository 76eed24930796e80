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


FLASKMARKET = Path(__file__).resolve().parents[2] / "samples" / "flaskmarket"


@pytest.fixture
def edge_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """samples/flaskmarket (a Flask app), analyzed and split at the edge: the committed plan is route claims."""
    shutil.copytree(FLASKMARKET, tmp_path / "market-src", ignore=shutil.ignore_patterns(".venv", ".cleave"))
    monkeypatch.chdir(tmp_path / "market-src")
    assert run(["analyze", ".", "--json"]) == 0
    assert run(["split", "--json"]) == 0  # a framework app: split at the edge by default
    return tmp_path / "market-src"


def test_an_edge_plan_passes_without_calling_the_tree_unplaced(edge_project: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Edge services hold the whole tree: no module is 'in no service', and every route has its claim."""
    capsys.readouterr()
    assert run(["check", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] and document["unplaced"] == [] and document["route_errors"] == []
    assert document["fallback_routes"] == []


def test_a_stale_route_claim_fails_with_the_plan_line(edge_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A claim matching no route of today's code is what `build` refuses: check names each such line."""
    plan = edge_project / "cleave.yaml"
    lines = plan.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if "routes: [/api/orders/*]" in line)
    lines[number] = lines[number].replace("/api/orders/*", "/api/ordrs/*")
    plan.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert run(["check"]) == 1
    captured = capsys.readouterr()
    assert f"route: cleave.yaml:{number + 1}: route pattern '/api/ordrs/*' of service 'orders' matches no route" \
        in captured.out
    assert "1 stale route claim(s)" in captured.err


def test_a_new_route_nobody_claims_is_named_and_left_to_the_fallback(edge_project: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    factory = edge_project / "market" / "__init__.py"
    source = factory.read_text()
    assert "    return app\n" in source
    factory.write_text(source.replace("    return app\n", "    @app.get('/version')\n    def version() -> str:\n"
                                      "        return '1'\n\n    return app\n"))
    assert run(["analyze", ".", "--json"]) == 0
    capsys.readouterr()
    assert run(["check", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [route for route in document["fallback_routes"] if route.endswith(" /version")], document


def test_python_and_graph_together_are_a_usage_error(edge_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    assert run(["check", "-g", ".cleave/graph.json", "--python", sys.executable]) == 2
    assert "--python chooses the environment of an analysis" in capsys.readouterr().err


def test_check_analyzes_in_the_given_environment(edge_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--python is the app's interpreter, as for analyze/build/migrate: a missing one is one line, exit 1."""
    capsys.readouterr()
    assert run(["check", "--python", str(edge_project / "no-such-python")]) == 1
    err = capsys.readouterr().err
    assert "no-such-python: cannot run the interpreter" in err and "Traceback" not in err
