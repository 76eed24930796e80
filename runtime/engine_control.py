"""The engine's side of the control socket: one JSON request per connection (``status``, ``ps``, ``scale``,
``apply``, ``down``), answered from the engine's state. The CLI's side is ``runtime/control.py``."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.errors import RuntimeEngineError
from runtime.rollout import apply_build

if TYPE_CHECKING:
    from runtime.engine import Engine
    from runtime.replicas import Replica, Service


def on_control(engine: Engine, key: selectors.SelectorKey) -> None:
    server: socket.socket = key.fileobj  # type: ignore[assignment]
    try:
        conn, _ = server.accept()
    except BlockingIOError:
        return
    conn.settimeout(2.0)
    try:
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        message = json.loads(data or b"{}")
        answer = handle(engine, message, conn)
    except (OSError, ValueError) as error:
        answer = {"error": f"bad control request: {error}"}
    except RuntimeEngineError as error:
        answer = {"error": error.message, "hint": error.hint}
    if answer is None:
        return  # answered later (down)
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps(answer).encode())
    conn.close()


def handle(engine: Engine, message: dict[str, Any], conn: socket.socket) -> dict[str, Any] | None:
    op = message.get("op")
    if op == "status":
        return engine.status()
    if op == "ps":
        return {**status(engine), "replicas": rows(engine, usage=message.get("usage", True) is not False)}
    if op == "scale":
        wanted = message.get("services", {})
        unknown = sorted(set(wanted) - set(engine.services))
        if unknown:
            raise RuntimeEngineError(f"no such service: {', '.join(unknown)}",
                                     hint=f"services: {', '.join(sorted(engine.services))}")
        for name, count in wanted.items():
            if not isinstance(count, int) or count < 0:
                raise RuntimeEngineError(f"{name}={count}: replicas must be a whole number >= 0")
        for name, count in wanted.items():
            engine.services[name].desired = count
        engine.dirty = True
        return {"ok": True, "desired": {n: s.desired for n, s in engine.services.items()}}
    if op == "apply":
        build = message.get("build")
        return apply_build(engine, Path(build) if isinstance(build, str) else None).as_json()
    if op == "down":
        engine.remove_volumes = bool(message.get("volumes"))
        engine.begin_stop()
        engine.waiting_down.append(conn)
        return None
    raise RuntimeEngineError(f"unknown control operation {op!r}")


def status(engine: Engine) -> dict[str, Any]:
    """The engine's phase, failure, gateway URL, isolation and services (``status``; the head of ``ps``)."""
    return {"phase": engine.phase, "failure": engine.error, "gateway_url": engine.gateway_url, "pid": os.getpid(),
            "project": engine.topology.project, "isolation": engine.isolation.describe(), "adopted": engine.adopted,
            "applying": sorted({r.service.name for r in engine.retiring}),
            "services": {n: {"desired": s.desired, "healthy": bool(s.healthy),
                             "listen": s.listen.address if s.listen else None}
                         for n, s in engine.services.items()}}


def rows(engine: Engine, *, usage: bool = True) -> list[dict[str, Any]]:
    """One row per replica for ``ps``; ``usage=False`` skips the cgroup reads (cheap polling)."""
    rows = []
    cgroups = engine.isolation.cgroups if usage else None
    services = [engine.services[name] for name in engine.topology.start_order()]
    for service in [*services, *(r.service for r in engine.retiring)]:
        name = service.name
        for index in sorted(service.replicas):
            replica = service.replicas[index]
            reading = cgroups.usage(replica.cgroup) if cgroups is not None and replica.pid else None
            health, checked = _health(engine, service, replica)
            rows.append({"service": name, "replica": replica.name, "pid": replica.pid or None,
                         "state": replica.state, "health": health, "health_checked": checked,
                         "restarts": replica.restarts, "last_exit": replica.last_exit or None,
                         "cpu_seconds": round(reading.cpu_seconds, 3) if reading else None,
                         "memory_bytes": reading.memory_bytes if reading else None,
                         "adopted": replica.adopted})
    return rows


def _health(engine: Engine, service: Service, replica: Replica) -> tuple[str, str]:
    """The replica's own checks where it answers them (``ok``, ``failing 1/3: why``), else its service's; and
    which of the two it is (``replica`` or ``service``)."""
    verdict = engine.health.verdicts.get((replica.pid, replica.start_time)) if replica.pid else None
    if verdict is not None and verdict.armed:
        return verdict.describe(), "replica"
    return ("ok" if service.healthy else "failing"), "service"
