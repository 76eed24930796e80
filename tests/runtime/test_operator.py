"""The operator's verbs on a running shop, as root: restart, stop/start, exec, top, events, logs --previous and after
down, down twice; crafted control messages to a live engine; Ctrl-C during ``up``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.runtime.conftest import needs_root
from tests.runtime.project import CLEAVE, Load, Project, make_project

pytestmark = [needs_root]


def _raw(path: Path, data: bytes) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    result: dict[str, object] = json.loads(answer)
    return result


def test_the_operator_verbs_on_a_running_shop(shop: Project) -> None:
    began = time.time()
    progress = shop.cli("up", "build")
    for service in ("web", "api", "other"):
        for stage in ("Created", "Started", "Healthy"):
            assert f"{service}" in progress.stderr and stage in progress.stderr
    before = {r["replica"]: r["pid"] for r in shop.ps()["replicas"]}

    # crafted control messages are answered with an error; the engine goes on supervising
    control = shop.paths.control_socket
    assert _raw(control, b"[1, 2]\n")["error"] == "control request must be a JSON object, not list"
    assert _raw(control, b"null\n")["error"] == "control request must be a JSON object, not NoneType"
    assert str(_raw(control, b'{"op": "scale", "services": ["api"]}\n')["error"]).startswith("scale: 'services'")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(str(control))
        silent.sendall(b'{"op": "st')  # a client that stalls mid-request while a replica dies
        os.kill(before["api-0"], signal.SIGKILL)
        api = shop.wait_rows("api", 1)[0]
        assert api["pid"] != before["api-0"] and api["restarts"] == 1

    # --previous shows what the killed process wrote; events saw it
    previous = shop.cli("logs", "api", "--previous").stdout
    assert previous.startswith("api-0 | serving as api-0")
    events = json.loads(shop.cli("events", "--json").stdout)
    assert any(e["kind"] == "started" and e.get("replica") == "api-0" for e in events)
    assert any("api-0: killed by SIGKILL" in e["message"] for e in events)

    # restart is rolling: no failed request, new pids
    with Load(shop.gateway(), path="/call?service=api") as load:
        time.sleep(0.3)
        assert json.loads(shop.cli("restart", "api", "--json").stdout)["restarted"] == ["api"]
        time.sleep(0.3)
    assert load.failures == [] and shop.rows("api")[0]["pid"] != api["pid"]

    # stop / start: a stopped service stays listed, its drift from the plan shows
    shop.cli("stop", "other")
    deadline = time.monotonic() + 30
    while shop.rows("other") and time.monotonic() < deadline:
        time.sleep(0.1)
    table = shop.cli("ps").stdout
    assert any(line.split()[:6] == ["other", "0/0", "0", "1", "-", "scaled"] for line in table.splitlines()), table
    shop.cli("start", "other")
    assert shop.wait_rows("other", 1)
    scaled = json.loads(shop.cli("scale", "other=2", "--wait", "--json").stdout)  # one JSON document
    assert isinstance(scaled, dict) and len(shop.wait_rows("other", 2)) == 2
    shop.cli("scale", "other=1", "--wait")

    # exec enters the replica: its pid namespace, its hostname, its user
    result = subprocess.run([CLEAVE, "exec", "web-0", "--", "python3", "-c",
                             "import os, socket; print(os.getpid(), socket.gethostname(), os.getuid())"],
                            cwd=shop.root, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    pid, hostname, uid = result.stdout.split()
    assert hostname == "web-0" and uid == "65532" and int(pid) > 1
    assert subprocess.run([CLEAVE, "exec", "nosuch-0"], cwd=shop.root, capture_output=True, timeout=60,
                          check=False).returncode == 2

    top = json.loads(shop.cli("top", "--json").stdout)
    assert {r["replica"] for r in top} >= {"web-0", "web-1", "api-0", "other-0"}
    assert all(r["memory_bytes"] > 0 for r in top if r["pid"])

    # down twice exits 0; logs still read afterwards
    assert shop.cli("down").returncode == 0
    second = shop.cli("down")
    assert second.returncode == 0 and "nothing was running" in second.stderr
    assert json.loads(shop.cli("down", "--json").stdout) == {"engine_was_running": False,
                                                             "stopped_without_engine": 0, "warning": None}
    assert {line["replica"] for line in json.loads(shop.cli("logs", "--json").stdout)} >= {"web-0", "api-0"}
    assert "web-0 | serving as web-0" in shop.cli("logs", "web", "api").stdout
    # -t: the engine's keeper dated every line while it ran; --since keeps the recent ones only
    stamped = shop.cli("logs", "web", "-t", "--since", "1h").stdout.splitlines()
    times = [datetime.fromisoformat(line.split(" ")[2]).timestamp() for line in stamped]
    assert stamped and all(began - 1 <= t <= time.time() + 1 for t in times), stamped
    every = [datetime.fromisoformat(line.split(" ")[2]).timestamp()
             for line in shop.cli("logs", "-t").stdout.splitlines()]
    after = datetime.fromtimestamp(max(every) + 0.01, UTC).isoformat()
    assert shop.cli("logs", "--since", after).stdout == "" and shop.cli("logs", "--since", "2h").stdout
    tail = shop.cli("logs", "--tail", "1").stdout.splitlines()
    assert [line.split(" | ")[0] for line in tail] == ["api-0", "other-0", "other-1", "web-0", "web-1"]


def test_ctrl_c_during_up_stops_what_it_started(tmp_path: Path, base_layer: bytes) -> None:
    project = make_project(tmp_path, base_layer, {"web": {"env": {"NEVER_LISTEN": "1"}}})
    try:
        process = subprocess.Popen([CLEAVE, "up", "build"], cwd=project.root, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "CLEAVE_START_TIMEOUT": "60"})
        deadline = time.monotonic() + 60
        while not project.paths.replica_log("web-0").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert project.paths.replica_log("web-0").exists()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=90)
        assert process.returncode == 130, stderr
        assert "cancelled: nothing of this build runs" in stderr and "Traceback" not in stderr and stdout == ""
        assert not project.paths.state_file.exists() and not project.paths.control_socket.exists()
    finally:
        project.teardown()
