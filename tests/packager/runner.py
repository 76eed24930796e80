"""Run every service of a build as a plain process (``python -m cleave_kit``), for tests: no containers.

Each service listens on a unix socket in a short temporary folder (the gateway on a free 127.0.0.1 port, so an
HTTP client can reach it), knows every other service by ``CLEAVE_SERVICE_<NAME>_URL``, and gets its own
``DATA_DIR``. Every process is stopped, and the folder removed, when the ``with`` block ends, even on failure.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cleave.formats.topology import service_url_variable

START_TIMEOUT = 30.0


@dataclass
class Running:
    """The running services: the gateway's URL, each service's address, processes and logs."""

    gateway_url: str | None
    addresses: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def connection(address: str, timeout: float = 5.0) -> http.client.HTTPConnection:
    """An HTTP connection to ``unix:/path`` or ``http://host:port``."""
    if address.startswith("unix:"):
        return _UnixConnection(address[len("unix:"):], timeout)
    host, _, port = address.removeprefix("http://").partition(":")
    return http.client.HTTPConnection(host, int(port), timeout=timeout)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _healthy(address: str, path: str) -> bool:
    try:
        conn = connection(address, 1.0)
        try:
            conn.request("GET", path)
            return conn.getresponse().status == 200
        finally:
            conn.close()
    except OSError:
        return False


@contextlib.contextmanager
def run_services(build: Path, *, python: str = sys.executable, timeout: float = START_TIMEOUT) -> Iterator[Running]:
    """Start every service under ``build/services``; wait until each answers its health path; stop them after."""
    trees = sorted(p for p in (build / "services").iterdir() if (p / "service.json").is_file())
    specs = {tree.name: json.loads((tree / "service.json").read_text()) for tree in trees}
    workdir = Path(tempfile.mkdtemp(prefix="cleave-run-", dir="/tmp"))  # short: unix socket paths are <= 107 bytes
    gateway = next((name for name, spec in specs.items() if spec.get("entry")), None)
    addresses = {name: (f"http://127.0.0.1:{_free_port()}" if name == gateway else f"unix:{workdir / name}.sock")
                 for name in specs}
    running = Running(addresses[gateway] if gateway else None, addresses)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEAVE_", "LISTEN_"))}
    base_env.update({service_url_variable(name): address for name, address in addresses.items()})
    base_env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        for tree in trees:
            name = tree.name
            data = workdir / "data" / name
            data.mkdir(parents=True)
            env = {**base_env, "CLEAVE_SERVICE": name, "DATA_DIR": str(data),
                   "CLEAVE_LISTEN": addresses[name].removeprefix("http://")}
            running.logs[name] = workdir / f"{name}.log"
            with running.logs[name].open("wb") as log:
                running.processes[name] = subprocess.Popen([python, "-m", "cleave_kit"], cwd=tree, env=env,
                                                           stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        for name, process in running.processes.items():
            health = specs[name].get("health_path", "/healthz")
            while not _healthy(addresses[name], health):
                if process.poll() is not None:
                    raise RuntimeError(f"service {name} exited with {process.returncode}:\n{running.log(name)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"service {name} not healthy after {timeout} s:\n{running.log(name)}")
                time.sleep(0.05)
        yield running
    finally:
        for process in running.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def get(address: str, path: str) -> tuple[int, bytes]:
    """``GET path`` on a service: the status and body."""
    conn = connection(address, 30.0)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
