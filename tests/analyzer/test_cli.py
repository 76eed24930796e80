"""``cleave analyze``: exit codes, what goes to stdout and stderr, the files it writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from cleave.formats.graph import load_graph
from tests.analyzer._util import ASSETS


def cleave(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from cleave.cli.app import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


def test_analyze_writes_the_graph_and_prints_a_summary(tmp_path: Path) -> None:
    result = cleave("analyze", str(ASSETS / "classes"), "--jobs", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    graph = load_graph(tmp_path / ".cleave" / "graph.json")
    assert "shop.models.Order.save" in graph.graph
    assert "class 4" in result.stdout and "inherits 2" in result.stdout
    assert "graph written to .cleave/graph.json" in result.stdout
    assert (tmp_path / ".cleave" / "cache" / "facts.pickle").exists()


def test_json_summary(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ASSETS / "imports", src)
    out = tmp_path / "g" / "graph.json"
    result = cleave("analyze", str(src), "-o", str(out), "--json", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["nodes"]["module"] == 11
    assert summary["edges"]["imports"] == 9
    assert summary["fan_in"][0] == {"module": "app.util", "imported_by": 4}
    assert summary["import_cycles"] == {"count": 0, "largest": []}
    assert summary["diagnostics"] == {"dynamic-import": 1}
    assert "app/uses_ns.py:12: dynamic import" in result.stderr
    assert out.exists() and not (tmp_path / "g" / "cache").exists()


def test_bad_file_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("def f():\n    return 1\n")
    (tmp_path / "bad.py").write_text("def (\n")
    result = cleave("analyze", ".", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "bad.py:1: syntax error" in result.stderr


def test_missing_source_exits_1_with_one_line(tmp_path: Path) -> None:
    result = cleave("analyze", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: nowhere: source folder does not exist (pass the folder holding your package)"]
    assert not (tmp_path / ".cleave").exists()


def test_source_without_python_exits_1(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    result = cleave("analyze", "src", cwd=tmp_path)
    assert result.returncode == 1
    assert "no Python files found" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_output_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "out").mkdir()
    result = cleave("analyze", ".", "-o", "out", "--no-cache", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: out: cannot write the graph")
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert cleave("analyze", cwd=tmp_path).returncode == 2
    assert cleave("analyze", ".", "--jobs", "0", cwd=tmp_path).returncode == 2


def test_summary_names_import_cycles_and_packages(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\nimport yaml\n")
    (tmp_path / "b.py").write_text("from c import x\n")
    (tmp_path / "c.py").write_text("import a\nx = 1\n")
    (tmp_path / "d.py").write_text("import a\n")
    result = cleave("analyze", ".", "--json", "--no-cache", cwd=tmp_path)
    summary = json.loads(result.stdout)
    assert summary["import_cycles"] == {"count": 1, "largest": [{"size": 3, "modules": ["a", "b", "c"]}]}
    assert summary["fan_in"][0] == {"module": "a", "imported_by": 2}
    assert [p["name"] for p in summary["packages"]] == ["pyyaml"]
    text = cleave("analyze", ".", "--no-cache", cwd=tmp_path).stdout
    assert "import cycles: 1\n  3 modules: a, b, c" in text and "third-party: pyyaml" in text


def test_rerun_with_nothing_changed_keeps_graph_json(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    return 1\n")
    assert cleave("analyze", ".", cwd=tmp_path).returncode == 0
    written = tmp_path / ".cleave" / "graph.json"
    before = written.stat().st_mtime_ns
    assert cleave("analyze", ".", cwd=tmp_path).returncode == 0
    assert written.stat().st_mtime_ns == before  # same inputs, same graph: not rewritten
    written.write_text("{}")  # edited by someone: written again
    assert cleave("analyze", ".", cwd=tmp_path).returncode == 0
    assert load_graph(written).graph.has_node("a.f")
    (tmp_path / "a.py").write_text("def g():\n    return 1\n")
    assert cleave("analyze", ".", cwd=tmp_path).returncode == 0
    assert load_graph(written).graph.has_node("a.g")
