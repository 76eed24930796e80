"""Pins per service: the monolith's requirements.txt or pyproject.toml, the graph, the plan's override."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from cleave.formats.graph import CodeGraph
from packager.errors import PackagerError
from packager.requirements import Distributions, monolith_requirements, package_edges, service_requirements


def test_pins_from_requirements_txt_then_pyproject(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# pins\n-r other.txt\nPyYAML==6.0.1  # yaml\nrequests>=2\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["pyyaml==5", "Jinja2==3.1.6"]\n')
    pins = monolith_requirements(tmp_path)
    assert {name: str(req) for name, req in pins.items()} == {
        "pyyaml": "PyYAML==6.0.1", "requests": "requests>=2", "jinja2": "Jinja2==3.1.6"}


def test_a_bad_requirement_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ok==1\nnot a requirement ===\n")
    with pytest.raises(PackagerError, match=r"requirements.txt:2: cannot read requirement"):
        monolith_requirements(tmp_path)


def test_graph_nodes_and_override(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_node("a.mod", kind="module")
    graph.add_node("package:attrs", kind="package", version="23.2.0", import_names=["attr", "attrs"])
    graph.add_edge("a.mod", "package:attrs", key="uses_package", kind="uses_package")
    code_graph = CodeGraph(graph=graph)
    distributions = Distributions(tmp_path, code_graph)
    assert distributions.for_import("attr") == "attrs"
    assert package_edges(code_graph, ["a.mod"]) == {"attrs"}
    assert package_edges(code_graph, ["b.mod"]) == set()
    assert service_requirements(distributions, {"attrs"}, [], "<plan>") == ["attrs==23.2.0"]
    assert service_requirements(distributions, {"attrs"}, ["attrs==22.1.0", "rich"], "<plan>") == [
        "attrs==22.1.0", "rich"]
    with pytest.raises(PackagerError, match="requirement 'attrs=' in the plan is not valid"):
        service_requirements(distributions, set(), ["attrs="], "<plan>")
