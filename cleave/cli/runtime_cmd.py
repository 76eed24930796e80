"""``cleave up``, ``ps``, ``scale``, ``logs``, ``down``: run a build's services and manage them while they run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from rich.table import Table

from cleave.cli import output
from cleave.formats.topology import load_topology
from runtime import control
from runtime.engine import Engine
from runtime.errors import EngineNotRunning, RuntimeEngineError
from runtime.logs import follow_logs, print_logs
from runtime.paths import ProjectPaths, find_project
from runtime.processes import kill_engine, teardown_without_engine
from runtime.rollout import describe

UP_TIMEOUT = 120.0

_PROJECT = typer.Option(None, "--project", "-C", help="The folder holding .cleave/ (default: here or above).")


def _paths(project: Path | None) -> ProjectPaths:
    return find_project(project)


def _warn_missing(status: dict[str, Any]) -> None:
    for missing in status.get("isolation", {}).get("missing", []):
        output.warn(f"isolation missing: {missing}")


def _announce(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        output.print_json(status)
        return
    _warn_missing(status)
    if status.get("adopted"):
        output.stderr.print(f"re-adopted {status['adopted']} running replica(s)")
    output.stdout.print(status.get("gateway_url") or "ready (no gateway service)")


def bring_up(build: Path, *, foreground: bool = False, as_json: bool = False) -> None:
    """Start the engine for BUILD (detached unless ``foreground``), or apply BUILD to the engine already running
    this project; prints the gateway URL on stdout (or one JSON document)."""
    load_topology(build / "topology.json")  # a clear error before anything starts
    paths = ProjectPaths.for_build(build)
    if control.reachable(paths.control_socket):  # apply BUILD to the running engine: only changes restart
        summary, status = control.apply_build(paths.control_socket, build, timeout=UP_TIMEOUT)
        if as_json:
            output.print_json({**summary, "gateway_url": status.get("gateway_url")})
            return
        for line in describe(summary):
            output.stderr.print(line, soft_wrap=True)  # one line per service, whatever the terminal's width
        output.stdout.print(status.get("gateway_url") or "ready (no gateway service)")
        return
    if foreground:
        _run_foreground(build, paths, as_json)
        return
    _run_detached(build, paths, as_json)


def register(app: typer.Typer) -> None:
    @app.command("up")
    def up(
        build: Path = typer.Argument(Path(".cleave/build"), help="The build folder (holds topology.json and oci/)."),
        foreground: bool = typer.Option(False, "--foreground", help="Stay attached; Ctrl-C stops everything."),
        detach: bool = typer.Option(True, "--detach/--no-detach", help="Run the engine in the background."),
        as_json: bool = typer.Option(False, "--json", help="Print the engine's status as JSON."),
    ) -> None:
        """Run every service of BUILD at its planned replicas and print the gateway's URL.

        When the engine already runs this project, apply BUILD to it: only changed services restart (rolling, no
        request lost), replicas-only changes scale, new services start, removed ones stop.
        Example: cleave up .cleave/build
        """
        bring_up(build, foreground=foreground or not detach, as_json=as_json)

    @app.command("ps")
    def ps(as_json: bool = typer.Option(False, "--json", help="One JSON document."), project: Path = _PROJECT,
           ) -> None:
        """Services and replicas: pid, state, health, restarts, cpu and memory from their cgroups."""
        answer = control.request(_paths(project).control_socket, {"op": "ps"})
        if as_json:
            output.print_json(answer)
            return
        _warn_missing(answer)
        table = Table(box=None)
        for title in ("SERVICE", "REPLICA", "PID", "STATE", "HEALTH", "RESTARTS", "CPU s", "MEMORY"):
            table.add_column(title, no_wrap=True)
        table.add_column("LAST EXIT")
        for row in answer["replicas"]:
            memory = f"{row['memory_bytes'] / 2**20:.1f} MiB" if row["memory_bytes"] is not None else "-"
            cpu = f"{row['cpu_seconds']:.2f}" if row["cpu_seconds"] is not None else "-"
            table.add_row(row["service"], row["replica"], str(row["pid"] or "-"), row["state"], row["health"],
                          str(row["restarts"]), cpu, memory, row["last_exit"] or "")
        output.stdout.print(table)
        output.stdout.print(f"phase: {answer['phase']}  gateway: {answer['gateway_url'] or '-'}")

    @app.command("scale")
    def scale(
        assignments: list[str] = typer.Argument(..., help="SERVICE=N, one or more."),
        wait: bool = typer.Option(False, "--wait", help="Return once every new replica listens."),
        project: Path = _PROJECT,
    ) -> None:
        """Change the replicas of running services without touching the others. Example: cleave scale orders=3"""
        wanted = output.parse_counts(assignments, "cleave scale orders=3 catalog=1")
        paths = _paths(project)
        control.request(paths.control_socket, {"op": "scale", "services": wanted})
        if wait:
            wait_for_replicas(paths, wanted, timeout=60.0)
        output.stderr.print(", ".join(f"{n}={c}" for n, c in wanted.items()))

    @app.command("logs")
    def logs(
        service: str = typer.Argument(..., help="The service whose replicas' output to print."),
        follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines (Ctrl-C stops)."),
        project: Path = _PROJECT,
    ) -> None:
        """Each replica's output, prefixed by the replica's name. Example: cleave logs orders -f"""
        paths = _paths(project)
        if follow:
            follow_logs(paths, service, sys.stdout)
        else:
            print_logs(paths, service, sys.stdout)

    @app.command("down")
    def down(
        volumes: bool = typer.Option(False, "--volumes", help="Remove the services' volumes too."),
        project: Path = _PROJECT,
    ) -> None:
        """Stop every replica; remove cgroups, sockets and state (mounts and namespaces go with the replicas)."""
        paths = _paths(project)
        try:
            control.request(paths.control_socket, {"op": "down", "volumes": volumes}, timeout=60.0)
        except EngineNotRunning:
            stopped = teardown_without_engine(paths, volumes)
            output.stderr.print(f"no engine was running; stopped {stopped} replica(s) it had left")
            return
        except RuntimeEngineError as error:
            output.warn(f"{error}; stopping the engine and its replicas without it")
            kill_engine(paths)
            teardown_without_engine(paths, volumes)
            return
        teardown_without_engine(paths, volumes)  # anything the engine could not remove
        output.stderr.print("stopped")


def wait_for_replicas(paths: ProjectPaths, wanted: dict[str, int], timeout: float) -> None:
    """Poll ``ps`` until each service in ``wanted`` has exactly that many replicas, all listening."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = control.request(paths.control_socket, {"op": "ps", "usage": False})["replicas"]
        done = True
        for name, count in wanted.items():
            mine = [r for r in rows if r["service"] == name]
            if len(mine) != count or any(r["state"] != "running" for r in mine):
                done = False
        if done:
            return
        time.sleep(0.01)
    raise RuntimeEngineError(f"replicas not all running after {timeout:.0f} s", hint="see `cleave ps` and logs")


def _run_foreground(build: Path, paths: ProjectPaths, as_json: bool) -> None:
    engine = Engine(build, paths)

    def stop(signum: int, frame: FrameType | None) -> None:
        engine.begin_stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    engine.prepare()
    engine.run(on_ready=lambda e: _announce(e.status(), as_json))
    if engine.error:
        raise RuntimeEngineError(engine.error)


def _run_detached(build: Path, paths: ProjectPaths, as_json: bool) -> None:
    paths.logs.mkdir(parents=True, exist_ok=True)
    with open(paths.engine_log, "ab") as log, open(os.devnull, "rb") as null:
        process = subprocess.Popen([sys.executable, "-m", "runtime.engine_main", str(build.resolve()),
                                    str(paths.state_dir)], stdin=null, stdout=log, stderr=log,
                                   start_new_session=True, close_fds=True)
    deadline = time.monotonic() + UP_TIMEOUT
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            tail = paths.engine_log.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
            raise RuntimeEngineError(f"the engine stopped (exit {code}): {tail[0]}", path=paths.engine_log)
        try:
            status = control.request(paths.control_socket, {"op": "status"}, timeout=5.0)
        except EngineNotRunning:
            time.sleep(0.02)
            continue
        if status["phase"] == "ready":
            _announce(status, as_json)
            return
        if status["phase"] == "failed":
            _warn_missing(status)
            raise RuntimeEngineError(status["failure"] or "the services did not start")
        time.sleep(0.02)
    raise RuntimeEngineError(f"the services were not ready after {UP_TIMEOUT:.0f} s",
                             hint="see `cleave ps` and `cleave logs SERVICE`; `cleave down` stops them")
