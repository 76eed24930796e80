"""What a type or a value is, for crossing a service boundary: the tables the analyzer and the rule share.

A *value kind* says what an instance of a class is on the wire: ``dataclass``, ``namedtuple``, ``enum``,
``exception`` and ``typeddict`` instances travel (the kit's codec carries them; the class is copied into the
caller's service), ``plain``, ``orm`` and ``resource`` instances do not (methods and state, a row bound to a
session, an open handle). A *resource kind* says what a function returns or takes that cannot cross:
``connection``, ``cursor``, ``session``, ``file``, ``socket``, ``lock``, ``thread``, ``generator``, ``iterator``,
``callable``, ``context`` (state kept per thread or per context: ``return _local.conn``), ``orm`` or ``instance``
(an object of a class that is not a value class, or of an unknown type).
"""

from __future__ import annotations

import builtins
from typing import Final, Literal

ValueKind = Literal["dataclass", "namedtuple", "enum", "exception", "typeddict", "plain", "orm", "resource"]
VALUE_KINDS: Final = frozenset({"dataclass", "namedtuple", "enum", "exception", "typeddict"})
"""Value kinds whose instances cross services (copied class, carried by the codec)."""

ENUM_BASES: Final = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
EXCEPTION_BASES: Final = frozenset(
    name for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException))
DATACLASS_DECORATORS: Final = frozenset({"dataclass", "dataclasses.dataclass"})
RESOURCE_MODULES: Final = frozenset({"threading", "socket", "socketserver", "io", "sqlite3", "multiprocessing",
                                     "asyncio", "subprocess", "selectors", "ssl", "tempfile", "queue"})

# A type (last segment of its qualified name) -> the resource kind an object of it is.
RESOURCE_TYPES: Final = {
    "Connection": "connection", "connection": "connection", "Engine": "connection", "AsyncEngine": "connection",
    "Redis": "connection", "StrictRedis": "connection", "Pool": "connection", "ConnectionPool": "connection",
    "Cursor": "cursor", "cursor": "cursor", "CursorResult": "cursor", "Result": "cursor", "ResultProxy": "cursor",
    "Session": "session", "AsyncSession": "session", "scoped_session": "session", "sessionmaker": "session",
    "Client": "session", "AsyncClient": "session",
    "IO": "file", "TextIO": "file", "BinaryIO": "file", "TextIOWrapper": "file", "BufferedReader": "file",
    "BufferedWriter": "file", "FileIO": "file", "StringIO": "file", "BytesIO": "file", "TemporaryFile": "file",
    "NamedTemporaryFile": "file", "SpooledTemporaryFile": "file",
    "socket": "socket", "SSLSocket": "socket",
    "Lock": "lock", "RLock": "lock", "Semaphore": "lock", "BoundedSemaphore": "lock", "Condition": "lock",
    "Event": "lock", "Barrier": "lock", "Thread": "thread", "Timer": "thread", "Process": "thread",
    "ThreadPoolExecutor": "thread", "ProcessPoolExecutor": "thread", "Future": "thread", "Task": "thread",
    "Generator": "generator", "AsyncGenerator": "generator", "Iterator": "iterator", "AsyncIterator": "iterator",
    "Callable": "callable", "Awaitable": "callable", "Coroutine": "callable", "partial": "callable",
    "local": "lock", "ContextVar": "lock", "Queue": "lock", "SimpleQueue": "lock",
}
CONTEXT_TYPES: Final = frozenset({"local", "ContextVar"})
"""Holders of per-thread or per-context state: what a function returns out of one is that state (``context``)."""
# Calls (qualified, as the analyzer resolves them, without ``()``) whose result is a resource.
RESOURCE_CALLS: Final = {
    "open": "file", "io.open": "file", "iter": "iterator", "socket.create_connection": "socket",
    "sqlalchemy.create_engine": "connection", "sqlalchemy.ext.asyncio.create_async_engine": "connection",
    "functools.partial": "callable", "operator.attrgetter": "callable", "operator.itemgetter": "callable",
}
LAST_SEGMENT_CALLS: Final = {"connect": "connection", "cursor": "cursor", "getconn": "connection",
                             "from_url": "connection"}
"""A call whose last segment is one of these returns a resource whatever its module (``psycopg2.connect``,
``engine.connect()``, ``conn.cursor()``, ``redis.Redis.from_url``)."""

PLAIN_TYPES: Final = frozenset({
    "int", "float", "complex", "bool", "str", "bytes", "bytearray", "list", "dict", "set", "frozenset", "tuple",
    "None", "NoneType", "object", "type",
    "typing.Any", "typing.Optional", "typing.Union", "typing.List", "typing.Dict", "typing.Set", "typing.FrozenSet",
    "typing.Tuple", "typing.Sequence", "typing.Mapping", "typing.MutableMapping", "typing.MutableSequence",
    "typing.Iterable", "typing.Collection", "typing.Literal", "typing.Final", "typing.ClassVar", "typing.Annotated",
    "typing.Type", "typing.TypeVar", "typing.AnyStr", "typing.Text", "typing.NoReturn", "typing.Never",
    "typing.Self", "typing.DefaultDict", "typing.OrderedDict", "typing.Counter",
    "collections.abc.Sequence", "collections.abc.Mapping", "collections.abc.Iterable", "collections.abc.Collection",
    "collections.abc.MutableMapping", "collections.abc.MutableSequence", "collections.abc.Set",
    "collections.OrderedDict", "collections.defaultdict", "collections.Counter", "collections.deque",
    "decimal.Decimal", "uuid.UUID", "datetime.date", "datetime.datetime", "datetime.time", "datetime.timedelta",
    "datetime.timezone", "fractions.Fraction", "zoneinfo.ZoneInfo",
})
"""Types whose instances the codec carries (or that say nothing: ``Any``, ``object``, type parameters)."""

IMMUTABLE_CALLS: Final = frozenset({
    "frozenset", "tuple", "decimal.Decimal", "fractions.Fraction", "datetime.timedelta", "datetime.date",
    "datetime.time", "datetime.datetime", "uuid.UUID", "typing.NewType", "typing.TypeVar", "re.compile", "int",
    "float", "str", "bytes", "complex", "bool", "types.MappingProxyType", "logging.getLogger", "os.environ.get",
    "os.getenv", "pathlib.Path", "object",
})
"""Calls whose result is a constant (or, for a logger, a per-process handle every service may make its own)."""
CONTAINER_CALLS: Final = frozenset({"dict", "list", "set", "bytearray", "collections.defaultdict",
                                    "collections.OrderedDict", "collections.deque", "collections.Counter"})
"""Calls that make a mutable container (a module global holding one is state when written)."""
CLASS_FACTORIES: Final = {"collections.namedtuple": "namedtuple", "typing.NamedTuple": "namedtuple",
                          "enum.Enum": "enum", "typing.TypedDict": "typeddict", "dataclasses.make_dataclass":
                          "dataclass"}
"""Calls that make a value class (``Point = namedtuple("Point", "x y")``)."""


def base_kind(name: str) -> ValueKind | None:
    """The value kind an external or builtin base class gives (``enum.Enum``, ``ValueError``, ``typing.NamedTuple``,
    ``threading.Thread``...), ``None`` when it says nothing."""
    last = name.rsplit(".", 1)[-1]
    module = name.rsplit(".", 1)[0] if "." in name else ""
    if last in ENUM_BASES:
        return "enum"
    if last == "NamedTuple":
        return "namedtuple"
    if last == "TypedDict":
        return "typeddict"
    if last in EXCEPTION_BASES or ("." in name and last.endswith(("Error", "Exception", "Warning"))):
        return "exception"
    if module.split(".", 1)[0] in RESOURCE_MODULES or last in RESOURCE_TYPES:
        return "resource"
    return None


def type_kind(name: str) -> str | None:
    """The resource kind of an annotation's qualified type name; ``None`` for a plain type, ``instance`` for an
    unknown external class (``flask.Response``: not plain data)."""
    if name in PLAIN_TYPES or name.rsplit(".", 1)[-1] in PLAIN_TYPES:
        return None
    last = name.rsplit(".", 1)[-1]
    if last in RESOURCE_TYPES:
        return RESOURCE_TYPES[last]
    if "." not in name:  # a builtin name that is not plain (``Exception`` is a value; ``open``...)
        return None if last in EXCEPTION_BASES else "instance"
    kind = base_kind(name)
    return None if kind in VALUE_KINDS else "instance"


def call_kind(name: str) -> str | None:
    """The resource kind of what a call to the qualified ``name`` (without ``()``) returns, if it is one."""
    if name in RESOURCE_CALLS:
        return RESOURCE_CALLS[name]
    last = name.rsplit(".", 1)[-1]
    if last in LAST_SEGMENT_CALLS:
        return LAST_SEGMENT_CALLS[last]
    if last in RESOURCE_TYPES:
        return RESOURCE_TYPES[last]
    return None
