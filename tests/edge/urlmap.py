"""A stand-in for the analyzer's dynamic route reading (issue 14.2), used only until graph.json carries route nodes:
import the app in its own environment, list its real URL map, and add ``route`` nodes and ``handles`` edges (as the
CONTRACTS format says) to a graph made by ``analyzer.analyze``. Skipped when the graph already has routes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from cleave.formats.graph import CodeGraph
from packager.edge import path_regex

_FLASK = """
import importlib, json, sys
module, _, attr = sys.argv[1].partition(":")
app = getattr(importlib.import_module(module), attr.removesuffix("()"))
app = app() if attr.endswith("()") else app
out = []
for rule in app.url_map.iter_rules():
    if rule.endpoint == "static":
        continue
    view = app.view_functions[rule.endpoint]
    out.append({"path": rule.rule, "methods": sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}),
                "name": rule.endpoint, "view": f"{view.__module__}.{view.__qualname__}"})
print(json.dumps(out))
"""

_DJANGO = """
import django, json, sys
django.setup()
from django.urls import get_resolver, URLPattern, URLResolver
out = []
def walk(patterns, prefix):
    for p in patterns:
        if isinstance(p, URLResolver):
            walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            view = p.callback
            view = getattr(view, "view_class", None) or getattr(view, "cls", None) or view
            out.append({"path": "/" + prefix + str(p.pattern), "methods": [], "name": p.name,
                        "view": f"{view.__module__}.{view.__qualname__}"})
walk(get_resolver().url_patterns, "")
print(json.dumps(out))
"""


def with_url_map(code_graph: CodeGraph, python: Path, src: Path, framework: str, entry: str | None = None,
                 env: dict[str, str] | None = None) -> CodeGraph:
    """``code_graph`` with the app's routes read from its URL map (unchanged when it has routes already)."""
    if code_graph.nodes_of_kind("route"):
        return code_graph
    script = _FLASK if framework == "flask" else _DJANGO
    result = subprocess.run([str(python.absolute()), "-c", script, *([entry] if entry else [])], cwd=src,
                            capture_output=True, text=True, timeout=120, check=True, env={**os.environ, **(env or {})})
    graph = code_graph.graph.copy()
    for index, route in enumerate(json.loads(result.stdout.strip().splitlines()[-1])):
        path = route["path"] if route["path"].startswith("/") else "/" + route["path"]
        methods = route["methods"]
        node = f"route:{framework}:{','.join(methods)} {path}"
        graph.add_node(node, kind="route", framework=framework, methods=methods, path=path, regex=path_regex(path),
                       prefix=path.split("<", 1)[0], name=route["name"], file="", line=index, source="dynamic")
        if route["view"] in graph:
            graph.add_edge(node, route["view"], key="handles", kind="handles", weight=1, lines=[])
    meta = {**code_graph.meta, "framework": framework}
    if entry and not meta.get("entry_candidates"):
        meta["entry_candidates"] = [{"target": entry, "kind": "wsgi", "framework": framework, "evidence": "test"}]
    return CodeGraph(graph=graph, diagnostics=code_graph.diagnostics, source=code_graph.source,
                     analyzer=code_graph.analyzer, meta=meta)
