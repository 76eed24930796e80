"""The runtime's public API (re-exported by ``runtime/__init__.py``): what the CLI, ``migrate`` and tests call.

Each function finds the project (the nearest ``.cleave`` for a build or a folder), talks to its engine over the
typed control protocol, and returns frozen results; nothing prints. Errors are :class:`RuntimeEngineError`s with one
line; :class:`UpFailed` carries the last lines of the failing replica's log.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cleave.formats.topology import load_topology
from runtime import control
from runtime.errors import EngineNotRunning, RuntimeEngineError
from runtime.paths import ProjectPaths, find_project
from runtime.processes import kill_engine, teardown_without_engine
from runtime.protocol import Down, Ps, Restart, ScaleRequest, StartServices, Status, StopServices, check_counts
from runtime.protocol import replica_bound as _replica_bound

UP_TIMEOUT: Final = 120.0
TAIL_LINES: Final = 12
STAGES: Final = ("Created", "Started", "Healthy")


class UpFailed(RuntimeEngineError):
    """``up`` stopped because a service did not start; ``log_tail`` holds the last lines of its replica's log."""

    def __init__(self, message: str, *, replica: str | None, log_tail: tuple[str, ...], hint: str) -> None:
        super().__init__(message, hint=hint)
        self.replica = replica
        self.log_tail = log_tail


class UpCancelled(RuntimeEngineError):
    """Ctrl-C while ``up`` waited: a fresh start was stopped (``stopped``), an apply goes on in the background."""

    def __init__(self, *, stopped: bool) -> None:
        super().__init__("cancelled: nothing of this build runs" if stopped else
                         "interrupted: the engine goes on applying the build in the background",
                         hint="`cleave up` starts it again" if stopped else "`cleave ps` shows how far it got")
        self.stopped = stopped


@dataclass(frozen=True)
class ServiceState:
    """One service as ``up`` and ``ps`` see it: wanted replicas (and the plan's), how many are ready, health."""

    name: str
    desired: int
    planned: int
    ready: int
    healthy: bool


@dataclass(frozen=True)
class UpResult:
    """What ``up`` started: the gateway's URL (None without a gateway), the services, and what else happened."""

    gateway_url: str | None
    services: tuple[ServiceState, ...]
    adopted: int = 0
    missing: tuple[str, ...] = ()
    changes: Mapping[str, Any] | None = None
    status: Mapping[str, Any] = field(default_factory=dict)

    def change_lines(self) -> list[str]:
        """When ``up`` applied a build to a running engine: one line per changed service, then the unchanged."""
        return describe(self.changes) if self.changes is not None else []

    def as_json(self) -> dict[str, Any]:
        document = dict(self.status)
        if self.changes is not None:
            document.update(self.changes)
        document["gateway_url"] = self.gateway_url
        return document


def describe(summary: Mapping[str, Any]) -> list[str]:
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


@dataclass(frozen=True)
class DownResult:
    """What ``down`` did: whether an engine was running, and replicas stopped without one."""

    engine_was_running: bool
    stopped_without_engine: int = 0
    warning: str | None = None


Progress = Callable[[str, str], None]
"""``(service, stage)`` with stage one of :data:`STAGES`, each reported once per service."""


def services_of(status: Mapping[str, Any]) -> tuple[ServiceState, ...]:
    return tuple(ServiceState(name, int(s.get("desired", 0)), int(s.get("planned", s.get("desired", 0))),
                              int(s.get("ready", 0)), bool(s.get("healthy")))
                 for name, s in status.get("services", {}).items())


def _result(status: Mapping[str, Any], changes: Mapping[str, Any] | None = None) -> UpResult:
    return UpResult(gateway_url=status.get("gateway_url"), services=services_of(status),
                    adopted=int(status.get("adopted") or 0),
                    missing=tuple(status.get("isolation", {}).get("missing", [])), changes=changes, status=status)


def project(folder: Path | None = None) -> ProjectPaths:
    """The project's paths: the nearest ``.cleave`` from ``folder`` (default: here) upwards."""
    return find_project(folder)


def replica_bound() -> int:
    """The most replicas of one service ``scale`` accepts on this machine."""
    return _replica_bound()


def up(build: Path, *, timeout: float = UP_TIMEOUT, on_progress: Progress | None = None) -> UpResult:
    """Start the engine for ``build`` in the background and wait until every service answers; or, when an engine
    already runs this project, apply ``build`` to it (only changed services restart). Fails fast
    (:class:`UpFailed`) when a replica crash-loops, a job fails or a service does not answer in time."""
    load_topology(build / "topology.json")  # a clear error before anything starts
    paths = ProjectPaths.for_build(build)
    if control.reachable(paths.control_socket):
        try:
            summary, status = control.apply_build(paths.control_socket, build, timeout=timeout)
        except KeyboardInterrupt:
            raise UpCancelled(stopped=False) from None
        return _result(status, summary)
    paths.logs.mkdir(parents=True, exist_ok=True)
    with open(paths.engine_log, "ab") as log, open(os.devnull, "rb") as null:
        process = subprocess.Popen([sys.executable, "-m", "runtime.engine_main", str(build.resolve()),
                                    str(paths.state_dir)], stdin=null, stdout=log, stderr=log,
                                   start_new_session=True, close_fds=True)
    try:
        return _wait_ready(paths, process, timeout, on_progress)
    except KeyboardInterrupt:
        down(paths)
        raise UpCancelled(stopped=True) from None


def _wait_ready(paths: ProjectPaths, process: subprocess.Popen[bytes], timeout: float,
                on_progress: Progress | None) -> UpResult:
    deadline = time.monotonic() + timeout
    reported: set[tuple[str, str]] = set()
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            tail = paths.engine_log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
            raise RuntimeEngineError(f"the engine stopped (exit {code}): {tail[0]}", path=paths.engine_log)
        try:
            answer = control.request(paths.control_socket, Ps(usage=False), timeout=5.0)
        except EngineNotRunning:
            time.sleep(0.05)
            continue
        if on_progress is not None:
            _report(answer, reported, on_progress)
        if answer["phase"] == "ready":
            return _result(answer)
        if answer["phase"] == "failed":
            raise _failure(paths, answer)
        time.sleep(0.05)
    raise RuntimeEngineError(f"the services were not ready after {timeout:.0f} s",
                             hint="see `cleave ps` and `cleave logs SERVICE`; `cleave down` stops them")


def _report(answer: Mapping[str, Any], reported: set[tuple[str, str]], on_progress: Progress) -> None:
    for name, service in answer.get("services", {}).items():
        rows = [r for r in answer.get("replicas", []) if r["service"] == name]
        reached = [bool(rows) or service.get("desired") == 0,
                   any(r["state"] in ("running", "done") for r in rows) or service.get("desired") == 0,
                   bool(service.get("healthy")) or service.get("desired") == 0 or (service.get("kind") == "job"
                   and service.get("ready") == service.get("desired"))]
        for stage, done in zip(STAGES, reached, strict=True):
            if not done:
                break
            if (name, stage) not in reported:
                reported.add((name, stage))
                on_progress(name, stage)


def _failure(paths: ProjectPaths, answer: Mapping[str, Any]) -> UpFailed:
    """The failure of a start, with the last lines of the replica that failed (the one the failure names, else
    the one with the most restarts)."""
    failure = str(answer.get("failure") or "the services did not start")
    rows = sorted(answer.get("replicas", []), key=lambda r: -int(r.get("restarts") or 0))
    named = [r for r in rows if failure.startswith((f"{r['replica']} ", f"{r['service']} "))
             or f"'{r['service']}'" in failure]
    replica = (named or rows or [{"replica": None}])[0]["replica"]
    tail: tuple[str, ...] = ()
    if replica is not None:
        log = paths.replica_log(replica)
        if log.exists():
            tail = tuple(log.read_text(errors="replace").splitlines()[-TAIL_LINES:])
    service = replica.rsplit("-", 1)[0] if replica else "SERVICE"
    return UpFailed(failure, replica=replica, log_tail=tail,
                    hint=f"`cleave logs {service}` for more; fix and `cleave up` again, or `cleave down`")


def status(paths: ProjectPaths) -> dict[str, Any]:
    """The engine's status document (phase, gateway, services)."""
    return control.request(paths.control_socket, Status())


def ps(paths: ProjectPaths, *, usage: bool = True) -> dict[str, Any]:
    """The engine's status plus one row per replica."""
    return control.request(paths.control_socket, Ps(usage=usage))


def scale(paths: ProjectPaths, counts: Mapping[str, int], *, wait: bool = False,
          timeout: float = 60.0) -> dict[str, Any]:
    """Set the replicas of running services (checked against :func:`replica_bound` here and by the engine)."""
    answer = control.request(paths.control_socket, ScaleRequest(check_counts(counts, _replica_bound())))
    if wait:
        control.wait_settled(paths.control_socket, set(counts), timeout)
    return answer


def restart(paths: ProjectPaths, services: tuple[str, ...], *, wait: bool = True,
            timeout: float = 120.0) -> dict[str, Any]:
    """Replace every replica of ``services`` (rolling: new ones listen, then the old ones drain)."""
    answer = control.request(paths.control_socket, Restart(services))
    if wait:
        control.wait_settled(paths.control_socket, set(services), timeout)
    return answer


def stop_services(paths: ProjectPaths, services: tuple[str, ...]) -> dict[str, Any]:
    """Scale ``services`` to zero (the engine answers their callers with 503 meanwhile)."""
    return control.request(paths.control_socket, StopServices(services))


def start_services(paths: ProjectPaths, services: tuple[str, ...], *, wait: bool = True) -> dict[str, Any]:
    """Bring stopped services back to their planned replicas."""
    answer = control.request(paths.control_socket, StartServices(services))
    if wait:
        control.wait_settled(paths.control_socket, set(services), 60.0)
    return answer


def down(paths: ProjectPaths, *, volumes: bool = False) -> DownResult:
    """Stop every replica and the engine; remove cgroups, sockets and state (and the volumes with ``volumes``).
    Idempotent: with nothing running it succeeds and says so."""
    try:
        control.request(paths.control_socket, Down(volumes=volumes), timeout=60.0)
    except EngineNotRunning:
        done = teardown_without_engine(paths, volumes)
        return DownResult(engine_was_running=False, stopped_without_engine=done.stopped, warning=done.warning)
    except RuntimeEngineError as error:
        kill_engine(paths)
        done = teardown_without_engine(paths, volumes)
        return DownResult(engine_was_running=True, stopped_without_engine=done.stopped,
                          warning=f"{error}; stopped the engine and its replicas without it")
    done = teardown_without_engine(paths, volumes)  # anything the engine could not remove
    return DownResult(engine_was_running=True, warning=done.warning)


def run_foreground(build: Path, on_ready: Callable[[UpResult], None]) -> None:
    """Run the engine in this process until Ctrl-C or SIGTERM, which stop every replica; ``on_ready`` is called
    once every service answers."""
    import signal
    from types import FrameType

    from runtime.engine import Engine
    from runtime.requests import answer

    engine = Engine(build, ProjectPaths.for_build(build), answer)

    def stop(signum: int, frame: FrameType | None) -> None:
        engine.begin_stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    engine.prepare()
    engine.run(on_ready=lambda e: on_ready(_result(e.status())))
    if engine.world.error:
        raise RuntimeEngineError(engine.world.error)
