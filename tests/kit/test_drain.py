"""Graceful drain on SIGTERM: stop accepting, finish the request in flight, close idle connections, exit 0."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from packager.kit import client
from tests.kit.conftest import StartServer


def _wait_for(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.01)


def test_sigterm_finishes_the_request_in_flight_and_exits_0(tree: Path, start_server: StartServer, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_server(tree)
    monkeypatch.setenv("CLEAVE_SERVICE_DEMO_URL", server.url)
    host, port = server.url[7:].split(":")
    idle = socket.create_connection((host, int(port)), timeout=10)  # an idle keep-alive connection
    idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert idle.recv(4096).startswith(b"HTTP/1.1 200")

    marker = tmp_path / "started"
    results: list[object] = []
    caller = threading.Thread(target=lambda: results.append(
        client.call("demo", "kitdemo.api.slow", (str(marker), 1.0), {})))
    caller.start()
    try:
        _wait_for(marker.exists, "the slow call never started")
        server.proc.send_signal(signal.SIGTERM)
        # it closes its copy of the listening socket (fd 3) while the slow call still runs
        _wait_for(lambda: not os.path.exists(f"/proc/{server.proc.pid}/fd/3"), "fd 3 stayed open")
        assert idle.recv(4096) == b""  # the idle keep-alive connection was closed
        assert server.proc.wait(timeout=15) == 0
    finally:
        caller.join(timeout=15)
        idle.close()
    assert results == ["finished"]
    assert server.stderr() == ""


def test_sigterm_with_nothing_in_flight_exits_at_once(tree: Path, start_server: StartServer) -> None:
    server = start_server(tree)
    assert server.stop() == 0


def test_idle_keep_alive_connections_time_out(tree: Path, start_server: StartServer) -> None:
    server = start_server(tree, env={"CLEAVE_IDLE_TIMEOUT": "0.2"})
    host, port = server.url[7:].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        assert sock.recv(4096) == b""  # closed by the server after its idle timeout (the recv waits up to 10 s)
    assert server.stop() == 0
    assert server.stderr() == ""


def test_a_second_server_on_a_live_unix_socket_refuses(tree: Path, start_server: StartServer, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "busy.sock"
    start_server(tree, listen=f"unix:{path}")
    result = subprocess.run([sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], "CLEAVE_LISTEN": f"unix:{path}"}, timeout=30, check=False)
    assert result.returncode == 2
    assert "another server is listening there" in result.stderr


def test_no_call_fails_while_replicas_are_replaced_under_load(tree: Path, start_server: StartServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A rolling restart on one shared socket: callers keep calling, and no call fails or is lost."""
    first = start_server(tree)
    assert first.listener is not None
    second = start_server(tree, share=first.listener)
    monkeypatch.setenv("CLEAVE_SERVICE_DEMO_URL", first.url)
    done = threading.Event()
    failures: list[BaseException] = []
    answered = [0]

    def caller() -> None:
        while not done.is_set():
            try:
                assert client.call("demo", "kitdemo.api.add", (answered[0], 1), {}) >= 1
                answered[0] += 1
            except BaseException as error:
                failures.append(error)
                return

    callers = [threading.Thread(target=caller) for _ in range(4)]
    for thread in callers:
        thread.start()
    try:
        for old in (first, second):
            _wait_for(lambda: answered[0] > 200, "no calls answered")
            start_server(tree, share=first.listener)
            answered[0] = 0
            assert old.stop() == 0
        _wait_for(lambda: answered[0] > 200, "no calls answered after the restarts")
    finally:
        done.set()
        for thread in callers:
            thread.join(timeout=15)
    assert failures == []
