"""Applying a new build to a running engine: what changed per service, and the summary the CLI prints.

A service is *unchanged* when what its replicas run is the same: the unpacked image (its layers and config, so the
same manifest digest always qualifies), command, env, workdir, user, resources, calls, health path, data dir and
whether it is the gateway. A change of ``replicas`` alone only scales. Anything else is a rolling replacement: the
new replicas start beside the old ones on the same listening socket, and the old ones drain once the new listen.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleave.errors import CleaveError
from cleave.formats.topology import ServiceSpec, load_topology
from runtime import linux
from runtime.errors import RuntimeEngineError
from runtime.paths import artifact_path
from runtime.processes import START_TIMEOUT, log
from runtime.replicas import Service, open_listener
from runtime.store import Store, UnpackedImage

if TYPE_CHECKING:
    from runtime.engine import Engine


@dataclass
class Retiring:
    """A service on its way out: replaced by ``successor`` (same name, new build) or removed (``None``)."""

    service: Service
    successor: Service | None
    keep_listener: bool
    draining: bool = False


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


def describe(summary: dict[str, Any]) -> list[str]:
    """One line per changed service, then one line naming the unchanged ones."""
    lines = [f"{name}: restarted (rolling: new replicas listen, then the old ones drain)"
             for name in summary.get("restarted", [])]
    lines += [f"{name}: started" for name in summary.get("started", [])]
    lines += [f"{name}: stopped (its volume is kept)" for name in summary.get("stopped", [])]
    lines += [f"{name}: scaled to {count}" for name, count in summary.get("scaled", {}).items()]
    unchanged = summary.get("unchanged", [])
    if unchanged:
        lines.append(f"unchanged: {', '.join(unchanged)}")
    return lines


def apply_build(engine: Engine, build: Path | None = None) -> ApplySummary:
    """Run ``build`` (default: the same folder, re-read) in place of what runs, touching only what changed.

    Every image is unpacked before anything changes, so a bad build leaves the running one alone. A changed
    service gets a new :class:`Service` on the same listening socket; the old one drains once the new
    replicas listen (:func:`advance_rollouts`).
    """
    if engine.phase in ("stopping", "stopped"):
        raise RuntimeEngineError("the engine is stopping", hint="run `cleave up BUILD` again once it is down")
    build = (build or engine.build).resolve()
    try:
        topology = load_topology(build / "topology.json")
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
    replacements: dict[str, Service] = {}  # built (listeners open) before anything changes
    try:
        for spec in topology.services:
            old = engine.services.get(spec.name)
            gateway = spec.name == topology.gateway
            if old is not None and same_service(old, spec, images[spec.name], gateway):
                continue
            desired = spec.replicas if old is None or old.spec.replicas != spec.replicas else old.desired
            new = engine._new_service(store, spec, images[spec.name], desired, topology)
            if old is not None and old.gateway == gateway:
                new.listener, new.listen = old.listener, old.listen  # callers never see a gap
            else:
                new.listener, new.listen = open_listener(new, engine.paths, None)
            replacements[spec.name] = new
    except (RuntimeEngineError, OSError) as error:
        for name, new in replacements.items():
            if new.listener is not None and (name not in engine.services or
                                             new.listener is not engine.services[name].listener):
                new.listener.close()
        if isinstance(error, RuntimeEngineError):
            raise
        raise RuntimeEngineError(f"cannot apply {build}: {error}", path=build) from error
    summary = ApplySummary()
    for name in [n for n in engine.services if n not in images]:
        retire(engine, engine.services.pop(name), None)
        summary.stopped.append(name)
    for spec in topology.services:
        old = engine.services.get(spec.name)
        replacement = replacements.get(spec.name)
        if old is not None and replacement is None:
            if spec.replicas != old.spec.replicas:
                old.desired = spec.replicas
                summary.scaled[spec.name] = spec.replicas
            else:
                summary.unchanged.append(spec.name)
            old.spec = spec
            continue
        assert replacement is not None
        new = replacement
        if old is None:
            summary.started.append(spec.name)
        else:
            summary.restarted.append(spec.name)
            new.generation = old.generation + 1
            new.healthy = old.healthy
            retire(engine, old, new)
        engine.services[spec.name] = new
    engine.topology, engine.build = topology, build
    gateway_service = engine.services.get(topology.gateway or "")
    engine.gateway_url = (f"http://127.0.0.1:{gateway_service.listen.address}"
                        if gateway_service is not None and gateway_service.listen is not None else None)
    if summary.started or summary.restarted:
        engine.phase = "starting"  # new replicas start in dependency order, as at `up`
        engine.startup_deadline = time.monotonic() + START_TIMEOUT
    engine.dirty = True
    log(f"applied {build}: {summary.as_json()}")
    return summary


def retire(engine: Engine, service: Service, successor: Service | None) -> None:
    service.desired = 0
    keep = successor is not None and successor.listener is service.listener
    engine.retiring.append(Retiring(service=service, successor=successor, keep_listener=keep))


def advance_rollouts(engine: Engine, now: float) -> None:
    """Drain a replaced service once its successor's replicas all listen; finish when its replicas are gone."""
    for item in list(engine.retiring):
        old = item.service
        if not item.draining:
            current = engine.services.get(old.name) if item.successor is not None else None
            ready = current is None or sum(r.state == "running" for r in current.replicas.values()) \
                >= current.desired
            if ready:
                item.draining = True
                for replica in list(old.replicas.values()):
                    engine._stop(old, replica)
            continue
        for replica in list(old.replicas.values()):
            if replica.pid == 0 and replica.pending is None:
                old.replicas.pop(replica.index, None)
            elif replica.state == "stopping" and now > replica.stop_deadline:
                engine._kill(replica)
        if not old.replicas:
            finish_retiring(engine, item)


def finish_retiring(engine: Engine, item: Retiring) -> None:
    """The old replicas are gone: stop the old zygote, remove its cgroup, close a listener nobody uses."""
    engine.retiring.remove(item)
    old = item.service
    if old.zygote_pid:
        with contextlib.suppress(OSError):
            linux.pidfd_send_signal(old.zygote_pidfd, signal.SIGKILL)  # reaped by _zygote_exited
    if engine.isolation.cgroups is not None:
        with contextlib.suppress(OSError):
            engine.isolation.cgroups.remove(engine._cgroup(old, "zygote"))
    if not item.keep_listener and old.listener is not None:
        old.listener.close()
        in_use = {s.listen.address for s in engine._every_service() if s.listen is not None}
        if old.listen is not None and old.listen.kind == "unix" and old.listen.address not in in_use:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old.listen.address)
    engine.dirty = True
    log(f"{old.name}: the replicas of the previous build are gone")
