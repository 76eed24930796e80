"""The control protocol between the CLI and the engine, typed on both sides.

Wire format: the client connects to ``.cleave/engine.sock``, sends one JSON object on one line (at most
:data:`MAX_REQUEST` bytes, within :data:`READ_TIMEOUT` seconds), and reads one JSON object until the engine closes
the connection. Requests::

    {"op": "status"}
    {"op": "ps", "usage": true}                       usage: read cgroup counters (false: cheap polling)
    {"op": "scale", "services": {"orders": 3}}         whole numbers 0..replica_bound()
    {"op": "apply", "build": "/abs/path/to/build"}
    {"op": "down", "volumes": false}
    {"op": "restart", "services": ["orders"]}          replace each replica, one at a time
    {"op": "stop", "services": [...]} / {"op": "start", "services": [...]}   scale to 0 / back to the plan

Answers are objects; an error is ``{"error": "...", "hint": "..."}``. :func:`parse_request` turns bytes into one
of the request classes or raises :class:`ProtocolError` with one line saying what is wrong; the engine answers that
line and goes on. Nothing in this module touches a socket.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from runtime.errors import RuntimeEngineError

MAX_REQUEST: Final = 64 * 1024
READ_TIMEOUT: Final = 5.0
REPLICAS_PER_CPU: Final = 16
MEMORY_PER_REPLICA: Final = 32 * 2**20


class ProtocolError(RuntimeEngineError):
    """A control message that is not one of the requests below (the engine answers it; the CLI raises it)."""


def replica_bound() -> int:
    """The most replicas of one service this machine is allowed to run: 16 per CPU, and no more than its available
    memory holds at 32 MiB each (at least 1)."""
    cpus = os.cpu_count() or 1
    try:
        with open("/proc/meminfo") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        available = 2**40
    return max(1, min(cpus * REPLICAS_PER_CPU, available // MEMORY_PER_REPLICA))


@dataclass(frozen=True)
class Status:
    """The engine's phase, failure, gateway URL and services."""


@dataclass(frozen=True)
class Ps:
    """Status plus one row per replica; ``usage=False`` skips the cgroup reads."""

    usage: bool = True


@dataclass(frozen=True)
class ScaleRequest:
    """Set the replicas of running services."""

    services: tuple[tuple[str, int], ...]

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.services)


@dataclass(frozen=True)
class ApplyRequest:
    """Run ``build`` (an absolute path) in place of what runs, touching only what changed."""

    build: str


@dataclass(frozen=True)
class Down:
    """Stop everything (and remove the volumes with ``volumes``)."""

    volumes: bool = False


@dataclass(frozen=True)
class Restart:
    """Replace every replica of the services, one slot at a time."""

    services: tuple[str, ...]


@dataclass(frozen=True)
class StopServices:
    """Scale the services to zero (``start`` brings them back)."""

    services: tuple[str, ...]


@dataclass(frozen=True)
class StartServices:
    """Scale stopped services back to their planned replicas."""

    services: tuple[str, ...]


Request = Status | Ps | ScaleRequest | ApplyRequest | Down | Restart | StopServices | StartServices


def check_counts(counts: Mapping[str, object], bound: int) -> tuple[tuple[str, int], ...]:
    """``counts`` as (service, replicas) pairs; whole numbers from 0 to ``bound`` or a :class:`ProtocolError`."""
    pairs = []
    for name, count in counts.items():
        if not _service_name(name):
            raise ProtocolError(f"scale: {name!r} is not a service name")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ProtocolError(f"{name}={count}: replicas must be a whole number >= 0")
        if count > bound:
            raise ProtocolError(f"{name}={count}: more replicas than this machine can run (at most {bound})",
                                hint="16 per CPU, 32 MiB of available memory each")
        pairs.append((name, count))
    return tuple(pairs)


def _service_name(name: object) -> bool:
    """A name that can be one (messages quote it as it is: a line break or a control character would break them)."""
    return isinstance(name, str) and bool(name) and name.isprintable()


def _names(message: Mapping[str, Any], op: str) -> tuple[str, ...]:
    names = message.get("services")
    if not isinstance(names, list) or not names or not all(_service_name(n) for n in names):
        raise ProtocolError(f"{op}: 'services' must be a non-empty list of service names")
    return tuple(names)


def _flag(message: Mapping[str, Any], key: str, default: bool) -> bool:
    value = message.get(key, default)
    if not isinstance(value, bool):
        raise ProtocolError(f"{message.get('op')}: {key!r} must be true or false, not {value!r}")
    return value


def parse_request(data: bytes, *, bound: int | None = None) -> Request:
    """One request from the bytes a client sent (its newline included or not)."""
    if len(data) > MAX_REQUEST:
        raise ProtocolError(f"control request larger than {MAX_REQUEST} bytes")
    try:
        message = json.loads(data or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"control request is not JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"control request must be a JSON object, not {type(message).__name__}")
    op = message.get("op")
    parser = _PARSERS.get(op) if isinstance(op, str) else None
    if parser is None:
        raise ProtocolError(f"unknown control operation {op!r}",
                            hint="status, ps, scale, apply, down, restart, stop, start")
    return parser(message, replica_bound() if bound is None else bound)


def _scale(message: Mapping[str, Any], bound: int) -> Request:
    services = message.get("services")
    if not isinstance(services, dict) or not services:
        raise ProtocolError("scale: 'services' must be an object of service name to replicas")
    return ScaleRequest(check_counts(services, bound))


def _apply(message: Mapping[str, Any], bound: int) -> Request:
    build = message.get("build")
    if not isinstance(build, str) or not build.startswith("/") or "\0" in build:
        raise ProtocolError("apply: 'build' must be an absolute path")
    return ApplyRequest(build)


_PARSERS: dict[str, Callable[[Mapping[str, Any], int], Request]] = {
    "status": lambda message, bound: Status(),
    "ps": lambda message, bound: Ps(usage=_flag(message, "usage", True)),
    "scale": _scale,
    "apply": _apply,
    "down": lambda message, bound: Down(volumes=_flag(message, "volumes", False)),
    "restart": lambda message, bound: Restart(_names(message, "restart")),
    "stop": lambda message, bound: StopServices(_names(message, "stop")),
    "start": lambda message, bound: StartServices(_names(message, "start")),
}


def encode_request(request: Request) -> bytes:
    """The line a client sends for ``request``."""
    message: dict[str, Any]
    if isinstance(request, Status):
        message = {"op": "status"}
    elif isinstance(request, Ps):
        message = {"op": "ps", "usage": request.usage}
    elif isinstance(request, ScaleRequest):
        message = {"op": "scale", "services": request.counts}
    elif isinstance(request, ApplyRequest):
        message = {"op": "apply", "build": request.build}
    elif isinstance(request, Down):
        message = {"op": "down", "volumes": request.volumes}
    else:
        op = {Restart: "restart", StopServices: "stop", StartServices: "start"}[type(request)]
        message = {"op": op, "services": list(request.services)}
    return json.dumps(message).encode() + b"\n"


def parse_answer(data: bytes) -> dict[str, Any]:
    """The engine's answer as an object; an error answer or a malformed one raises :class:`RuntimeEngineError`."""
    try:
        answer = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise RuntimeEngineError("the engine closed the connection without an answer",
                                 hint="see .cleave/logs/engine.log") from None
    if not isinstance(answer, dict):
        raise RuntimeEngineError("the engine answered something that is not a JSON object",
                                 hint="see .cleave/logs/engine.log")
    if answer.get("error"):
        hint = answer.get("hint")
        raise RuntimeEngineError(str(answer["error"]), hint=hint if isinstance(hint, str) else None)
    return answer


def error_answer(error: RuntimeEngineError) -> dict[str, Any]:
    """What the engine sends back for an error."""
    return {"error": error.message, "hint": error.hint}
