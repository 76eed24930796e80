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


def build_edge_services(src: Path, plan: Plan, code_graph: CodeGraph | None, out: Path, *, kit: Path,
                        kit_package: str) -> tuple[list[EdgeTree], EdgeRouting, list[str]]:
    """Write ``out/services/<name>/`` for every (edge) service: (trees, routing, warnings)."""
    if code_graph is None:
        raise PackagerError("an edge build needs the analyzer's graph (its routes)", path=plan.origin,
                            hint="run `cleave build SRC` without --graph, or pass the graph.json of SRC")
    interior = [s.name for s in plan.services if not s.is_edge]
    if interior:
        raise PackagerError(f"services {', '.join(interior)} are interior (modules over RPC) in a plan split at "
                            "the edge; this build runs edge services only", path=plan.origin,
                            hint="give them routes (seam: edge) or split without routes (--seam interior)")
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
