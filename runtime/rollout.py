"""Applying a new build to a running engine: what changed per service, and the summary the CLI prints.

A service is *unchanged* when what its replicas run is the same: the unpacked image (its layers and config, so the
same manifest digest always qualifies), command, env, workdir, user, resources, calls, health path, data dir and
whether it is the gateway. A change of ``replicas`` alone only scales. Anything else is a rolling replacement: the
new replicas start beside the old ones on the same listening socket, and the old ones drain once the new listen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleave.errors import CleaveError
from cleave.formats.topology import ServiceSpec, Topology
from runtime.errors import RuntimeEngineError
from runtime.gateway import load_runtime_topology
from runtime.machine import Apply, Group, Phase
from runtime.paths import artifact_path
from runtime.processes import log
from runtime.replicas import Service, kind_of, new_service, open_listener
from runtime.store import Store, UnpackedImage

if TYPE_CHECKING:
    from runtime.engine import Engine



@dataclass
class ApplySummary:
    """What an ``apply`` did, per service (the engine's answer; ``cleave up`` prints it)."""

    restarted: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    scaled: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"restarted": self.restarted, "started": self.started, "stopped": self.stopped,
                "scaled": self.scaled, "unchanged": self.unchanged}


def _runs_the_same(spec: ServiceSpec) -> ServiceSpec:
    """``spec`` without the fields that do not change what a replica runs (replicas, names of the image)."""
    return replace(spec, replicas=0, image="", manifest_digest="", source_dir="")


def same_service(running: Service, spec: ServiceSpec, image: UnpackedImage, gateway: bool) -> bool:
    """True when ``spec`` run from ``image`` is what ``running`` already runs (replicas aside)."""
    return (running.gateway == gateway and _runs_the_same(running.spec) == _runs_the_same(spec)
            and running.image.layers == image.layers and running.image.config == image.config)


def apply_build(engine: Engine, build: Path | None = None) -> ApplySummary:
    """Run ``build`` (default: the same folder, re-read) in place of what runs, touching only what changed.

    Every image is unpacked before anything changes, so a bad build leaves the running one alone. A changed
    service gets a new generation on the same listening socket; the supervisor drains the old one once the new
    replicas listen.
    """
    if engine.world.phase in (Phase.STOPPING, Phase.STOPPED):
        raise RuntimeEngineError("the engine is stopping", hint="run `cleave up BUILD` again once it is down")
    build = (build or engine.build).resolve()
    topology, store, images = _unpack(engine, build)
    running = engine.services()
    replacements = _replacements(engine, build, topology, store, images)
    summary = ApplySummary(stopped=[name for name in running if name not in images])
    groups: list[Group] = []
    desired: dict[str, int] = {}
    for spec in topology.services:
        old, new = running.get(spec.name), replacements.get(spec.name)
        if new is None:
            assert old is not None
            _keep(old, spec, summary, desired)
            continue
        group = engine.world.current(spec.name)
        count = spec.replicas if old is None or group is None or old.spec.replicas != spec.replicas \
            else group.desired
        (summary.started if old is None else summary.restarted).append(spec.name)
        engine.resources[(spec.name, new.generation)] = new
        groups.append(Group(spec.name, new.generation, count, spec.health_path, kind_of(spec)))
    engine.topology, engine.build = topology, build
    engine.apply(Apply(tuple(groups), tuple(summary.stopped), desired, tuple(topology.start_order()),
                       time.monotonic()))
    log(f"applied {build}: {summary.as_json()}")
    return summary


def _unpack(engine: Engine, build: Path) -> tuple[Topology, Store, dict[str, UnpackedImage]]:
    """The build's topology and every service's image, unpacked; any failure as a :class:`RuntimeEngineError`."""
    try:
        topology = load_runtime_topology(build / "topology.json")  # + an edge split's router
        if topology.project != engine.topology.project:
            raise RuntimeEngineError(f"the build is project {topology.project!r}, the engine runs "
                                     f"{engine.topology.project!r}", path=build,
                                     hint="`cleave down` first to run another project here")
        store = Store(engine.paths.store, overlay=engine.isolation.namespaces and engine.isolation.overlay)
        layout = artifact_path(build, topology.oci_layout, "topology.json oci_layout")
        images = {spec.name: store.unpack(layout, spec.image, spec.manifest_digest)
                  for spec in topology.services}
    except RuntimeEngineError:
        raise
    except CleaveError as error:
        raise RuntimeEngineError(error.message, path=error.path, line=error.line, hint=error.hint) from error
    return topology, store, images


def _replacements(engine: Engine, build: Path, topology: Topology, store: Store,
                  images: dict[str, UnpackedImage]) -> dict[str, Service]:
    """A new generation of every new or changed service, its listener open (a changed one keeps its socket, so
    callers never see a gap), all made before anything changes: on a failure, every listener it opened is
    closed again."""
    running = engine.services()
    replacements: dict[str, Service] = {}
    try:
        for spec in topology.services:
            old = running.get(spec.name)
            gateway = spec.name == topology.gateway
            if old is not None and same_service(old, spec, images[spec.name], gateway):
                continue
            new = new_service(store, spec, images[spec.name], topology=topology,
                              generation=engine.next_generation(spec.name), paths=engine.paths,
                              isolation=engine.isolation)
            if old is not None and old.gateway == gateway:
                new.listener, new.listen = old.listener, old.listen
            else:
                new.listener, new.listen = open_listener(new, engine.paths, None)
            replacements[spec.name] = new
    except (RuntimeEngineError, OSError) as error:
        for name, new in replacements.items():
            if new.listener is not None and (name not in running or new.listener is not running[name].listener):
                new.listener.close()
        if isinstance(error, RuntimeEngineError):
            raise
        raise RuntimeEngineError(f"cannot apply {build}: {error}", path=build) from error
    return replacements


def _keep(old: Service, spec: ServiceSpec, summary: ApplySummary, desired: dict[str, int]) -> None:
    """A service that runs the same: scaled when only its replica count changed, else unchanged."""
    if spec.replicas != old.spec.replicas:
        desired[spec.name] = spec.replicas
        summary.scaled[spec.name] = spec.replicas
    else:
        summary.unchanged.append(spec.name)
    old.spec = spec


def restart(engine: Engine, names: tuple[str, ...]) -> list[str]:
    """Replace every replica of the services, like an apply of the same build with them changed: new replicas on
    the same listening socket, the old ones drain once the new listen (no request lost)."""
    running = engine.services()
    unknown = sorted(set(names) - set(running))
    if unknown:
        raise RuntimeEngineError(f"no such service: {', '.join(unknown)}",
                                 hint=f"services: {', '.join(running)}")
    if engine.world.phase in (Phase.STOPPING, Phase.STOPPED):
        raise RuntimeEngineError("the engine is stopping")
    groups = []
    for name in dict.fromkeys(names):
        old, current = running[name], engine.world.current(name)
        assert current is not None
        new = replace(old, generation=engine.next_generation(name), zygote_pid=0, zygote_pidfd=-1,
                      zygote_control=None, zygote_failures=0)
        engine.resources[(name, new.generation)] = new
        groups.append(Group(name, new.generation, current.desired, old.spec.health_path, current.kind))
    engine.apply(Apply(tuple(groups), (), {}, engine.world.order, time.monotonic()))
    log(f"restarting {', '.join(names)}")
    return list(dict.fromkeys(names))
