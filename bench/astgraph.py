"""FALLBACK graph builder for the benchmark only: a quick ``ast`` import graph (modules + imports edges).

Used by bench/split.py when ``analyzer.analyze`` is not available; the analyzer's graph (calls, inheritance,
globals, tables) is richer, so scores with this builder are a lower bound for cleave.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from cleave.formats.graph import CodeGraph


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def ast_import_graph(root: Path, package: str) -> CodeGraph:
    """Modules under ``root/package`` and the imports between them."""
    files = sorted((root / package.replace(".", "/")).rglob("*.py"))
    modules = {module_name(root, f): f for f in files}
    graph = nx.MultiDiGraph()
    for name, f in modules.items():
        graph.add_node(name, kind="module", file=str(f.relative_to(root)), is_package=f.name == "__init__.py")
    for name, f in modules.items():
        try:
            tree = ast.parse(f.read_bytes())
        except SyntaxError:
            continue
        pkg = name if f.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = pkg.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for raw in targets:
                target = raw
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target, key="imports", kind="imports", weight=1, lines=[node.lineno])
                    break
    return CodeGraph(graph=graph, source=str(root), analyzer="bench-ast-fallback")
