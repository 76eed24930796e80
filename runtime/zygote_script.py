"""The zygote: runs inside a service's image (standard library only), pre-imports the service's command, and forks
isolated replicas on request, so a new replica skips the interpreter's start and the imports (milliseconds, not
a tenth of a second).

The engine starts it as ``python3 -s -c <this file's source> <command...>`` already confined exactly like a replica
before the image's interpreter runs (``runtime/launch.py``): the image's root, its own mount, uts, ipc and network
namespaces, the image's user, no-new-privileges, seccomp, Landlock, the service's cgroup; it sees no process through
``/proc``. It lives in a user namespace of its own that maps only the image's user, where it keeps the three
capabilities it needs to give each replica its namespaces (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETPCAP); they reach
nothing outside it. The first thing this file does is put the standard library first on ``sys.path`` (the app
folder, ``''`` and ``PYTHONPATH`` never come before it), so a service module named like a stdlib module
(``socketserver.py``) is never what the preload imports. fd 3 is the service's listening socket, fd 4 a
SOCK_SEQPACKET control socket. Each request is one JSON message (name, env, workdir) with file descriptors
attached: the launch pipe's write end, the replica's log, and its ``cgroup.procs`` files. The forked child joins
the cgroups, unshares mount, pid, uts, ipc and net namespaces and forks the replica (pid 1 of its namespace),
reports the replica's pid on the pipe and exits; the replica mounts its own ``/proc``, ``/tmp`` and ``/dev/shm``,
sets its hostname, brings up loopback, drops every capability, closes the pipe (the engine reads that as
"exec'd") and runs the command in-process with ``runpy``. The zygote exits when the engine closes the control
socket.
"""

from __future__ import annotations

import sys

_STDLIB_MARK = f"/lib/python{sys.version_info[0]}.{sys.version_info[1]}"


def _is_stdlib(entry: str) -> bool:
    return (entry.startswith(sys.base_prefix) and "-packages" not in entry
            and (_STDLIB_MARK in entry or entry.endswith(".zip")))


def arrange_path(app: list[str]) -> None:
    """The standard library first, then ``app`` (the command's folder, then PYTHONPATH), then site-packages."""
    stdlib = [p for p in sys.path if p and _is_stdlib(p)]
    rest = [p for p in sys.path if p and not _is_stdlib(p) and p not in app]
    sys.path[:] = stdlib + app + rest


arrange_path([])  # before any other import: nothing of the image's /app can shadow what follows

import contextlib  # noqa: E402
import ctypes  # noqa: E402
import ctypes.util  # noqa: E402
import fcntl  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
NAMESPACES = 0x00020000 | 0x20000000 | 0x04000000 | 0x08000000 | 0x40000000  # mount, pid, uts, ipc, net
PRELOAD = ("json", "socket", "selectors", "threading", "http.server", "http.client", "socketserver", "urllib.parse",
           "email.utils", "sqlite3", "decimal", "uuid", "datetime", "dataclasses", "enum", "traceback", "logging")


def check(result: int, what: str) -> None:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    check(LIBC.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                     ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, 0x8913, struct.pack("16sH14x", b"lo", 0)))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 0x41))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_privileges() -> None:
    """Already the image's user: drop the zygote's three capabilities for good (bounding, ambient, the rest)."""
    check(LIBC.prctl(38, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)), "no_new_privs")
    for cap in range(64):
        LIBC.prctl(24, ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    check(LIBC.prctl(47, ctypes.c_ulong(4), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)), "ambient")
    number = 91 if os.uname().machine == "aarch64" else 126
    check(LIBC.syscall(number, ctypes.byref(_CapHeader(0x20080522, 0)), ctypes.byref((_CapData * 2)())), "capset")


def app_path(command: list[str], env: dict[str, str]) -> list[str]:
    """Where python would look first for the command's own modules: its folder (the working folder for ``-m``),
    then PYTHONPATH; :func:`arrange_path` puts them after the standard library."""
    first = os.getcwd() if len(command) >= 3 and command[1] == "-m" else os.path.dirname(os.path.abspath(command[1]))
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [first, *extra]


def preload(command: list[str]) -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    arrange_path(app_path(command, dict(os.environ)))
    if len(command) >= 3 and command[1] == "-m":
        for name in (command[2], command[2] + ".__main__"):
            with contextlib.suppress(Exception):
                importlib.import_module(name)


def run(command: list[str]) -> None:
    if len(command) >= 3 and command[1] == "-m":
        sys.argv = [command[2], *command[3:]]
        for name in (command[2] + ".__main__", command[2]):
            module = sys.modules.get(name)
            if module is not None and not hasattr(module, "__path__"):
                del sys.modules[name]  # imported only to warm what it imports; runpy runs it afresh, no warning
        runpy.run_module(command[2], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(command[1:])
        runpy.run_path(command[1], run_name="__main__")


def replica(request: dict[str, Any], fds: list[int], command: list[str]) -> None:
    pipe, log, procs = fds[0], fds[1], fds[2:]
    announced = False
    step = "joining cgroups"
    try:
        os.setsid()
        for fd in procs:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
        step = "unsharing namespaces"
        check(LIBC.unshare(ctypes.c_int(NAMESPACES)), "unshare")
        child = os.fork()
        if child:
            os.write(pipe, struct.pack("q", child))
            os._exit(0)
        announced = True
        step = "isolating the replica"
        mount(None, "/", None, (1 << 18) | 16384)  # MS_PRIVATE | MS_REC
        mount("proc", "/proc", "proc", 2 | 4 | 8)
        mount("tmpfs", "/tmp", "tmpfs", 2 | 4, "mode=1777,size=64m")
        mount("tmpfs", "/dev/shm", "tmpfs", 2 | 4, "mode=1777,size=16m")  # not the zygote's: private
        socket.sethostname(request["name"])
        loopback_up()
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.chdir(request["workdir"])
        os.environ.clear()
        os.environ.update(request["env"])
        arrange_path(app_path(command, request["env"]))
        drop_privileges()
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        os.close(pipe)
    except BaseException as error:
        os.write(pipe, (b"" if announced else struct.pack("q", 0)) + f"{step}: {error}".encode())
        os._exit(127)
    code = 0
    try:
        run(command)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def main() -> None:
    command = sys.argv[1:]
    preload(command)
    control = socket.socket(fileno=4)
    while True:
        message, fds, _, _ = socket.recv_fds(control, 65536, 64)
        if not message:
            os._exit(0)  # the engine is gone: replicas live on, a new engine starts a new zygote
        pid = os.fork()
        if pid == 0:
            control.close()
            replica(json.loads(message), fds, command)
        for fd in fds:
            os.close(fd)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
