"""Per-replica health checks: each replica answers on its own abstract socket, reached inside its network namespace.

Real kit servers run in network namespaces of their own (``unshare --net``, util-linux), all with the same abstract
socket name; a stopped process (SIGSTOP) plays the hung replica.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runtime import health
from tests.kit.conftest import make_tree
from tests.runtime.conftest import needs_root

pytestmark = [needs_root, pytest.mark.root]

Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tree(tmp_path_factory.mktemp("health-tree"))


@pytest.fixture
def start(tree: Path, tmp_path: Path) -> Iterator[Start]:
    """Start kit servers in new network namespaces (or ours), each with its own unix socket; always killed."""
    started: list[subprocess.Popen[bytes]] = []

    def run(*, own_namespace: bool = True, health_socket: bool = True) -> subprocess.Popen[bytes]:
        main = tmp_path / f"service-{len(started)}.sock"
        env = {"PATH": "/usr/bin:/bin", "CLEAVE_LISTEN": f"unix:{main}"}
        if health_socket:
            env["CLEAVE_HEALTH_LISTEN"] = health.LISTEN_VALUE
        prefix = ["unshare", "--net"] if own_namespace else []
        process = subprocess.Popen([*prefix, sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, env=env,
                                   stderr=subprocess.DEVNULL)
        started.append(process)
        deadline = time.monotonic() + 20
        while not main.exists() or not _answers(main):
            assert process.poll() is None, "the kit exited at start"
            assert time.monotonic() < deadline, "the kit did not start"
            time.sleep(0.02)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait(timeout=10)


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
        return True


@pytest.fixture
def probe() -> Iterator[health.NamespaceProbe]:
    checker = health.NamespaceProbe()
    home = os.readlink("/proc/thread-self/ns/net")
    yield checker
    checker.close()
    assert os.readlink("/proc/thread-self/ns/net") == home, "the probe left this thread in another namespace"


def test_replicas_share_the_socket_name_and_each_answers_for_itself(start: Start,
                                                                   probe: health.NamespaceProbe) -> None:
    first, second = start(), start()
    assert probe.check(first.pid, "/healthz", 2.0) is None
    assert probe.check(second.pid, "/healthz", 2.0) is None
    first.send_signal(signal.SIGSTOP)  # hung: its sibling, with the same socket name, must not answer for it
    try:
        assert probe.check(first.pid, "/healthz", 0.3) == "no answer within 0.3 s"
        assert probe.check(second.pid, "/healthz", 2.0) is None
    finally:
        first.send_signal(signal.SIGCONT)
    assert probe.check(first.pid, "/healthz", 2.0) is None


def test_the_name_is_private_to_the_namespace(start: Start, probe: health.NamespaceProbe) -> None:
    ours = start(own_namespace=False)  # listens on @cleave-health in the test's own namespace
    isolated = start(health_socket=False)
    assert probe.check(ours.pid, "/healthz", 2.0) is None
    assert probe.check(isolated.pid, "/healthz", 2.0) == "nothing listens on its health socket"


def test_a_wrong_path_and_a_gone_process_are_named(start: Start, probe: health.NamespaceProbe) -> None:
    replica = start()
    assert probe.check(replica.pid, "/no-such-route", 2.0) == "answered 'HTTP/1.1 404 Not Found'"
    replica.kill()
    replica.wait(timeout=10)
    assert probe.check(replica.pid, "/healthz", 2.0) == \
        "cannot enter its network namespace: No such file or directory"


def test_verdicts_count_only_armed_replicas_and_a_success_clears_them() -> None:
    verdicts = health.Verdicts()
    old_kit = (100, 1)
    for _ in range(5):  # never answered: not checked this way, never unhealthy
        verdict = verdicts.record(old_kit, "nothing listens on its health socket")
    assert not verdict.unhealthy and verdict.describe() == "-"
    replica = (200, 7)
    assert verdicts.record(replica, None).describe() == "ok"
    assert verdicts.record(replica, "no answer within 2 s").describe() == "failing 1/3: no answer within 2 s"
    assert not verdicts.record(replica, "no answer within 2 s").unhealthy
    assert verdicts.record(replica, None).failures == 0
    for _ in range(health.FAILURES_BEFORE_UNHEALTHY):
        verdict = verdicts.record(replica, "no answer within 2 s")
    assert verdict.unhealthy
    verdicts.forget_all_but({replica})
    assert verdicts.get(old_kit) is None and verdicts.get(replica) == verdict


def test_a_replica_in_a_user_namespace_is_reached_through_a_forked_child(tree: Path, tmp_path: Path) -> None:
    main = tmp_path / "service.sock"
    env = {"PATH": "/usr/bin:/bin", "CLEAVE_LISTEN": f"unix:{main}", "CLEAVE_HEALTH_LISTEN": health.LISTEN_VALUE}
    replica = subprocess.Popen(["unshare", "--user", "--map-root-user", "--net", sys.executable, "-S", "-m",
                                "cleave_kit"], cwd=tree, env=env, stderr=subprocess.DEVNULL)
    probe = health.NamespaceProbe(join_user_namespace=True)
    try:
        deadline = time.monotonic() + 20
        while not main.exists() or not _answers(main):
            assert replica.poll() is None and time.monotonic() < deadline, "the kit did not start"
            time.sleep(0.02)
        assert os.readlink(f"/proc/{replica.pid}/ns/user") != os.readlink("/proc/self/ns/user")
        assert probe.check(replica.pid, "/healthz", 2.0) is None
        replica.send_signal(signal.SIGSTOP)
        assert probe.check(replica.pid, "/healthz", 0.3) == "no answer within 0.3 s"
        replica.send_signal(signal.SIGCONT)
        replica.kill()
        replica.wait(timeout=10)
        assert probe.check(replica.pid, "/healthz", 2.0) == \
            "cannot enter its network namespace: No such file or directory"
    finally:
        probe.close()
        if replica.poll() is None:
            replica.send_signal(signal.SIGCONT)
            replica.kill()
            replica.wait(timeout=10)
