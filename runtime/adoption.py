"""Proof that a process named by the state file is this project's replica, before anything signals it.

The state file is only a claim. A record is trusted when all of these hold, checked in this order:

1. **start time**: ``/proc/PID/stat`` shows the recorded start time (the pid was not recycled);
2. **pidfd**: a pidfd is opened, and the start time is read again *after* it, so the pidfd pins that very
   process (a pidfd never refers to a later process with the same pid);
3. **cgroup**: with cgroups, the process is in the recorded cgroup, which the state loader already checked lies
   under this project's own parent (``runtime/state.py``);
4. **marker**: the replica's own output goes to this project's log file for that replica
   (``/proc/PID/fd/1`` or ``fd/2`` is ``.cleave/logs/<service>-<index>.log``), which no foreign process has.

Anything else is left alone: :func:`prove` returns None and the caller neither signals nor adopts it.
"""

from __future__ import annotations

import contextlib
import os

from runtime import linux
from runtime.isolation import Isolation
from runtime.paths import ProjectPaths
from runtime.state import ReplicaRecord


def in_cgroup(pid: int, group: str) -> bool:
    """Whether ``pid`` is in the cgroup ``group`` (relative to our cgroup root, on any hierarchy)."""
    try:
        with open(f"/proc/{pid}/cgroup") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return False
    for line in lines:
        path = line.split(":", 2)[-1]
        if path == f"/{group}" or path.endswith(f"/{group}"):
            return True
    return False


def writes_to(pid: int, log: str) -> bool:
    """Whether the process's stdout or stderr is the file ``log``."""
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}") == log:
                return True
    return False


def prove(record: ReplicaRecord, paths: ProjectPaths, parent: str, isolation: Isolation) -> int | None:
    """A pidfd of the record's process when it is proven this project's replica (see the module doc), else None."""
    if not record.cgroup.startswith(f"{parent}/"):
        return None
    if linux.process_start_time(record.pid) != record.start_time:
        return None
    try:
        pidfd = linux.pidfd_open(record.pid)
    except OSError:
        return None
    proven = (linux.process_start_time(record.pid) == record.start_time
              and (isolation.cgroups is None or in_cgroup(record.pid, record.cgroup))
              and writes_to(record.pid, str(paths.replica_log(record.name))))
    if not proven:
        os.close(pidfd)
        return None
    return pidfd
