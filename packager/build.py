"""``build_services``: one source tree per service under ``BUILD/services/<name>/``.

Each tree holds the service's own modules byte for byte, the shared modules it uses, a generated stub for every
module of another service it imports, the kit (``cleave_kit``), ``service.json``, ``requirements.txt`` and a
``Dockerfile``. Nothing is written unless every service builds (the folder is staged, then renamed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleave.formats.atomic import staged_directory
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from packager.crossings import GraphRule, refuse_unsafe_crossings
from packager.edge import EdgeRouting
from packager.errors import PackagerError, StubError, UnsafeCrossingError
from packager.requirements import Distributions
from packager.resolve import Resolver
from packager.service_tree import (
    GATEWAY_HEALTH_PATH,
    KIT_PACKAGE,
    KIT_SOURCE,
    ServiceBuild,
    interior_build,
    write_tree,
)
from packager.servicecode import ServiceCode, Symbols
from packager.sources import SourceIndex


@dataclass(frozen=True)
class BuildResult:
    """Every service tree of a build, which one is the gateway, and what the user should know."""

    out: Path
    services: tuple[ServiceBuild, ...]
    gateway: str | None
    warnings: tuple[str, ...] = ()
    routing: EdgeRouting | None = None
    """An edge split's routing (packager/edge.py); ``gateway`` is then its fallback service."""

    def service(self, name: str) -> ServiceBuild:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {"out": str(self.out), "gateway": self.gateway, "warnings": list(self.warnings),
                "services": [service.to_json() for service in self.services]}


def check_blockers(plan: Plan) -> None:
    """Refuse a plan whose blocker boundaries are not all ``accepted: true``, one line per blocker."""
    blockers = plan.blockers(unaccepted_only=True)
    if blockers:
        raise UnsafeCrossingError(blockers, path=plan.origin)


def gateway_of(plan: Plan, owners: Mapping[str, str], index: SourceIndex) -> str | None:
    """The service that owns the plan's entry module."""
    if not plan.entry:
        return None
    module = plan.entry.split(":", 1)[0]
    owner = owners.get(module)
    if not owner:
        where = "shared" if owner == "" else "in no service"
        raise PackagerError(f"the entry {plan.entry!r} is {where if module in index else 'not a module of SRC'}",
                            path=plan.origin, hint="put the entry module in one service, or fix `entry`")
    return owner


def wire_modules(service: str, codes: list[ServiceCode]) -> set[str]:
    """Modules whose values can reach ``service``: those of every service it calls, directly or not."""
    by_name = {code.service: code for code in codes}
    seen: set[str] = set()
    todo = sorted(set(by_name[service].rpc.values()))
    while todo:
        callee = todo.pop()
        if callee in seen or callee == service:
            continue
        seen.add(callee)
        todo.extend(set(by_name[callee].rpc.values()))
    return {module for name in seen for module in (*by_name[name].own, *by_name[name].shared)}


def build_services(src: Path, plan: Plan, code_graph: CodeGraph | None, out: Path, *,
                   kit: Path = KIT_SOURCE) -> BuildResult:
    """Write ``out/services/<name>/`` for every service of ``plan``; all or nothing.

    Raises :class:`BlockedPlanError` for unaccepted blockers (of the plan, or found in the code by the crossing
    rule: :class:`UnsafeCrossingError`), :class:`StubError` listing every use across services that cannot be
    stubbed safely, and ``FormatError`` for a plan naming a missing module.
    """
    check_blockers(plan)
    if any(service.is_edge for service in plan.services):
        from packager.edge_build import build_edge_services

        edge_builds, routing, notes, interior = build_edge_services(src, plan, code_graph, out, kit=kit,
                                                                     kit_package=KIT_PACKAGE)
        services = tuple(ServiceBuild(name=t.name, path=t.path, modules=t.modules, shared=(), stubs=t.stubs,
                                      interface=(), calls=t.calls, requirements=t.requirements,
                                      distributions=t.distributions, entry=t.entry, health_path=t.health_path)
                         for t in edge_builds) + tuple(interior)
        return BuildResult(out=out, services=services, gateway=routing.fallback, warnings=tuple(notes),
                           routing=routing)
    index = SourceIndex.scan(src, code_graph)
    owners = plan.assign(index.modules)
    gateway = gateway_of(plan, owners, index)
    if code_graph is not None:  # the rule `cleave split` applies (cleave/crossing): same blockers for every plan
        refuse_unsafe_crossings(code_graph, plan, owners)
    accepted = frozenset(b.target for b in plan.boundaries if b.how == "blocker" and b.accepted)
    symbols = Symbols(index)
    resolvers = [Resolver(index, symbols, owners, service.name, accepted) for service in plan.services]
    rule = GraphRule(code_graph, owners) if code_graph is not None else None
    for resolver in resolvers:
        resolver.rule = rule
    codes = [resolver.run() for resolver in resolvers]
    for resolver in resolvers:
        resolver.add_wire_types(wire_modules(resolver.service, codes))
    problems = [problem for code in codes for problem in code.errors]
    if problems:
        raise StubError(sorted(dict.fromkeys(problems)), path=plan.origin)
    warnings = [warning for code in codes for warning in code.warnings]
    left_out = sorted(set(index.modules) - set(owners))
    if left_out:
        warnings.append(f"{len(left_out)} module(s) are in no service and not shared, left out: "
                        + ", ".join(left_out[:10]) + (" ..." if len(left_out) > 10 else ""))
    interfaces: dict[str, set[str]] = {service.name: set() for service in plan.services}
    for code in codes:
        for qualname, owner in code.rpc.items():
            interfaces[owner].add(qualname)
    distributions = Distributions(src, code_graph)
    builds: list[ServiceBuild] = []
    with staged_directory(out / "services") as staging:
        for service, code in zip(plan.services, codes, strict=True):
            build = interior_build(service.name, plan, code, interface=tuple(sorted(interfaces[service.name])),
                                   out=out, distributions=distributions, code_graph=code_graph)
            if service.name == gateway:
                build = dataclasses.replace(build, entry=plan.entry, health_path=GATEWAY_HEALTH_PATH)
            write_tree(staging / service.name, index, code, build, kit)
            builds.append(build)
    return BuildResult(out=out, services=tuple(builds), gateway=gateway, warnings=tuple(dict.fromkeys(warnings)))


