"""topology.json for a build: what the runtime needs to start every service of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from cleave.formats.plan import Plan
from cleave.formats.topology import Limits, ServiceSpec, Topology, Volume
from packager.build import BuildResult
from packager.service_tree import KIT_COMMAND

DATA_VOLUME: Final = "data"
"""The volume every service of an interior split mounts at its ``DATA_DIR``: the monolith had one data folder
(one SQLite file its central ``db()`` helper opens, tables one module creates for all), and each service's copy
of that helper must open the same files, as every replica of the monolith would."""


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
    if result.routing is None:  # the interior: one DATA_DIR for every service, as the monolith had
        specs = [dataclasses.replace(spec, volumes=(Volume(DATA_VOLUME, spec.data_dir),)) for spec in specs]
    topology = Topology(project=project, services=tuple(specs), gateway=result.gateway)
    if result.routing is not None:
        from packager.edge_topology import with_edge

        plan_dir = Path(plan.origin).parent if plan.origin != "<plan>" else Path.cwd()
        topology = with_edge(topology, plan, result.routing, plan_dir)
    return topology
