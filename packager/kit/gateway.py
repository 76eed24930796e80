"""``python -m cleave_kit.gateway``: the HTTP router in front of services split at the edge.

Each request goes, by method and path (:mod:`.routes`), to the service that owns it, over that service's socket
(``CLEAVE_SERVICE_<NAME>_URL``), on pooled keep-alive connections (:mod:`.upstream`). Bodies stream both ways
(``Content-Length`` or chunked; ``Expect: 100-continue`` is answered by the gateway once the service is reached),
``Host`` and cookies pass unchanged, ``X-Forwarded-For`` gets the client appended, ``X-Forwarded-Proto`` and
``X-Forwarded-Host`` are set; redirects and every other answer pass through as they are. An ``Upgrade`` (WebSocket)
is forwarded and, after ``101``, the two connections are joined byte for byte. A service that cannot be reached is
``503`` (no answer within ``CLEAVE_READ_TIMEOUT``: ``504``) with the kit's JSON body naming it.

The listening socket, limits, health socket and drain are the kit server's (:mod:`.server`). On the shared socket
every path is routed, the health path too, so the runtime's check of the gateway passes only when the gateway can
reach at least its fallback service; on this replica's own health socket (``CLEAVE_HEALTH_LISTEN``) the gateway
answers ``/_cleave/healthz`` and the health path itself (this replica is alive), so a service that restarts does
not get its gateways killed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from pathlib import Path

from . import proxy_http
from .errors import ServiceConfigError, ServiceTimeout, ServiceUnavailable
from .http11 import ProtocolError, set_timeouts
from .listen import Listener, open_health_listener, open_listener
from .relay import Exchange, tunnel
from .routes import KIT_HEALTH, RoutingTable, load_table, upstream_addresses
from .server import Limits, Server, log
from .service import Service
from .upstream import Timeouts, Unreachable, Upstream
from .wsgi import unavailable_response

_FORWARDED = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"expect",
                        b"content-length"})
_IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE", b"TRACE"})


class Gateway(Server):
    """The kit's server with :class:`GatewayConnection` in place of the RPC/WSGI connection."""

    def __init__(self, table: RoutingTable, upstreams: dict[str, Upstream], listener: Listener,
                 limits: Limits | None = None, health: Listener | None = None) -> None:
        super().__init__(Service(name="gateway"), listener, limits, health)
        self.table = table
        self.upstreams = upstreams
        self.connection_class = GatewayConnection
        self._health_name = self.health.sock.getsockname() if self.health is not None else None


class GatewayConnection:
    """One client connection, served by its own thread: route each request, relay it and its answer."""

    def __init__(self, server: Gateway, sock: socket.socket, peer: tuple[str, str]) -> None:
        self.server = server
        self.sock = sock
        self.peer = peer
        self.client_ip = (peer[0] or "127.0.0.1").encode()
        self.idle = True
        self.local_health = server._health_name is not None and sock.getsockname() == server._health_name

    def close_if_idle(self) -> None:
        """Called with the server's lock held, when draining: wake the thread if it waits for a next request."""
        if self.idle:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RD)

    def run(self) -> None:
        buf = bytearray()
        server = self.server
        try:
            while not server.draining or buf:
                self.idle = not buf
                try:
                    head = proxy_http.read_head(self.sock, buf, server.limits.max_head)
                finally:
                    self.idle = False
                if head is None or not self._serve(head, buf):
                    return
        except (BlockingIOError, TimeoutError, ConnectionError):
            return  # an idle keep-alive connection timed out, or the client went away
        except ProtocolError as error:
            self._fail(error.status, str(error))
        except (Exception, ServiceUnavailable) as error:  # a kit bug: one line, only this connection is lost
            log(f"gateway: connection from {self.peer[0] or 'a unix socket'}: {type(error).__name__}: {error}")
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()
            server._forget(self)

    def _serve(self, head: bytes, buf: bytearray) -> bool:
        """Answer one request; True when the connection stays open for another."""
        request = proxy_http.parse_request(head)
        method, target, _version = request.first
        limits = self.server.limits
        if request.length is not None and request.length > limits.max_body:
            raise ProtocolError(413, f"body of {request.length} bytes is larger than the limit of {limits.max_body}")
        expect = request.get(b"expect")
        if expect is not None and expect.lower() != b"100-continue":
            raise ProtocolError(417, f"unsupported Expect {expect[:40]!r}")
        keep = request.keep_alive() and not self.server.draining
        if self.local_health and method in (b"GET", b"HEAD"):
            self._answer(200, b"" if method == b"HEAD" else b"ok\n", keep)
            return keep
        name = self.server.table.service_for(method.decode("latin-1"), target.decode("latin-1"))
        exchange = Exchange(self.sock, buf, request, self.server.upstreams[name], self._upstream_head(request),
                            max_body=limits.max_body, keep=keep)
        try:
            keep = self._relay(exchange, name)
        finally:
            exchange.close()
        if exchange.upgraded is not None:
            tunnel(self.sock, exchange.upgraded, buf, exchange.upstream_buf)
            return False
        return keep

    def _relay(self, exchange: Exchange, name: str) -> bool:
        """Run the exchange; a failure of the service becomes its 503/504/502, one of the client is raised."""
        method, target, _version = exchange.request.first
        try:
            return exchange.run(method in _IDEMPOTENT) and not self.server.draining
        except Unreachable as error:
            return self._unavailable(ServiceUnavailable(error.service, error.reason), exchange)
        except (BlockingIOError, TimeoutError) as error:
            if not exchange.upstream_failed:
                raise ConnectionError("client timed out") from error
            reason = f"no answer within {exchange.upstream.timeouts.read:g} s"
            return self._unavailable(ServiceTimeout(name, reason), exchange)
        except ProtocolError as error:
            if exchange.response_started:  # too late for an error answer: cut the response short
                log(f"gateway: {method.decode()} {target[:200].decode('latin-1')}: {name}: {error}")
                return False
            if error.status != 502:
                raise
            log(f"gateway: {method.decode()} {target[:200].decode('latin-1')}: {name}: {error}")
            self._answer(502, f"bad gateway: {error}\n".encode(), False)
            return False
        except OSError as error:
            if not exchange.upstream_failed:
                raise ConnectionError("client connection failed") from error
            return self._unavailable(ServiceUnavailable(name, f"connection lost: {error}"), exchange)

    def _upstream_head(self, request: proxy_http.Head) -> bytes:
        method, target, _version = request.first
        lines = [b"%b %b HTTP/1.1" % (method, target),
                 *proxy_http.forwarded_lines(request, lambda key: key not in _FORWARDED)]
        chain = request.get(b"x-forwarded-for")
        lines.append(b"X-Forwarded-For: " + (chain + b", " + self.client_ip if chain else self.client_ip))
        lines.append(b"X-Forwarded-Proto: http")
        host = request.get(b"host")
        if host is not None:
            lines.append(b"X-Forwarded-Host: " + host)
        if request.chunked:
            lines.append(b"Transfer-Encoding: chunked")
        elif request.length is not None:
            lines.append(b"Content-Length: %d" % request.length)
        upgrade = request.get(b"upgrade")
        if upgrade is not None and b"upgrade" in request.connection:
            lines += [b"Connection: Upgrade", b"Upgrade: " + upgrade]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def _unavailable(self, error: ServiceUnavailable, exchange: Exchange) -> bool:
        if exchange.response_started:
            log(f"gateway: {error} (after the response started)")
            return False
        status, payload = unavailable_response(error)
        self._answer(int(status[:3]), payload, False, b"application/json")
        return False

    def _answer(self, status: int, payload: bytes, keep: bool, kind: bytes = b"text/plain") -> None:
        reason = _REASONS.get(status, b"Status")
        self.sock.sendall(b"HTTP/1.1 %d %b\r\nContent-Type: %b\r\nContent-Length: %d\r\nConnection: %b\r\n\r\n%b" % (
            status, reason, kind, len(payload), b"keep-alive" if keep else b"close", payload))

    def _fail(self, status: int, message: str) -> None:
        """A malformed or refused request: the status with one line, then a lingering close (see server.py)."""
        with contextlib.suppress(OSError):
            self._answer(status, message.encode() + b"\n", False)
            self.sock.shutdown(socket.SHUT_WR)
            set_timeouts(self.sock, 0.5)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline and self.sock.recv(65536):
                pass


_REASONS = {200: b"OK", 400: b"Bad Request", 413: b"Content Too Large", 417: b"Expectation Failed",
            431: b"Request Header Fields Too Large", 501: b"Not Implemented", 502: b"Bad Gateway",
            503: b"Service Unavailable", 504: b"Gateway Timeout"}


def main() -> int:
    """Load the routing table and the services' addresses, open the socket, route until SIGTERM, drain."""
    try:
        table = load_table(os.environ, Path.cwd())
        timeouts = Timeouts(connect=float(os.environ.get("CLEAVE_CONNECT_TIMEOUT") or 3),
                            read=float(os.environ.get("CLEAVE_READ_TIMEOUT") or 300))
        upstreams = {name: Upstream(name, address, timeouts)
                     for name, address in upstream_addresses(table, os.environ).items()}
        limits = Limits.from_env(os.environ)
        listener = open_listener(os.environ)
        health = open_health_listener(os.environ)
    except ServiceConfigError as error:
        log(f"gateway: {error}")
        return 2
    except ValueError as error:
        log(f"gateway: bad limit in the environment: {error}")
        return 2
    os.environ.setdefault("CLEAVE_SERVICE", "gateway")
    return Gateway(table, upstreams, listener, limits, health).serve()


__all__ = ["KIT_HEALTH", "Gateway", "GatewayConnection", "main"]

if __name__ == "__main__":
    sys.exit(main())
