"""The zygote: runs inside a service's image (standard library only), pre-imports the service's command, and forks
isolated replicas on request, so a new replica skips the interpreter's start and the imports (milliseconds, not
a tenth of a second).

The engine starts it as ``python3 -c <this file's source> <command...>`` in the image's root (its own mount
namespace; host pid, uts and net namespaces; root with its capabilities, never running image code itself), with the
service's listening socket on fd 3 and a SOCK_SEQPACKET control socket on fd 4. Each request is one JSON message
(name, env, user, workdir) with file descriptors attached: the launch pipe's write end, the replica's log, and its
``cgroup.procs`` files. The forked child joins the cgroups, unshares mount, pid, uts, ipc and net namespaces and forks
the replica (pid 1 of its namespace), reports the replica's pid on the pipe and exits; the replica mounts its own
``/proc`` and ``/tmp``, sets its hostname, brings up loopback, drops capabilities, sets no-new-privileges, switches
user, closes the pipe (the engine reads that as "exec'd") and runs the command in-process with ``runpy``. The zygote
exits when the engine closes the control socket.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import importlib
import json
import os
import runpy
import signal
import socket
import struct
import sys
from typing import Any

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


def drop_privileges(uid: int, gid: int) -> None:
    check(LIBC.prctl(38, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)), "no_new_privs")
    if uid == 0:
        return  # a root image user keeps the zygote's bounding set (the engine starts it with the reduced set)
    for cap in range(64):
        LIBC.prctl(24, ctypes.c_ulong(cap), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
    os.setgroups([gid])
    os.setgid(gid)
    os.setuid(uid)


def preload(command: list[str]) -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
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
        sys.path[0] = os.path.dirname(os.path.abspath(command[1]))
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
        drop_privileges(request["uid"], request["gid"])
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
