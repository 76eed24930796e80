"""``build_services``: one source tree per service under ``BUILD/services/<name>/``.

Each tree holds the service's own modules byte for byte, the shared modules it uses, a generated stub for every
module of another service it imports, the kit (``cleave_kit``), ``service.json``, ``requirements.txt`` and a
``Dockerfile``. Nothing is written unless every service builds (the folder is staged, then renamed).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cleave.formats.atomic import staged_directory
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, Plan
from packager.crossings import GraphRule, refuse_unsafe_crossings
from packager.dockerfile import render_dockerfile
from packager.edge import EdgeRouting
from packager.errors import BlockedPlanError, PackagerError, StubError
from packager.requirements import Distributions, package_edges, service_requirements
from packager.resolve import Resolver
from packager.servicecode import ServiceCode, Symbols
from packager.sources import SourceIndex
from packager.stubgen import render_stub

HEALTH_PATH: Final = "/healthz"
GATEWAY_HEALTH_PATH: Final = "/_cleave/healthz"
"""The gateway serves the monolith's own routes; its health check must not shadow one (``/healthz`` often is)."""
KIT_SOURCE: Final = Path(__file__).resolve().parent / "kit"
KIT_PACKAGE: Final = "cleave_kit"
KIT_COMMAND: Final = ("python3", "-m", KIT_PACKAGE)


@dataclass(frozen=True)
class ServiceBuild:
    """One built service tree and what later stages need to know about it."""

    name: str
    path: Path
    modules: tuple[str, ...]
    shared: tuple[str, ...]
    stubs: tuple[str, ...]
    interface: tuple[str, ...]
    calls: tuple[str, ...]
    requirements: tuple[str, ...]
    distributions: tuple[str, ...] = ()
    """Canonical names of the third-party distributions in ``requirements`` (for the image layers)."""
    entry: str | None = None
    health_path: str = HEALTH_PATH

    def service_json(self) -> dict[str, Any]:
        """The ``service.json`` document the kit reads."""
        return {"name": self.name, "interface": list(self.interface), "entry": self.entry,
                "health_path": self.health_path, "calls": list(self.calls),
                "requirements": list(self.requirements)}

    def to_json(self) -> dict[str, Any]:
        return {**self.service_json(), "path": str(self.path), "modules": list(self.modules),
                "distributions": list(self.distributions),
                "shared": list(self.shared), "stubs": list(self.stubs)}


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
    """Refuse a plan whose blocker boundaries are not all ``accepted: true``, listing each one."""
    blockers = plan.blockers(unaccepted_only=True)
    if blockers:
        lines = "\n".join(f"  - {_describe(b)}" for b in blockers)
        raise BlockedPlanError(f"the plan has {len(blockers)} blocker(s) that would change behaviour if split:\n"
                               f"{lines}", path=plan.origin,
                               hint="fix the code, move the modules into one service, or mark a blocker "
                                    "`accepted: true` to give each service its own copy")


def _describe(boundary: Boundary) -> str:
    where = f" at {boundary.where}" if boundary.where else ""
    why = f": {boundary.why}" if boundary.why else ""
    return f"{boundary.source} -> {boundary.target}{where}{why}"


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

        edge_builds, routing, notes = build_edge_services(src, plan, code_graph, out, kit=kit,
                                                           kit_package=KIT_PACKAGE)
        services = tuple(ServiceBuild(name=t.name, path=t.path, modules=t.modules, shared=(), stubs=(), interface=(),
                                      calls=(), requirements=t.requirements, distributions=t.distributions,
                                      entry=t.entry, health_path=t.health_path) for t in edge_builds)
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
            kept = [*code.own, *sorted(code.shared)]
            names = package_edges(code_graph, kept) | {distributions.for_import(top) for top in code.external}
            requirements = service_requirements(distributions, names, service.requirements, plan.origin)
            names |= {canonicalize_name(Requirement(line).name) for line in service.requirements}
            build = ServiceBuild(
                name=service.name, path=out / "services" / service.name, modules=tuple(code.own),
                shared=tuple(sorted(code.shared)), stubs=tuple(sorted(code.stubs)),
                interface=tuple(sorted(interfaces[service.name])),
                calls=tuple(sorted(set(code.rpc.values()))), requirements=tuple(requirements),
                distributions=tuple(sorted(names)),
                entry=plan.entry if service.name == gateway else None,
                health_path=GATEWAY_HEALTH_PATH if service.name == gateway else HEALTH_PATH)
            _write_tree(staging / service.name, index, code, build, kit)
            builds.append(build)
    return BuildResult(out=out, services=tuple(builds), gateway=gateway, warnings=tuple(dict.fromkeys(warnings)))


def _write_tree(root: Path, index: SourceIndex, code: ServiceCode, build: ServiceBuild, kit: Path) -> None:
    root.mkdir(parents=True)
    for module in [*code.own, *sorted(code.shared)]:
        _write(root / index.modules[module].relpath, index.read_bytes(module))
        if index.modules[module].is_package:
            _copy_package_data(index, module, root)
    for module, stub in sorted(code.stubs.items()):
        _write(root / index.modules[module].relpath, render_stub(index, stub).encode("utf-8"))
    for module in sorted(code.empty_packages):
        if module not in code.stubs and module not in code.shared and module not in code.own:
            _write(root / index.modules[module].relpath,
                   b'"""Package placeholder written by cleave: this package is in no service."""\n')
    if not kit.is_dir():
        raise PackagerError("the service kit is missing", path=kit, hint="reinstall cleave")
    shutil.copytree(kit, root / KIT_PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "service.json").write_text(json.dumps(build.service_json(), indent=2, sort_keys=True) + "\n")
    (root / "requirements.txt").write_text("".join(f"{line}\n" for line in build.requirements))
    (root / "Dockerfile").write_text(render_dockerfile(build.name, list(build.requirements), build.health_path))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy_package_data(index: SourceIndex, package: str, root: Path) -> None:
    """Non-Python files of a package (templates, data) whose nearest enclosing package is ``package``."""
    relative_dir = Path(index.modules[package].relpath).parent
    directory = index.src / relative_dir
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.suffix in {".py", ".pyc", ".pyo"} or "__pycache__" in path.parts:
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(index.src.resolve()):
            raise PackagerError(f"symlink points outside the source folder, to {path.resolve()}",
                                path=path.relative_to(index.src).as_posix(),
                                hint="copy the file into SRC or remove the link; a build holds only SRC's code")
        holder = path.parent
        while holder != directory and not (holder / "__init__.py").exists():
            holder = holder.parent
        if holder == directory:
            target = root / relative_dir / path.relative_to(directory)
            _write(target, path.read_bytes())
