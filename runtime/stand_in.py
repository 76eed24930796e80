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
import threading
import time
from collections.abc import Mapping
from typing import Final

_READ_LIMIT: Final = 1 << 20
_READ_TIMEOUT: Final = 0.2
_MAX_CLIENTS: Final = 64


class StandIns:
    """Registers the listening sockets of services scaled to zero in the engine's selector, and answers them."""

    def __init__(self, selector: selectors.BaseSelector) -> None:
        self._selector = selector
        self._active: dict[str, socket.socket] = {}
        self._slots = threading.BoundedSemaphore(_MAX_CLIENTS)

    def sync(self, standing: Mapping[str, socket.socket]) -> None:
        """Answer for exactly the services in ``standing`` (scaled to zero now, by name, with their listening
        socket; see ``runtime.supervisor.stands_in``); called on every engine tick, so a service that left is
        forgotten before its socket is closed."""
        for name in list(self._active):
            if standing.get(name) is not self._active[name]:
                self._selector.unregister(self._active.pop(name))
        for name, listener in standing.items():
            if name not in self._active:
                self._active[name] = listener
                self._selector.register(listener, selectors.EVENT_READ, lambda key, name=name: self._answer(name))

    def release_all(self) -> None:
        for listener in self._active.values():
            self._selector.unregister(listener)
        self._active.clear()

    def _answer(self, name: str) -> None:
        listener = self._active.get(name)
        if listener is None:
            return
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        if not self._slots.acquire(blocking=False):
            conn.close()  # more slow clients than threads: refuse rather than hold up the engine
            return
        threading.Thread(target=self._reply, args=(conn, name), name="stand-in", daemon=True).start()

    def _reply(self, conn: socket.socket, name: str) -> None:
        """Read the request and answer 503, on a thread of its own: a slow client never holds up the engine."""
        try:
            self._respond(conn, name)
        finally:
            self._slots.release()

    @staticmethod
    def _respond(conn: socket.socket, name: str) -> None:
        with conn:
            _read_request(conn)
            body = json.dumps({"error": {"service": name, "message":
                                         f"service {name!r} is scaled to zero: no replica is running"}})
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
