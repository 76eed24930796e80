"""The engine through the CLI, as root: up/ps/down, scaling under load, healing, live restore, cleanup."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from runtime import linux
from tests.runtime.conftest import http_get, needs_root
from tests.runtime.project import Load, Project, leftover_cgroups, make_project

pytestmark = [needs_root]




def _ns_inodes(pid: int) -> set[int]:
    return {os.stat(f"/proc/{pid}/ns/{kind}").st_ino for kind in ("mnt", "pid", "uts", "ipc", "net")}


def _all_ns_inodes() -> set[int]:
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            for kind in ("mnt", "pid", "uts", "ipc", "net"):
                with contextlib.suppress(OSError):
                    found.add(os.stat(f"/proc/{entry}/ns/{kind}").st_ino)
    return found


def test_up_ps_and_down_leave_nothing_behind(shop: Project) -> None:
    url = shop.up()
    assert url.startswith("http://127.0.0.1:")
    rows = shop.ps()["replicas"]
    assert sorted(r["replica"] for r in rows) == ["api-0", "other-0", "web-0", "web-1"]
    assert all(r["state"] == "running" and r["health"] == "ok" and r["memory_bytes"] > 0 for r in rows)
    gateway = shop.gateway()
    status, body = http_get(gateway, "/call?service=api")
    assert status == 200 and json.loads(body)["body"]["hostname"] == "api-0"
    assert json.loads(http_get(gateway, "/call?service=other")[1])["reached"] is False
    # replicas forked by the service's zygote are isolated like launched ones
    assert json.loads(http_get(gateway, "/procs")[1]) == [1]
    who = json.loads(http_get(gateway, "/whoami")[1])
    assert who["hostname"] in ("web-0", "web-1") and who["pid"] == 1 and who["uid"] == 65532
    assert json.loads(http_get(gateway, "/write?path=/probe")[1])["written"] is False
    assert json.loads(http_get(gateway, "/write?path=/tmp/probe")[1])["written"] is True
    assert shop.cli("up", "build").stdout.strip() == url  # a second `up` finds the running engine
    table = shop.cli("ps").stdout
    assert "web-1" in table and "Running" in table and "2/2" in table
    logs = shop.cli("logs", "web").stdout
    assert "web-0 | serving as web-0" in logs and "web-1 | serving as web-1" in logs

    pids = [r["pid"] for r in rows]
    namespaces = set().union(*(_ns_inodes(pid) for pid in pids))
    state_dir = str(shop.paths.state_dir)
    shop.cli("down")
    assert all(linux.process_start_time(pid) is None for pid in pids)
    assert leftover_cgroups(shop.paths) == []
    assert state_dir not in Path("/proc/self/mountinfo").read_text()
    assert not namespaces & _all_ns_inodes()
    assert not shop.paths.state_file.exists() and not shop.paths.sockets.exists()
    assert (shop.paths.volumes / "web").is_dir()  # kept unless --volumes


def test_scale_up_and_down_under_load_loses_no_request(shop: Project) -> None:
    shop.up()
    with Load(shop.gateway()) as load:
        time.sleep(0.5)
        shop.cli("scale", "web=4", "--wait")
        time.sleep(1.0)
        shop.cli("scale", "web=1")
        shop.wait_rows("web", 1)
        time.sleep(0.5)
    assert load.failures == []
    assert load.ok > 50
    assert len(load.hosts) >= 3, load.hosts  # the kernel's accept queue spread the load over the replicas
    assert shop.rows("api")[0]["restarts"] == 0


@pytest.mark.parametrize("zygote", ["1", "0"])
def test_a_killed_replica_fails_only_in_flight_requests_and_comes_back(shop: Project, zygote: str) -> None:
    shop.env["CLEAVE_RUNTIME_ZYGOTE"] = zygote  # forked by the zygote, or exec'd directly
    shop.up()
    victim = shop.rows("web")[0]
    with Load(shop.gateway(), path="/slow?s=0.02", threads=3) as load:
        time.sleep(0.5)
        os.kill(victim["pid"], signal.SIGKILL)
        time.sleep(1.0)
    assert len(load.failures) <= 3, load.failures  # at most one in flight per client thread
    rows = shop.wait_rows("web", 2)
    again = next(r for r in rows if r["replica"] == victim["replica"])
    assert again["restarts"] == 1 and again["pid"] != victim["pid"]
    assert "SIGKILL" in again["last_exit"]


def test_a_hung_replica_fails_its_own_health_checks_and_is_replaced(shop: Project) -> None:
    shop.up()
    deadline = time.monotonic() + 10  # checked on their own sockets once they have answered there
    while any(r["health_checked"] != "replica" for r in shop.rows("web")) and time.monotonic() < deadline:
        time.sleep(0.1)
    hung, sibling = shop.rows("web")
    assert hung["health"] == "ok" and sibling["health"] == "ok" and hung["health_checked"] == "replica"
    os.kill(hung["pid"], signal.SIGSTOP)  # alive, fd 3 still in its epoll set, answers nothing
    try:
        deadline = time.monotonic() + 10
        while shop.rows("web")[0]["health"] == "ok" and time.monotonic() < deadline:
            assert http_get(shop.gateway(), "/healthz")[0] == 200  # the sibling serves meanwhile
            time.sleep(0.1)
        row = shop.rows("web")[0]  # a slow `ps` (a loaded machine) may see a later failure, or the replacement
        assert row["pid"] != hung["pid"] or row["health"].startswith("failing "), row
        assert row["pid"] != hung["pid"] or row["health"].endswith("/3: no answer within 2 s"), row
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # killed after the third failure, then replaced
            again = next(r for r in shop.rows("web") if r["replica"] == hung["replica"])
            if again["pid"] not in (None, hung["pid"]) and again["state"] == "running":
                break
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(hung["pid"], signal.SIGCONT)
    assert again["restarts"] == 1 and again["pid"] != hung["pid"], again
    assert again["last_exit"].startswith("failed 3 health checks in a row (no answer within 2 s): killed by SIGKILL")
    other = next(r for r in shop.rows("web") if r["replica"] == sibling["replica"])
    assert (other["pid"], other["restarts"]) == (sibling["pid"], 0)


def test_a_memory_hog_is_replaced_while_its_sibling_serves(shop: Project) -> None:
    shop.up()
    with pytest.raises(OSError):
        http_get(shop.gateway(), "/hog-memory?mb=200", timeout=30)
    assert http_get(shop.gateway(), "/healthz")[0] == 200
    rows = shop.wait_rows("web", 2)
    hogs = [r for r in rows if r["restarts"] == 1]
    assert len(hogs) == 1 and "out of memory" in hogs[0]["last_exit"], rows
    assert shop.rows("api")[0]["restarts"] == 0


def test_engine_kill_9_and_restart_touches_no_replica(shop: Project) -> None:
    shop.up()
    before = {r["replica"]: r["pid"] for r in shop.ps()["replicas"]}
    engine = shop.ps()["pid"]
    with Load(shop.gateway()) as load:
        time.sleep(0.3)
        os.kill(engine, signal.SIGKILL)
        time.sleep(0.7)  # replicas serve on without an engine
        served_without_engine = load.ok
        shop.up()
        time.sleep(0.5)
    assert load.failures == []
    assert served_without_engine > 10
    answer = shop.ps()
    assert answer["pid"] != engine and answer["adopted"] == 4
    assert {r["replica"]: r["pid"] for r in answer["replicas"]} == before
    assert all(r["restarts"] == 0 for r in answer["replicas"])
    shop.cli("scale", "web=3", "--wait")  # the recovered listening socket reaches new replicas too
    gateway = shop.gateway()
    hosts = {json.loads(http_get(gateway, "/slow?s=0.05")[1])["hostname"] for _ in range(30)}
    assert hosts <= {"web-0", "web-1", "web-2"} and len(hosts) >= 2


def test_a_replica_that_never_listens_is_killed_and_ps_says_why(tmp_path: Path, base_layer: bytes) -> None:
    project = make_project(tmp_path, base_layer, {"web": {"env": {"NEVER_LISTEN": "1"}}})
    project.env["CLEAVE_START_TIMEOUT"] = "1.5"
    try:
        assert project.cli("up", "build", check=False).returncode == 1
        deadline = time.monotonic() + 30
        while not project.rows("web")[0]["last_exit"] and time.monotonic() < deadline:
            time.sleep(0.1)
        row = project.rows("web")[0]
        assert row["last_exit"] == "not listening after 1.5 s: killed by SIGKILL", row
    finally:
        project.teardown()


def test_a_crash_loop_shows_in_ps(tmp_path: Path, base_layer: bytes) -> None:
    project = make_project(tmp_path, base_layer, {"web": {"env": {"CRASH_AT_START": "1"}}})
    project.env["CLEAVE_START_TIMEOUT"] = "2"
    try:
        result = project.cli("up", "build", check=False)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and result.stdout == ""  # no gateway URL
        assert "error: web-0 keeps failing (3 times in a row, last: exited with 5)" in result.stderr
        assert "last lines of web-0:" in result.stderr and "web-0 | crashing on purpose" in result.stderr
        row = project.rows("web")[0]
        assert row["restarts"] >= 2 and row["last_exit"] == "exited with 5"
        assert "web-0 | crashing on purpose" in project.cli("logs", "web").stdout
    finally:
        project.teardown()
