"""One service as the kit serves it: ``service.json``, its interface functions, and the RPC call itself.

``service.json`` (in the working directory, the service tree's root)::

    {"name": "orders", "interface": ["shop.orders.service.place_order"], "entry": "shop.web:application" | null,
     "health_path": "/healthz"}

Only the functions listed in ``interface`` can be called (``POST /rpc/<name>``): the service exposes exactly what
other services call, nothing else. Other keys (``dependencies``, ...) belong to other stages and are ignored.
"""

from __future__ import annotations

import importlib
import inspect
import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import codec
from .errors import CodecError, ServiceConfigError, ServiceUnavailable

WSGIApp = Callable[..., Any]


@dataclass(frozen=True)
class Service:
    """A loaded service: its name, callable interface, WSGI entry app (the gateway only) and health path."""

    name: str
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    app: WSGIApp | None = None
    health_path: str = "/healthz"
    spec: dict[str, Any] = field(default_factory=dict)
    """The whole ``service.json`` (an edge service's routes and database: cleave_kit.edge)."""

    def call(self, qualname: str, body: bytes) -> tuple[int, bytes]:
        """Run one RPC: (HTTP status, JSON body). Exceptions of the function are answers (200), not failures."""
        function = self.functions.get(qualname)
        if function is None:
            return 404, f"{qualname} is not in the interface of service {self.name!r}\n".encode()
        try:
            args, kwargs = _arguments(qualname, body)
        except _Answer as answer:
            return answer.status, answer.body
        try:
            result = function(*args, **kwargs)
            if inspect.iscoroutine(result):  # an async def in the interface: run it to completion here
                import asyncio

                result = asyncio.run(result)
        except (Exception, ServiceUnavailable) as error:  # ServiceUnavailable is a BaseException: pass it on too
            return 200, _error_body(error, qualname)
        try:
            encoded = codec.JSON_ENCODER.encode(codec.encode(result, f"the return value of {qualname}"))
        except CodecError as error:
            return 200, _error_body(error, qualname)
        return 200, b'{"result":' + encoded.encode() + b"}"


class _Answer(Exception):
    """A request answered before the function runs: the HTTP status and body."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _arguments(qualname: str, body: bytes) -> tuple[list[Any], dict[str, Any]]:
    """``args`` and ``kwargs`` of an RPC body, or an :class:`_Answer` saying why there are none."""
    try:
        request = codec.loads(body)
    except CodecError as error:
        raise _Answer(200, _error_body(error, f"decoding the arguments of {qualname}")) from None
    except ValueError as error:
        raise _Answer(400, f"the body is not JSON: {error}\n".encode()) from None
    args, kwargs = (request.get("args", []), request.get("kwargs", {})) if type(request) is dict else (None, None)
    if type(args) is not list or type(kwargs) is not dict:
        raise _Answer(400, b'the body must be {"args": [...], "kwargs": {...}}\n')
    return args, kwargs


def _error_body(error: BaseException, where: str) -> bytes:
    kind = type(error)
    try:
        message = str(error)
    except Exception:
        message = repr(error.args)
    try:
        value = codec.encode(error, f"the exception raised by {where}")
    except CodecError:
        value = None  # the caller gets a RemoteError with the class name, message and traceback instead
    envelope = {"class": f"{kind.__module__}.{kind.__qualname__}", "message": message,
                "traceback": "".join(traceback.format_exception(error)), "value": value}
    return json.dumps({"error": envelope}, separators=(",", ":"), allow_nan=False).encode()


def load_service(root: Path) -> Service:
    """Read ``root/service.json`` and import what it names; ServiceConfigError says what is wrong and where."""
    path = root / "service.json"
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServiceConfigError(f"{path}: not found (run `python -m cleave_kit` in a service tree built by "
                                 "`cleave build`)") from None
    except (OSError, ValueError) as error:
        raise ServiceConfigError(f"{path}: cannot read it: {error}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
        raise ServiceConfigError(f"{path}: must be a JSON object with a non-empty string 'name'")
    interface = spec.get("interface", [])
    if not isinstance(interface, list) or not all(isinstance(name, str) for name in interface):
        raise ServiceConfigError(f"{path}: 'interface' must be a list of dotted function names")
    health = spec.get("health_path") or "/healthz"
    if not isinstance(health, str) or not health.startswith("/"):
        raise ServiceConfigError(f"{path}: 'health_path' must be a path starting with '/', not {health!r}")
    if spec.get("seam") == "edge":
        import os

        from .edge import prepare_environment

        prepare_environment(spec, os.environ)  # before the app is imported: it reads its database URL then
    functions = {name: _import_function(name, path) for name in interface}
    entry = spec.get("entry")
    app = _import_entry(entry, path) if entry else None
    return Service(name=spec["name"], functions=functions, app=app, health_path=health, spec=spec)


def _import_function(dotted: str, path: Path) -> Callable[..., Any]:
    """The callable named ``a.b.c.func`` (or ``a.b.Class.method``): the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and (module_name == error.name or module_name.startswith(error.name + ".")):
                continue
            raise ServiceConfigError(f"{path}: importing {module_name} for {dotted} failed: {error}") from None
        except (Exception, ServiceUnavailable) as error:
            raise ServiceConfigError(f"{path}: importing {module_name} for {dotted} failed: "
                                     f"{type(error).__name__}: {error}") from None
        for attribute in parts[cut:]:
            found = getattr(found, attribute, None)
        if not callable(found):
            raise ServiceConfigError(f"{path}: interface entry {dotted!r}: {'.'.join(parts[cut:])} is not a "
                                     f"callable in module {module_name}")
        return found  # type: ignore[no-any-return]
    raise ServiceConfigError(f"{path}: interface entry {dotted!r}: no module of it can be imported "
                             "(is the service tree complete?)")


def _import_entry(entry: object, path: Path) -> WSGIApp:
    if not isinstance(entry, str) or entry.count(":") != 1:
        raise ServiceConfigError(f"{path}: 'entry' must be 'module:attribute', not {entry!r}")
    module_name, attribute = entry.split(":")
    factory = attribute.endswith("()")  # ``app:create_app()``: an app factory, called without arguments
    attribute = attribute.removesuffix("()")
    try:
        module = importlib.import_module(module_name)
    except (Exception, ServiceUnavailable) as error:
        raise ServiceConfigError(f"{path}: importing the entry module {module_name} failed: "
                                 f"{type(error).__name__}: {error}") from None
    app: Any = module
    for part in attribute.split("."):
        app = getattr(app, part, None)
    if factory and callable(app):
        try:
            app = app()
        except (Exception, ServiceUnavailable) as error:
            raise ServiceConfigError(f"{path}: the app factory {entry} failed: {type(error).__name__}: "
                                     f"{error}") from None
    if not callable(app):
        raise ServiceConfigError(f"{path}: entry {entry!r} is not a callable WSGI application")
    return app  # type: ignore[no-any-return]
