"""graph.json round trip (save_graph/load_graph) and its validation, on a real analyzed graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleave.formats.errors import FormatError
from cleave.formats.graph import FORMAT, load_graph, save_graph
from tests.analyzer._util import run


def test_round_trip_keeps_every_node_edge_and_diagnostic(tmp_path: Path) -> None:
    graph = run("imports")
    path = tmp_path / "out" / "graph.json"
    save_graph(graph, path)
    loaded = load_graph(path)
    assert dict(loaded.graph.nodes(data=True)) == dict(graph.graph.nodes(data=True))
    assert sorted(loaded.graph.edges(keys=True, data=True)) == sorted(graph.graph.edges(keys=True, data=True))
    assert loaded.diagnostics == graph.diagnostics
    assert (loaded.source, loaded.analyzer, dict(loaded.meta)) == (graph.source, graph.analyzer, dict(graph.meta))
    document = json.loads(path.read_text())
    assert document["format"] == FORMAT
    edge = next(e for e in document["graph"]["edges"] if e["source"] == "app.typed")
    assert edge == {"source": "app.typed", "target": "app.orders.service", "key": "imports", "kind": "imports",
                    "weight": 1, "lines": [4], "names": ["service"], "type_checking": True, "lazy": False}
    save_graph(loaded, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == path.read_text()  # stable bytes


def test_load_rejects_other_documents(tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    path.write_text(json.dumps({"format": "something/9"}))
    with pytest.raises(FormatError, match="not a cleave graph"):
        load_graph(path)
    path.write_text("{")
    with pytest.raises(FormatError, match="invalid JSON"):
        load_graph(path)
    with pytest.raises(FormatError, match="not found"):
        load_graph(tmp_path / "missing.json")


def test_load_rejects_unknown_kinds(tmp_path: Path) -> None:
    graph = run("state")
    path = tmp_path / "graph.json"
    save_graph(graph, path)
    document = json.loads(path.read_text())
    document["graph"]["edges"][0]["key"] = "teleports"
    path.write_text(json.dumps(document))
    with pytest.raises(FormatError, match="unknown kind 'teleports'"):
        load_graph(path)
