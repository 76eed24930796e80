"""What the engine writes and removes, and what it shows the health thread, computed from values: the state
record for the next engine, the runtime files ``down`` removes, the health thread's targets."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from cleave.formats.topology import Topology
from runtime import linux, quota, resources
from runtime.health import Target
from runtime.isolation import Isolation
from runtime.machine import GroupKey, GroupKind, ReplicaState, World, live
from runtime.paths import ProjectPaths
from runtime.replicas import Service, build_spec
from runtime.state import EngineState, ReplicaRecord


def state_record(world: World, groups: Mapping[GroupKey, Service], current: Mapping[str, Service], *, build: Path,
           project: str, parent: str, isolation: Isolation, gateway_url: str | None) -> EngineState:
    """The state file's content: every replica with a process, desired counts, listeners, generations."""
    replicas = tuple(ReplicaRecord(s.service, s.index, s.pid, s.start_time, s.restarts,
                                   groups[s.group].cgroup(parent, str(s.index)), s.generation)
                     for s in sorted(live(world), key=lambda s: s.key) if s.group in groups)
    return EngineState(
        engine_pid=os.getpid(), engine_start_time=linux.process_start_time(os.getpid()) or 0, build=str(build),
        project=project, cgroup_parent=parent, isolation=isolation.describe(),
        desired={g.name: g.desired for g in world.groups.values() if not g.retiring},
        listeners={n: s.listen for n, s in current.items() if s.listen is not None}, replicas=replicas,
        gateway_url=gateway_url, generations={n: s.generation for n, s in current.items() if s.generation})


def remove_runtime_files(paths: ProjectPaths, services: list[Service], isolation: Isolation, parent: str, *,
                         remove_volumes: bool) -> None:
    """After the last replica: this project's cgroups, listeners, sockets, state, the database server (and the
    volumes with ``remove_volumes``)."""
    if isolation.cgroups is not None:
        with contextlib.suppress(OSError):
            isolation.cgroups.remove(parent)
    for service in services:
        if service.listener is not None:
            service.listener.close()
        if service.listen is not None and service.listen.kind == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(service.listen.address)
    with contextlib.suppress(FileNotFoundError):
        paths.state_file.unlink()
    shutil.rmtree(paths.state_dir / "run", ignore_errors=True)
    shutil.rmtree(paths.sockets, ignore_errors=True)
    resources.stop_postgresql(paths, remove=remove_volumes)
    quota.unmount_all(paths.volumes)  # resources.disk filesystems: their images stay unless remove_volumes
    if remove_volumes:
        shutil.rmtree(paths.volumes, ignore_errors=True)


def health_targets(world: World, groups: Mapping[GroupKey, Service]) -> list[Target]:
    """One target per long-running group: its shared socket, health path and running replicas."""
    targets = []
    for group in world.groups.values():
        service = groups.get(group.key)
        if service is None or group.kind is GroupKind.JOB:
            continue
        listen = service.listen
        address = None if listen is None else listen.address if listen.kind == "unix" else (
            "127.0.0.1", int(listen.address))
        slots = world.slots_of(group.key)
        targets.append(Target(group.key, address, group.health_path,
                              tuple((s.pid, s.start_time) for s in slots if s.state is ReplicaState.RUNNING and s.pid),
                              any(s.pid for s in slots)))
    return targets


def provision(topology: Topology, paths: ProjectPaths, isolation: Isolation, services: Mapping[str, Service]) -> None:
    """The database, then the one-time init, before any replica starts (``runtime/resources.py``)."""
    owner = None
    if isolation.namespaces and not isolation.user_namespace and services:
        uid, _, gid = next(iter(services.values())).spec.user.partition(":")
        owner = (int(uid), int(gid or uid)) if uid.isdigit() and (gid or uid).isdigit() else None
    resources.provision(topology, paths, owner)
    init = topology.init
    if init is None:
        return
    service = services[init.service]
    spec = build_spec(service, f"{service.name}-0", dict(services), paths, isolation=isolation, cgroup_procs=())
    try:
        resources.run_init(dataclasses.replace(spec, name=f"{service.name}-init", argv=init.command,
                                               log_path=str(paths.replica_log(f"{service.name}-init"))))
    except Exception:
        resources.stop_postgresql(paths)  # nothing runs after a failed init, the database neither
        raise


def close_retired(old: Service, remaining: list[Service]) -> None:
    """Close a retired group's listener unless a remaining group shares it, and its socket file if unused."""
    if old.listener is None or any(s.listener is old.listener for s in remaining):
        return
    old.listener.close()
    in_use = {s.listen.address for s in remaining if s.listen is not None}
    if old.listen is not None and old.listen.kind == "unix" and old.listen.address not in in_use:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(old.listen.address)
