"""Serving an ASGI application (a FastAPI, Starlette or Django ASGI entry) on the kit's threaded HTTP server.

One event loop runs in its own thread for the whole process: the lifespan protocol (startup before the first
request, shutdown at exit) and every request run there, so resources an app creates at startup stay on their
loop. Connection threads hand each request to the loop and wait for its complete response (bodies are buffered,
not streamed). A stub's blocking RPC call inside an ``async def`` handler holds the loop for that call, exactly as
the monolith's blocking call did.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


def is_asgi(app: object) -> bool:
    """True for an ASGI application: an ``async def app(scope, receive, send)`` or an object with one as __call__."""
    if inspect.iscoroutinefunction(app):
        return True
    return not inspect.isroutine(app) and inspect.iscoroutinefunction(type(app).__call__)


class ASGIBridge:
    """A WSGI callable that runs ``app`` (ASGI 3) on a private event loop thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="cleave-asgi", daemon=True)
        self.thread.start()
        self._lifespan: _Lifespan | None = None

    def startup(self) -> None:
        """Run the app's lifespan startup (apps without lifespan support are fine); raise if startup fails."""
        self._lifespan = _Lifespan(self.app)
        asyncio.run_coroutine_threadsafe(self._lifespan.start(), self.loop).result()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Run the lifespan shutdown, then stop the loop."""
        if self._lifespan is not None:
            asyncio.run_coroutine_threadsafe(self._lifespan.stop(), self.loop).result(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        scope = _scope(environ)
        body = environ["wsgi.input"].read()
        status, headers, chunks = asyncio.run_coroutine_threadsafe(self._request(scope, body), self.loop).result()
        start_response(status, headers)
        return chunks

    async def _request(self, scope: Scope, body: bytes) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        sent_request = False
        start: Message = {}
        chunks: list[bytes] = []
        finished = asyncio.Event()

        async def receive() -> Message:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": body, "more_body": False}
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
                if not message.get("more_body", False):
                    finished.set()

        try:
            await self.app(scope, receive, send)
        finally:
            finished.set()
        if not start:
            raise RuntimeError("the ASGI application returned without sending http.response.start")
        status = int(start["status"])
        headers = [(bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                   for name, value in start.get("headers", [])]
        return f"{status} {_reason(status)}", headers, chunks


class _Lifespan:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.supported = True

    async def _run(self) -> None:
        try:
            await self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, self.inbox.get,
                           self.outbox.put)
        except Exception:
            self.supported = False  # the spec's way of saying "no lifespan here"
        finally:
            await self.outbox.put({"type": "lifespan.gone"})

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())
        await self.inbox.put({"type": "lifespan.startup"})
        answer = await self.outbox.get()
        if answer["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"the ASGI application's startup failed: {answer.get('message', '')}")

    async def stop(self) -> None:
        if self.supported and self.task is not None and not self.task.done():
            await self.inbox.put({"type": "lifespan.shutdown"})
            await self.outbox.get()


def _scope(environ: dict[str, Any]) -> Scope:
    headers = [(key[5:].replace("_", "-").lower().encode("latin-1"), str(value).encode("latin-1"))
               for key, value in environ.items() if key.startswith("HTTP_")]
    if environ.get("CONTENT_TYPE"):
        headers.append((b"content-type", environ["CONTENT_TYPE"].encode("latin-1")))
    if environ.get("CONTENT_LENGTH"):
        headers.append((b"content-length", environ["CONTENT_LENGTH"].encode("latin-1")))
    path = environ.get("PATH_INFO", "/")
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": environ["SERVER_PROTOCOL"].partition("/")[2] or "1.1", "method": environ["REQUEST_METHOD"],
            "scheme": environ.get("wsgi.url_scheme", "http"), "path": path.encode("latin-1").decode("utf-8", "replace"),
            "raw_path": path.encode("latin-1"), "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
            "root_path": "", "headers": headers, "state": {},
            "client": (environ.get("REMOTE_ADDR", ""), int(environ.get("REMOTE_PORT") or 0)),
            "server": (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0))}


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"
