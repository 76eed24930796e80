"""Replicas sharing one listening socket share long-lived keep-alive connections too; each has its own health socket.

Connections opened one after another alternate between idle replicas. A burst of connections queued at once is
another matter: whichever replica wakes first may take most of the queue (31 of 32 seen on a loaded machine), a
known limit of accepting through epoll (docs/kit.md); it is not asserted here.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.kit.conftest import StartServer


def _pid_over(connection: http.client.HTTPConnection) -> int:
    connection.request("POST", "/rpc/kitdemo.api.pid", body=json.dumps({"args": [], "kwargs": {}}),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 200, body
    return int(body["result"])


def test_keep_alive_connections_spread_over_replicas(tree: Path, start_server: StartServer) -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    try:
        first = start_server(tree, share=listener)
        second = start_server(tree, share=listener)
        port = listener.getsockname()[1]
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(32)]
        try:
            served = Counter(_pid_over(connection) for connection in connections)
            # each connection stays with the replica that accepted it: ask again, same answer
            assert all(_pid_over(c) == _pid_over(c) for c in connections[:4])
        finally:
            for connection in connections:
                connection.close()
        assert set(served) == {first.proc.pid, second.proc.pid}, served
        assert min(served.values()) >= 4, f"one replica took almost every connection: {served}"
    finally:
        listener.close()


def _pid_through(address: str) -> int:
    """The pid of the process serving the unix socket ``address`` (``@name``: abstract)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect("\0" + address[1:] if address.startswith("@") else address)
        body = json.dumps({"args": [], "kwargs": {}}).encode()
        sock.sendall(b"POST /rpc/kitdemo.api.pid HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n%b" % (len(body), body))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer
    return int(json.loads(body)["result"])


def test_each_replica_answers_on_its_own_health_socket_too(tree: Path, start_server: StartServer,
                                                           tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    names = [f"@cleave-test-{uuid.uuid4().hex}", str(tmp_path / "replica-1.sock")]  # abstract, then a path
    try:
        replicas = [start_server(tree, share=listener, env={"CLEAVE_HEALTH_LISTEN": f"unix:{name}"})
                    for name in names]
        for _ in range(3):  # every time the replica itself, never its sibling on the shared socket
            assert [_pid_through(name) for name in names] == [replica.proc.pid for replica in replicas]
        assert replicas[0].stop() == 0
        with pytest.raises(OSError):  # its own socket went with it (the sibling's is still there)
            _pid_through(names[0])
        assert _pid_through(names[1]) == replicas[1].proc.pid
        assert replicas[1].stop() == 0
        assert not Path(names[1]).exists()
    finally:
        listener.close()


@pytest.mark.parametrize(("value", "message"), [
    ("127.0.0.1:9000", "expected 'unix:/path/to.sock' or 'unix:@name'"),
    ("unix:@", "the unix socket path is empty"),
    ("unix:/nonexistent-folder/x.sock", "cannot listen there"),
])
def test_a_bad_health_socket_is_one_line_and_exit_2(tree: Path, value: str, message: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "CLEAVE_LISTEN": "unix:" + str(tree.parent / f"bad-{uuid.uuid4().hex}.sock"),
           "CLEAVE_HEALTH_LISTEN": value}
    result = subprocess.run([sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f"CLEAVE_HEALTH_LISTEN={value!r}" in result.stderr, result.stderr
    assert message in result.stderr


def test_two_replicas_cannot_take_the_same_abstract_health_name(tree: Path, start_server: StartServer) -> None:
    name = f"unix:@cleave-test-{uuid.uuid4().hex}"
    start_server(tree, env={"CLEAVE_HEALTH_LISTEN": name})
    env = {"PATH": "/usr/bin:/bin", "CLEAVE_LISTEN": "127.0.0.1:0", "CLEAVE_HEALTH_LISTEN": name}
    result = subprocess.run([sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2 and "cannot listen there: [Errno 98] Address already in use" in result.stderr
