"""The CLI side of the engine's control socket: one typed request, one JSON answer, per connection."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from runtime.errors import EngineNotRunning, RuntimeEngineError
from runtime.protocol import ApplyRequest, Ps, Request, Status, encode_request, parse_answer

MAX_ANSWER = 64 * 2**20


def request(control_socket: Path, message: Request, timeout: float = 30.0) -> dict[str, Any]:
    """Send ``message`` to the engine and return its answer; :class:`EngineNotRunning` if nobody listens."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(control_socket))
            sock.sendall(encode_request(message))
            chunks, size = [], 0
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise RuntimeEngineError("the engine's answer is larger than 64 MiB", path=control_socket)
    except (FileNotFoundError, ConnectionRefusedError) as error:
        raise EngineNotRunning("no engine is running for this project", path=control_socket,
                               hint="`cleave up BUILD` starts it (and re-adopts replicas that still run)") from error
    except OSError as error:
        raise RuntimeEngineError(f"the engine did not answer: {error}", path=control_socket,
                                 hint="see .cleave/logs/engine.log") from error
    return parse_answer(b"".join(chunks))


def reachable(control_socket: Path) -> bool:
    try:
        request(control_socket, Status(), timeout=2.0)
    except RuntimeEngineError:
        return False
    return True


def apply_build(control_socket: Path, build: Path, timeout: float = 120.0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Have the engine run ``build`` and wait until the services it changed run.

    Returns the engine's summary (restarted, started, stopped, scaled, unchanged) and its ``ps`` answer.
    """
    summary = request(control_socket, ApplyRequest(str(build.resolve())), timeout=timeout)
    changed = {*summary.get("restarted", []), *summary.get("started", []), *summary.get("scaled", {})}
    wait_settled(control_socket, changed, timeout)
    return summary, request(control_socket, Ps(usage=False))


def wait_settled(control_socket: Path, changed: set[str], timeout: float) -> None:
    """Poll until the engine is ready, nothing is being replaced, and the ``changed`` services run all their
    desired replicas."""
    deadline = time.monotonic() + timeout
    while True:
        answer = request(control_socket, Ps(usage=False))
        if answer["phase"] == "failed":
            raise RuntimeEngineError(answer.get("failure") or "the new build did not start",
                                     hint="`cleave ps`, `cleave logs SERVICE`")
        rows = [r for r in answer["replicas"] if r["service"] in changed and not r.get("retiring")]
        settled = answer["phase"] == "ready" and not answer.get("applying") and all(
            r["state"] == "running" for r in rows) and all(
            sum(r["service"] == name for r in rows) == answer["services"][name]["desired"] for name in changed)
        if settled:
            return
        if time.monotonic() > deadline:
            raise RuntimeEngineError(f"the new build is not running after {timeout:.0f} s",
                                     hint="`cleave ps`; the previous replicas serve until the new ones listen")
        time.sleep(0.02)
