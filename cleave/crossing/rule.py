"""The one rule for what may cross between services: ``rpc``, ``shared`` (a copy) or ``blocker``, with why.

Both ``cleave split`` (splitter/boundaries.py) and ``cleave build`` (packager/build.py) call :func:`classify`, so a
plan gets the same blockers whoever wrote it. A use from one service of a node of another is:

- ``shared``: the node is in a shared module (copied), or is a value class (dataclass, NamedTuple, enum, exception,
  TypedDict: copied, the codec carries its instances), a method of one, or a module global nobody writes whose
  value is a constant, a container literal, a value-class instance or an alias (copied).
- ``rpc``: a plain function call whose parameters and result are data as far as the analyzer can tell.
- ``blocker`` (file:line and why): inheritance from a class that is not a value class; instantiating such a class
  or calling its methods; writing another service's global, or reading one somebody writes; a global whose value
  is an object, a resource, a callable or unknown; a call passing a callable, a file or a generator, to a
  generator function, to a function that returns or takes a resource, a callable or an object
  (``returns_kind``, ``param_kinds``, valueflow's ``returns_callable`` and ``passes_callable``); a write to a
  table another service owns (cleave/crossing/tables.py); a shared module holding state written at run time
  (cleave/crossing/state.py).

A shared module is copied into every service that uses it, so its own uses of a service's code are crossings
like any other (a constant copied, a function called over RPC from each copy), judged by the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cleave.crossing import kinds as K
from cleave.crossing.state import shared_state
from cleave.crossing.tables import foreign_uses, table_uses
from cleave.crossing.view import View
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, BoundaryKind

ORDER: Final = {"blocker": 0, "rpc": 1, "shared": 2}
COPIED_VALUES: Final = frozenset({"constant", "container", "alias", "class", "value"})
"""Variable value kinds (analyzer/kinds.py) a stub may copy when nobody writes the global."""

Verdict = tuple[BoundaryKind, str]


@dataclass(frozen=True)
class Use:
    """One edge from service ``source_service`` into service ``target_service``."""

    source: str
    target: str
    kind: str
    data: Mapping[str, Any]
    source_service: str
    target_service: str


def _value_class(view: View, node: str) -> bool:
    return view.value_kind(node) in K.VALUE_KINDS


def _inherits(view: View, use: Use) -> Verdict:
    if _value_class(view, use.target):
        return "shared", f"{use.target} is a value type (copied into service {use.source_service})"
    return "blocker", (f"class {use.source} (service {use.source_service}) inherits from {use.target} of service "
                       f"{use.target_service} (keep both classes in one service, or make the base a value class)")


def variable_problem(view: View, node: str) -> str | None:
    """Why the module global ``node`` cannot be copied into another service (``None``: it can)."""
    writers = sorted({w for w, _ in view.writers.get(node, ())})
    if writers:
        return f"is a module global written at run time (by {', '.join(writers[:3])})"
    data = view.node(node)
    kind = data.get("value_kind")
    if kind in COPIED_VALUES:
        return None
    what = f" ({data['value_type']})" if data.get("value_type") else ""
    if kind == "resource":
        return f"is a resource{what}: it cannot be copied or sent"
    if kind == "instance":
        return f"is an object{what}, not plain data: each service would build its own, without its state"
    if kind == "callable":
        return "is a callable: code cannot be sent to another service"
    return "holds a value cleave cannot classify (not a literal, a value class or an alias)"


def _reads(view: View, use: Use) -> Verdict:
    if view.node(use.target).get("kind") == "class":
        return _instantiates(view, use)
    if view.node(use.target).get("kind") != "variable":
        return "blocker", (f"{use.target} of service {use.target_service} is read in service {use.source_service}: "
                           "a non-function crossing (keep them in one service)")
    problem = variable_problem(view, use.target)
    if problem is None:
        return "shared", f"module constant {use.target} is never written: copied into service {use.source_service}"
    return "blocker", (f"{use.target} of service {use.target_service} {problem} (keep its users in its service, "
                       "make its module infrastructure or shared, or pass the data as an argument)")


def call_problem(view: View, node: str) -> str | None:
    """Why a call to the function ``node`` cannot go over the wire (``None``: it can)."""
    data = view.node(node)
    returns = data.get("returns_kind")
    if data.get("is_generator") or returns in ("generator", "iterator"):
        managed = any(str(d).endswith("contextmanager") for d in data.get("decorators") or ())
        what = "a context manager (a generator underneath)" if managed else f"a {returns or 'generator'}"
        return f"returns {what}: its lazy results cannot cross services"
    if returns is not None:
        return f"returns a {returns}, which cannot cross services"
    if view.returns_callable.get(node):
        return f"returns a function ({', '.join(sorted(view.returns_callable[node])[:3])}): code cannot cross"
    params = data.get("param_kinds") or {}
    if params:
        taken = ", ".join(f"{p} ({k})" for p, k in sorted(params.items()))
        return f"takes {taken}, which cannot be sent over the wire"
    return None


def _instantiates(view: View, use: Use) -> Verdict:
    if _value_class(view, use.target):
        return "shared", f"{use.target} is a value type (copied into service {use.source_service})"
    return "blocker", (f"class {use.target} of service {use.target_service} is instantiated in service "
                       f"{use.source_service} (objects cannot cross services; share the class or keep them together)")


def _calls(view: View, use: Use) -> Verdict:
    target, data = use.target, view.node(use.target)
    here, there = use.source_service, use.target_service
    if data.get("kind") == "class":
        return _instantiates(view, use)
    passes = sorted(use.data.get("passes") or ())
    if passes:
        return "blocker", (f"the call passes a {' and a '.join(passes)} to {target} of service {there}, which "
                           "cannot be serialized (keep both in one service, or pass data instead)")
    problem = call_problem(view, target)
    if problem is not None:
        return "blocker", f"{target} of service {there} {problem} (keep caller and callee in one service, or " \
                          "make it take and return plain data)"
    parent = view.parent.get(target)
    if data.get("is_method") and parent is not None and _value_class(view, parent):
        return "shared", f"method of value type {parent} (copied into service {here})"
    if data.get("is_method"):
        return "blocker", (f"method {target} of a class of service {there} is called from service {here}: the "
                           "object would have to cross (keep them in one service, or make the class a value class)")
    return "rpc", f"function call to service {there}"


def _writes(view: View, use: Use) -> Verdict:
    return "blocker", (f"module global {use.target} of service {use.target_service} is written from service "
                       f"{use.source_service} (keep the writers in one service, or call a function of the owner)")


def _imported(view: View, use: Use) -> Verdict:
    """``from module import name`` of another service's ``name`` that no other edge judged: what the stub module
    would have to provide (a copy of a constant or value class, an RPC function)."""
    kind = view.node(use.target).get("kind")
    if kind == "variable":
        return _reads(view, use)
    if kind == "class" and not _value_class(view, use.target):
        return "blocker", (f"class {use.target} of service {use.target_service} is imported in service "
                           f"{use.source_service}: it is not a value class, so neither it nor its instances can cross "
                           "(keep them in one service, or make it a value class)")
    if kind == "class":
        return _instantiates(view, use)
    problem = call_problem(view, use.target)
    if problem is not None:
        return "blocker", f"{use.target} of service {use.target_service} {problem} (keep caller and callee in one " \
                          "service, or make it take and return plain data)"
    return "rpc", f"function of service {use.target_service} (served by a stub)"


RULES: Final[dict[str, Callable[[View, Use], Verdict]]] = {
    "inherits": _inherits, "reads": _reads, "calls": _calls, "writes": _writes,
}


class _Found:
    """Boundaries collected so far: the first per (source module, target, how), and the module pairs seen."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], tuple[BoundaryKind, str, str | None]] = {}
        self.pairs: set[tuple[str, str]] = set()

    def add(self, source: str, target: str, verdict: Verdict, where: str | None, pair: tuple[str, str]) -> None:
        self.pairs.add(pair)
        self.items.setdefault((source, target, verdict[0]), (verdict[0], verdict[1], where))

    def covers(self, source: str, target: str) -> bool:
        """Whether some boundary from ``source`` to ``target`` was found already."""
        return any((source, target, how) in self.items for how in ORDER)

    def boundaries(self, previous: Iterable[Boundary]) -> tuple[Boundary, ...]:
        accepted = {(b.source, b.target, b.how) for b in previous if b.accepted}
        blocked = {(s, t) for (s, t, how) in self.items if how == "blocker"}
        out = [Boundary(source=s, target=t, how=how, why=why, where=where, accepted=(s, t, how) in accepted)
               for (s, t, _), (how, why, where) in self.items.items() if how == "blocker" or (s, t) not in blocked]
        return tuple(sorted(out, key=lambda b: (ORDER[b.how], b.source, b.target)))


Import = tuple[Use, str | None]
"""An imports edge between services, and where it is."""


def _edge(view: View, found: _Found, imports: list[Import], edge: tuple[str, str, str, Mapping[str, Any]]) -> None:
    u, v, key, data = edge
    if key == "passes_callable":  # where the callable lives does not matter: where it is passed to does
        _passes_callable(view, found, u, v, data)
        return
    mu, mv = view.owner.get(u), view.owner.get(v)
    su, sv = view.service(u), view.service(v)
    if mu is None or mv is None or su is None or sv is None or su == sv:
        return
    where = view.where(u, data.get("lines"))
    if sv == "":
        found.add(mu, mv, ("shared", "pure module, copied into every service that uses it"), where, (mu, mv))
    elif key == "imports":
        imports.append((Use(mu, mv, key, data, su or "(shared)", sv), where))
    elif key in RULES:  # from a shared module: as from each service it is copied into
        use = Use(u, v, key, data, su or "(shared)", sv)
        found.add(mu, v, RULES[key](view, use), where, (mu, mv))


def _import(view: View, found: _Found, use: Use, where: str | None) -> None:
    """The names an import takes from another service's module, each judged unless another edge was; else the
    module itself (a stub module stands in for it)."""
    module, target = use.source, use.target
    if not use.data.get("type_checking"):
        for name in use.data.get("names") or ():
            node = f"{target}.{name}"
            if view.node(node).get("kind") in ("variable", "class", "function") and not found.covers(module, node):
                found.add(module, node, _imported(view, Use(module, node, "imports", use.data, use.source_service,
                                                            use.target_service)), where, (module, target))
    if (module, target) not in found.pairs:
        found.add(module, target, ("rpc", f"imports {target} of service {use.target_service} (served by a stub "
                                          "module)"), where, (module, target))


def _passes_callable(view: View, found: _Found, u: str, v: str, data: Mapping[str, Any]) -> None:
    """valueflow's ``passes_callable``: ``u`` passes ``v`` to the callees ``to``; one in another service blocks."""
    here, mu = view.service(u), view.owner.get(u)
    if mu is None or here is None:
        return
    for callee in data.get("to") or ():
        there = view.service(str(callee))
        if there and there != here:
            what = "bound method" if data.get("bound") else "callable"
            why = f"passes the {what} {v} to {callee} of service {there}: code cannot be sent over the wire"
            found.add(mu, str(callee), ("blocker", why), view.where(u, data.get("lines")), (mu, str(callee)))


def classify(code_graph: CodeGraph, service_of: Mapping[str, str], previous: Iterable[Boundary] = (), *,
             owner: Mapping[str, str] | None = None,
             infrastructure: frozenset[str] = frozenset()) -> tuple[Boundary, ...]:
    """Every crossing of the assignment ``service_of`` (module -> service, ``""`` shared), blockers first.

    ``accepted`` flags of ``previous`` boundaries with the same source, target and kind are kept. ``owner`` maps
    code nodes to their module (computed when not given); ``infrastructure`` modules (copied into every service
    on purpose: a connection helper, a cache) may hold per-process state.
    """
    view = View(code_graph, service_of, owner or {})
    found = _Found()
    imports: list[Import] = []
    edges = sorted(code_graph.graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2]))
    for edge in edges:
        if edge[2] not in ("contains", "uses_package", "uses_table"):
            _edge(view, found, imports, edge)
    for use, where in imports:
        _import(view, found, use, where)
    for table_use, why in foreign_uses(table_uses(code_graph, view.service)):
        module = view.owner.get(table_use.source, table_use.source)
        found.add(module, table_use.table, ("blocker", why), view.where(table_use.source, table_use.lines),
                  (module, table_use.table))
    for state in shared_state(view, infrastructure):
        found.add(state.module, state.variable, ("blocker", state.why()), view.where(state.variable),
                  (state.module, state.variable))
    return found.boundaries(previous)
