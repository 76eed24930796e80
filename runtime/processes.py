"""Process bookkeeping shared by the engine's modules: its log line, reaping replicas, and stopping a project
whose engine is gone (``cleave down`` without an engine, or after killing one that does not answer)."""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from runtime import linux, quota
from runtime.adoption import prove
from runtime.gateway import stop_signal
from runtime.isolation import Isolation
from runtime.isolation import detect as detect_isolation
from runtime.paths import ProjectPaths
from runtime.state import EngineState, StateError, load_state

STOP_GRACE: Final = 10.0


def log(message: str) -> None:
    """One timestamped line on the engine's output (its log file when detached)."""
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def reap(pid: int) -> tuple[str, int | None]:
    """Collect an exited child's status without ever blocking (adopted replicas are not our children): the exit
    as ``ps`` shows it, and the exit code when it exited by itself."""
    for _ in range(100):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return "exited (adopted: code unknown)", None
        if done:
            if os.WIFSIGNALED(status):
                return f"killed by {signal.Signals(os.WTERMSIG(status)).name}", None
            return f"exited with {os.WEXITSTATUS(status)}", os.WEXITSTATUS(status)
        time.sleep(0.001)
    log(f"pid {pid}: its pidfd said it exited, but it cannot be reaped yet")
    return "exited (code unknown)", None


def kill_engine(paths: ProjectPaths) -> None:
    """SIGKILL the project's engine (an engine that does not answer); its replicas stay for the teardown. Only a
    process that holds this project's engine lock is the engine."""
    try:
        state = load_state(paths.state_file)
    except StateError:
        return
    if state is None or linux.process_start_time(state.engine_pid) != state.engine_start_time:
        return
    lock = str(paths.state_dir / "engine.lock")
    with contextlib.suppress(OSError):
        if lock in {os.readlink(f"/proc/{state.engine_pid}/fd/{fd}")
                    for fd in os.listdir(f"/proc/{state.engine_pid}/fd")}:
            os.kill(state.engine_pid, signal.SIGKILL)


@dataclass(frozen=True)
class Teardown:
    """What ``down`` without an engine did: replicas stopped, and a warning when the state file was damaged."""

    stopped: int
    warning: str | None = None


def own_parents(paths: ProjectPaths, isolation: Isolation) -> list[str]:
    """This project's cgroup parents that exist: ``cleave-<project>-<hash of this .cleave>`` (the hash names this
    state folder, so nothing else's cgroup matches), found without the state file."""
    if isolation.cgroups is None:
        return []
    suffix = paths.cgroup_parent("x").rsplit("-", 1)[1]
    found = set()
    for directory in isolation.cgroups.directories(""):
        if directory.is_dir():
            found |= {p.name for p in directory.iterdir()
                      if p.is_dir() and p.name.startswith("cleave-") and p.name.endswith(f"-{suffix}")}
    return sorted(found)


def teardown_without_engine(paths: ProjectPaths, remove_volumes: bool) -> Teardown:
    """``down`` when no engine runs: stop the replicas of the state file that are proven this project's
    (``runtime/adoption.py``), remove this project's cgroup parent, sockets and state. A damaged state file is
    not trusted at all: the processes in this project's own cgroups are stopped instead (one warning line)."""
    isolation = detect_isolation()
    try:
        state = load_state(paths.state_file)
    except StateError as error:
        parents = own_parents(paths, isolation)
        stopped = sum(len(isolation.cgroups.pids(p)) for p in parents) if isolation.cgroups else 0
        for parent in parents:
            with contextlib.suppress(OSError):
                isolation.cgroups.remove(parent)  # type: ignore[union-attr]
        _remove_files(paths, remove_volumes)
        return Teardown(stopped, f"{error}; not trusted: stopped the {stopped} process(es) in this project's "
                                 "own cgroups instead")
    stopped = 0
    if state is not None:
        stopped = _stop_proven(paths, state, isolation)
        if isolation.cgroups is not None:
            with contextlib.suppress(OSError):
                isolation.cgroups.remove(state.cgroup_parent)  # checked: this project's own (runtime/state.py)
        for listen in state.listeners.values():
            if listen.kind == "unix" and Path(listen.address).parent == paths.sockets:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(listen.address)
    _remove_files(paths, remove_volumes)
    return Teardown(stopped)


def _stop_proven(paths: ProjectPaths, state: EngineState, isolation: Isolation) -> int:
    proven = [(record.pid, pidfd) for record in state.replicas
              if (pidfd := prove(record, paths, state.cgroup_parent, isolation)) is not None]
    pidfds = [pidfd for _, pidfd in proven]
    for pid, pidfd in proven:
        with contextlib.suppress(OSError):
            linux.pidfd_send_signal(pidfd, stop_signal(pid))  # HAProxy: its soft stop, requests in flight finish
    deadline = time.monotonic() + STOP_GRACE
    for pidfd in pidfds:
        with selectors.DefaultSelector() as waiter:
            waiter.register(pidfd, selectors.EVENT_READ)
            if not waiter.select(max(0.0, deadline - time.monotonic())):
                with contextlib.suppress(OSError):
                    linux.pidfd_send_signal(pidfd, signal.SIGKILL)
        os.close(pidfd)
    return len(pidfds)


def _remove_files(paths: ProjectPaths, remove_volumes: bool) -> None:
    with contextlib.suppress(FileNotFoundError):
        paths.state_file.unlink()
    shutil.rmtree(paths.state_dir / "run", ignore_errors=True)
    shutil.rmtree(paths.sockets, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        paths.control_socket.unlink()
    from runtime.resources import stop_postgresql

    stop_postgresql(paths, remove=remove_volumes)
    quota.unmount_all(paths.volumes)  # resources.disk filesystems: their images stay unless remove_volumes
    if remove_volumes:
        shutil.rmtree(paths.volumes, ignore_errors=True)
