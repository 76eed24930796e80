"""The cgroup v2 code, for real, on whatever unified hierarchy this machine has.

A v2-only machine has it at ``/sys/fs/cgroup``; a hybrid one (like this machine kind) at ``/sys/fs/cgroup/unified``,
usually with no controllers: then the project's parent, the replica's cgroup joined before exec, ``cgroup.kill``
and removal on ``down``, and ``cpu.stat`` are tested, and only the controller limits are skipped (with the reason).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cleave.formats.topology import Limits
from runtime import cgroups
from runtime.launch import Launched, LaunchSpec, launch
from runtime.store import Store
from tests.runtime.conftest import kill_and_reap, needs_root
from tests.runtime.images import write_layout

pytestmark = [needs_root]

Start = Callable[[str, tuple[str, ...], tuple[str, ...]], tuple[Launched, Path]]
UNIFIED = next((p for p in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))
                if (p / "cgroup.controllers").exists()), None)


@pytest.fixture
def v2() -> Iterator[tuple[cgroups.CgroupsV2, str]]:
    """The unified hierarchy and a project parent in it (removed afterwards, whatever is left in it)."""
    if UNIFIED is None:
        pytest.skip("no cgroup v2 hierarchy is mounted here")
    found = cgroups.CgroupsV2(UNIFIED)
    parent = f"cleave-test-{uuid.uuid4().hex[:8]}"
    try:
        yield found, parent
    finally:
        found.remove(parent)
        assert not (UNIFIED / parent).exists()


@pytest.fixture
def start_in(tmp_path: Path, base_layer: bytes) -> Iterator[Start]:
    """Launch a replica of the test image running ``argv``, joined to the given ``cgroup.procs`` files."""
    layout = tmp_path / "oci"
    write_layout(layout, ["svc"], base_layer)
    image = Store(tmp_path / "store", overlay=True).unpack(layout, "svc")
    (tmp_path / "stage").mkdir()
    started: list[Launched] = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "svc.sock"))
    listener.listen(8)

    def run(name: str, procs: tuple[str, ...], argv: tuple[str, ...]) -> tuple[Launched, Path]:
        log = tmp_path / f"{name}.log"
        spec = LaunchSpec(name=name, argv=argv, env=image.config.env, workdir="/app", user="65532:65532",
                          listen_fd=listener.fileno(), log_path=str(log), cgroup_procs=procs,
                          layers=tuple(map(str, image.layers)), staging_dir=str(tmp_path / "stage"))
        launched = launch(spec)
        started.append(launched)
        return launched, log

    try:
        yield run
    finally:
        kill_and_reap(launched.pid for launched in started)
        listener.close()


def _wait(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


PRINT_CGROUP_THEN_BURN = ("python3", "-c", "import time\nprint(open('/proc/self/cgroup').read(), flush=True)\n"
                          "end = time.monotonic() + 0.3\nwhile time.monotonic() < end: pass\ntime.sleep(60)")


def test_a_replica_is_in_its_v2_cgroup_from_exec_and_cgroup_kill_removes_it(
        v2: tuple[cgroups.CgroupsV2, str], start_in: Start) -> None:
    found, parent = v2
    group = f"{parent}/web-0"
    procs = found.create(group, Limits(cpu=0.5, memory_bytes=64 << 20, pids=32))  # set where the controller is
    assert procs == (str(found.base / group / "cgroup.procs"),) and found.exists(group)
    launched, log = start_in("web-0", procs, PRINT_CGROUP_THEN_BURN)
    assert _wait(lambda: "0::" in log.read_text())
    # the first thing the command did after exec was read its cgroup: it was already in it
    assert f"0::/{group}\n" in log.read_text()
    assert launched.pid in found.pids(group) and launched.pid in found.pids(parent)
    assert _wait(lambda: found.usage(group).cpu_seconds >= 0.1)  # cpu.stat: usage_usec, in every v2 cgroup
    usage = found.usage(group)
    if (found.base / group / "memory.current").exists():
        assert usage.memory_bytes is not None and usage.memory_bytes > 0
    else:
        assert usage.memory_bytes is None  # no memory controller here: nothing to read (ps shows "-")
    assert found.missing_limits() is None or "usage and cleanup only" in (found.missing_limits() or "")
    found.remove(parent)  # what `down` does: cgroup.kill, then the directories
    assert not (found.base / parent).exists()
    assert _wait(lambda: not Path(f"/proc/{launched.pid}").exists()
                 or os.waitpid(launched.pid, os.WNOHANG)[0] == launched.pid)


def test_removal_kills_what_is_left_even_without_cgroup_kill(v2: tuple[cgroups.CgroupsV2, str],
                                                              start_in: Start) -> None:
    found, parent = v2
    group = f"{parent}/api-0"
    launched, _ = start_in("api-0", found.create(group, Limits()), ("python3", "-c", "import time; time.sleep(9)"))
    cgroups._remove_dir(found.base / parent)  # the fallback path of kernels before 5.14
    assert not (found.base / parent).exists()
    os.waitpid(launched.pid, 0)


def test_controller_limits(v2: tuple[cgroups.CgroupsV2, str]) -> None:
    found, parent = v2
    available = set((found.base / "cgroup.controllers").read_text().split())
    if not {"cpu", "memory", "pids"} <= available:
        pytest.skip(f"the cgroup v2 hierarchy at {found.base} has controllers {sorted(available) or 'none'} "
                    "(cpu, memory and pids are bound to cgroup v1 on this machine): cpu.max, memory.max, "
                    "memory.swap.max and pids.max cannot be written here")
    group = f"{parent}/web-0"
    found.create(group, Limits(cpu=0.5, memory_bytes=64 << 20, pids=32))
    assert (found.base / group / "cpu.max").read_text().split() == ["50000", "100000"]
    assert int((found.base / group / "memory.max").read_text()) == 64 << 20
    assert (found.base / group / "pids.max").read_text().strip() == "32"
