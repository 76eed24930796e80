"""Is a service answering, and is one replica waiting for connections on its listening socket?

All replicas of a service share one listening socket, so an HTTP health check reaches whichever replica the kernel
picks: it tells the service's health. A single replica is *listening* when the kernel shows it waiting on fd 3: a
thread blocked in ``accept`` on it, or fd 3 registered in one of its epoll sets (``/proc/PID/fdinfo``).
"""

from __future__ import annotations

import os
import platform
import socket
from typing import Final

LISTEN_FD: Final = 3
_ACCEPT_SYSCALLS: Final = {"x86_64": (43, 288), "aarch64": (202, 242)}.get(platform.machine(), (43, 288))


def http_health(address: str | tuple[str, int], path: str, timeout: float = 1.0) -> bool:
    """``GET path`` over a unix socket path or TCP ``(host, port)``; True on a 2xx answer."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            return is_success(ask_health(sock, path))
    except OSError:
        return False


def ask_health(sock: socket.socket, path: str) -> bytes:
    """Send ``GET path`` on the connected ``sock``; the answer's status line (empty if it closed without one)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: health\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while b"\r\n" not in data and len(data) < 256:
        chunk = sock.recv(256)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0]


def is_success(status_line: bytes) -> bool:
    parts = status_line.split(b" ", 2)
    return len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].startswith(b"2")


def is_listening(pid: int) -> bool:
    """True when the replica waits for connections on fd 3 (fd 3 in an epoll set, or a thread in accept on it).

    The epoll check comes first and the syscall check reads only sleeping threads: reading ``/proc/.../syscall``
    of a running thread makes the kernel wait until that thread is off the CPU.
    """
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:[eventpoll]":
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as handle:
                for line in handle:
                    if line.startswith("tfd:") and int(line.split()[1]) == LISTEN_FD:
                        return True
        except (OSError, ValueError, IndexError):
            continue
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/stat", "rb") as handle:
                stat = handle.read()
            if stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] != b"S":
                continue
            with open(f"/proc/{pid}/task/{task}/syscall") as handle:
                fields = handle.read().split()
        except OSError:
            continue
        if len(fields) > 1 and fields[0].isdigit() and int(fields[0]) in _ACCEPT_SYSCALLS \
                and int(fields[1], 16) == LISTEN_FD:
            return True
    return False
