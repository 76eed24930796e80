"""A plan using both seams: edge services (routes; the whole app) and interior services (pure domain modules,
served over RPC by the kit's function-call seam).

The edge services are resolved together as one owner (:data:`EDGE`): every module no interior service (and no
``shared`` pattern) claims. Their code's uses of an interior service's modules become RPC stubs, written over those
modules' files in every edge tree, so the edge replicas call the interior service. Each interior service is built
as in an interior split (its modules, the shared ones it uses, stubs of other interior services). What cannot be
split is refused with the crossing rule's lines (cleave/crossing, the edge code counted as one service) and the
resolver's file:line messages; an interior service that uses the app's own code (which
stays at the edge) is refused too: it would have to call back into the edge services, which serve HTTP routes,
not functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from packager.crossings import GraphRule, refuse_unsafe_crossings
from packager.errors import PackagerError, StubError
from packager.resolve import Resolver
from packager.servicecode import ServiceCode, Symbols
from packager.sources import SourceIndex
from packager.stubgen import render_stub

EDGE: Final = "(edge services)"
"""The owner of every module no interior service claims: the edge services, which hold the whole tree."""


@dataclass(frozen=True)
class MixedCode:
    """What the build writes for a mixed plan: the edge trees' stubs and RPC calls, each interior service's code."""

    index: SourceIndex
    edge_stubs: Mapping[str, bytes]
    """Module -> the stub written over its file in every edge tree."""
    edge_calls: tuple[str, ...]
    interior: Mapping[str, ServiceCode]
    interfaces: Mapping[str, tuple[str, ...]]


def resolve_mixed(src: Path, plan: Plan, code_graph: CodeGraph | None) -> MixedCode:
    """Resolve the edge code against the interior services, and each interior service (see the module docs)."""
    index = SourceIndex.scan(src, code_graph)
    claimed = plan.assign(index.modules)
    owners = {module: claimed.get(module, EDGE) for module in index.modules}
    interior = [s.name for s in plan.services if not s.is_edge]
    if code_graph is not None:  # the crossing rule `cleave split` applies, edge code and interior services alike
        refuse_unsafe_crossings(code_graph, plan, owners)
    accepted = frozenset(b.target for b in plan.boundaries if b.how == "blocker" and b.accepted)
    symbols = Symbols(index)
    resolvers = {name: Resolver(index, symbols, owners, name, accepted) for name in (EDGE, *interior)}
    rule = GraphRule(code_graph, owners) if code_graph is not None else None
    for resolver in resolvers.values():
        resolver.rule = rule
    codes = {name: resolver.run() for name, resolver in resolvers.items()}
    problems = [problem for code in codes.values() for problem in code.errors]
    if problems:
        raise StubError(sorted(dict.fromkeys(problems)), path=plan.origin)
    for name in interior:
        back = sorted(qualname for qualname, owner in codes[name].rpc.items() if owner == EDGE)
        if back:
            service = plan.service(name)
            raise PackagerError(
                f"interior service {name!r} uses {back[0]}" + (f" (and {len(back) - 1} more)" if len(back) > 1 else "")
                + ", which stays in the edge services: they serve routes, not functions",
                path=plan.origin, line=service.line,
                hint=f"add {back[0].rsplit('.', 1)[0]} to {name!r} (or to `shared`), or keep the modules of {name!r} "
                     "in the edge services")
    interfaces: dict[str, set[str]] = {name: set() for name in interior}
    for code in codes.values():
        for qualname, owner in code.rpc.items():
            if owner in interfaces:
                interfaces[owner].add(qualname)
    edge = codes[EDGE]
    stubs = {module: render_stub(index, stub).encode("utf-8") for module, stub in sorted(edge.stubs.items())}
    return MixedCode(index=index, edge_stubs=stubs, edge_calls=tuple(sorted(set(edge.rpc.values()))),
                     interior={name: codes[name] for name in interior},
                     interfaces={name: tuple(sorted(found)) for name, found in interfaces.items()})


def write_edge_stubs(root: Path, mixed: MixedCode) -> None:
    """Replace the interior modules the edge code uses by their stubs in one edge tree."""
    for module, data in mixed.edge_stubs.items():
        target = root / mixed.index.modules[module].relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
