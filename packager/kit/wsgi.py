"""Serving a WSGI application (PEP 3333) on the kit's HTTP/1.1 connections, and the 503 middleware.

The gateway service runs the monolith's own WSGI app unchanged. When a service it calls is down, the stub raises
:class:`ServiceUnavailable`; :func:`unavailable_middleware` (applied by the kit's server, usable under any other
WSGI server too) turns it into ``503`` (``504`` for a timeout) with a JSON body naming the service.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from .errors import ServiceTimeout, ServiceUnavailable
from .http11 import Request

StartResponse = Callable[..., Callable[[bytes], None]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_NO_BODY = ("1", "204", "304")  # status codes (first characters) that never carry a body
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                         "proxy-authenticate", "proxy-authorization"})


def unavailable_middleware(app: WSGIApp) -> WSGIApp:
    """Wrap ``app`` so an uncaught ServiceUnavailable becomes 503 (ServiceTimeout 504) naming the service."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except ServiceUnavailable as error:
            status, body = unavailable_response(error)
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                           sys.exc_info())
            return [body]

    return wrapped


def health_fallback(app: WSGIApp, health_path: str) -> WSGIApp:
    """Let ``app`` answer the health path itself (the monolith's own ``/healthz`` stays as it was), and answer
    200 ``ok`` in its place when it has no such route (404), so the runtime's health check works either way."""

    def wrapped(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != health_path or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return app(environ, start_response)
        seen: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            seen[:] = [status, headers, exc_info]
            return lambda data: None  # a health answer written through write() is not supported

        result = app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not seen or seen[0].startswith("404"):
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
            return [b"ok\n"]
        start_response(seen[0], seen[1], seen[2])
        return [body]

    return wrapped


def unavailable_response(error: ServiceUnavailable) -> tuple[str, bytes]:
    """The status line and JSON body that say which service is unavailable."""
    timeout = isinstance(error, ServiceTimeout)
    status = "504 Gateway Timeout" if timeout else "503 Service Unavailable"
    body = {"error": "service timeout" if timeout else "service unavailable", "service": error.service,
            "message": str(error)}
    return status, json.dumps(body).encode() + b"\n"


def build_environ(request: Request, server: tuple[str, str], peer: tuple[str, str]) -> dict[str, Any]:
    """The PEP 3333 environ of one request (``server``: the listener's host and port; ``peer``: the client's)."""
    target, headers, body = request.target, request.headers, request.body
    path, _, query = target.partition("?")
    if path.startswith(("http://", "https://")):  # absolute-form target
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    host = headers.get("host", "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method, "SCRIPT_NAME": "", "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query, "SERVER_NAME": host.rsplit(":", 1)[0] if host else server[0],
        "SERVER_PORT": server[1], "SERVER_PROTOCOL": request.version, "REMOTE_ADDR": peer[0], "REMOTE_PORT": peer[1],
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    if body or "content-length" in headers or "transfer-encoding" in headers:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        elif name not in ("content-length", "transfer-encoding") and "_" not in name:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


class Responder:
    """Runs one WSGI call and writes its response with ``send``: fixed length when known, else chunked."""

    def __init__(self, send: Callable[[bytes], None], version: str, head_only: bool, keep_alive: bool) -> None:
        self.send = send
        self.version = version
        self.head_only = head_only
        self.keep_alive = keep_alive
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False
        self.length: int | None = None

    def start_response(self, status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called a second time without exc_info")
        self.status = status
        self.headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
        return self.write

    def run(self, app: WSGIApp, environ: dict[str, Any]) -> bool:
        """Call ``app`` and send its whole response; True when the connection can serve another request."""
        result = app(environ, self.start_response)
        try:
            if isinstance(result, list | tuple) and not self.sent:
                head = self._head(sum(len(chunk) for chunk in result))
                self.send(head if self.head_only else head + b"".join(result))
            else:
                for chunk in result:
                    if chunk:
                        self.write(chunk)
                if not self.sent:
                    self.send(self._head(0))
                elif self.chunked and not self.head_only:
                    self.send(b"0\r\n\r\n")
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return self.keep_alive

    def write(self, data: bytes) -> None:
        head = b"" if self.sent else self._head(None)
        if self.head_only or not data:
            if head:
                self.send(head)
            return
        self.send(head + (b"%x\r\n%b\r\n" % (len(data), data) if self.chunked else data))

    def _head(self, length: int | None) -> bytes:
        if self.status is None:
            raise AssertionError("the WSGI application returned without calling start_response")
        declared = next((value for name, value in self.headers if name.lower() == "content-length"), None)
        extra = []
        if declared is None and not self.status.startswith(_NO_BODY):
            if length is not None:
                extra.append(f"Content-Length: {length}")
            elif self.version == "HTTP/1.1":
                self.chunked = True
                extra.append("Transfer-Encoding: chunked")
            else:
                self.keep_alive = False  # HTTP/1.0 without a length: the end of the body is the end of the connection
        extra.append("Connection: keep-alive" if self.keep_alive else "Connection: close")
        lines = [f"HTTP/1.1 {self.status}", *(f"{name}: {value}" for name, value in self.headers), *extra]
        self.sent = True
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
