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
LIMIT_CONTROLLERS: Final = ("cpu", "memory", "pids")


@dataclass(frozen=True)
class Usage:
    """What ``cleave ps`` shows for one replica."""

    cpu_seconds: float
    memory_bytes: int | None  # None: no memory controller here
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

    def missing_limits(self) -> str | None:
        """Why some limits cannot be set here (said by ``up`` and ``ps``), or ``None`` when all can."""
        return None


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

    def missing_limits(self) -> str | None:
        """Controllers the base does not offer, or cannot hand down because it holds processes itself (cgroup v2's
        rule for every cgroup but the root: a rootless engine's own cgroup usually holds the shell that started it).
        """
        offered = set(_read(self.base / "cgroup.controllers").split())
        absent = [c for c in LIMIT_CONTROLLERS if c not in offered]
        wanted = [c for c in LIMIT_CONTROLLERS if c in offered]
        why = f"the cgroup v2 at {self.base} offers no {', '.join(absent)} controller" if absent else ""
        if wanted:
            try:
                _write(self.base / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
            except OSError as error:
                absent += wanted
                why = (f"the cgroup v2 at {self.base} cannot enable {', '.join(wanted)} for its children ({error}"
                       "; it holds processes: start cleave in a delegated scope of its own, e.g. "
                       "`systemd-run --user --scope -p Delegate=yes cleave up BUILD`)" + (f"; {why}" if why else ""))
        if not absent:
            return None
        return f"{why}: no {', '.join(absent)} limits (usage and cleanup only)"

    def procs_files(self, group: str) -> tuple[str, ...]:
        return (str(self.base / group / "cgroup.procs"),)

    def create(self, group: str, limits: Limits) -> tuple[str, ...]:
        path = self.base
        for part in Path(group).parts:
            offered = [c for c in LIMIT_CONTROLLERS if c in _read(path / "cgroup.controllers").split()]
            if offered:  # one absent controller would fail the whole write
                with contextlib.suppress(OSError):  # controllers the parent cannot hand down are simply not limited
                    _write(path / "cgroup.subtree_control", " ".join(f"+{c}" for c in offered))
            path = path / part
            path.mkdir(exist_ok=True)
        # a limit whose controller is not enabled here has no file: missing_limits() has said so
        if limits.cpu is not None and (path / "cpu.max").exists():
            _write(path / "cpu.max", f"{max(1000, int(limits.cpu * CPU_PERIOD_US))} {CPU_PERIOD_US}")
        if limits.memory_bytes is not None and (path / "memory.max").exists():
            _write(path / "memory.max", str(limits.memory_bytes))
            if (path / "memory.swap.max").exists():
                _write(path / "memory.swap.max", "0")
        if limits.pids is not None and (path / "pids.max").exists():
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
        return Usage(usec / 1e6, int(memory) if memory else None, oom)


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


def _delegated(path: Path) -> bool:
    """A cgroup this user may create children in and move processes into (systemd's ``Delegate=yes`` chowns the
    folder, ``cgroup.procs``, ``cgroup.subtree_control`` and ``cgroup.threads``)."""
    return _writable(path) and os.access(path / "cgroup.procs", os.W_OK)


def _own_v2_path() -> str:
    """This process's cgroup in the unified hierarchy (the ``0::`` line of ``/proc/self/cgroup``)."""
    own = next((line[3:] for line in _read(Path("/proc/self/cgroup")).splitlines() if line.startswith("0::")), "/")
    return own.strip().lstrip("/")


def _v2_mount() -> Path | None:
    for line in _read(Path("/proc/self/mountinfo")).splitlines():
        before, _, after = line.partition(" - ")
        if after.split()[:1] == ["cgroup2"]:
            return Path(before.split()[4])
    return None


def detect() -> tuple[Cgroups | None, str]:
    """The usable cgroup layout here, or ``None`` and the reason (said out loud by ``up`` and ``ps``).

    Root: cgroup v2 at its root on a v2-only machine, else the v1 hierarchies. Not root: the user's own cgroup in
    the unified hierarchy when it is delegated (writable), on v2-only and hybrid machines alike.
    """
    root = os.geteuid() == 0
    unified = Path("/sys/fs/cgroup")
    if (unified / "cgroup.controllers").exists():
        base = unified if root else unified / _own_v2_path()
        if not _delegated(base):
            return None, f"cgroup v2 at {base} is not writable (no delegation): no cpu, memory or pids limits"
        return CgroupsV2(base), "cgroup v2"
    mounts = _v1_mounts()
    missing = [c for c in V1_CONTROLLERS if c not in mounts]
    if not missing and all(_writable(m) for m in mounts.values()):
        return CgroupsV1(mounts), "cgroup v1"
    hybrid = _v2_mount()
    if not root and hybrid is not None and _delegated(hybrid / _own_v2_path()):
        return CgroupsV2(hybrid / _own_v2_path()), "cgroup v2 (hybrid)"
    if missing:
        return None, f"cgroup v1 controllers missing: {', '.join(missing)}: no cpu, memory or pids limits"
    where = f", nor is this user's cgroup v2 at {hybrid / _own_v2_path()} delegated" if hybrid is not None else ""
    return None, f"cgroup v1 hierarchies are not writable (not root){where}: no cpu, memory or pids limits"
