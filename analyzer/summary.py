"""What ``cleave analyze`` tells a person about a graph: sizes, import cycles, hubs, third-party use."""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

from cleave.formats.graph import EDGE_KINDS, NODE_KINDS, PACKAGE_PREFIX, CodeGraph


def import_graph(code_graph: CodeGraph) -> nx.DiGraph:
    """Module -> module imports (one edge per pair), every module a node."""
    graph = nx.DiGraph()
    graph.add_nodes_from(code_graph.nodes_of_kind("module"))
    graph.add_edges_from((u, v) for u, v, _ in code_graph.edges_of_kind("imports"))
    return graph


def summarize(code_graph: CodeGraph, top: int = 5) -> dict[str, Any]:
    """A JSON-able summary: counts, largest import cycles (SCCs), top fan-in/fan-out modules, distributions."""
    graph = code_graph.graph
    nodes = Counter(kind for _, kind in graph.nodes(data="kind"))
    edges = Counter(key for _, _, key in graph.edges(keys=True))
    imports = import_graph(code_graph)
    cycles = sorted((sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1),
                    key=lambda c: (-len(c), c))
    fan_in = sorted(((m, imports.in_degree(m)) for m in imports), key=lambda p: (-p[1], p[0]))
    fan_out = sorted(((m, imports.out_degree(m)) for m in imports), key=lambda p: (-p[1], p[0]))
    packages = []
    for node in code_graph.nodes_of_kind("package"):
        data = graph.nodes[node]
        users = sorted({u for u, _, k in graph.in_edges(node, keys=True) if k == "uses_package"})
        packages.append({"name": node.removeprefix(PACKAGE_PREFIX), "version": data.get("version"),
                         "requirement": data.get("requirement"), "modules": len(users)})
    diagnostics = Counter(d.code for d in code_graph.diagnostics)
    return {
        "source": code_graph.source,
        "files": code_graph.meta.get("files"),
        "lines": code_graph.meta.get("lines"),
        "nodes": {kind: nodes.get(kind, 0) for kind in NODE_KINDS},
        "edges": {kind: edges.get(kind, 0) for kind in EDGE_KINDS},
        "import_cycles": {"count": len(cycles), "largest": [{"size": len(c), "modules": c} for c in cycles[:top]]},
        "fan_in": [{"module": m, "imported_by": n} for m, n in fan_in[:top] if n],
        "fan_out": [{"module": m, "imports": n} for m, n in fan_out[:top] if n],
        "packages": packages,
        "diagnostics": dict(sorted(diagnostics.items())),
        "framework": code_graph.meta.get("framework"),
        "entry_candidates": list(code_graph.meta.get("entry_candidates") or []),
        "excluded_tests": list(code_graph.meta.get("excluded_tests") or []),
    }


def render(summary: dict[str, Any]) -> str:
    """The summary as text for a terminal."""
    lines = [f"{summary['source']}: {summary['files']} files, {summary['lines']} lines"]
    lines.append("nodes  " + ", ".join(f"{k} {v}" for k, v in summary["nodes"].items()))
    lines.append("edges  " + ", ".join(f"{k} {v}" for k, v in summary["edges"].items()))
    cycles = summary["import_cycles"]
    lines.append(f"import cycles: {cycles['count']}")
    for cycle in cycles["largest"]:
        shown = ", ".join(cycle["modules"][:6]) + (", ..." if cycle["size"] > 6 else "")
        lines.append(f"  {cycle['size']} modules: {shown}")
    if summary["fan_in"]:
        lines.append("most imported:  " + ", ".join(f"{e['module']} ({e['imported_by']})" for e in summary["fan_in"]))
    if summary["fan_out"]:
        lines.append("most importing: " + ", ".join(f"{e['module']} ({e['imports']})" for e in summary["fan_out"]))
    if summary["packages"]:
        lines.append("third-party: " + ", ".join(
            p["name"] + (f" {p['version']}" if p["version"] else "") for p in summary["packages"]))
    else:
        lines.append("third-party: none")
    if summary.get("framework"):
        lines.append(f"framework: {summary['framework']}; entry: " + (", ".join(
            f"{c['target']} ({c['evidence']})" for c in summary["entry_candidates"]) or "none found"))
    if summary.get("excluded_tests"):
        shown = summary["excluded_tests"]
        lines.append(f"tests left out ({len(shown)}; --include-tests to analyze them): " + ", ".join(shown[:8])
                     + (", ..." if len(shown) > 8 else ""))
    if summary["diagnostics"]:
        lines.append("diagnostics: " + ", ".join(f"{k} {v}" for k, v in summary["diagnostics"].items()))
    return "\n".join(lines)
