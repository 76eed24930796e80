"""``build_edge_services``: the trees of a plan split at the edge (packager/edge.py says what each holds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cleave.formats.atomic import staged_directory
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from packager.edge import EDGE_HEALTH_PATH, EdgeRouting, database_json, edge_routing, service_json, write_edge_tree
from packager.errors import PackagerError
from packager.requirements import Distributions, package_edges, service_requirements
from packager.sources import SourceIndex

TZDATA = "tzdata"
"""Every edge image gets the time-zone database: Django with ``USE_TZ`` fails on every datetime without it."""


@dataclass(frozen=True)
class EdgeTree:
    """One edge service's tree as written (packager.build turns it into a ServiceBuild)."""

    name: str
    path: Path
    modules: tuple[str, ...]
    requirements: tuple[str, ...]
    distributions: tuple[str, ...]
    entry: str | None
    health_path: str = EDGE_HEALTH_PATH


def edge_distributions(code_graph: CodeGraph, modules: list[str]) -> set[str]:
    """Canonical names of what the whole tree imports (settings strings included, as the analyzer marks them)."""
    return package_edges(code_graph, modules) | {TZDATA}


def refuse_mixed(plan: Plan) -> None:
    """A plan mixing both seams is not built yet: the first interior service, at its line, says why and what to do.

    Edge services hold the whole source tree and run it in process; an interior service's modules would need RPC
    stubs in every edge tree (and its calls back into the app refused), which the edge build does not write. Built
    as is, the interior service would run beside copies of its own modules that every edge service keeps calling
    in process: a service that nothing calls, not a split."""
    interior = [s for s in plan.services if not s.is_edge]
    if not interior:
        return
    first = interior[0]
    edge = next(s.name for s in plan.services if s.is_edge)
    others = f" (and {', '.join(s.name for s in interior[1:])})" if len(interior) > 1 else ""
    raise PackagerError(
        f"service {first.name!r}{others} is interior (modules over RPC) in a plan whose service {edge!r} is at "
        "the edge (routes): one plan cannot use both seams yet (edge services run the whole source tree in "
        "process, so the interior service's modules would still run inside every edge service)",
        path=plan.origin, line=first.line,
        hint="give it routes (seam: edge), or remove it (its modules stay in the edge services), or split the "
             "whole app at function calls (cleave split --seam interior)")


def build_edge_services(src: Path, plan: Plan, code_graph: CodeGraph | None, out: Path, *, kit: Path,
                        kit_package: str) -> tuple[list[EdgeTree], EdgeRouting, list[str]]:
    """Write ``out/services/<name>/`` for every (edge) service: (trees, routing, warnings)."""
    if code_graph is None:
        raise PackagerError("an edge build needs the analyzer's graph (its routes)", path=plan.origin,
                            hint="run `cleave build SRC` without --graph, or pass the graph.json of SRC")
    refuse_mixed(plan)
    routing = edge_routing(plan, code_graph)
    index = SourceIndex.scan(src, code_graph)
    modules = sorted(index.modules)
    distributions = Distributions(src, code_graph)
    names = edge_distributions(code_graph, modules)
    builds: list[EdgeTree] = []
    with staged_directory(out / "services") as staging:
        for service in plan.services:
            own = names | {canonicalize_name(Requirement(line).name) for line in service.requirements}
            requirements = service_requirements(distributions, own, service.requirements, plan.origin)
            document = service_json(service.name, plan, routing, database_json(plan, service, code_graph, src),
                                    requirements)
            write_edge_tree(staging / service.name, src, document, kit, kit_package)
            builds.append(EdgeTree(name=service.name, path=out / "services" / service.name, modules=tuple(modules),
                                   requirements=tuple(requirements), distributions=tuple(sorted(own)),
                                   entry=plan.entry))
    warnings = [f"edge services hold the whole source tree of {src} (pruning per service is not proven safe)"]
    return builds, routing, warnings
