"""The codec round-trips every supported value (Hypothesis), refuses what it cannot carry, and never rebuilds
arbitrary classes named on the wire."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import math
import socket
import uuid
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packager.kit import codec
from packager.kit.errors import CodecError, RemoteError, ServiceUnavailable


class Colour(enum.Enum):
    RED = 1
    GREEN = "green"
    BLUE = (1, 2)


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Perm(enum.Flag):
    R = 4
    W = 2
    X = 1


@dataclasses.dataclass
class Box:
    content: Any
    label: str = ""


@dataclasses.dataclass(frozen=True)
class Point:
    x: Any
    y: Any


@dataclasses.dataclass(frozen=True, slots=True)
class Slotted:
    a: Any
    b: int = 0


@dataclasses.dataclass
class WithPostInit:
    base: int
    derived: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.derived = self.base * 2


class Outer:
    @dataclasses.dataclass
    class Inner:
        value: Any


class Money(NamedTuple):
    amount: Any
    currency: str


Pair = collections.namedtuple("Pair", "left right")


class DomainError(Exception):
    def __init__(self, order_id: int, reason: str) -> None:
        super().__init__(f"order {order_id}: {reason}")
        self.order_id = order_id
        self.reason = reason


class PlainError(ValueError):
    pass


# --- strategies -----------------------------------------------------------------------------------------------------

floats = st.floats(allow_nan=True, allow_infinity=True)
hashable_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(), st.binary(),
    st.decimals(allow_nan=False), st.dates(), st.uuids(), st.timedeltas(), st.sampled_from(list(Colour)),
    st.sampled_from(list(Level)), st.sampled_from([Perm.R, Perm.R | Perm.W, Perm(0)]),
    st.datetimes(timezones=st.none() | st.timezones()), st.times(timezones=st.none() | st.timezones()),
)
leaves = st.one_of(hashable_leaves, floats, st.decimals(), st.complex_numbers(), st.binary().map(bytearray))
hashables = st.recursive(hashable_leaves, lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3)
                         | st.builds(Point, inner, inner), max_leaves=6)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(), inner, max_size=4), st.dictionaries(hashables, inner, max_size=3),
        st.sets(hashables, max_size=3), st.frozensets(hashables, max_size=3),
        st.builds(Box, inner, st.text()), st.builds(Point, inner, inner), st.builds(Slotted, inner, st.integers()),
        st.builds(Outer.Inner, inner), st.builds(WithPostInit, st.integers()),
        st.builds(Money, inner, st.text()), st.builds(Pair, inner, inner),
        st.builds(DomainError, st.integers(), st.text()), st.builds(PlainError, inner),
        st.builds(KeyError, st.text()), st.builds(ServiceUnavailable, st.text(), st.text()),
    )


values = st.recursive(leaves, _containers, max_leaves=20)


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, NaN equal to NaN, Decimal digits and exception state kept."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if isinstance(a, dt.datetime | dt.time):
        return (a.replace(tzinfo=None) == b.replace(tzinfo=None) and a.utcoffset() == b.utcoffset()
                and a.fold == b.fold and (a.tzinfo is None) == (b.tzinfo is None))
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    if isinstance(a, BaseException):
        plain = all(isinstance(arg, str | int) for arg in a.args)  # str() of a set depends on its iteration order
        return same(a.args, b.args) and same(vars(a), vars(b)) and (not plain or str(a) == str(b))
    if dataclasses.is_dataclass(a):
        names = [field.name for field in dataclasses.fields(a)]
        return all(same(getattr(a, name), getattr(b, name)) for name in names)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(values)
def test_every_supported_value_round_trips(value: Any) -> None:
    data = codec.dumps(value)
    assert same(codec.loads(data), value)
    assert same(codec.decode(json.loads(data)), value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), st.text()))
def test_dicts_with_dollar_keys_are_not_mistaken_for_tags(value: dict[str, str]) -> None:
    value = {"$" + key: item for key, item in value.items()}
    assert codec.loads(codec.dumps(value)) == value


def test_zoneinfo_key_and_fold_survive() -> None:
    import zoneinfo

    paris = zoneinfo.ZoneInfo("Europe/Paris")
    late = dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=paris)
    back = codec.loads(codec.dumps(late))
    assert back.tzinfo is paris and back.fold == 1 and back.utcoffset() == late.utcoffset()


def test_exception_state_and_notes_survive() -> None:
    error = DomainError(7, "late")
    error.add_note("a note")
    back = codec.loads(codec.dumps(error))
    assert type(back) is DomainError
    assert (back.args, back.order_id, back.reason, back.__notes__) == (error.args, 7, "late", ["a note"])


def test_oserror_keeps_its_filename() -> None:
    back = codec.loads(codec.dumps(FileNotFoundError(2, "No such file", "/x/y")))
    assert type(back) is FileNotFoundError and back.filename == "/x/y" and back.errno == 2


def test_kit_errors_travel_under_the_kit_alias() -> None:
    data = codec.dumps(RemoteError("a", "b.c", "X", "msg", "tb"))
    assert b'"@kit.errors:RemoteError"' in data
    back = codec.loads(data)
    assert type(back) is RemoteError and back.remote_traceback == "tb"


def _generator() -> Any:
    yield 1


@pytest.mark.parametrize(("value", "what"), [
    (lambda: 1, "a function"),
    (print, "a function"),
    (_generator(), "a generator"),
    (io.BytesIO(), "an open file"),
    (object(), "an object of class builtins.object"),
    (json, "a module"),
    (Box, "a class"),
    ({1, 2}.__iter__(), "an object of class builtins.set_iterator"),
])
def test_unsafe_values_are_refused_naming_function_and_argument(value: Any, what: str) -> None:
    with pytest.raises(CodecError) as caught:
        codec.encode({"cart": [1, Box(value)]}, "argument 'order' of shop.orders.place")
    message = str(caught.value)
    assert message.startswith("cannot send argument 'order' of shop.orders.place at ['cart'][1].content: ")
    assert what in message


def test_a_socket_is_refused() -> None:
    with socket.socket() as sock, pytest.raises(CodecError, match="a socket"):
        codec.encode((sock,), "argument 1 of f")


def test_a_local_class_is_refused() -> None:
    @dataclasses.dataclass
    class Local:
        x: int

    with pytest.raises(CodecError, match="defined inside a function"):
        codec.encode(Local(1))


def test_containers_subclasses_are_refused_rather_than_silently_changed() -> None:
    import collections

    with pytest.raises(CodecError, match=r"collections\.defaultdict"):
        codec.encode(collections.defaultdict(list))


@pytest.mark.parametrize(("wire", "complaint"), [
    ('{"$dc": "os:system", "f": {}}', "is not a dataclass"),
    ('{"$exc": "turtle:Turtle", "args": [["true"]], "msg": "", "d": {}}', "standard library module"),
    ('{"$enum": "builtins:eval", "v": "1"}', "is not an enum"),
    ('{"$nt": "builtins:tuple", "v": [1]}', "is not a NamedTuple"),
    ('{"$dc": "tests.kit.test_codec:DomainError", "f": {}}', "is not a dataclass"),
    ('{"$exc": "tests.kit.test_codec:Box", "args": [], "msg": "", "d": {}}', "is not an exception class"),
    ('{"$dc": "no.such.module:Thing", "f": {}}', "cannot be imported"),
    ('{"$dc": "nocolon", "f": {}}', "malformed class reference"),
    ('{"$pickle": "gASV"}', "unknown tag"),
    ('{"$t": 5}', "malformed $t"),
    ('{"$b": "***"}', "malformed $b"),
    ('{"$f": "1.5"}', "malformed $f"),
])
def test_decoding_refuses_what_the_encoder_never_writes(wire: str, complaint: str) -> None:
    with pytest.raises(CodecError, match=complaint.replace("$", r"\$")):
        codec.loads(wire)
    with pytest.raises(CodecError, match=complaint.replace("$", r"\$")):
        codec.decode(json.loads(wire))


def test_decode_refuses_non_json_objects() -> None:
    with pytest.raises(CodecError, match="not JSON data"):
        codec.decode(uuid.uuid4())


def test_post_init_is_not_rerun_and_state_is_copied() -> None:
    value = WithPostInit(3)
    value.derived = 100
    back = codec.loads(codec.dumps(value))
    assert (back.base, back.derived) == (3, 100)
