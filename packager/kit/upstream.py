"""Connections from the gateway to the services it routes to: opened on demand, kept alive, pooled per service.

An address is ``unix:/path`` (how the runtime mounts a service's socket into a replica) or ``http://host:port``.
A refused or missing socket is :class:`Unreachable` (the gateway answers 503 naming the service).
"""

from __future__ import annotations

import collections
import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Final

from . import http11

POOL_SIZE: Final = 64


def _open(sock: socket.socket) -> bool:
    """Whether an idle pooled connection is still open (one non-blocking peek: the service may have closed it)."""
    try:
        sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)  # b"": closed; bytes: an answer nobody asked for
    except BlockingIOError:
        return True  # nothing to read: open and idle, as it should be
    except OSError:
        return False
    return False


class Unreachable(Exception):
    """The service's socket refused the connection or does not exist."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(service, reason)
        self.service = service
        self.reason = reason

    def __str__(self) -> str:
        return f"service {self.service!r} is unavailable: {self.reason}"


@dataclass(frozen=True)
class Timeouts:
    """Seconds to connect to a service, and to wait for each read of its answer (0: no limit)."""

    connect: float = 3.0
    read: float = 300.0


class Upstream:
    """One service: its address and the idle keep-alive connections to it (thread-safe)."""

    def __init__(self, name: str, address: str, timeouts: Timeouts, pool_idle: float = 30.0) -> None:
        self.name = name
        self.address = address
        self.timeouts = timeouts
        self.pool_idle = pool_idle
        self._idle: collections.deque[tuple[float, socket.socket]] = collections.deque()
        self._lock = threading.Lock()
        if address.startswith("unix:"):
            self._family, self._where = socket.AF_UNIX, address[5:]
        else:
            host, _, port = address[len("http://"):].rstrip("/").rpartition(":")
            self._family, self._where = socket.AF_INET, (host.strip("[]"), int(port))  # type: ignore[assignment]
            if ":" in host:
                self._family = socket.AF_INET6

    def get(self) -> tuple[socket.socket, bool]:
        """A connection (pooled if one is fresh enough, else new) and whether it was reused."""
        now = time.monotonic()
        with self._lock:
            while self._idle:
                since, sock = self._idle.pop()
                if now - since < self.pool_idle and _open(sock):
                    return sock, True
                sock.close()
        return self.connect(), False

    def connect(self) -> socket.socket:
        """A new connection; Unreachable when refused or the socket is missing."""
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeouts.connect)
            sock.connect(self._where)
        except OSError as error:
            sock.close()
            raise Unreachable(self.name, f"cannot connect to {self.address}: {error.strerror or error}") from None
        if self._family != socket.AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        http11.set_timeouts(sock, self.timeouts.read)
        return sock

    def put(self, sock: socket.socket) -> None:
        """Give a connection that ended a complete exchange back to the pool."""
        with self._lock:
            if len(self._idle) < POOL_SIZE:
                self._idle.append((time.monotonic(), sock))
                return
        sock.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            while self._idle:
                with contextlib.suppress(OSError):
                    self._idle.pop()[1].close()
