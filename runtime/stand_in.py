"""What answers a service's socket while it is scaled to zero: an immediate 503 naming the service.

The engine keeps every service's listening socket open (the replicas of its callers have it mounted), so without
this a caller's ``connect()`` would succeed and its call would wait in the accept queue until the service comes
back or the caller's read timeout ends it. With no replica starting or running on purpose, the engine accepts
instead and answers ``503`` at once; the kit's client raises ``ServiceUnavailable`` and the gateway answers a 503
naming the service. As soon as a replica starts again the engine stops accepting, so no request is taken from it.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import time
from collections.abc import Iterable
from typing import Final

from runtime.replicas import Service

_READ_LIMIT: Final = 1 << 20
_READ_TIMEOUT: Final = 0.2


def stands_in(service: Service) -> bool:
    """Whether the engine should answer for ``service``: scaled to zero, and no replica that could accept."""
    return (service.listener is not None and service.desired == 0
            and not any(r.state in ("starting", "running") for r in service.replicas.values()))


class StandIns:
    """Registers the listening sockets of services scaled to zero in the engine's selector, and answers them."""

    def __init__(self, selector: selectors.BaseSelector) -> None:
        self._selector = selector
        self._active: dict[str, socket.socket] = {}

    def sync(self, services: Iterable[Service]) -> None:
        """Answer for exactly the services that are scaled to zero now (called on every engine tick); a service
        that left (removed by an apply) is forgotten before its socket is closed."""
        current = {service.name: service for service in services}
        for name in list(self._active):
            service = current.get(name)
            if service is None or not stands_in(service) or service.listener is not self._active[name]:
                self._selector.unregister(self._active.pop(name))
        for name, service in current.items():
            if name not in self._active and service.listener is not None and stands_in(service):
                self._active[name] = service.listener
                self._selector.register(service.listener, selectors.EVENT_READ,
                                        lambda key, service=service: self._answer(service))

    def release_all(self) -> None:
        for listener in self._active.values():
            self._selector.unregister(listener)
        self._active.clear()

    def _answer(self, service: Service) -> None:
        listener = self._active.get(service.name)
        if listener is None:
            return
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        with conn:
            _read_request(conn)
            body = json.dumps({"error": {"service": service.name, "message":
                                         f"service {service.name!r} is scaled to zero: no replica is running"}})
            head = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
            with contextlib.suppress(OSError):
                conn.sendall(head.encode() + body.encode())
                conn.shutdown(socket.SHUT_WR)


def _read_request(conn: socket.socket) -> None:
    """Read the request (head and body, bounded) so closing the connection sends no RST before the answer."""
    conn.settimeout(_READ_TIMEOUT)
    data = b""
    deadline = time.monotonic() + _READ_TIMEOUT
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data and len(data) < _READ_LIMIT and time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = min(int(value.strip()), _READ_LIMIT)
        while len(body) < length and time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk
