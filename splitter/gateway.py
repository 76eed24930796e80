"""The gateway: the monolith's WSGI/ASGI app (``--entry module:attr``, or found in the graph)."""

from __future__ import annotations

from cleave.formats.graph import CodeGraph
from splitter.errors import SplitterError

APP_NAMES = ("application", "app")
ENTRY_MODULES = ("wsgi", "asgi")


def find_entry(code_graph: CodeGraph, entry: str | None) -> str | None:
    """``module:attr`` of the gateway app: the one given (checked against the graph), else auto-detected.

    Auto-detection looks for a module-level ``application`` or ``app`` (variable, function or class),
    preferring modules named ``wsgi``/``asgi``, then ``application`` over ``app``, then the shortest module name;
    an enclosing package that re-exports it gives the shorter name (``shop.web:application``).
    """
    graph = code_graph.graph
    modules = set(code_graph.nodes_of_kind("module"))
    if entry is not None:
        module, sep, attr = entry.partition(":")
        if not sep or not module or not attr:
            raise SplitterError(f"--entry {entry!r} must look like module:attribute (e.g. shop.web:application)")
        if module not in modules:
            raise SplitterError(f"--entry {entry!r}: module {module!r} is not in the graph",
                                hint="give a dotted module name relative to the source root")
        reexported = any(u == module and attr in (d.get("names") or ())
                         for u, _, d in code_graph.edges_of_kind("imports"))
        if f"{module}.{attr}" not in graph and not reexported:
            raise SplitterError(f"--entry {entry!r}: {module!r} defines no module-level {attr!r}",
                                hint="name the WSGI/ASGI application object")
        return entry
    candidates: list[tuple[int, int, int, str, str]] = []
    for node, data in graph.nodes(data=True):
        if data.get("kind") not in ("variable", "function", "class"):
            continue
        module, _, attr = str(node).rpartition(".")
        if attr in APP_NAMES and module in modules:
            last = module.rsplit(".", 1)[-1]
            candidates.append((0 if last in ENTRY_MODULES else 1, APP_NAMES.index(attr), len(module), module, attr))
    for module in sorted(modules):
        last = module.rsplit(".", 1)[-1]
        if last in ENTRY_MODULES and not any(c[3] == module for c in candidates):
            candidates.append((2, 2, len(module), module, "application"))
    if not candidates:
        return None
    best = min(candidates)
    module, attr = best[3], best[4]
    for u, v, data in sorted(code_graph.edges_of_kind("imports"), key=lambda e: len(e[0])):
        # a package that re-exports the app (``from .app import application``) is the shorter, usual name
        if v == module and attr in (data.get("names") or ()) and module.startswith(u + ".") and len(u) < len(module):
            module = u
    return f"{module}:{attr}"
