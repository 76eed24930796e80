"""One request relayed by the gateway: head and body to the service, its answer back, or a WebSocket tunnel.

:class:`Exchange` sends the rewritten head and the body (in one write when the whole body is already here, else
streamed as the client sends it, after ``100 Continue`` when the client waits for one), reads the answer's head
(passing on interim ``1xx`` answers), and relays the answer with the framing the client understands. A pooled
connection that turns out to be closed before any byte of the answer is retried once on a new connection when
the request certainly did not run there (reset) or repeating it is harmless (an idempotent method), and the body
is still in hand; never after a body was streamed. ``upstream_failed`` says which side a socket error came from.
"""

from __future__ import annotations

import contextlib
import selectors
import socket

from . import proxy_http
from .http11 import ProtocolError
from .upstream import Upstream

_MAX_RESPONSE_HEAD = 65536


class Exchange:
    """One request/response between a client connection and an upstream service."""

    def __init__(self, client: socket.socket, buf: bytearray, request: proxy_http.Head, upstream: Upstream,
                 head: bytes, *, max_body: int, keep: bool) -> None:
        self.client = client
        self.buf = buf
        self.request = request
        self.upstream = upstream
        self.head = head
        self.max_body = max_body
        self.keep = keep
        self.upstream_buf = bytearray()
        self.response_started = False
        self.upstream_failed = False
        self.upgraded: socket.socket | None = None
        self._sock: socket.socket | None = None

    def close(self) -> None:
        """Close the upstream connection unless it went back to the pool or into a tunnel."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    def run(self, idempotent: bool) -> bool:
        """Relay the request and its answer; True when the client connection may serve another request."""
        request = self.request
        length = request.length or 0
        in_hand = not request.chunked and length <= len(self.buf)
        body = b""
        if in_hand and length:
            body = bytes(self.buf[:length])
            del self.buf[:length]
        for attempt in (0, 1):
            self.upstream_failed = True
            sock, reused = self.upstream.get()
            self._sock = sock
            try:
                if in_hand:
                    sock.sendall(self.head + body)
                else:
                    self._send_streamed(sock)
                head = proxy_http.read_head(sock, self.upstream_buf, _MAX_RESPONSE_HEAD)
                if head is None:
                    raise ConnectionAbortedError("the service closed the connection without answering")
            except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as error:
                self.close()
                retry = reused and in_hand and attempt == 0 and not self.upstream_buf
                if retry and (idempotent or not isinstance(error, ConnectionAbortedError)):
                    continue
                raise
            return self._answer(sock, head)
        raise AssertionError("unreachable")

    def _send_streamed(self, sock: socket.socket) -> None:
        request = self.request
        sock.sendall(self.head)
        if request.get(b"expect") is not None and request.version == b"HTTP/1.1":
            self._to_client(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.upstream_failed = False
        if request.chunked:
            proxy_http.relay_chunked(self.client, self.buf, self._to_upstream, self.max_body)
        else:
            proxy_http.relay_length(self.client, self.buf, request.length or 0, self._to_upstream)
        self.upstream_failed = True

    def _to_upstream(self, data: bytes) -> None:
        assert self._sock is not None
        self.upstream_failed = True
        self._sock.sendall(data)
        self.upstream_failed = False

    def _to_client(self, data: bytes) -> None:
        self.upstream_failed = False
        self.client.sendall(data)
        self.upstream_failed = True

    def _answer(self, sock: socket.socket, head: bytes) -> bool:
        response = self._final_response(sock, head)
        code = int(response.first[1])
        lines = [b"HTTP/1.1 %b %b" % (response.first[1], response.first[2]),
                 *proxy_http.forwarded_lines(response, lambda key: key != b"content-length")]
        if code == 101:
            return self._upgrade(sock, response, lines)
        mode, keep = self._framing(response, code, lines)
        lines.append(b"Connection: keep-alive" if keep else b"Connection: close")
        out = b"\r\n".join(lines) + b"\r\n\r\n"
        self.response_started = True
        buffered = self.upstream_buf
        client_11 = self.request.version == b"HTTP/1.1"
        if mode == "length" and len(buffered) >= (response.length or 0):
            self._to_client(out + bytes(buffered[:response.length]))
            del buffered[:response.length]
        else:
            self._to_client(out)
            if mode == "length":
                proxy_http.relay_length(sock, buffered, response.length or 0, self._to_client)
            elif mode == "chunked":
                proxy_http.relay_chunked(sock, buffered, self._to_client, 1 << 62, chunked_out=client_11)
            elif mode == "close":
                proxy_http.relay_until_close(sock, buffered, self._to_client, chunked_out=client_11)
        if mode != "close" and response.keep_alive() and not buffered:
            self._sock = None
            self.upstream.put(sock)
        return keep

    def _final_response(self, sock: socket.socket, head: bytes) -> proxy_http.Head:
        """The answer's final head (or its 101), after passing on interim 1xx answers."""
        while True:
            response = proxy_http.parse_response(head)
            code = int(response.first[1])
            if code >= 200 or code == 101:
                return response
            if code != 100 and self.request.version == b"HTTP/1.1":  # 103 Early Hints pass on; our 100 went out
                self._to_client(head + b"\r\n\r\n")
            next_head = proxy_http.read_head(sock, self.upstream_buf, _MAX_RESPONSE_HEAD)
            if next_head is None:
                raise ConnectionAbortedError("the service closed the connection after an interim answer")
            head = next_head

    def _framing(self, response: proxy_http.Head, code: int, lines: list[bytes]) -> tuple[str, bool]:
        """How the body goes to the client (none, length, chunked, close) and whether the connection stays open;
        appends the framing header to ``lines``."""
        client_11 = self.request.version == b"HTTP/1.1"
        if self.request.first[0] == b"HEAD" or code in proxy_http.NO_BODY_STATUS:
            if response.length is not None:
                lines.append(b"Content-Length: %d" % response.length)
            return "none", self.keep
        if response.length is not None and not response.chunked:
            lines.append(b"Content-Length: %d" % response.length)
            return "length", self.keep
        mode = "chunked" if response.chunked else "close"
        if client_11:
            lines.append(b"Transfer-Encoding: chunked")
            return mode, self.keep
        return mode, False  # an HTTP/1.0 client: the end of the body is the end of the connection

    def _upgrade(self, sock: socket.socket, response: proxy_http.Head, lines: list[bytes]) -> bool:
        asked = self.request.get(b"upgrade")
        offered = response.get(b"upgrade")
        if asked is None or b"upgrade" not in self.request.connection or offered is None:
            raise ProtocolError(502, "101 Switching Protocols to a request that did not ask to upgrade")
        lines += [b"Connection: Upgrade", b"Upgrade: " + offered]
        self.response_started = True
        self._to_client(b"\r\n".join(lines) + b"\r\n\r\n")
        self.upgraded, self._sock = sock, None
        return False


def tunnel(client: socket.socket, upstream: socket.socket, client_buf: bytearray, upstream_buf: bytearray,
           idle: float = 3600.0) -> None:
    """Join two connections byte for byte (after a ``101``) until both ends close, or nothing moves for ``idle``
    seconds; bytes already read on either side are passed on first. Closes ``upstream``."""
    selector = selectors.DefaultSelector()
    try:
        if client_buf:
            upstream.sendall(bytes(client_buf))
            client_buf.clear()
        if upstream_buf:
            client.sendall(bytes(upstream_buf))
            upstream_buf.clear()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        open_ends = 2
        while open_ends:
            events = selector.select(idle)
            if not events:
                return
            for key, _ in events:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                target: socket.socket = key.data
                data = source.recv(65536)
                if data:
                    target.sendall(data)
                    continue
                selector.unregister(source)
                open_ends -= 1
                with contextlib.suppress(OSError):
                    target.shutdown(socket.SHUT_WR)
    except OSError:
        return
    finally:
        selector.close()
        with contextlib.suppress(OSError):
            upstream.close()
