"""Process bookkeeping shared by the engine's modules: its log line, reaping replicas, and stopping a project
whose engine is gone (``cleave down`` without an engine, or after killing one that does not answer)."""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import time
from typing import Final

from runtime import linux
from runtime.isolation import detect as detect_isolation
from runtime.paths import ProjectPaths
from runtime.state import load_state

START_TIMEOUT: Final = float(os.environ.get("CLEAVE_START_TIMEOUT", "60"))
STOP_GRACE: Final = 10.0


def log(message: str) -> None:
    """One timestamped line on the engine's output (its log file when detached)."""
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def reap(pid: int) -> str:
    """Collect an exited child's status without ever blocking; adopted replicas are not our children."""
    for _ in range(100):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return "exited (adopted: code unknown)"
        if done:
            if os.WIFSIGNALED(status):
                return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
            return f"exited with {os.WEXITSTATUS(status)}"
        time.sleep(0.001)
    log(f"pid {pid}: its pidfd said it exited, but it cannot be reaped yet")
    return "exited (code unknown)"


def kill_engine(paths: ProjectPaths) -> None:
    """SIGKILL the project's engine (an engine that does not answer); its replicas stay for the teardown."""
    state = load_state(paths.state_file)
    if state is not None and linux.process_start_time(state.engine_pid) == state.engine_start_time:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.engine_pid, signal.SIGKILL)


def teardown_without_engine(paths: ProjectPaths, remove_volumes: bool) -> int:
    """``down`` when no engine runs: stop the replicas the state file names, remove cgroups and sockets."""
    state = load_state(paths.state_file)
    stopped = 0
    if state is not None:
        pidfds = []
        for record in state.replicas:
            if linux.process_start_time(record.pid) != record.start_time:
                continue
            with contextlib.suppress(OSError):
                pidfd = linux.pidfd_open(record.pid)
                linux.pidfd_send_signal(pidfd, signal.SIGTERM)
                pidfds.append(pidfd)
        deadline = time.monotonic() + STOP_GRACE
        for pidfd in pidfds:
            with selectors.DefaultSelector() as waiter:
                waiter.register(pidfd, selectors.EVENT_READ)
                if not waiter.select(max(0.0, deadline - time.monotonic())):
                    with contextlib.suppress(OSError):
                        linux.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.close(pidfd)
            stopped += 1
        isolation = detect_isolation()
        if isolation.cgroups is not None:
            with contextlib.suppress(OSError):
                isolation.cgroups.remove(state.cgroup_parent)
        for listen in state.listeners.values():
            if listen.kind == "unix":
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(listen.address)
        paths.state_file.unlink()
    shutil.rmtree(paths.state_dir / "run", ignore_errors=True)
    shutil.rmtree(paths.sockets, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        paths.control_socket.unlink()
    from runtime.resources import stop_postgresql

    stop_postgresql(paths)
    if remove_volumes:
        shutil.rmtree(paths.volumes, ignore_errors=True)
    return stopped
