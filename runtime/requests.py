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


def answer(engine: Engine, request: Request) -> dict[str, Any]:
    """The answer to ``request`` (``down`` is answered by the engine once everything stopped)."""
    if isinstance(request, Status):
        return views.status(engine)
    if isinstance(request, Ps):
        return {**views.status(engine), "replicas": views.rows(engine, usage=request.usage)}
    if isinstance(request, ScaleRequest):
        return _scale(engine, request.counts)
    if isinstance(request, ApplyRequest):
        return apply_build(engine, Path(request.build)).as_json()
    if isinstance(request, Restart):
        return {"ok": True, "restarted": restart(engine, request.services)}
    if isinstance(request, StopServices):
        _check_names(engine, request.services)
        return _scale(engine, dict.fromkeys(request.services, 0))
    if isinstance(request, StartServices):
        _check_names(engine, request.services)
        services = engine.services()
        return _scale(engine, {name: services[name].spec.replicas for name in request.services})
    assert not isinstance(request, Down)  # the engine queues it: answered when everything stopped
    raise RuntimeEngineError(f"unknown request {request!r}")
