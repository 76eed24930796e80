"""cgroup v1 (separate controller hierarchies) and v2 (unified) behind one small interface.

Every cgroup cleave makes lives under one parent named for the project (``cleave-<project>-<hash>``), one child per
replica. The engine creates a replica's cgroup with its limits before forking; the child writes itself into the
``cgroup.procs`` files before it execs, so nothing it starts can escape.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cleave.formats.topology import Limits

CPU_PERIOD_US: Final = 100_000
V1_CONTROLLERS: Final = ("cpu", "cpuacct", "memory", "pids")


@dataclass(frozen=True)
class Usage:
    """What ``cleave ps`` shows for one replica."""

    cpu_seconds: float
    memory_bytes: int
    oom_kills: int


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _pids_in(procs_file: Path) -> set[int]:
    return {int(line) for line in _read(procs_file).split() if line.strip()}


def _remove_dir(path: Path, procs_name: str = "cgroup.procs") -> None:
    """Kill whatever is left in ``path`` (deepest first), then remove the directories."""
    if not path.is_dir():
        return
    for child in sorted((p for p in path.iterdir() if p.is_dir()), reverse=True):
        _remove_dir(child, procs_name)
    deadline = time.monotonic() + 5.0
    while True:
        pids = _pids_in(path / procs_name)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Cgroups(ABC):
    """One cgroup hierarchy layout; paths passed in are relative (``<parent>/<replica>``)."""

    version: str

    @abstractmethod
    def create(self, group: str, limits: Limits) -> tuple[str, ...]:
        """Make ``group`` with ``limits``; returns the ``cgroup.procs`` files a process must join."""

    @abstractmethod
    def procs_files(self, group: str) -> tuple[str, ...]:
        """The ``cgroup.procs`` files of ``group``."""

    @abstractmethod
    def usage(self, group: str) -> Usage:
        """CPU time, memory in use and OOM kills of ``group``."""

    @abstractmethod
    def directories(self, group: str) -> tuple[Path, ...]:
        """Every directory that holds ``group`` (one per hierarchy)."""

    def pids(self, group: str) -> set[int]:
        """The processes in ``group`` and below."""
        found: set[int] = set()
        for directory in self.directories(group):
            if directory.is_dir():
                for procs in directory.rglob("cgroup.procs"):
                    found |= _pids_in(procs)
        return found

    def remove(self, group: str) -> None:
        """Kill what is left in ``group`` and remove it in every hierarchy."""
        for directory in self.directories(group):
            _remove_dir(directory)

    def exists(self, group: str) -> bool:
        return any(d.is_dir() for d in self.directories(group))


class CgroupsV1(Cgroups):
    """Separate hierarchies per controller (``/sys/fs/cgroup/{cpu,cpuacct,memory,pids}``)."""

    version = "v1"

    def __init__(self, mounts: dict[str, Path]) -> None:
        self.mounts = mounts

    def directories(self, group: str) -> tuple[Path, ...]:
        return tuple(dict.fromkeys(self.mounts[c] / group for c in V1_CONTROLLERS))

    def procs_files(self, group: str) -> tuple[str, ...]:
        return tuple(str(d / "cgroup.procs") for d in self.directories(group))

    def create(self, group: str, limits: Limits) -> tuple[str, ...]:
        for directory in self.directories(group):
            directory.mkdir(parents=True, exist_ok=True)
        cpu = self.mounts["cpu"] / group
        if limits.cpu is not None:
            _write(cpu / "cpu.cfs_period_us", str(CPU_PERIOD_US))
            _write(cpu / "cpu.cfs_quota_us", str(max(1000, int(limits.cpu * CPU_PERIOD_US))))
        memory = self.mounts["memory"] / group
        if limits.memory_bytes is not None:
            _write(memory / "memory.limit_in_bytes", str(limits.memory_bytes))
            if (memory / "memory.memsw.limit_in_bytes").exists():  # swap off: memory + swap == memory
                _write(memory / "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
            with contextlib.suppress(OSError):
                _write(memory / "memory.swappiness", "0")
        if limits.pids is not None:
            _write(self.mounts["pids"] / group / "pids.max", str(limits.pids))
        return self.procs_files(group)

    def usage(self, group: str) -> Usage:
        cpu_ns = _read(self.mounts["cpuacct"] / group / "cpuacct.usage").strip()
        memory = _read(self.mounts["memory"] / group / "memory.usage_in_bytes").strip()
        oom = 0
        for line in _read(self.mounts["memory"] / group / "memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                oom = int(value)
        return Usage(int(cpu_ns or 0) / 1e9, int(memory or 0), oom)


class CgroupsV2(Cgroups):
    """The unified hierarchy: ``cpu.max``, ``memory.max`` + ``memory.swap.max``, ``pids.max``."""

    version = "v2"

    def __init__(self, base: Path) -> None:
        self.base = base

    def directories(self, group: str) -> tuple[Path, ...]:
        return (self.base / group,)

    def procs_files(self, group: str) -> tuple[str, ...]:
        return (str(self.base / group / "cgroup.procs"),)

    def create(self, group: str, limits: Limits) -> tuple[str, ...]:
        path = self.base
        for part in Path(group).parts:
            with contextlib.suppress(OSError):  # controllers the parent lacks are simply not limited
                _write(path / "cgroup.subtree_control", "+cpu +memory +pids")
            path = path / part
            path.mkdir(exist_ok=True)
        if limits.cpu is not None:
            _write(path / "cpu.max", f"{max(1000, int(limits.cpu * CPU_PERIOD_US))} {CPU_PERIOD_US}")
        if limits.memory_bytes is not None:
            _write(path / "memory.max", str(limits.memory_bytes))
            if (path / "memory.swap.max").exists():
                _write(path / "memory.swap.max", "0")
        if limits.pids is not None:
            _write(path / "pids.max", str(limits.pids))
        return self.procs_files(group)

    def remove(self, group: str) -> None:
        """``cgroup.kill`` (Linux >= 5.14) kills the whole subtree at once, forks in flight included; then the
        directories go, deepest first. Without ``cgroup.kill``, processes are killed one by one."""
        path = self.base / group
        kill = path / "cgroup.kill"
        if kill.exists():
            with contextlib.suppress(OSError):
                _write(kill, "1")
            deadline = time.monotonic() + 5.0
            while "populated 1" in _read(path / "cgroup.events") and time.monotonic() < deadline:
                time.sleep(0.005)
        _remove_dir(path)

    def usage(self, group: str) -> Usage:
        """``cpu.stat`` exists in every v2 cgroup; ``memory.current`` only where the memory controller is on
        (0 otherwise)."""
        path = self.base / group
        usec = 0
        for line in _read(path / "cpu.stat").splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                usec = int(value)
        oom = 0
        for line in _read(path / "memory.events").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                oom = int(value)
        memory = _read(path / "memory.current").strip()
        return Usage(usec / 1e6, int(memory or 0), oom)


def _v1_mounts() -> dict[str, Path]:
    mounts: dict[str, Path] = {}
    for line in _read(Path("/proc/self/mountinfo")).splitlines():
        before, _, after = line.partition(" - ")
        fields = after.split()
        if len(fields) < 3 or fields[0] != "cgroup":
            continue
        mount_point = Path(before.split()[4])
        for option in fields[2].split(","):
            if option in V1_CONTROLLERS:
                mounts.setdefault(option, mount_point)
    return mounts


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


def detect() -> tuple[Cgroups | None, str]:
    """The usable cgroup layout here, or ``None`` and the reason (said out loud by ``up`` and ``ps``)."""
    unified = Path("/sys/fs/cgroup")
    if (unified / "cgroup.controllers").exists():
        base = unified
        if os.geteuid() != 0:
            own = next((line[3:] for line in _read(Path("/proc/self/cgroup")).splitlines()
                        if line.startswith("0::")), "/")
            base = unified / own.strip().lstrip("/")
        if not _writable(base):
            return None, f"cgroup v2 at {base} is not writable (no delegation): no cpu, memory or pids limits"
        return CgroupsV2(base), "cgroup v2"
    mounts = _v1_mounts()
    missing = [c for c in V1_CONTROLLERS if c not in mounts]
    if missing:
        return None, f"cgroup v1 controllers missing: {', '.join(missing)}: no cpu, memory or pids limits"
    if not all(_writable(m) for m in mounts.values()):
        return None, "cgroup v1 hierarchies are not writable (not root): no cpu, memory or pids limits"
    return CgroupsV1(mounts), "cgroup v1"
