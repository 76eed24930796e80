"""Fixtures for the service kit: a service tree on disk and real `python -m cleave_kit` servers in subprocesses.

The tree holds a copy of packager/kit as the top-level package ``cleave_kit`` and is run with ``python -S`` (no
site-packages, no PYTHONPATH), which proves the kit runs on the standard library alone, without cleave installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from packager.kit import client

KIT = Path(__file__).resolve().parents[2] / "packager" / "kit"
ASSETS = Path(__file__).resolve().parent / "assets"
INTERFACE = ["kitdemo.api.add", "kitdemo.api.total", "kitdemo.api.reserve", "kitdemo.api.fail_builtin",
             "kitdemo.api.fail_private", "kitdemo.api.unsendable", "kitdemo.api.relay", "kitdemo.api.slow",
             "kitdemo.api.count", "kitdemo.api.pid", "kitdemo.api.private_value", "kitdemo.api.unsendable_error",
             "kitdemo.api.later", "kitdemo.api.grüße"]

# fd 3 <- the inherited socket, LISTEN_PID <- this very process (exec keeps the pid), then exec the kit
_ACTIVATE = ("import os, sys; fd = int(sys.argv[1]); fd != 3 and (os.dup2(fd, 3), os.close(fd)); "
             "os.set_inheritable(3, True); "
             "os.environ['LISTEN_FDS'] = '1'; os.environ['LISTEN_PID'] = str(os.getpid()); "
             "os.execv(sys.executable, [sys.executable, '-S', '-m', 'cleave_kit'])")


def make_tree(root: Path, *, entry: str | None = None, name: str = "demo", health: str = "/healthz") -> Path:
    """A service tree: cleave_kit + the demo modules + service.json."""
    shutil.copytree(KIT, root / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ASSETS / "tree", root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    spec = {"name": name, "interface": INTERFACE, "entry": entry, "health_path": health}
    (root / "service.json").write_text(json.dumps(spec))
    return root


@pytest.fixture(scope="session")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("tree"))


@pytest.fixture(scope="session")
def gateway_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("gateway"), entry="kitdemo.web:application", name="web")


@pytest.fixture(scope="session", autouse=True)
def caller_side(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The caller (this test process) has the shared value types, but not the service's private modules."""
    root = tmp_path_factory.mktemp("caller")
    (root / "kitdemo").mkdir()
    for name in ("__init__.py", "values.py"):
        shutil.copy(ASSETS / "tree" / "kitdemo" / name, root / "kitdemo" / name)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        client.close_all()


@dataclass
class Running:
    """A kit server in a subprocess."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    listener: socket.socket | None = None
    env: dict[str, str] = field(default_factory=dict)

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CLEAVE_DRAIN_TIMEOUT": "10"}
    env.update(extra)
    return env


def wait_healthy(url: str, timeout: float = 10.0) -> None:
    """Poll /healthz until the server answers (bounded)."""
    import http.client

    deadline = time.monotonic() + timeout
    while True:
        try:
            if url.startswith("unix:"):
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(url[5:])
                    sock.sendall(b"GET /_cleave/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if sock.recv(100).startswith(b"HTTP/1.1 200"):
                        return
            else:
                conn = http.client.HTTPConnection(url[7:], timeout=2)
                try:
                    conn.request("GET", "/_cleave/healthz")
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"no healthy server at {url}")
        time.sleep(0.02)


StartServer = Callable[..., Running]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start kit servers (socket activation by default, or ``listen='host:port' | 'unix:/path'``); always stopped."""
    running: list[Running] = []

    def start(root: Path, *, listen: str | None = None, env: dict[str, str] | None = None,
              share: socket.socket | None = None) -> Running:
        log = tmp_path / f"server-{len(running)}.log"
        extra = dict(env or {})
        with log.open("wb") as err:
            if listen is None:
                listener = share if share is not None else socket.create_server(("127.0.0.1", 0))
                url = f"http://127.0.0.1:{listener.getsockname()[1]}"
                proc = subprocess.Popen([sys.executable, "-S", "-c", _ACTIVATE, str(listener.fileno())], cwd=root,
                                        env=_clean_env(extra), stderr=err, pass_fds=[listener.fileno()])
                server = Running(proc, url, log, listener if share is None else None, extra)
            else:
                extra["CLEAVE_LISTEN"] = listen
                proc = subprocess.Popen([sys.executable, "-S", "-m", "cleave_kit"], cwd=root, env=_clean_env(extra),
                                        stderr=err)
                url = listen if listen.startswith("unix:") else f"http://{listen}"
                server = Running(proc, url, log, None, extra)
        running.append(server)
        wait_healthy(server.url)
        if share is not None:  # another replica may have answered the health check: wait for this one itself
            _wait_listening(server.proc.pid)
        return server

    try:
        yield start
    finally:
        for server in running:
            if server.proc.poll() is None:
                server.proc.kill()
                server.proc.wait(timeout=5)
            if server.listener is not None:
                server.listener.close()
        client.close_all()


def _wait_listening(pid: int, timeout: float = 20.0) -> None:
    """Until process ``pid`` waits for connections on its fd 3 (it has installed its SIGTERM handler by then)."""
    from runtime.readiness import is_listening

    deadline = time.monotonic() + timeout
    while not is_listening(pid):
        if time.monotonic() > deadline:
            raise TimeoutError(f"kit server {pid} never listened on the shared socket")
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
