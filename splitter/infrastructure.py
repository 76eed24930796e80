"""Infrastructure is not a domain: the modules every service gets its own copy of.

The rule, as a migration engineer states it: *a module is infrastructure when what it holds is per process by
nature, so that a service running its own copy behaves exactly like one more replica of the monolith.* Each
replica of a monolith already opens its own database connections, reads the same configuration, sets up its own
logging and keeps its own thread-locals; a service that copies the module does the same, against the same
database and the same environment. Such a module is never a service of its own (the plan's ``db()`` helper as a
service would have to send a live connection over the wire) and never a reason to put two domains, or a domain and
the web edge, together: every domain uses it, so it says nothing about where domains part.

What counts, from the facts of the code graph (each evidence names the node that shows it):

- **connection, session and client factories**: a function returning a connection, cursor, session or socket
  (function ``returns_kind``), or a module-level engine, client or pool (variable ``value_kind: resource``);
- **thread-locals and context holders**: a module-level ``threading.local()`` or ``contextvars.ContextVar``;
- **logging setup**: a logger made or returned at module level (``logging.*`` values or return annotations);
- **configuration**: the settings module (``role: settings``) or a module that reads the environment and defines
  only values;
- **error types**: a module whose classes are all exceptions (``value_kind: exception``, else through ``bases``);
- **caches**: a memo: module-level containers written only by the module's own functions, filled with what
  callers compute (a callable passed from inside a function, never at import time).

And it must be a *leaf layer* that two or more modules use (a helper only one module uses is that module's own and
goes with it, as the shop's per-domain ``db`` modules do), or a copy would not behave the same:

- it depends on no project module except other infrastructure and pure code (what it needs is copied with it);
- it reads and writes no table (creating one, ``CREATE TABLE IF NOT EXISTS``, is allowed: every copy makes the same
  schema);
- nothing outside it writes its globals (that is shared mutable state, a blocker, not a per-process holder);
- no other module passes it a callable at import time: that is a *registry* (an event bus, a plugin table), whose
  callbacks are registered in one process and would never be called by a publisher in another.

The plan shows the result as ``infrastructure:`` (globs); once written, that list is the user's to edit and
``cleave split`` keeps it as written (delete the key to detect again).
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cleave.formats.graph import TABLE_PREFIX, CodeGraph
from splitter.dependencies import DEPENDENCY_KINDS

RESOURCE_RETURNS: Final = frozenset({"connection", "cursor", "session", "socket"})
"""``returns_kind`` values of a connection, session or client factory."""
HOLDER_TYPES: Final = frozenset({"local", "ContextVar"})
"""Last segments of ``value_type`` for thread-locals and context holders."""
EXCEPTION_NAMES: Final = frozenset(
    name for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException))
DDL_OPS: Final = frozenset({"create"})
ERROR_TYPES: Final = "error types"


@dataclass(frozen=True)
class Infrastructure:
    """The infrastructure modules and, for each, why (the evidence, or that the plan says so)."""

    modules: frozenset[str] = frozenset()
    why: Mapping[str, str] = field(default_factory=dict)

    @property
    def glue(self) -> frozenset[str]:
        """The modules left out of detection: every domain uses them, so their edges would pull domains together.
        Error types stay in it: a domain's own exceptions are part of what ties the domain together (a hub of
        them, used everywhere, is held out like any pure hub)."""
        return frozenset(m for m in self.modules if self.why.get(m) != ERROR_TYPES)


@dataclass
class _Module:
    """What the detector knows about one module."""

    name: str
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    deps: set[str] = field(default_factory=set)
    tables_used: bool = False
    written_from_outside: bool = False
    callables_at_import: bool = False
    callables_from_functions: bool = False
    written_by_itself: bool = False
    reads_env: bool = False

    def of_kind(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(node, data) for node, data in self.nodes.items() if data.get("kind") == kind]


def _gather(code_graph: CodeGraph, owner: Mapping[str, str]) -> dict[str, _Module]:
    modules = {m: _Module(m) for m in code_graph.nodes_of_kind("module")}
    for node, data in code_graph.graph.nodes(data=True):
        module = owner.get(node)
        if module in modules:
            modules[module].nodes[node] = data
    for u, v, key, data in code_graph.graph.edges(keys=True, data=True):
        _note_edge(modules, owner, code_graph, (u, v, key), data)
    return modules


def _note_edge(modules: Mapping[str, _Module], owner: Mapping[str, str], code_graph: CodeGraph,
               edge: tuple[str, str, str], data: Mapping[str, Any]) -> None:
    u, v, key = edge
    user, used = owner.get(u), owner.get(v)
    if user is None or user not in modules:
        return
    if key == "uses_table" and str(v).startswith(TABLE_PREFIX):
        modules[user].tables_used |= not set(data.get("ops") or ()) <= DDL_OPS
    elif key == "reads_env":
        modules[user].reads_env = True
    if used is None or used not in modules or key not in DEPENDENCY_KINDS:
        return
    if used != user:
        modules[user].deps.add(used)
    if key == "writes":
        if used == user:
            modules[used].written_by_itself = True
        else:
            modules[used].written_from_outside = True
    if key == "calls" and used != user and "callable" in (data.get("passes") or ()):
        at_import = code_graph.graph.nodes[u].get("kind") == "module"
        if at_import:
            modules[used].callables_at_import = True
        else:
            modules[used].callables_from_functions = True


def _is_exception(node: str, data: Mapping[str, Any], classes: Mapping[str, Mapping[str, Any]],
                  seen: frozenset[str] = frozenset()) -> bool:
    kind = data.get("value_kind")
    if kind is not None:
        return bool(kind == "exception")
    for base in data.get("bases") or ():
        name = str(base)
        last = name.rsplit(".", 1)[-1]
        if last in EXCEPTION_NAMES or last.endswith(("Error", "Exception", "Warning")):
            return True
        project = next((c for c in classes if c.rsplit(".", 1)[-1] == last and c not in seen and c != node), None)
        if project is not None and _is_exception(project, classes[project], classes, seen | {node}):
            return True
    return False


def _types(data: Mapping[str, Any]) -> Iterable[str]:
    """Every qualified type name a node's facts mention (value type, annotations)."""
    if data.get("value_type"):
        yield str(data["value_type"])
    for names in (data.get("annotations") or {}).values():
        yield from (str(n) for n in (names if isinstance(names, list | tuple) else [names]))


def _evidence(info: _Module, classes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why ``info`` is infrastructure by what it holds, or None."""
    return _resource_evidence(info) or _declarative_evidence(info, classes)


def _resource_evidence(info: _Module) -> str | None:
    """Connection factories, clients, thread-locals and context holders, logging."""
    functions = info.of_kind("function")
    variables = info.of_kind("variable")
    found = [f"connection factory: {node} returns a {data['returns_kind']}" for node, data in functions
             if data.get("returns_kind") in RESOURCE_RETURNS]
    for node, data in variables:
        value_type = str(data.get("value_type") or "")
        if value_type.rsplit(".", 1)[-1] in HOLDER_TYPES:
            found.append(f"per-thread holder: {node} is a {value_type}")
        elif data.get("value_kind") == "resource":
            found.append(f"client or engine: {node}" + (f" is a {value_type}" if value_type else ""))
    if any(t.startswith("logging.") for _, data in [*functions, *variables] for t in _types(data)):
        found.append("logging setup")
    return found[0] if found else None


def _declarative_evidence(info: _Module, classes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Configuration, error types, a memo cache."""
    functions = [(n, d) for n, d in info.of_kind("function") if not d.get("is_method")]
    own_classes = info.of_kind("class")
    if info.nodes.get(info.name, {}).get("role") == "settings":
        return "configuration (the settings module)"
    if info.reads_env and not own_classes and not functions:
        return "configuration (reads the environment)"
    if own_classes and not functions and all(_is_exception(n, d, classes) for n, d in own_classes):
        return ERROR_TYPES
    if info.written_by_itself and info.callables_from_functions and not info.callables_at_import:
        return "cache: a memo its callers fill"
    return None


def _disqualified(info: _Module) -> bool:
    """State others fill, tables it reads or writes: a copy would not behave the same."""
    return info.tables_used or info.written_from_outside or info.callables_at_import


def detect(code_graph: CodeGraph, owner: Mapping[str, str], *, pure: frozenset[str] = frozenset(),
           exclude: frozenset[str] = frozenset()) -> Infrastructure:
    """The infrastructure modules of ``code_graph`` (see the module docstring).

    ``owner``: node -> its module (splitter/units.py ``module_owners``); ``pure``: modules that are copied anyway
    (an infrastructure module may depend on them); ``exclude``: modules that are never infrastructure (the entry
    module, modules the user pinned to a service).
    """
    modules = _gather(code_graph, owner)
    classes = {n: d for info in modules.values() for n, d in info.of_kind("class")}
    why: dict[str, str] = {}
    for name, info in sorted(modules.items()):
        if name in exclude or _disqualified(info):
            continue
        found = _evidence(info, classes)
        if found is not None:
            why[name] = found
    used_by: dict[str, set[str]] = defaultdict(set)
    for name, info in modules.items():
        for dep in info.deps:
            used_by[dep].add(name)
    changed = True
    while changed:  # a leaf layer (it needs only infrastructure and pure code) that two or more modules use
        changed = False
        for name in sorted(why):
            alone = len(used_by[name]) < 2 and not used_by[name] & set(why)  # one user's own helper goes with it
            if alone or any(dep not in why and dep not in pure for dep in modules[name].deps):
                del why[name]
                changed = True
    return Infrastructure(modules=frozenset(why), why=why)


def from_plan(modules: Iterable[str], listed: frozenset[str]) -> Infrastructure:
    """What the plan's ``infrastructure:`` list says (the user's word: no evidence asked)."""
    chosen = frozenset(m for m in modules if m in listed)
    return Infrastructure(modules=chosen, why=dict.fromkeys(sorted(chosen), "listed in the plan's infrastructure"))


def without(code_graph: CodeGraph, modules: frozenset[str], owner: Mapping[str, str]) -> CodeGraph:
    """``code_graph`` without ``modules`` and everything they define: the graph the services are detected on, in
    which a helper every domain uses pulls no domain towards another."""
    if not modules:
        return code_graph
    dropped = [node for node in code_graph.graph.nodes if owner.get(node) in modules or node in modules]
    graph = code_graph.graph.copy()
    graph.remove_nodes_from(dropped)
    return CodeGraph(graph=graph, diagnostics=code_graph.diagnostics, source=code_graph.source,
                     analyzer=code_graph.analyzer, meta=code_graph.meta)

