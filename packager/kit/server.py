"""The service's HTTP/1.1 server: RPC, health, the WSGI entry app; keep-alive, a thread per connection, drain.

Routes: ``GET|HEAD <health_path>`` -> 200 (with an entry app, the app answers it unless it has no such route);
``GET|HEAD /_cleave/healthz`` -> 200 always; ``POST /rpc/<qualified function name>`` -> the codec's JSON answer;
anything else -> the WSGI entry app (wrapped so ServiceUnavailable is a 503), or 404 without one.

Drain (SIGTERM, SIGINT or :meth:`Server.stop`): close this process's copy of the listening socket, close idle
keep-alive connections, let in-flight requests finish (their answer says ``Connection: close``), exit 0; after
``CLEAVE_DRAIN_TIMEOUT`` seconds (default 10) whatever is still running is abandoned.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from . import http11
from .errors import ServiceUnavailable
from .listen import Listener
from .service import Service
from .wsgi import Responder, build_environ, unavailable_response

KIT_HEALTH = "/_cleave/healthz"  # always answered by the kit itself, even when the entry app has the health path


def log(message: str) -> None:
    """One line on stderr (the kit logs errors only, one line each)."""
    sys.stderr.write(f"cleave_kit: {message}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Limits:
    """Timeouts (seconds) and sizes (bytes); every one can be set from the environment (see :meth:`from_env`)."""

    idle_timeout: float = 75.0
    drain_timeout: float = 10.0
    max_head: int = 65536
    max_body: int = 64 * 1024 * 1024
    max_connections: int = 1024

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str]) -> Limits:
        """Limits from CLEAVE_IDLE_TIMEOUT, CLEAVE_DRAIN_TIMEOUT, CLEAVE_MAX_BODY, CLEAVE_MAX_CONNECTIONS."""
        default = cls()
        return cls(idle_timeout=float(environ.get("CLEAVE_IDLE_TIMEOUT") or default.idle_timeout),
                   drain_timeout=float(environ.get("CLEAVE_DRAIN_TIMEOUT") or default.drain_timeout),
                   max_body=int(environ.get("CLEAVE_MAX_BODY") or default.max_body),
                   max_connections=int(environ.get("CLEAVE_MAX_CONNECTIONS") or default.max_connections))


class Server:
    """Serves one :class:`Service` on one :class:`Listener` until :meth:`stop` (or SIGTERM) and a drain."""

    def __init__(self, service: Service, listener: Listener, limits: Limits | None = None,
                 health: Listener | None = None) -> None:
        self.service = service
        self.listener = listener
        self.health = health  # this replica's own socket (the runtime's health checks), served like the shared one
        self.limits = limits or Limits()
        self.draining = False
        self._connections: set[Any] = set()  # _Connection, or what connection_class makes
        self.connection_class: Any = _Connection  # (server, sock, peer) -> .run(), .close_if_idle(), .idle
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)

    def stop(self) -> None:
        """Begin the drain (safe from a signal handler or another thread)."""
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def serve(self) -> int:
        """Accept and serve until stopped, then drain; returns the exit status (0)."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda _signum, _frame: self.stop())
        selector = selectors.DefaultSelector()
        for listener in self._listeners():
            selector.register(listener.sock, selectors.EVENT_READ, listener.sock)
        selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while True:
                events = selector.select()
                if any(key.fd == self._wake_r for key, _ in events):
                    break
                for key, _ in events:
                    self._accept(key.data)
        finally:
            selector.close()
        return self._drain()

    def _listeners(self) -> list[Listener]:
        return [self.listener] if self.health is None else [self.listener, self.health]

    def _accept(self, listening: socket.socket) -> None:
        while len(self._connections) < self.limits.max_connections:
            try:
                sock, peer = listening.accept()
            except (BlockingIOError, InterruptedError):
                return  # another replica sharing the socket took it
            except OSError as error:
                log(f"accept failed: {error}")
                time.sleep(0.05)
                return
            sock.setblocking(True)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            http11.set_timeouts(sock, self.limits.idle_timeout)
            where = (str(peer[0]), str(peer[1])) if isinstance(peer, tuple) else ("", "")
            connection = self.connection_class(self, sock, where)
            with self._lock:
                self._connections.add(connection)
            threading.Thread(target=connection.run, name="cleave-connection", daemon=True).start()
        time.sleep(0.01)  # at capacity: leave the rest in the kernel's queue (other replicas may take them)

    def _drain(self) -> int:
        for listener in self._listeners():
            listener.close()
        deadline = time.monotonic() + self.limits.drain_timeout
        with self._lock:
            self.draining = True
            for connection in list(self._connections):
                connection.close_if_idle()
            while self._connections and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
            left = len(self._connections)
        os.close(self._wake_r)
        os.close(self._wake_w)
        if left:
            log(f"drain: {left} request(s) still running after {self.limits.drain_timeout} s; exiting anyway")
        return 0

    def _forget(self, connection: Any) -> None:
        with self._lock:
            self._connections.discard(connection)
            self._idle.notify_all()


class _Connection:
    """One client connection, served by its own thread: read a request, answer it, repeat while keep-alive."""

    def __init__(self, server: Server, sock: socket.socket, peer: tuple[str, str]) -> None:
        self.server = server
        self.sock = sock
        self.peer = peer
        self.idle = True

    def close_if_idle(self) -> None:
        """Called with the server's lock held, when draining: wake the thread if it waits for a next request."""
        if self.idle:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RD)

    def run(self) -> None:
        buf = bytearray()
        server = self.server
        between_requests = True
        try:
            while True:
                with server._lock:
                    if server.draining and not buf:
                        return
                    self.idle = between_requests = not buf
                try:
                    head = http11.read_head(self.sock, buf, server.limits.max_head)
                except http11.ProtocolError as error:
                    self._fail(error.status, str(error))
                    return
                finally:
                    self.idle = False
                between_requests = False
                if head is None or not self._serve(head, buf):
                    return
        except (BlockingIOError, TimeoutError):
            return  # idle keep-alive connection timed out (SO_RCVTIMEO)
        except (ConnectionError, OSError) as error:
            # a client may reset a keep-alive connection between requests (wrk does at its end): not an error
            dropped_idle = between_requests and not buf and isinstance(error, ConnectionResetError)
            if not server.draining and not dropped_idle:
                log(f"connection from {self.peer[0] or 'a unix socket'}: {error}")
        except (Exception, ServiceUnavailable) as error:  # a kit bug: one line, only this connection is lost
            log(f"connection from {self.peer[0] or 'a unix socket'}: {type(error).__name__}: {error} "
                f"({_where(error)})")
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()
            server._forget(self)

    def _serve(self, head: bytes, buf: bytearray) -> bool:
        """Answer one request; True when the connection stays open for another."""
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            self._fail(400, f"malformed request line {lines[0][:80]!r}")
            return False
        method, target, version = (part.decode("latin-1") for part in parts)
        try:
            headers = http11.parse_headers(lines[1:])
            if headers.get("expect", "").lower() == "100-continue":
                self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = http11.read_body(self.sock, buf, headers, self.server.limits.max_body)
        except http11.ProtocolError as error:
            self._fail(error.status, str(error))
            return False
        connection = headers.get("connection", "").lower()
        keep = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        keep = keep and not self.server.draining
        service = self.server.service
        app = service.app
        name = target[5:] if "%" not in target else urllib.parse.unquote(target[5:])
        if method == "POST" and target.startswith("/rpc/") and (app is None or name in service.functions):
            status, payload = service.call(name, body)
            self._answer(status, payload, keep, b"application/json" if status == 200 else b"text/plain")
        elif method in ("GET", "HEAD") and (target == KIT_HEALTH or (target == service.health_path and not app)):
            self._answer(200, b"" if method == "HEAD" else b"ok\n", keep, b"text/plain")
        elif service.app is not None:
            return self._wsgi(http11.Request(method, target, version, headers, body), keep)
        else:
            self._answer(404, f"no route for {method} {target}\n".encode(), keep, b"text/plain")
        return keep and not self.server.draining

    def _wsgi(self, request: http11.Request, keep: bool) -> bool:
        assert self.server.service.app is not None
        listener = self.server.listener
        environ = build_environ(request, (listener.host, listener.port), self.peer)
        responder = Responder(self.sock.sendall, request.version, request.method == "HEAD", keep)
        try:
            return responder.run(self.server.service.app, environ) and not self.server.draining
        except ServiceUnavailable as error:
            if responder.sent:  # too late for a 503: cut the response short
                log(f"{request.method} {request.target}: {error} (after the response started)")
                return False
            status, payload = unavailable_response(error)
            self._answer(int(status[:3]), payload, False, b"application/json")
        except (ConnectionError, TimeoutError, BlockingIOError):
            raise
        except Exception as error:
            log(f"{request.method} {request.target}: {type(error).__name__}: {error} ({_where(error)})")
            if not responder.sent:
                self._answer(500, b"internal server error\n", False, b"text/plain")
        return False

    def _answer(self, status: int, payload: bytes, keep: bool, kind: bytes) -> None:
        head = b"HTTP/1.1 %d %b\r\nContent-Type: %b\r\nContent-Length: %d\r\nConnection: %b\r\n\r\n" % (
            status, _REASONS.get(status, b"Status"), kind, len(payload), b"keep-alive" if keep else b"close")
        self.sock.sendall(head + payload)

    def _fail(self, status: int, message: str) -> None:
        log(f"bad request from {self.peer[0] or 'a unix socket'}: {message}")
        with contextlib.suppress(OSError):
            self._answer(status, message.encode() + b"\n", False, b"text/plain")
            # lingering close: read what the client is still sending (for a moment), so that closing with unread
            # data does not reset the connection and destroy the answer before the client reads it
            self.sock.shutdown(socket.SHUT_WR)
            http11.set_timeouts(self.sock, 0.5)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and self.sock.recv(65536):
                pass


def _where(error: BaseException) -> str:
    frames: Any = error.__traceback__
    while frames is not None and frames.tb_next is not None:
        frames = frames.tb_next
    if frames is None:
        return "no traceback"
    return f"{frames.tb_frame.f_code.co_filename}:{frames.tb_lineno}"


_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 413: b"Content Too Large", 431:
            b"Request Header Fields Too Large", 500: b"Internal Server Error", 501: b"Not Implemented",
            503: b"Service Unavailable", 504: b"Gateway Timeout"}
