"""Run a build's service trees as plain processes (no images, no namespaces): the light way to check that a split
answers like the monolith.

Each service is ``python -m cleave_kit`` in its own tree, all with one ``DATA_DIR`` (as the runtime mounts one
data volume in every service of an interior split: packager/topology.py); the others reach it on a unix socket
(``CLEAVE_SERVICE_<NAME>_URL``), the gateway listens on 127.0.0.1. Every process is stopped on exit, also when a
test fails.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

START_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_socket(path: Path, processes: list[subprocess.Popen[bytes]], log: Path) -> None:
    """Until a service accepts connections on its unix socket."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a service exited at start:\n{log.read_text()[-3000:]}")
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(path))
                return
            except OSError:
                time.sleep(0.1)
    raise RuntimeError(f"{path.name} did not listen in {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def _wait_health(port: int, path: str, processes: list[subprocess.Popen[bytes]], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a service exited at start:\n{log.read_text()[-3000:]}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    raise RuntimeError(f"the gateway did not answer {path} in {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def serve(build: Path, work: Path) -> Iterator[str]:
    """Start every service of ``build`` (a ``cleave build`` output folder); yields the gateway's URL."""
    services = sorted(p for p in (build / "services").iterdir() if (p / "service.json").exists())
    specs = {p.name: json.loads((p / "service.json").read_text()) for p in services}
    gateway = next(name for name, spec in specs.items() if spec.get("entry"))
    port = _free_port()
    sockets = {name: work / f"{name}.sock" for name in specs}
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({f"CLEAVE_SERVICE_{n.upper().replace('-', '_')}_URL": f"unix:{s}" for n, s in sockets.items()})
    log = work / "services.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with log.open("ab") as out:
            for tree in services:
                data = work / "data"
                data.mkdir(parents=True, exist_ok=True)
                listen = f"127.0.0.1:{port}" if tree.name == gateway else f"unix:{sockets[tree.name]}"
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "cleave_kit"], cwd=tree, stdout=out, stderr=out,
                    env={**env, "CLEAVE_LISTEN": listen, "DATA_DIR": str(data), "CLEAVE_SERVICE": tree.name}))
        for name, path in sockets.items():
            if name != gateway:
                _wait_socket(path, processes, log)
        _wait_health(port, specs[gateway].get("health_path", "/healthz"), processes, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
