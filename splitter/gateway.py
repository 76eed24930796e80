"""The gateway: the monolith's WSGI/ASGI app (``--entry module:attr``, or found in the graph), and the web edge
it serves (its package and the request handling only it uses)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cleave.formats.graph import ACCESS_OF_OP, CodeGraph
from splitter.dependencies import dependents
from splitter.errors import SplitterError

APP_NAMES = ("application", "app")
ENTRY_MODULES = ("wsgi", "asgi")


def find_entry(code_graph: CodeGraph, entry: str | None) -> str | None:
    """``module:attr`` of the gateway app: the one given (checked against the graph), else auto-detected.

    Auto-detection looks for a module-level ``application`` or ``app`` (variable, function or class),
    preferring modules named ``wsgi``/``asgi``, then ``application`` over ``app``, then the shortest module name;
    an enclosing package that re-exports it gives the shorter name (``shop.web:application``).
    """
    modules = set(code_graph.nodes_of_kind("module"))
    if entry is not None:
        return _checked_entry(code_graph, entry, modules)
    found = _best_candidate(code_graph, modules)
    if found is None:
        return None
    module, attr = found
    for u, v, data in sorted(code_graph.edges_of_kind("imports"), key=lambda e: len(e[0])):
        # a package that re-exports the app (``from .app import application``) is the shorter, usual name
        if v == module and attr in (data.get("names") or ()) and module.startswith(u + ".") and len(u) < len(module):
            module = u
    return f"{module}:{attr}"


def _checked_entry(code_graph: CodeGraph, entry: str, modules: set[str]) -> str:
    """``entry`` as given, once the graph shows its module and attribute."""
    module, sep, attr = entry.partition(":")
    if not sep or not module or not attr:
        raise SplitterError(f"--entry {entry!r} must look like module:attribute (e.g. shop.web:application)")
    if module not in modules:
        raise SplitterError(f"--entry {entry!r}: module {module!r} is not in the graph",
                            hint="give a dotted module name relative to the source root")
    reexported = any(u == module and attr in (d.get("names") or ())
                     for u, _, d in code_graph.edges_of_kind("imports"))
    if f"{module}.{attr}" not in code_graph.graph and not reexported:
        raise SplitterError(f"--entry {entry!r}: {module!r} defines no module-level {attr!r}",
                            hint="name the WSGI/ASGI application object")
    return entry


def _best_candidate(code_graph: CodeGraph, modules: set[str]) -> tuple[str, str] | None:
    """(module, attribute) of the likeliest app object (see :func:`find_entry`)."""
    candidates: list[tuple[int, int, int, str, str]] = []
    for node, data in code_graph.graph.nodes(data=True):
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
    return best[3], best[4]


def entry_package(entry_module: str, modules: Sequence[str]) -> frozenset[str]:
    """The entry module's package (when the entry module is a package, or sits in a package below the top level),
    else the entry module alone."""
    is_package = any(m.startswith(entry_module + ".") for m in modules)
    package = entry_module if is_package else entry_module.rpartition(".")[0]
    if "." not in package:
        return frozenset({entry_module})
    return frozenset(m for m in modules if m == package or m.startswith(package + "."))


def edge_modules(code_graph: CodeGraph, owner: Mapping[str, str], entry_module: str, *,
                 exclude: frozenset[str] = frozenset(), copied: frozenset[str] = frozenset()) -> frozenset[str]:
    """The web edge: the entry's package, and every module only the edge uses that holds no domain logic.

    The gateway is routing, request parsing and handlers; a domain's logic stays with its models and the tables it
    owns. A module that only the edge uses joins it when it sits at the top level of the source (a subpackage is a
    domain's, or a layer's, as ``shop.reports`` or ``helpdesk.services`` are) and it is not domain logic:

    - it reads or writes no table itself, and
    - it is not the way in to a domain's data: at most half of the data modules it calls are called by nothing else
      (a handler reaches the data of several domains that other code uses too; a package ``__init__`` that
      re-exports a module does not count as another user of it);

    unless it needs nothing but the edge and copied code (``copied``: infrastructure, pure modules): then its data
    is the edge's own (the shop's logical clock, a session table), and it stays with the edge.
    ``exclude``: modules that never join (pinned, infrastructure).
    """
    modules = code_graph.nodes_of_kind("module")
    module_set = set(modules)
    edge = set(entry_package(entry_module, modules))
    users = dependents(code_graph, owner)
    data = {owner[u] for u, _, d in code_graph.edges_of_kind("uses_table")
            if u in owner and (d.get("access") or set(d.get("ops") or ()) & set(ACCESS_OF_OP))}
    changed = True
    while changed:
        changed = False
        for module in modules:
            if module in edge or module in exclude or not users.get(module) or not users[module] <= edge:
                continue
            if _enclosing(module, module_set) is not None:
                continue
            logic = module in data or _way_in(module, data, users)
            if not logic or _leaf(module, users, edge | copied):
                edge.add(module)
                changed = True
    return frozenset(edge)



def _leaf(module: str, users: Mapping[str, set[str]], allowed: set[str] | frozenset[str]) -> bool:
    """``module`` depends on nothing outside ``allowed``."""
    return all(module not in who or used in allowed for used, who in users.items())


def _way_in(module: str, data: set[str], users: Mapping[str, set[str]]) -> bool:
    """``module`` is how the rest reaches a domain's data (see :func:`edge_modules`)."""
    reached = [d for d, who in users.items() if d in data and module in who]
    exclusive = [d for d in reached if {u for u in users[d] if not d.startswith(u + ".")} <= {module}]
    return bool(reached) and 2 * len(exclusive) >= len(reached)


def _enclosing(module: str, modules: set[str]) -> str | None:
    """The package ``module`` belongs to (itself when it is a package), or None at the top level."""
    is_package = any(m.startswith(module + ".") for m in modules)
    package = module if is_package else module.rpartition(".")[0]
    return package if "." in package else None
