"""The engine's control socket, served off the supervision path.

A thread accepts connections on ``.cleave/engine.sock``; each connection gets a short-lived thread of its own that
reads one request (at most ``MAX_REQUEST`` bytes within ``READ_TIMEOUT`` seconds), parses it
(``runtime/protocol.py``) and hands it to the engine's loop through :meth:`ControlServer.take`; the loop answers
with :meth:`Call.answer` (never blocking), and the connection's thread writes the answer. A slow, silent, huge or
malformed client therefore costs one thread and one error line, never a tick of supervision. At most
:data:`MAX_CLIENTS` are served at once; more are told the engine is busy.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import threading
import time
from pathlib import Path
from typing import Any, Final

from runtime.errors import RuntimeEngineError
from runtime.protocol import MAX_REQUEST, READ_TIMEOUT, Request, error_answer, parse_request

MAX_CLIENTS: Final = 32
ANSWER_TIMEOUT: Final = 300.0
WRITE_TIMEOUT: Final = 5.0


class Call:
    """One request waiting for the engine's answer."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._answered = threading.Event()
        self._answer: dict[str, Any] = {}
        self.sent = threading.Event()  # its connection's thread is done with it (answer written, or given up)

    @property
    def answered(self) -> bool:
        return self._answered.is_set()

    def answer(self, answer: dict[str, Any]) -> None:
        """Set the answer (from the engine's loop); the connection's thread sends it."""
        self._answer = answer
        self._answered.set()

    def fail(self, error: RuntimeEngineError) -> None:
        self.answer(error_answer(error))

    def wait(self, timeout: float) -> dict[str, Any] | None:
        return self._answer if self._answered.wait(timeout) else None


class ControlServer:
    """Listens on ``path``; requests arrive in the engine's loop through :meth:`take`, which ``wake_fd`` signals."""

    def __init__(self, path: Path, wake: Any) -> None:
        self.path = path
        self._wake = wake
        self._calls: queue.SimpleQueue[Call] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self._closed = threading.Event()
        self._in_flight: set[Call] = set()  # calls handed to the engine whose answers are not yet written
        self._lock = threading.Lock()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        os.chmod(path, 0o600)
        self._sock.listen(64)
        self._sock.settimeout(0.2)

    def start(self) -> None:
        threading.Thread(target=self._accept, name="control", daemon=True).start()

    def take(self) -> list[Call]:
        """The requests that arrived since the last call."""
        calls = []
        while True:
            try:
                calls.append(self._calls.get_nowait())
            except queue.Empty:
                return calls

    def close(self, drain: float = WRITE_TIMEOUT) -> None:
        """Stop listening. A call the engine has not answered is told it stopped; the answers already given are
        written before this returns (``drain`` seconds at most in all): the connections' threads are daemons, and
        the engine's process may exit right after (``cleave down`` was answered so, then lost)."""
        self._closed.set()
        self._sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with self._lock:
            calls = list(self._in_flight)
        for call in calls:
            if not call.answered:
                call.fail(RuntimeEngineError("the engine stopped before it answered"))
        deadline = time.monotonic() + drain
        for call in calls:
            call.sent.wait(max(0.0, deadline - time.monotonic()))

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            if not self._slots.acquire(blocking=False):
                _send(conn, {"error": f"the engine is serving {MAX_CLIENTS} clients already", "hint": "retry"})
                continue
            threading.Thread(target=self._serve, args=(conn,), name="control-client", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            try:
                request = parse_request(read_request(conn))
            except RuntimeEngineError as error:
                _send(conn, error_answer(error))
                return
            call = Call(request)
            with self._lock:
                self._in_flight.add(call)
            try:
                self._calls.put(call)
                self._wake()
                answer = call.wait(ANSWER_TIMEOUT)
                _send(conn, answer if answer is not None else {"error": "the engine did not answer in time"})
            finally:
                with self._lock:
                    self._in_flight.discard(call)
                call.sent.set()
        finally:
            self._slots.release()


def read_request(conn: socket.socket, limit: int = MAX_REQUEST, timeout: float = READ_TIMEOUT) -> bytes:
    """One line from ``conn`` within ``timeout`` seconds in all; a :class:`RuntimeEngineError` past ``limit`` bytes
    or the deadline. A client that closes without a newline has sent what it sent."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeEngineError(f"control request not complete within {timeout:g} s")
        conn.settimeout(left)
        try:
            chunk = conn.recv(65536)
        except TimeoutError:
            raise RuntimeEngineError(f"control request not complete within {timeout:g} s") from None
        except OSError as error:
            raise RuntimeEngineError(f"control connection failed: {error}") from None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk:
            return b"".join(chunks)
        if size > limit:
            raise RuntimeEngineError(f"control request larger than {limit} bytes")


def _send(conn: socket.socket, answer: dict[str, Any]) -> None:
    with conn, contextlib.suppress(OSError):
        conn.settimeout(WRITE_TIMEOUT)
        conn.sendall(json.dumps(answer).encode())
