"""``build_edge_services``: the trees of a plan split at the edge (packager/edge.py says what each holds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cleave.formats.atomic import staged_directory as staging_for
from cleave.formats.graph import PACKAGE_PREFIX, CodeGraph
from cleave.formats.plan import Plan
from packager.appenv import optional_everywhere
from packager.edge import EDGE_HEALTH_PATH, EdgeRouting, database_json, edge_routing, service_json, write_edge_tree
from packager.edge_mixed import MixedCode, resolve_mixed, write_edge_stubs
from packager.errors import PackagerError
from packager.requirements import Distributions, package_edges, service_requirements
from packager.service_tree import ServiceBuild, interior_build, write_tree
from packager.servicecode import ServiceCode
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
    stubs: tuple[str, ...] = ()
    """A mixed plan's interior modules the tree holds as RPC stubs (packager/edge_mixed.py)."""
    calls: tuple[str, ...] = ()
    """The interior services those stubs call."""


def edge_distributions(code_graph: CodeGraph, modules: list[str]) -> set[str]:
    """Canonical names of what the whole tree imports (settings strings included, as the analyzer marks them)."""
    return package_edges(code_graph, modules) | {TZDATA}


def _installed(code_graph: CodeGraph, name: str) -> bool:
    """Whether the analyzed environment has distribution ``name`` (the graph's package node has a version)."""
    return bool(code_graph.graph.nodes.get(PACKAGE_PREFIX + name, {}).get("version"))


def _interior_codes(mixed: MixedCode | None) -> list[tuple[str, ServiceCode, tuple[str, ...]]]:
    return [(name, code, mixed.interfaces[name]) for name, code in mixed.interior.items()] if mixed else []


def build_edge_services(src: Path, plan: Plan, code_graph: CodeGraph | None, out: Path, *, kit: Path,
                        kit_package: str) -> tuple[list[EdgeTree], EdgeRouting, list[str], list[ServiceBuild]]:
    """Write ``out/services/<name>/`` for every service: (edge trees, routing, warnings, a mixed plan's interior
    services)."""
    if code_graph is None:
        raise PackagerError("an edge build needs the analyzer's graph (its routes)", path=plan.origin,
                            hint="run `cleave build SRC` without --graph, or pass the graph.json of SRC")
    routing = edge_routing(plan, code_graph)
    mixed = resolve_mixed(src, plan, code_graph) if any(not s.is_edge for s in plan.services) else None
    index = mixed.index if mixed is not None else SourceIndex.scan(src, code_graph)
    modules = sorted(index.modules)
    distributions = Distributions(src, code_graph)
    names = {name for name in edge_distributions(code_graph, modules)
             if _installed(code_graph, name) or not optional_everywhere(code_graph, name)}
    builds: list[EdgeTree] = []
    interior: list[ServiceBuild] = []
    with staging_for(out / "services") as staging:
        for service in (s for s in plan.services if s.is_edge):
            own = names | {canonicalize_name(Requirement(line).name) for line in service.requirements}
            requirements = service_requirements(distributions, own, service.requirements, plan.origin)
            document = service_json(service.name, plan, routing, database_json(plan, service, code_graph, src),
                                    requirements)
            if mixed is not None:
                document["calls"] = list(mixed.edge_calls)
            write_edge_tree(staging / service.name, src, document, kit, kit_package)
            if mixed is not None:
                write_edge_stubs(staging / service.name, mixed)
            builds.append(EdgeTree(name=service.name, path=out / "services" / service.name, modules=tuple(modules),
                                   requirements=tuple(requirements), distributions=tuple(sorted(own)),
                                   entry=plan.entry, stubs=tuple(mixed.edge_stubs) if mixed else (),
                                   calls=mixed.edge_calls if mixed else ()))
        for name, code, interface in _interior_codes(mixed):
            build = interior_build(name, plan, code, interface=interface, out=out,
                                   distributions=distributions, code_graph=code_graph)
            write_tree(staging / name, index, code, build, kit)
            interior.append(build)
    warnings = [f"edge services hold the whole source tree of {src} (pruning per service is not proven safe)"]
    return builds, routing, warnings, interior
