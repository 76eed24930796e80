"""The CLI side of the engine's control socket: one JSON request, one JSON answer, per connection."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from runtime.errors import EngineNotRunning, RuntimeEngineError


def request(control_socket: Path, message: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """Send ``message`` to the engine and return its answer; :class:`EngineNotRunning` if nobody listens."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(control_socket))
            sock.sendall(json.dumps(message).encode() + b"\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except (FileNotFoundError, ConnectionRefusedError) as error:
        raise EngineNotRunning("no engine is running for this project", path=control_socket,
                               hint="`cleave up BUILD` starts it (and re-adopts replicas that still run)") from error
    except OSError as error:
        raise RuntimeEngineError(f"the engine did not answer: {error}", path=control_socket,
                                 hint="see .cleave/logs/engine.log") from error
    try:
        answer: dict[str, Any] = json.loads(data)
    except json.JSONDecodeError as error:
        raise RuntimeEngineError("the engine closed the connection without an answer", path=control_socket,
                                 hint="see .cleave/logs/engine.log") from error
    if answer.get("error"):
        raise RuntimeEngineError(str(answer["error"]), hint=answer.get("hint"))
    return answer


def reachable(control_socket: Path) -> bool:
    try:
        request(control_socket, {"op": "status"}, timeout=2.0)
    except RuntimeEngineError:
        return False
    return True


def apply_build(control_socket: Path, build: Path, timeout: float = 120.0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Have the engine run ``build`` (``{"op": "apply"}``) and wait until the services it changed run.

    Returns the engine's summary (restarted, started, stopped, scaled, unchanged) and its ``ps`` answer.
    """
    summary = request(control_socket, {"op": "apply", "build": str(build.resolve())}, timeout=timeout)
    changed = {*summary.get("restarted", []), *summary.get("started", []), *summary.get("scaled", {})}
    deadline = time.monotonic() + timeout
    while True:
        answer = request(control_socket, {"op": "ps", "usage": False})
        if answer["phase"] == "failed":
            raise RuntimeEngineError(answer.get("failure") or "the new build did not start",
                                     hint="`cleave ps`, `cleave logs SERVICE`")
        rows = [r for r in answer["replicas"] if r["service"] in changed]
        settled = answer["phase"] == "ready" and not answer.get("applying") and all(
            r["state"] == "running" for r in rows) and all(
            sum(r["service"] == name for r in rows) == answer["services"][name]["desired"] for name in changed)
        if settled:
            return summary, answer
        if time.monotonic() > deadline:
            raise RuntimeEngineError(f"the new build is not running after {timeout:.0f} s",
                                     hint="`cleave ps`; the previous replicas serve until the new ones listen")
        time.sleep(0.02)
