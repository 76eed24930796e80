"""Rootless mode, for real: the engine run by a throwaway unprivileged user, replicas in user namespaces.

The fixture creates the user with ``useradd`` (as root), runs the CLI as that user with ``setpriv`` (the host's
``/usr/bin/python3`` of the same minor version, with this checkout and the venv's libraries on PYTHONPATH) and,
whatever happens, kills the user's processes by pid, removes its folder and deletes the user.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runtime import cgroups, isolation, linux
from tests.runtime.conftest import http_get, needs_root
from tests.runtime.images import write_build

pytestmark = [needs_root]

REPO = Path(__file__).resolve().parents[2]
SITE = next((Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()), None)
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")


@dataclass
class User:
    """A throwaway unprivileged user and a folder it owns."""

    name: str
    uid: int
    gid: int
    home: Path
    cgroup: Path | None = None  # a delegated cgroup v2 every command starts in (moved there as root, first)

    def run(self, *argv: str, env: dict[str, str] | None = None, timeout: float = 120,
            ) -> subprocess.CompletedProcess[str]:
        environment = {"PATH": "/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
                       "PYTHONPATH": f"{REPO}:{SITE}", "CLEAVE_START_TIMEOUT": "20", **(env or {})}
        enter = ["sh", "-c", f'echo $$ > {self.cgroup}/cgroup.procs && exec "$@"', "sh"] if self.cgroup else []
        return subprocess.run([*enter, "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                               "--inh-caps=-all", "env", "-i", *(f"{k}={v}" for k, v in environment.items()),
                               *argv], cwd=self.home, capture_output=True, text=True, timeout=timeout, check=False)

    def cleave(self, *args: str, env: dict[str, str] | None = None, check: bool = True,
               ) -> subprocess.CompletedProcess[str]:
        result = self.run(str(SYSTEM_PYTHON), "-c", "from cleave.cli.app import main; main()", *args, env=env)
        if check and result.returncode != 0:
            raise AssertionError(f"cleave {' '.join(args)} as {self.name} failed ({result.returncode}):\n"
                                 f"{result.stderr}")
        return result

    def pids(self) -> list[int]:
        """The user's processes, zombies aside (an exited engine waits there for init, this machine's pid 1, to
        reap it: the engine is orphaned by ``cleave up``, which starts it and returns)."""
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    if os.stat(f"/proc/{entry}").st_uid == self.uid and linux.process_start_time(int(entry)):
                        found.append(int(entry))
        return found


@pytest.fixture(scope="module")
def user() -> Iterator[User]:
    """``cleave-rl-<random>``: no home, no shell, no password; deleted with everything it ran afterwards."""
    if shutil.which("useradd") is None or shutil.which("setpriv") is None:
        pytest.skip("needs useradd and setpriv (util-linux)")
    if not SYSTEM_PYTHON.exists() or SITE is None:
        pytest.skip(f"needs {SYSTEM_PYTHON} (the same minor version as this interpreter) for the unprivileged user")
    name = f"cleave-rl-{uuid.uuid4().hex[:6]}"
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    home = Path(tempfile.mkdtemp(prefix="cleave-rootless-"))
    try:
        entry = pwd.getpwnam(name)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        os.chmod(home, 0o755)
        found = User(name, entry.pw_uid, entry.pw_gid, home)
        probe = found.run(str(SYSTEM_PYTHON), "-c", "import cleave.cli.app, runtime.engine")
        if probe.returncode != 0:
            pytest.skip(f"{name} cannot import cleave from {REPO} with {SYSTEM_PYTHON}: {probe.stderr[-300:]}")
        yield found
    finally:
        for _ in range(3):
            pids = User(name, pwd.getpwnam(name).pw_uid, 0, home).pids()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if not pids:
                break
            time.sleep(0.2)
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run(["userdel", name], check=False)


@pytest.fixture
def project(user: User, base_layer: bytes) -> Iterator[Path]:
    """web (the gateway, 2 replicas, limited) calls api; other is a service web may not call. Owned by the user."""
    root = user.home / uuid.uuid4().hex[:8]
    services = {"web": {"replicas": 2, "calls": ("api",), "resources": {"cpu": 0.5, "memory_bytes": 64 << 20}},
                "api": {}, "other": {}}
    write_build(root / "build", {n: {"command": ("python3", "server.py"), **f} for n, f in services.items()},
                base_layer, gateway="web")
    for folder, _, files in os.walk(root):
        for name in (folder, *(os.path.join(folder, f) for f in files)):
            os.chown(name, user.uid, user.gid)
    try:
        yield root
    finally:
        with contextlib.suppress(Exception):
            user.run(str(SYSTEM_PYTHON), "-c", "from cleave.cli.app import main; main()", "down", "-C",
                     str(root), "--volumes", timeout=60)
        for pid in user.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def delegated(user: User) -> Iterator[User]:
    """The user, with a cgroup of its own in the unified hierarchy delegated to it (as systemd's ``Delegate=yes``
    does: the folder, ``cgroup.procs``, ``cgroup.subtree_control`` and ``cgroup.threads`` chowned)."""
    mount = cgroups._v2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy is mounted here")
    base = mount / f"cleave-delegated-{uuid.uuid4().hex[:8]}"
    base.mkdir()
    try:
        for path in (base, base / "cgroup.procs", base / "cgroup.subtree_control", base / "cgroup.threads"):
            os.chown(path, user.uid, user.gid)
        yield User(user.name, user.uid, user.gid, user.home, cgroup=base)
    finally:
        cgroups._remove_dir(base)


def _ps(user: User, root: Path) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(user.cleave("ps", "-C", str(root), "--json").stdout)
    return answer


def _get(address: tuple[str, int], path: str) -> Any:
    status, body = http_get(address, path)
    assert status == 200, (path, body)
    return json.loads(body)


def test_probe_user_namespace_works_here() -> None:
    assert linux.probe_user_namespace() is None  # as root too: the same attempt an unprivileged user makes
    assert isolation.kernel_version("6.18.44-fc-v657") == (6, 18)
    assert isolation.kernel_version("5.10.0-28-amd64") < isolation.OVERLAY_IN_USERNS
    assert isolation.kernel_version("garbage") == (0, 0)


@pytest.mark.parametrize("root_kind", ["auto", "bind"])
def test_an_unprivileged_user_gets_namespaces_and_is_told_what_is_missing(user: User, project: Path,
                                                                         root_kind: str) -> None:
    env = {"CLEAVE_RUNTIME_ROOTLESS_ROOT": root_kind}
    result = user.cleave("up", str(project / "build"), env=env)
    assert "isolation missing: root privileges (rootless" in result.stderr
    assert "per-replica health checks" not in result.stderr  # a forked child joins the replica's namespaces
    assert "isolation missing: cgroup" in result.stderr and "no cpu, memory or pids limits" in result.stderr
    answer = _ps(user, project)
    described = answer["isolation"]
    assert described["mode"] == "rootless" and described["user_namespace"] is True
    assert described["root"] == ("overlay" if root_kind == "auto" else "read-only bind")
    assert described["cgroups"] == "none"
    assert any("no cpu, memory or pids limits" in line for line in described["missing"])
    rows = answer["replicas"]
    assert sorted(r["replica"] for r in rows) == ["api-0", "other-0", "web-0", "web-1"]
    assert all(r["state"] == "running" and r["memory_bytes"] is None for r in rows)
    deadline = time.monotonic() + 10  # each replica answers on its own health socket, checked every second
    while any(r["health_checked"] != "replica" for r in rows) and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = _ps(user, project)["replicas"]
    assert all((r["health"], r["health_checked"]) == ("ok", "replica") for r in rows), rows
    table = user.cleave("ps", "-C", str(project))
    assert "isolation missing: cgroup" in table.stderr

    gateway = ("127.0.0.1", int(answer["gateway_url"].rsplit(":", 1)[1]))
    who = _get(gateway, "/whoami")
    assert who["hostname"] in ("web-0", "web-1") and who["pid"] == 1 and who["uid"] == 65532
    assert _get(gateway, "/procs") == [1]  # its own pid namespace
    assert _get(gateway, "/write?path=/probe")["written"] is False  # / is read-only
    assert _get(gateway, "/write?path=/tmp/probe")["written"] is True  # a private /tmp
    assert _get(gateway, "/ls?path=/app") == ["server.py"]  # the upper layer's whiteout hides junk.txt
    assert _get(gateway, "/call?service=api")["body"]["hostname"] == "api-0"
    assert _get(gateway, "/call?service=other")["reached"] is False  # undeclared: unreachable
    for row in rows:
        pid = row["pid"]
        assert os.stat(f"/proc/{pid}").st_uid == user.uid  # the user's own process on the host
        for kind in ("user", "mnt", "pid", "uts", "ipc", "net"):
            assert os.readlink(f"/proc/{pid}/ns/{kind}") != os.readlink(f"/proc/self/ns/{kind}"), kind
        status = Path(f"/proc/{pid}/status").read_text()
        assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status

    user.cleave("scale", "-C", str(project), "web=3", "--wait")
    assert len([r for r in _ps(user, project)["replicas"] if r["service"] == "web"]) == 3
    victim = next(r for r in _ps(user, project)["replicas"] if r["replica"] == "api-0")
    os.kill(victim["pid"], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        again = next(r for r in _ps(user, project)["replicas"] if r["replica"] == "api-0")
        if again["state"] == "running" and again["pid"] != victim["pid"]:
            break
        time.sleep(0.1)
    assert again["restarts"] == 1 and "SIGKILL" in again["last_exit"]

    before = {r["replica"]: r["pid"] for r in _ps(user, project)["replicas"]}
    engine = _ps(user, project)["pid"]
    os.kill(engine, signal.SIGKILL)  # live restore: pidfd_open and pidfd_getfd work on our own user namespaces
    assert _get(gateway, "/whoami")["pid"] == 1  # served without an engine
    user.cleave("up", str(project / "build"), env=env)
    restored = _ps(user, project)
    assert restored["pid"] != engine and restored["adopted"] == 5
    assert {r["replica"]: r["pid"] for r in restored["replicas"]} == before

    pids = [r["pid"] for r in _ps(user, project)["replicas"]]
    user.cleave("down", "-C", str(project))
    deadline = time.monotonic() + 10
    while user.pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert user.pids() == [] and all(linux.process_start_time(pid) is None for pid in pids)
    assert str(project) not in Path("/proc/self/mountinfo").read_text()


def test_a_delegated_cgroup_v2_accounts_and_cleans_up_and_says_which_limits_are_missing(delegated: User,
                                                                                         project: Path) -> None:
    base = delegated.cgroup
    assert base is not None
    result = delegated.cleave("up", str(project / "build"))
    answer = _ps(delegated, project)
    assert answer["isolation"]["mode"] == "rootless" and answer["isolation"]["cgroups"] == "v2"
    offered = set((base / "cgroup.controllers").read_text().split())
    if not {"cpu", "memory", "pids"} <= offered:  # this machine: cpu, memory and pids are bound to cgroup v1
        assert f"the cgroup v2 at {base} offers no" in result.stderr and "usage and cleanup only" in result.stderr
    else:  # a v2-only machine: the delegated cgroup holds the processes of our commands, so none can be handed down
        assert "cannot enable" in result.stderr and "systemd-run --user --scope" in result.stderr
    parents = [p.name for p in base.iterdir() if p.name.startswith("cleave-")]
    assert len(parents) == 1
    for row in answer["replicas"]:
        line = next(x for x in Path(f"/proc/{row['pid']}/cgroup").read_text().splitlines() if x.startswith("0::"))
        assert line == f"0::/{base.relative_to(cgroups._v2_mount() or base)}/{parents[0]}/{row['service']}-" \
                       f"{row['replica'].rsplit('-', 1)[1]}"
        assert row["cpu_seconds"] is not None and row["cpu_seconds"] > 0  # cpu.stat, in every v2 cgroup
    delegated.cleave("down", "-C", str(project))
    assert not [p for p in base.iterdir() if p.name.startswith("cleave-")]
