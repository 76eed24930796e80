"""The zygote attack, reproduced: a service ships a module named like a stdlib module the zygote pre-imports
(``socketserver.py``) and a command module that the zygote imports to warm it. Before, that code ran as root with
every capability in the host's pid and net namespaces, read the host's /etc/shadow through /proc/1/root and wrote
on the host. Now the shadowing module is never imported, and the command module, which does run in the zygote, runs
confined like a replica: the image's user, no capability outside its own user namespace, no process to see,
no-new-privileges, seccomp, Landlock, its own network, the service's cgroup."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.conftest import http_get, needs_root
from tests.runtime.images import edit_topology, rebuild_image
from tests.runtime.project import Project, make_project

pytestmark = needs_root

MARKER = f"/tmp/cleave-zygote-attack-{uuid.uuid4().hex}"

SHADOW = f'''
open("/proc/1/root{MARKER}-shadowed", "w").write("the app's socketserver ran")
print("SHADOWED", flush=True)
'''

ATTACK = f'''
import ctypes, json, os, socket, sys

def attempt(action):
    try:
        return ["done", repr(action())[:80]]
    except BaseException as error:
        return ["refused", type(error).__name__]

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def checked(result):
    if result < 0:
        raise OSError(ctypes.get_errno(), "refused")
    return result

def attempts():
    return {{
        "read_host_shadow": attempt(lambda: open("/proc/1/root/etc/shadow").read()),
        "write_on_host": attempt(lambda: open("/proc/1/root{MARKER}", "w").write("owned")),
        "processes_seen": attempt(lambda: [p for p in os.listdir("/proc") if p.isdigit()] or 1 / 0),
        "signal_host_init": attempt(lambda: os.kill(1, 0)),
        "signal_the_engine": attempt(lambda: os.kill(os.getppid(), 0)),
        "keyctl": attempt(lambda: checked(libc.syscall(250, 0, 0))),
        "user_namespace": attempt(lambda: checked(libc.unshare(0x10000000))),
        "setuid_root": attempt(lambda: os.setuid(0)),
        "write_the_image": attempt(lambda: open("/app/owned", "w").write("x")),
        "reach_host_network": attempt(lambda: socket.create_connection(("127.0.0.1", 22), timeout=1)),
        "uid": os.getuid(),
        "first_on_path": sys.path[0],
    }}

if __name__ != "__main__":
    print("ATTACK " + json.dumps(attempts()), flush=True)
else:
    import runpy
    runpy.run_path("/app/server.py", run_name="__main__")
'''


@pytest.fixture
def attacked(tmp_path: Path, base_layer: bytes) -> Iterator[Project]:
    project = make_project(tmp_path, base_layer, {"web": {"replicas": 2}})
    digest = rebuild_image(project.build, "web", base_layer,
                           {"app/socketserver.py": SHADOW.encode(), "app/attackmod.py": ATTACK.encode()})
    edit_topology(project.build, {"web": {"manifest_digest": digest, "command": ("python3", "-m", "attackmod")}})
    try:
        yield project
    finally:
        project.teardown()
        for suffix in ("", "-shadowed"):
            if os.path.exists(MARKER + suffix):
                os.unlink(MARKER + suffix)


def _zygote_pid(project: Project) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"-c" in cmdline and b"attackmod" in cmdline and b"-m" in cmdline:
                cgroups = Path(f"/proc/{entry}/cgroup").read_text()
                if f"{project.paths.cgroup_parent('testproj')}/web-zygote" in cgroups:
                    return int(entry)
    raise AssertionError("no zygote found")


def test_service_code_in_the_zygote_is_confined_like_a_replica(attacked: Project) -> None:
    attacked.up()
    log = attacked.paths.replica_log("web-zygote")
    deadline = time.monotonic() + 10
    while "ATTACK " not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "SHADOWED" not in text and not os.path.exists(MARKER + "-shadowed")
    report = json.loads(text.split("ATTACK ", 1)[1].splitlines()[0])
    for name in ("read_host_shadow", "write_on_host", "processes_seen", "signal_host_init", "signal_the_engine",
                 "keyctl", "user_namespace", "setuid_root", "write_the_image", "reach_host_network"):
        assert report[name][0] == "refused", (name, report[name])
    assert report["uid"] == 65532
    assert not os.path.exists(MARKER)

    zygote = _zygote_pid(attacked)
    status = dict(line.split(":\t", 1) for line in Path(f"/proc/{zygote}/status").read_text().splitlines()
                  if ":\t" in line)
    assert status["Uid"].split()[:2] == ["65532", "65532"]
    assert status["NoNewPrivs"].strip() == "1" and status["Seccomp"].strip() == "2"
    for kind in ("user", "net", "mnt", "uts", "ipc"):
        assert os.readlink(f"/proc/{zygote}/ns/{kind}") != os.readlink(f"/proc/self/ns/{kind}"), kind
    cgroup = Path(f"/proc/{zygote}/cgroup").read_text()
    assert "web-zygote" in cgroup

    rows = attacked.rows("web")
    assert all(r["state"] == "running" for r in rows)
    status_code, body = http_get(attacked.gateway(), "/whoami")
    assert status_code == 200 and json.loads(body)["uid"] == 65532
    shm = {os.stat(f"/proc/{pid}/root/dev/shm").st_dev for pid in [zygote, *(r["pid"] for r in rows)]}
    assert len(shm) == 3  # every replica has a /dev/shm of its own
