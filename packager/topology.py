"""topology.json for a build: what the runtime needs to start every service of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cleave.formats.plan import Plan
from cleave.formats.topology import Limits, ServiceSpec, Topology
from packager.build import BuildResult
from packager.service_tree import KIT_COMMAND


def build_topology(result: BuildResult, plan: Plan, project: str,
                   digests: Mapping[str, str] | None = None) -> Topology:
    """One :class:`ServiceSpec` per built service: command, env, replicas and limits from the plan, calls."""
    specs = []
    for service in result.services:
        planned = plan.service(service.name)
        resources = planned.resources
        specs.append(ServiceSpec(
            name=service.name, image=service.name, manifest_digest=(digests or {}).get(service.name, ""),
            source_dir=f"services/{service.name}", command=KIT_COMMAND,
            env={"CLEAVE_SERVICE": service.name}, replicas=planned.replicas,
            resources=Limits(cpu=resources.cpu, memory_bytes=resources.memory_bytes, pids=resources.pids,
                             disk=resources.disk_bytes),
            calls=service.calls, health_path=service.health_path))
    topology = Topology(project=project, services=tuple(specs), gateway=result.gateway)
    if result.routing is not None:
        from packager.edge_topology import with_edge

        plan_dir = Path(plan.origin).parent if plan.origin != "<plan>" else Path.cwd()
        topology = with_edge(topology, plan, result.routing, plan_dir)
    return topology
