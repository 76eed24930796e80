"""Every dependency that crosses services, classified ``rpc``, ``shared`` or ``blocker``, with why and where.

Blockers (the split cannot work as is; fix the code, move the module, or mark the boundary ``accepted``):
    - a class inheriting from a class of another service
    - a module global written in one service and read or written in another (each side would see its own copy)
    - an SQL table used by two services (a transaction would span services)
    - a call that passes a callable or an open file, or a call to a generator function (cannot go over the wire)
    - a non-function crossing: instantiating another service's class that is not a value type, calling a method
      of such a class
``shared``: a use of a shared (pure, copied) module, of a value type (dataclass, enum, exception, TypedDict:
the packager copies them), or of a module constant nobody writes. ``rpc``: a plain function call, served by a stub.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, BoundaryKind

ORDER = {"blocker": 0, "rpc": 1, "shared": 2}
VALUE_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "TypedDict", "NamedTuple", "Exception",
                         "BaseException", "ValueError", "KeyError", "LookupError", "RuntimeError", "TypeError"})


def value_classes(code_graph: CodeGraph) -> set[str]:
    """Classes the packager copies into the caller's service instead of calling them: dataclasses, enums,
    exceptions, TypedDicts, NamedTuples, and subclasses of those (as the packager's value rules do)."""
    graph = code_graph.graph
    values: set[str] = set()
    for node, data in graph.nodes(data=True):
        if data.get("kind") != "class":
            continue
        decorators = [str(d).rsplit(".", 1)[-1] for d in data.get("decorators") or ()]
        bases = [str(b).split("[", 1)[0].rsplit(".", 1)[-1] for b in data.get("bases") or ()]
        if "dataclass" in decorators or any(b in VALUE_BASES or b.endswith(("Error", "Exception")) for b in bases):
            values.add(node)
    changed = True
    while changed:
        changed = False
        for u, v, _ in code_graph.edges_of_kind("inherits"):
            if v in values and u not in values:
                values.add(u)
                changed = True
    return values


@dataclass(frozen=True)
class _Found:
    source: str
    target: str
    how: BoundaryKind
    why: str
    where: str | None


def _where(code_graph: CodeGraph, node: str, module: str, lines: Iterable[int] | None) -> str | None:
    graph = code_graph.graph
    file = graph.nodes[node].get("file") if node in graph else None
    if file is None and module in graph:
        file = graph.nodes[module].get("file")
    if file is None:
        return None
    first = next(iter(sorted(lines or ())), None)
    if first is None:
        first = graph.nodes[node].get("line") if node in graph else None
    return f"{file}:{first}" if first is not None else str(file)


def classify(code_graph: CodeGraph, owner: Mapping[str, str], service_of: Mapping[str, str],
             previous: Iterable[Boundary] = ()) -> tuple[Boundary, ...]:
    """Boundaries for the assignment ``service_of`` (module -> service, ``""`` = shared); blockers first.

    ``accepted`` flags of ``previous`` boundaries with the same from/to/how are kept.
    """
    graph = code_graph.graph
    values = value_classes(code_graph)
    parent = {v: u for u, v, _ in code_graph.edges_of_kind("contains")}
    writers: dict[str, set[str]] = defaultdict(set)
    for u, v, _ in code_graph.edges_of_kind("writes"):
        mu = owner.get(u)
        if mu is not None and mu in service_of:
            writers[v].add(service_of[mu] or "shared")
    found: dict[tuple[str, str, str], _Found] = {}
    pairs_covered: set[tuple[str, str]] = set()
    imports: list[tuple[str, str, str | None]] = []

    def add(source: str, target: str, how: BoundaryKind, why: str, where: str | None, *,
            pair: tuple[str, str]) -> None:
        pairs_covered.add(pair)
        key = (source, target, how)
        if key not in found:
            found[key] = _Found(source, target, how, why, where)

    table_users: dict[str, dict[str, list[tuple[str, str | None]]]] = defaultdict(lambda: defaultdict(list))
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        mu = owner.get(u)
        if mu is None or mu not in service_of:
            continue
        su = service_of[mu]
        where = _where(code_graph, u, mu, data.get("lines"))
        if key == "uses_table":
            table_users[v][su].append((mu, where))
            continue
        if key in ("contains", "uses_package"):
            continue
        mv = owner.get(v)
        if mv is None or mv not in service_of:
            continue
        sv = service_of[mv]
        if su == sv:
            continue
        pair = (mu, mv)
        target_kind = graph.nodes[v].get("kind")
        side = f"{sv or 'shared'!s}"
        if sv == "":
            add(mu, mv, "shared", "pure module, copied into every service that uses it", where, pair=pair)
            continue
        if su == "":
            add(mu, v, "blocker", f"shared module {mu} depends on {v} of service {side}; a shared module must "
                "only use shared code", where, pair=pair)
            continue
        if key == "imports":
            imports.append((mu, mv, where))
            continue
        if key == "inherits" and v in values:
            add(mu, v, "shared", f"{v} is a value type (copied into service {su})", where, pair=pair)
        elif key == "inherits":
            add(mu, v, "blocker", f"class {u} (service {su}) inherits from {v} of service {sv}", where, pair=pair)
        elif key == "writes":
            add(mu, v, "blocker", f"module global {v} of service {sv} is written from service {su}", where,
                pair=pair)
        elif key == "reads":
            if writers.get(v):
                sides = ", ".join(sorted(writers[v] | {sv}))
                add(mu, v, "blocker", f"module global {v} is written in service(s) {sides} and read in "
                    f"service {su}", where, pair=pair)
            elif target_kind == "variable":
                add(mu, v, "shared", f"module constant {v} is never written: copied into service {su}", where,
                    pair=pair)
            else:
                add(mu, v, "blocker", f"{v} of service {sv} is read in service {su} (a non-function crossing)",
                    where, pair=pair)
        elif key == "calls":
            passes = sorted(data.get("passes") or ())
            node = graph.nodes[v]
            if target_kind == "class" and v in values:
                add(mu, v, "shared", f"{v} is a value type (copied into service {su})", where, pair=pair)
            elif target_kind == "class":
                add(mu, v, "blocker", f"class {v} of service {sv} is instantiated in service {su} "
                    "(objects cannot cross services; share the class or keep them together)", where,
                    pair=pair)
            elif passes:
                add(mu, v, "blocker", f"the call passes a {' and a '.join(passes)} to {v} of service {sv}, "
                    "which cannot be serialized", where, pair=pair)
            elif node.get("is_generator"):
                managed = any(str(d).endswith("contextmanager") for d in node.get("decorators") or ())
                what = "a context manager (a generator underneath)" if managed else "a generator"
                add(mu, v, "blocker", f"{v} of service {sv} is {what}: its lazy results cannot cross services",
                    where, pair=pair)
            elif node.get("is_method") and parent.get(v) in values:
                add(mu, v, "shared", f"method of value type {parent[v]} (copied into service {su})", where,
                    pair=pair)
            elif node.get("is_method"):
                add(mu, v, "blocker", f"method {v} of a class of service {sv} is called from service {su}: "
                    "the object would have to cross", where, pair=pair)
            else:
                add(mu, v, "rpc", f"function call to service {sv}", where, pair=pair)
    for mu, mv, where in imports:
        if (mu, mv) not in pairs_covered:
            add(mu, mv, "rpc", f"imports {mv} of service {service_of[mv]} (served by a stub module)", where,
                pair=(mu, mv))
    for table, by_service in sorted(table_users.items()):
        services = sorted(s or "shared" for s in by_service)
        if len(services) < 2:
            continue
        for service, uses in sorted(by_service.items()):
            for module, where in sorted(set(uses), key=lambda x: (x[0], x[1] or ""))[:1]:
                add(module, table, "blocker", f"table {table.removeprefix('table:')} is used by services "
                    f"{', '.join(services)} (shared data: a transaction would span services)", where,
                    pair=(module, service))
    accepted = {(b.source, b.target, b.how) for b in previous if b.accepted}
    out = [Boundary(source=f.source, target=f.target, how=f.how, why=f.why, where=f.where,
                    accepted=(f.source, f.target, f.how) in accepted) for f in found.values()]
    return tuple(sorted(out, key=lambda b: (ORDER[b.how], b.source, b.target)))
