"""The engine's answers to control requests (``runtime/protocol.py``), computed on the engine's loop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime import views
from runtime.errors import RuntimeEngineError
from runtime.machine import Scale
from runtime.protocol import (
    ApplyRequest,
    Down,
    Ps,
    Request,
    Restart,
    ScaleRequest,
    StartServices,
    Status,
    StopServices,
)
from runtime.rollout import apply_build, restart

if TYPE_CHECKING:
    from runtime.engine import Engine


def _check_names(engine: Engine, names: list[str] | tuple[str, ...]) -> None:
    known = engine.services()
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise RuntimeEngineError(f"no such service: {', '.join(unknown)}", hint=f"services: {', '.join(known)}")


def _scale(engine: Engine, counts: dict[str, int]) -> dict[str, Any]:
    _check_names(engine, list(counts))
    engine.scale(Scale(counts))
    return {"ok": True, "desired": {name: g.desired for name in engine.services()
                                    if (g := engine.world.current(name)) is not None}}


def _start(engine: Engine, request: StartServices) -> dict[str, Any]:
    _check_names(engine, request.services)
    services = engine.services()
    return _scale(engine, {name: services[name].spec.replicas for name in request.services})


def _stop(engine: Engine, request: StopServices) -> dict[str, Any]:
    _check_names(engine, request.services)
    return _scale(engine, dict.fromkeys(request.services, 0))


def answer(engine: Engine, request: Request) -> dict[str, Any]:
    """The answer to ``request`` (``down`` is answered by the engine once everything stopped)."""
    result: dict[str, Any]
    match request:
        case Status():
            result = views.status(engine)
        case Ps():
            result = {**views.status(engine), "replicas": views.rows(engine, usage=request.usage)}
        case ScaleRequest():
            result = _scale(engine, request.counts)
        case ApplyRequest():
            result = apply_build(engine, Path(request.build)).as_json()
        case Restart():
            result = {"ok": True, "restarted": restart(engine, request.services)}
        case StopServices():
            result = _stop(engine, request)
        case StartServices():
            result = _start(engine, request)
        case Down():
            raise RuntimeEngineError("down is answered by the engine once everything stopped")
    return result
