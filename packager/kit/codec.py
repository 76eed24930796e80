"""The codec: Python values <-> JSON-able data, for what crosses a service boundary. Never pickle.

``None``, ``bool``, ``int``, finite ``float``, ``str`` and ``list`` are themselves; a ``dict`` whose keys are all
strings not starting with ``$`` is a JSON object. Everything else is a JSON object whose first key is a ``$`` tag::

    {"$t": [...]} tuple    {"$set": [...]} set    {"$fs": [...]} frozenset    {"$map": [[k, v], ...]} other dicts
    {"$f": "nan"} non-finite float    {"$c": [re, im]} complex    {"$b": "base64"} bytes    {"$ba": "base64"} bytearray
    {"$dec": "1.10"} Decimal    {"$uuid": "..."} UUID    {"$date": "2024-01-31"}    {"$td": [days, s, us]} timedelta
    {"$dt": "iso", "zone": "Europe/Paris"?, "fold": 1?} datetime (aware keeps its offset, a ZoneInfo its key)
    {"$time": "iso", "zone": ..?, "fold": 1?} time
    {"$enum": "mod:Qual", "v": value}    {"$dc": "mod:Qual", "f": {attribute: value}} (fields and other state)
    {"$nt": "mod:Qual", "v": [field values]} a NamedTuple (``typing.NamedTuple`` or ``collections.namedtuple``)
    {"$exc": "mod:Qual", "args": [...], "msg": "str(exc)", "d": {attr: value}, "os": [filename, filename2]?}

Classes travel as ``module:QualName`` (see :mod:`.classref`). A NamedTuple is rebuilt as ``cls(*values)``. Dataclasses
and exceptions are rebuilt like ``copy``
and ``pickle`` rebuild them (``cls.__new__`` and the instance state, so ``__post_init__`` and custom ``__init__``
signatures are no obstacle); an exception is first tried as ``cls(*args)``. Anything else (a function, a generator,
a file, a socket, an arbitrary object) is a :class:`CodecError` naming where it was.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import math
import socket
import types
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

from .classref import ref_of, resolve
from .errors import CodecError


class _Fail(Exception):
    """An unencodable value somewhere inside the value being encoded (:func:`_locate` finds where)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def encode(value: Any, context: str = "value") -> Any:
    """``value`` as JSON-able data; ``context`` names it in errors (``"argument 'cart' of shop.orders.place"``)."""
    try:
        return _enc(value)
    except _Fail:
        where, message = _locate(value)
        raise CodecError(f"cannot send {context}{' at ' + where if where else ''}: {message}") from None


def decode(obj: Any) -> Any:
    """The value that :func:`encode` turned into ``obj``; raises CodecError for anything it did not produce."""
    kind = type(obj)
    if kind is list:
        return [decode(item) for item in obj]
    if kind is dict:
        return _hook({key: decode(item) for key, item in obj.items()})
    if obj is None or kind in (str, int, float, bool):
        return obj
    raise CodecError(f"cannot decode {kind.__name__} {obj!r}: not JSON data")


def dumps(value: Any, context: str = "value") -> bytes:
    """``value`` encoded as compact JSON bytes."""
    return JSON_ENCODER.encode(encode(value, context)).encode()


def loads(data: bytes | str) -> Any:
    """The value that :func:`dumps` wrote (decoding while parsing, which is faster than :func:`decode`)."""
    return _DECODER.decode(data.decode() if isinstance(data, bytes) else data)


# --- encoding: a fast path without bookkeeping; _locate walks again only when something fails -----------------------

_PLAIN = frozenset({str, int, bool, type(None)})


def _enc(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    encoder = _BY_TYPE.get(kind) or _learn(kind, value)
    return encoder(value)


def _learn(kind: type, value: Any) -> Callable[[Any], Any]:
    """The encoder of a class seen for the first time (dataclass, enum or exception), cached; else _Fail."""
    encoder: Callable[[Any], Any]
    if issubclass(kind, BaseException):
        encoder = _enc_exception
    elif issubclass(kind, enum.Enum) or dataclasses.is_dataclass(kind) or _is_namedtuple(kind):
        try:
            ref = ref_of(kind)
        except CodecError as error:
            raise _Fail(str(error)) from None
        encoder = _enum_encoder(ref) if issubclass(kind, enum.Enum) else \
            (lambda value: {"$nt": ref, "v": _enc_list(value)}) if _is_namedtuple(kind) else \
            _dataclass_encoder(kind, ref)
    else:
        raise _Fail(_describe(value))
    _BY_TYPE[kind] = encoder
    return encoder


def _enc_list(value: Any) -> list[Any]:
    return [item if type(item) in _PLAIN else _enc(item) for item in value]


def _enc_dict(value: dict[Any, Any]) -> Any:
    out = {}
    for key, item in value.items():
        if type(key) is not str or key[:1] == "$":
            return {"$map": [[_enc(key), _enc(item)] for key, item in value.items()]}
        out[key] = item if type(item) in _PLAIN else _enc(item)
    return out


def _is_namedtuple(kind: type) -> bool:
    return issubclass(kind, tuple) and isinstance(getattr(kind, "_fields", None), tuple)


def _enum_encoder(ref: str) -> Callable[[Any], Any]:
    return lambda value: {"$enum": ref, "v": _enc(value.value)}


def _slotted(kind: type) -> bool:
    return any(getattr(base, "__slots__", ()) for base in kind.__mro__)


def _dataclass_encoder(kind: type, ref: str) -> Callable[[Any], Any]:
    if not _slotted(kind):  # every field lives in __dict__, with whatever __post_init__ added
        return lambda value: {"$dc": ref, "f": _enc_dict(value.__dict__)}
    names = tuple(field.name for field in dataclasses.fields(kind))

    def encode_slots(value: Any) -> Any:
        state = {name: getattr(value, name) for name in names if hasattr(value, name)}
        state.update(getattr(value, "__dict__", {}))
        return {"$dc": ref, "f": _enc_dict(state)}

    return encode_slots


def _locate(value: Any) -> tuple[str, str]:
    """(where, why) for the first part of ``value`` that cannot be encoded: ``['cart'].lines[2]``."""
    for label, child in _children(value):
        try:
            _enc(child)
        except _Fail:
            where, message = _locate(child)
            return label + where, message
    try:
        _enc(value)
    except _Fail as fail:
        return "", fail.message
    return "", "it changed while being encoded"


def _children(value: Any) -> list[tuple[str, Any]]:
    kind = type(value)
    if kind is list or kind is tuple or _is_namedtuple(kind):
        return [(f"[{index}]", item) for index, item in enumerate(value)]
    if kind is set or kind is frozenset:
        return [(f"{{item {index}}}", item) for index, item in enumerate(value)]
    if kind is dict:
        return [pair for key, item in value.items() for pair in ((f"[key {key!r}]", key), (f"[{key!r}]", item))]
    return _object_children(value, kind)


def _object_children(value: Any, kind: type) -> list[tuple[str, Any]]:
    """The parts of an exception, an enum member or a dataclass instance, labelled as attribute accesses."""
    if isinstance(value, BaseException):
        return [*((f".args[{index}]", item) for index, item in enumerate(value.args)),
                *((f".{key}", item) for key, item in vars(value).items())]
    if isinstance(value, enum.Enum):
        return [(".value", value.value)]
    if dataclasses.is_dataclass(kind):
        names = [field.name for field in dataclasses.fields(kind)]
        return [*((f".{name}", getattr(value, name)) for name in names if hasattr(value, name)),
                *((f".{key}", item) for key, item in getattr(value, "__dict__", {}).items() if key not in names)]
    return []


def _enc_float(value: float) -> Any:
    return value if math.isfinite(value) else {"$f": repr(value)}


def _enc_datetime(value: dt.datetime) -> Any:
    tz = value.tzinfo
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key:
        out: dict[str, Any] = {"$dt": value.replace(tzinfo=None).isoformat(), "zone": tz.key}
    elif tz is not None and not isinstance(tz, dt.timezone):
        offset = value.utcoffset()
        fixed = value.replace(tzinfo=None if offset is None else dt.timezone(offset))
        out = {"$dt": fixed.isoformat()}
    else:
        out = {"$dt": value.isoformat()}
    if value.fold:
        out["fold"] = 1
    return out


def _enc_time(value: dt.time) -> Any:
    tz = value.tzinfo
    if isinstance(tz, zoneinfo.ZoneInfo) and tz.key:
        out: dict[str, Any] = {"$time": value.replace(tzinfo=None).isoformat(), "zone": tz.key}
    elif tz is not None and not isinstance(tz, dt.timezone):
        offset = value.utcoffset()
        out = {"$time": value.replace(tzinfo=None if offset is None else dt.timezone(offset)).isoformat()}
    else:
        out = {"$time": value.isoformat()}
    if value.fold:
        out["fold"] = 1
    return out


def _enc_exception(value: BaseException) -> Any:
    try:
        message = str(value)
    except Exception:
        message = repr(value.args)
    try:
        ref = ref_of(type(value))
    except CodecError as error:
        raise _Fail(str(error)) from None
    out = {"$exc": ref, "args": _enc_list(value.args), "msg": message, "d": _enc_dict(vars(value))}
    if isinstance(value, OSError) and (value.filename is not None or value.filename2 is not None):
        out["os"] = [_enc(value.filename), _enc(value.filename2)]
    return out


def _describe(value: Any) -> str:
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType | types.LambdaType):
        what = f"a function ({getattr(value, '__qualname__', value)!r})"
    elif isinstance(value, types.GeneratorType | types.CoroutineType | types.AsyncGeneratorType):
        what = "a generator or coroutine (send a list instead)"
    elif isinstance(value, io.IOBase):
        what = "an open file (send its path or its bytes instead)"
    elif isinstance(value, socket.socket):
        what = "a socket"
    elif isinstance(value, types.ModuleType):
        what = f"a module ({value.__name__})"
    elif isinstance(value, type):
        what = f"a class ({value.__module__}.{value.__qualname__})"
    else:
        what = f"an object of class {name}"
    return (f"{what} cannot cross a service boundary; only plain data, dataclasses, enums, exceptions, dates, "
            "Decimal, UUID, bytes and containers of them can (make it a dataclass, or keep caller and callee "
            "in one service)")


_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    float: _enc_float,
    list: _enc_list,
    tuple: lambda value: {"$t": _enc_list(value)},
    dict: _enc_dict,
    set: lambda value: {"$set": _enc_list(value)},
    frozenset: lambda value: {"$fs": _enc_list(value)},
    bytes: lambda value: {"$b": base64.b64encode(value).decode("ascii")},
    bytearray: lambda value: {"$ba": base64.b64encode(value).decode("ascii")},
    complex: lambda value: {"$c": [_enc_float(value.real), _enc_float(value.imag)]},
    decimal.Decimal: lambda value: {"$dec": str(value)},
    uuid.UUID: lambda value: {"$uuid": str(value)},
    dt.date: lambda value: {"$date": value.isoformat()},
    dt.datetime: _enc_datetime,
    dt.time: _enc_time,
    dt.timedelta: lambda value: {"$td": [value.days, value.seconds, value.microseconds]},
}


# --- decoding -------------------------------------------------------------------------------------------------------

def _hook(obj: dict[str, Any]) -> Any:
    for key in obj:
        if key[:1] != "$":
            return obj
        decoder = _TAGS.get(key)
        if decoder is None:
            raise CodecError(f"unknown tag {key!r} on the wire (a newer cleave_kit on the other side?)")
        try:
            return decoder(obj)
        except CodecError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise CodecError(f"malformed {key} value on the wire: {error}") from None
    return obj


def _dec_float(text: str) -> float:
    if text not in ("nan", "inf", "-inf"):
        raise ValueError(f"not a non-finite float: {text!r}")
    return float(text)


def _dec_datetime(obj: dict[str, Any]) -> dt.datetime:
    value = dt.datetime.fromisoformat(obj["$dt"])
    if "zone" in obj:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(obj["zone"]))
    return value.replace(fold=1) if obj.get("fold") else value


def _dec_time(obj: dict[str, Any]) -> dt.time:
    value = dt.time.fromisoformat(obj["$time"])
    if "zone" in obj:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(obj["zone"]))
    return value.replace(fold=1) if obj.get("fold") else value


def _is_enum(cls: type) -> bool:
    return issubclass(cls, enum.Enum)


def _is_exception(cls: type) -> bool:
    return issubclass(cls, BaseException)


def _dec_dataclass(obj: dict[str, Any]) -> Any:
    ref = obj["$dc"]
    build = _DC_BUILDERS.get(ref)
    if build is None:
        cls: Any = resolve(ref, "a dataclass", dataclasses.is_dataclass)
        build = _DC_BUILDERS[ref] = _slots_builder(cls) if _slotted(cls) else _dict_builder(cls)
    return build(obj["f"])


def _dict_builder(cls: Any) -> Callable[[dict[str, Any]], Any]:
    def build(state: dict[str, Any]) -> Any:
        value = cls.__new__(cls)
        value.__dict__.update(state)
        return value

    return build


def _slots_builder(cls: Any) -> Callable[[dict[str, Any]], Any]:
    def build(state: dict[str, Any]) -> Any:
        value = cls.__new__(cls)
        for name, item in state.items():
            object.__setattr__(value, name, item)
        return value

    return build


_DC_BUILDERS: dict[str, Callable[[dict[str, Any]], Any]] = {}


def _dec_exception(obj: dict[str, Any]) -> BaseException:
    cls: Any = resolve(obj["$exc"], "an exception class", _is_exception)
    args = tuple(obj["args"])
    extra = obj.get("os")
    value: BaseException | None = None
    try:
        value = cls(*args) if extra is None else cls(*args[:2], extra[0], None, extra[1])
        if type(value) is not cls or value.args != args:
            value = None
    except Exception:
        value = None
    if value is None:
        value = cls.__new__(cls, *args)
        value.args = args
    value.__dict__.update(obj["d"])
    return value


JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)  # one instance: json.dumps builds one per call
_DECODER = json.JSONDecoder(object_hook=_hook)

_TAGS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "$t": lambda obj: tuple(obj["$t"]),
    "$set": lambda obj: set(obj["$set"]),
    "$fs": lambda obj: frozenset(obj["$fs"]),
    "$map": lambda obj: dict(obj["$map"]),
    "$f": lambda obj: _dec_float(obj["$f"]),
    "$c": lambda obj: complex(*obj["$c"]),
    "$b": lambda obj: base64.b64decode(obj["$b"], validate=True),
    "$ba": lambda obj: bytearray(base64.b64decode(obj["$ba"], validate=True)),
    "$dec": lambda obj: decimal.Decimal(obj["$dec"]),
    "$uuid": lambda obj: uuid.UUID(obj["$uuid"]),
    "$date": lambda obj: dt.date.fromisoformat(obj["$date"]),
    "$dt": _dec_datetime,
    "$time": _dec_time,
    "$td": lambda obj: dt.timedelta(*obj["$td"]),
    "$enum": lambda obj: resolve(obj["$enum"], "an enum", _is_enum)(obj["v"]),
    "$dc": _dec_dataclass,
    "$nt": lambda obj: resolve(obj["$nt"], "a NamedTuple", _is_namedtuple)(*obj["v"]),
    "$exc": _dec_exception,
}
