"""What the engine tells ``status`` and ``ps``: its phase and services, and one row per replica, as JSON values."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from cleave.formats.topology import Topology
from runtime.health import Verdicts
from runtime.isolation import Isolation
from runtime.machine import Group, ReplicaState, Slot, World
from runtime.replicas import Service


class Health(Protocol):
    """The health thread's per-replica verdicts."""

    @property
    def verdicts(self) -> Verdicts: ...


class Engine(Protocol):
    """What the views read of the engine (``runtime/engine.py``)."""

    world: World
    topology: Topology
    isolation: Isolation
    gateway_url: str | None
    adopted: int
    build: Path
    parent: str

    @property
    def health(self) -> Health: ...

    def every_service(self) -> list[tuple[Group, Service]]: ...

_TICKS = os.sysconf("SC_CLK_TCK")


def _uptime() -> float:
    try:
        with open("/proc/uptime") as handle:
            return float(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def status(engine: Engine) -> dict[str, Any]:
    """The engine's phase, failure, gateway URL, isolation and services (``status``; the head of ``ps``)."""
    world = engine.world
    services: dict[str, Any] = {}
    for group, service in engine.every_service():
        if group.retiring:
            continue
        slots = world.slots_of(group.key)
        services[group.name] = {
            "desired": group.desired, "planned": service.spec.replicas, "healthy": group.healthy,
            "ready": sum(s.state in (ReplicaState.RUNNING, ReplicaState.DONE) for s in slots),
            "replicas": len(slots), "kind": group.kind.value, "generation": group.generation,
            "listen": service.listen.address if service.listen else None}
    return {"phase": world.phase.value, "failure": world.error, "gateway_url": engine.gateway_url,
            "pid": os.getpid(), "project": engine.topology.project, "build": str(engine.build),
            "isolation": engine.isolation.describe(), "adopted": engine.adopted,
            "applying": sorted({g.name for g in world.groups.values() if g.retiring}),
            "services": services}


def rows(engine: Engine, *, usage: bool = True) -> list[dict[str, Any]]:
    """One row per replica for ``ps``; ``usage=False`` skips the cgroup reads (cheap polling)."""
    found = []
    cgroups = engine.isolation.cgroups if usage else None
    uptime = _uptime()
    for group, service in engine.every_service():
        for slot in engine.world.slots_of(group.key):
            cgroup = service.cgroup(engine.parent, str(slot.index))
            reading = cgroups.usage(cgroup) if cgroups is not None and slot.pid else None
            health, checked = _health(engine, group, slot)
            found.append({"service": group.name, "replica": slot.name, "pid": slot.pid or None,
                          "state": slot.state.value, "health": health, "health_checked": checked,
                          "restarts": slot.restarts, "last_exit": slot.last_exit or None,
                          "age_seconds": round(max(0.0, uptime - slot.start_time / _TICKS), 1) if slot.pid else None,
                          "generation": group.generation, "retiring": group.retiring,
                          "cpu_seconds": round(reading.cpu_seconds, 3) if reading else None,
                          "memory_bytes": reading.memory_bytes if reading else None,
                          "adopted": slot.adopted})
    return found


def _health(engine: Engine, group: Group, slot: Slot) -> tuple[str, str]:
    """The replica's own checks where it answers them (``ok``, ``failing 1/3: why``), else its service's; and
    which of the two it is (``replica`` or ``service``)."""
    verdict = engine.health.verdicts.get((slot.pid, slot.start_time)) if slot.pid else None
    if verdict is not None and verdict.armed:
        return verdict.describe(), "replica"
    return ("ok" if group.healthy else "failing"), "service"
