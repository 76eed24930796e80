"""Helpers for the analyzer tests: run the analyzer on an asset and list edges compactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzer import analyze
from cleave.formats.graph import CodeGraph

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "analyzer"


def run(name: str | Path, **options: Any) -> CodeGraph:
    src = name if isinstance(name, Path) else ASSETS / name
    options.setdefault("jobs", 1)
    return analyze(src, **options)


def edges(graph: CodeGraph, kind: str, source_prefix: str = "") -> set[tuple[str, str]]:
    """``{(u, v)}`` for the edges of ``kind`` whose source starts with ``source_prefix``."""
    return {(u, v) for u, v, _ in graph.edges_of_kind(kind) if u.startswith(source_prefix)}


def edge(graph: CodeGraph, u: str, v: str, kind: str) -> dict[str, Any]:
    assert graph.graph.has_edge(u, v, key=kind), f"missing {u} -{kind}-> {v}"
    return dict(graph.graph.edges[u, v, kind])


def out(graph: CodeGraph, node: str, kind: str) -> set[str]:
    return {v for _, v, k in graph.graph.out_edges(node, keys=True) if k == kind}
