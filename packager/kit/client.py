"""The RPC client the generated stubs call: ``call("orders", "shop.orders.service.place_order", args, kwargs)``.

The target's address comes from ``CLEAVE_SERVICE_<NAME>_URL`` (``http://host:port`` or ``unix:/path``). Connections
are kept alive and pooled per target (thread-safe). A call is retried (once, on a new connection) only when it
certainly did not run: a pooled connection found closed before reuse, failing while the request is written, or
reset before any byte of the answer (see :meth:`_Target._send_on_pooled`). Otherwise, once the request is sent, a
lost connection or a timeout is a :class:`ServiceUnavailable` / :class:`ServiceTimeout` and the call is NOT
repeated: it may have run. A refused connection is a ServiceUnavailable at once.

Environment: ``CLEAVE_CONNECT_TIMEOUT`` (seconds, default 3), ``CLEAVE_READ_TIMEOUT`` (default 300, 0 = none),
``CLEAVE_POOL_SIZE`` (idle connections kept per target, default 32), ``CLEAVE_POOL_IDLE`` (seconds an idle
connection is reused, default 30: below the server's idle timeout of 75, so the server never closes it first).
"""

from __future__ import annotations

import collections
import errno
import json
import os
import socket
import threading
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from . import codec, http11
from .errors import CodecError, RemoteError, ServiceTimeout, ServiceUnavailable

_MAX_HEAD = 65536
_MAX_BODY = 1 << 30


def _unavailable_reason(payload: bytes) -> str:
    """The reason in a 503 body: ``{"error": {"message": ...}}`` as the runtime writes it, else the text."""
    text = payload.decode("utf-8", "replace").strip()
    try:
        message = json.loads(text)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return text or "no replica is running"
    return str(message)


def call(service: str, function: str, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> Any:
    """Call ``function`` (its dotted qualified name) on ``service`` and return its result, or raise its exception."""
    target = _target(service)
    body = _encode_call(function, args, kwargs)
    request = target.request_head(function, len(body)) + body
    status, payload = target.exchange(request)
    if status == 503:  # the runtime answers for a service scaled to zero: it never ran the call
        raise ServiceUnavailable(service, _unavailable_reason(payload))
    if status != 200:
        text = payload.decode("utf-8", "replace").strip()
        raise RemoteError(service, function, f"HTTP {status}", text)
    try:
        answer = codec.loads(payload)
    except CodecError as error:
        answer = _plain_answer(service, function, payload, error)
    except ValueError as error:
        raise RemoteError(service, function, "malformed answer", str(error)) from None
    if type(answer) is not dict or ("result" not in answer and type(answer.get("error")) is not dict):
        raise RemoteError(service, function, "malformed answer", payload[:200].decode("utf-8", "replace"))
    if "result" in answer:
        return answer["result"]
    raise _remote_exception(service, function, answer["error"])


def close_all() -> None:
    """Close every pooled connection (tests, and before a process forks without exec)."""
    for target in list(_targets.values()):
        target.close()
    _targets.clear()


def _encode_call(function: str, args: tuple[Any, ...], kwargs: Mapping[str, Any] | None) -> bytes:
    encoded_args = [codec.encode(value, f"positional argument {index + 1} of {function}")
                    for index, value in enumerate(args)]
    encoded_kwargs = {name: codec.encode(value, f"argument {name!r} of {function}")
                      for name, value in (kwargs or {}).items()}
    return codec.JSON_ENCODER.encode({"args": encoded_args, "kwargs": encoded_kwargs}).encode()


def _plain_answer(service: str, function: str, payload: bytes, error: CodecError) -> dict[str, Any]:
    """An answer whose value cannot be rebuilt here: an exception becomes a RemoteError, a result a CodecError."""
    answer = json.loads(payload)
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        answer["error"]["value"] = None
        return answer
    raise CodecError(f"the result of {function} from service {service!r} cannot be decoded here: {error}") from None


def _remote_exception(service: str, function: str, error: dict[str, Any]) -> BaseException:
    value = error.get("value")
    traceback_text = str(error.get("traceback", ""))
    if isinstance(value, BaseException):
        value.add_note(f"raised by {function} on service {service!r}; remote traceback:\n{traceback_text}")
        return value
    return RemoteError(service, function, str(error.get("class", "unknown")), str(error.get("message", "")),
                       traceback_text)


class _Conn:
    __slots__ = ("buf", "sock", "used")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.used = time.monotonic()


class _Target:
    """One service's address, timeouts and pool of idle keep-alive connections."""

    def __init__(self, service: str, url: str) -> None:
        self.service = service
        self.url = url
        self.connect_timeout = _seconds("CLEAVE_CONNECT_TIMEOUT", 3.0)
        self.read_timeout = _seconds("CLEAVE_READ_TIMEOUT", 300.0)
        self.pool_size = int(_seconds("CLEAVE_POOL_SIZE", 32))
        self.pool_idle = _seconds("CLEAVE_POOL_IDLE", 30.0)
        self.idle: collections.deque[_Conn] = collections.deque()
        self.family, self.address, host = _parse_url(service, url)
        self.host_line = f"Host: {host}\r\n".encode()

    def request_head(self, function: str, length: int) -> bytes:
        path = _paths.get(function)
        if path is None:  # percent-encoded once per name: a non-ASCII or odd name cannot break the request line
            path = _paths[function] = urllib.parse.quote(function, safe=".").encode("ascii")
        return (b"POST /rpc/%b HTTP/1.1\r\n%bContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (path, self.host_line, length))

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request`` and read the answer: (status, body); retried only if it cannot have run."""
        conn = self._pooled()
        if conn is not None and not self._send_on_pooled(conn, request):
            conn = None
        if conn is None:
            conn = self._connect()
            try:
                conn.sock.sendall(request)
            except OSError as error:
                conn.sock.close()
                raise ServiceUnavailable(self.service, f"sending to {self.url} failed: {error}") from None
        try:
            status, keep, body = self._read_answer(conn)
        except BaseException as error:
            conn.sock.close()
            raise self._lost(error) from None
        if keep and len(self.idle) < self.pool_size:
            conn.used = time.monotonic()
            self.idle.append(conn)
        else:
            conn.sock.close()
        return status, body

    def _send_on_pooled(self, conn: _Conn, request: bytes) -> bool:
        """Send on a reused connection and wait for the answer's first bytes; False when the call must be retried.

        Retry is safe in two cases only: the request was not completely written, or the connection was reset
        before any byte of the answer. The kit's server runs a call only after reading its whole request, and a
        kernel resets a connection only when data arrives at a closed socket or is left unread at close, so a
        reset means the request was never read in full (the server had closed the idle connection while it was
        being sent, e.g. when draining). An orderly close without a reset is not retried: a server that died after
        reading the request closes that way, and the call may have run.
        """
        try:
            conn.sock.sendall(request)
        except OSError:
            conn.sock.close()
            return False
        try:
            first = conn.sock.recv(http11.RECV)
        except ConnectionResetError:
            conn.sock.close()
            return False
        except BaseException as error:
            conn.sock.close()
            raise self._lost(error) from None
        if not first:  # EOF; a reset that came with it (TCP reports the FIN first) still proves the request unread
            reset = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) in (errno.EPIPE, errno.ECONNRESET)
            conn.sock.close()
            if reset:
                return False
            raise self._lost(http11.ProtocolError(502, "the service closed the connection without answering"))
        conn.buf += first
        return True

    def _lost(self, error: BaseException) -> BaseException:
        """The error for a call whose request was sent but whose answer did not come: it may have run."""
        if isinstance(error, BlockingIOError | TimeoutError):
            return ServiceTimeout(self.service, f"no answer from {self.url} within {self.read_timeout} s "
                                  "(the call may have run; not retried)")
        if isinstance(error, OSError | http11.ProtocolError):
            return ServiceUnavailable(self.service, f"connection to {self.url} lost after the call was sent "
                                      f"(the call may have run; not retried): {error}")
        return error

    def _pooled(self) -> _Conn | None:
        """An idle connection still open, or None; one peek per reuse finds connections the server closed."""
        while True:
            try:
                conn = self.idle.pop()
            except IndexError:
                return None
            if time.monotonic() - conn.used < self.pool_idle and not conn.buf:
                try:
                    conn.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except BlockingIOError:
                    return conn  # nothing to read: still open
                except OSError:
                    pass
            conn.sock.close()

    def _connect(self) -> _Conn:
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.connect_timeout)
            sock.connect(self.address)
        except TimeoutError:
            sock.close()
            raise ServiceUnavailable(self.service, f"connecting to {self.url} timed out after "
                                     f"{self.connect_timeout} s") from None
        except OSError as error:
            sock.close()
            raise ServiceUnavailable(self.service, f"cannot connect to {self.url}: {error.strerror or error}") from None
        if self.family != socket.AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        http11.set_timeouts(sock, self.read_timeout)
        return _Conn(sock)

    def _read_answer(self, conn: _Conn) -> tuple[int, bool, bytes]:
        head = http11.read_head(conn.sock, conn.buf, _MAX_HEAD)
        if head is None:
            raise http11.ProtocolError(502, "the service closed the connection without answering")
        lines = head.split(b"\r\n")
        status_line = lines[0].split(b" ", 2)
        if len(status_line) < 2 or not status_line[1].isdigit():
            raise http11.ProtocolError(502, f"malformed status line {lines[0][:80]!r}")
        headers = http11.parse_headers(lines[1:])
        body = http11.read_body(conn.sock, conn.buf, headers, _MAX_BODY)
        keep = "close" not in headers.get("connection", "").lower() and status_line[0] == b"HTTP/1.1"
        return int(status_line[1]), keep, body

    def close(self) -> None:
        while self.idle:
            self.idle.pop().sock.close()


def _parse_url(service: str, url: str) -> tuple[socket.AddressFamily, Any, str]:
    if url.startswith("unix:"):
        path = url[5:]
        path = path[2:] if path.startswith("//") else path
        if path:
            return socket.AF_UNIX, path, service
    elif url.startswith("http://"):
        hostport = url[7:].split("/", 1)[0]
        host, sep, port = hostport.rpartition(":")
        if sep and port.isdigit() and host:
            host = host.strip("[]")
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            return family, (host, int(port)), hostport
    raise ServiceUnavailable(service, f"its URL {url!r} is neither http://host:port nor unix:/path")


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name)
    try:
        return float(text) if text else default
    except ValueError:
        return default


_targets: dict[tuple[str, str], _Target] = {}
_targets_lock = threading.Lock()
_paths: dict[str, bytes] = {}


def _target(service: str) -> _Target:
    variable = f"CLEAVE_SERVICE_{service.upper().replace('-', '_')}_URL"
    url = os.environ.get(variable)
    if not url:
        raise ServiceUnavailable(service, f"{variable} is not set (how this replica reaches service {service!r})")
    target = _targets.get((service, url))
    if target is None:
        with _targets_lock:
            target = _targets.get((service, url)) or _Target(service, url)
            _targets[(service, url)] = target
    return target


def _after_fork() -> None:
    _targets.clear()  # the parent's connections are not this process's to use


os.register_at_fork(after_in_child=_after_fork)
