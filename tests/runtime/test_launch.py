"""The launch primitive as root: namespaces, root filesystem, privileges and cgroup limits really hold."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cleave.formats.topology import Limits
from runtime import cgroups
from runtime.launch import Launched, LaunchSpec, launch
from runtime.store import Store
from tests.runtime.conftest import http_get, kill_and_reap, needs_root
from tests.runtime.images import write_layout

pytestmark = [needs_root]

Start = Callable[..., tuple[Launched, str, str]]


@pytest.fixture
def start(tmp_path: Path, base_layer: bytes) -> Iterator[Start]:
    """Start replicas of the test image, each with its own listening unix socket; kills them and their cgroups."""
    detected, reason = cgroups.detect()
    assert detected is not None, reason
    layout = tmp_path / "oci"
    write_layout(layout, ["svc"], base_layer)
    image = Store(tmp_path / "store", overlay=True).unpack(layout, "svc")
    parent = f"cleave-test-{uuid.uuid4().hex[:8]}"
    started: list[Launched] = []
    sockets: list[socket.socket] = []
    (tmp_path / "stage").mkdir()
    (tmp_path / "volume").mkdir()
    os.chown(tmp_path / "volume", 65532, 65532)

    def run(name: str, limits: Limits = Limits(), calls: tuple[tuple[str, str], ...] = ()) -> tuple[Launched, str, str]:
        path = str(tmp_path / f"{name}.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chmod(path, 0o666)  # the replica runs as 65532: connecting needs write permission
        listener.listen(64)
        sockets.append(listener)
        group = f"{parent}/{name}"
        assert detected is not None
        spec = LaunchSpec(name=name, argv=("python3", "/app/server.py"),
                          env=(*image.config.env, ("DATA_DIR", "/data"),
                               *((f"CLEAVE_SERVICE_{n.upper()}_URL", f"unix:/run/cleave/{n}.sock") for n, _ in calls)),
                          workdir="/app", user="65532:65532", listen_fd=listener.fileno(),
                          log_path=str(tmp_path / f"{name}.log"), cgroup_procs=detected.create(group, limits),
                          layers=tuple(map(str, image.layers)), staging_dir=str(tmp_path / "stage"),
                          volume=str(tmp_path / "volume"), sockets=tuple((f"{n}.sock", p) for n, p in calls))
        launched = launch(spec)
        started.append(launched)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if http_get(path, "/healthz", timeout=1)[0] == 200:
                    break
            time.sleep(0.02)
        return launched, path, group

    try:
        yield run
    finally:
        kill_and_reap(launched.pid for launched in started)
        detected.remove(parent)
        for listener in sockets:
            listener.close()


def _json(address: str, path: str) -> object:
    status, body = http_get(address, path, timeout=20)
    assert status == 200, body
    return json.loads(body)


def test_a_replica_sees_only_itself(start: Start) -> None:
    _, address, _ = start("alpha-1")
    assert _json(address, "/procs") == [1]
    who = _json(address, "/whoami")
    assert who == {"hostname": "alpha-1", "pid": 1, "uid": 65532, "service": None}
    assert socket.gethostname() != "alpha-1"


def test_the_root_is_read_only_and_tmp_and_data_are_writable(start: Start) -> None:
    _, address, _ = start("alpha-1")
    assert _json(address, "/write?path=/probe")["written"] is False  # type: ignore[index]
    assert _json(address, "/write?path=/app/probe")["written"] is False  # type: ignore[index]
    assert _json(address, "/write?path=/tmp/probe")["written"] is True  # type: ignore[index]
    assert _json(address, "/write?path=/data/probe")["written"] is True  # type: ignore[index]
    assert _json(address, "/ls?path=/app") == ["server.py"]  # the upper layer's whiteout hides junk.txt
    assert set(_json(address, "/ls?path=/dev")) >= {"null", "zero", "urandom", "random", "tty"}  # type: ignore[arg-type]


def test_only_declared_services_are_reachable(start: Start) -> None:
    _, beta, _ = start("beta-1")
    _, gamma, _ = start("gamma-1")
    _, alpha, _ = start("alpha-1", calls=(("beta", beta),))
    reached = _json(alpha, "/call?service=beta")
    assert reached["reached"] is True and reached["body"]["hostname"] == "beta-1"  # type: ignore[index]
    assert _json(alpha, "/call?service=gamma")["reached"] is False  # type: ignore[index]
    assert _json(alpha, "/ls?path=/run/cleave") == ["beta.sock"]
    assert os.path.exists(gamma)


def test_a_memory_hog_is_oom_killed_alone(start: Start) -> None:
    detected, _ = cgroups.detect()
    assert detected is not None
    _sibling, sibling_address, _ = start("mem-2", Limits(memory_bytes=64 << 20))
    hog, address, group = start("mem-1", Limits(memory_bytes=64 << 20))
    with pytest.raises(OSError):
        http_get(address, "/hog-memory?mb=256", timeout=20)
    _, status = os.waitpid(hog.pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert detected.usage(group).oom_kills >= 1
    assert _json(sibling_address, "/healthz") == {"ok": True}


def test_a_cpu_hog_gets_its_quota(start: Start) -> None:
    detected, _ = cgroups.detect()
    assert detected is not None
    _, address, group = start("cpu-1", Limits(cpu=0.25))
    worker = threading.Thread(target=http_get, args=(address, "/hog-cpu?s=3", 20))
    worker.start()
    time.sleep(0.4)
    cpu0, wall0 = detected.usage(group).cpu_seconds, time.monotonic()
    time.sleep(2.0)
    cpu1, wall1 = detected.usage(group).cpu_seconds, time.monotonic()
    worker.join()
    share = (cpu1 - cpu0) / (wall1 - wall0)
    assert 0.25 * 0.9 <= share <= 0.25 * 1.1, share


def test_a_fork_bomb_stops_at_pids_max(start: Start) -> None:
    _, address, _ = start("bomb-1", Limits(pids=24))
    result = _json(address, "/forkbomb?n=100")
    assert result["started"] < 24 and result["failed"] > 0  # type: ignore[index]
    assert _json(address, "/healthz") == {"ok": True}
