"""The CLI side of the engine's control socket: one JSON request, one JSON answer, per connection."""

from __future__ import annotations

import json
import socket
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
