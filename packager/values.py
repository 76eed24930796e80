"""Rules for what may be copied across a service boundary, read from the source: value classes and immutable
constants. With a graph, the build follows the crossing rule instead (packager/crossings.py ``GraphRule``); these
are the fallback for a build without one, over the same base-class tables (cleave/crossing/kinds.py)."""

from __future__ import annotations

from typing import Final, Literal

import libcst as cst

from cleave.crossing.kinds import ENUM_BASES, EXCEPTION_BASES
from packager.symbols import dotted

ValueKind = Literal["dataclass", "namedtuple", "enum", "exception", "typeddict"]

DATACLASS_DECORATORS: Final = frozenset({"dataclass", "dataclasses.dataclass"})
# Calls whose result is an immutable value, allowed in a copied constant (``Decimal("0.2")``, ``frozenset(...)``).
IMMUTABLE_CALLS: Final = frozenset({
    "frozenset", "tuple", "Decimal", "decimal.Decimal", "Fraction", "fractions.Fraction", "timedelta",
    "datetime.timedelta", "date", "datetime.date", "time", "datetime.time", "datetime", "datetime.datetime",
    "UUID", "uuid.UUID", "NewType", "typing.NewType", "TypeVar", "typing.TypeVar", "re.compile", "int", "float",
    "str", "bytes", "complex", "bool", "MappingProxyType", "types.MappingProxyType",
})
# Calls that freeze the container literal they are given (``MappingProxyType({...})``, ``frozenset([...])``).
FREEZING_CALLS: Final = frozenset({"frozenset", "tuple", "MappingProxyType", "types.MappingProxyType"})


def decorator_kind(cls: cst.ClassDef) -> ValueKind | None:
    """``dataclass`` when the class is decorated with ``@dataclass`` or ``@dataclass(...)``."""
    for decorator in cls.decorators:
        expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        if dotted(expr) in DATACLASS_DECORATORS:
            return "dataclass"
    return None


def base_names(cls: cst.ClassDef) -> list[str]:
    """The dotted names of the class's positional bases (``Generic[T]`` and other expressions left out)."""
    return [name for arg in cls.bases if arg.keyword is None and (name := dotted(arg.value)) is not None]


def builtin_base_kind(name: str) -> ValueKind | None:
    """The value kind a base class name gives by itself (``Enum``, ``ValueError``, ``typing.TypedDict``...)."""
    last = name.rsplit(".", 1)[-1]
    if last in ENUM_BASES:
        return "enum"
    if last in ("TypedDict", "NamedTuple"):
        return "typeddict" if last == "TypedDict" else "namedtuple"
    if last in EXCEPTION_BASES or (name not in {"object"} and "." in name and last.endswith(("Error", "Exception"))):
        return "exception"
    return None


_LITERALS: Final = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
                    cst.FormattedString, cst.Name, cst.Attribute, cst.Ellipsis)


def immutable_value(expr: cst.BaseExpression) -> bool:
    """Whether a constant's value is an immutable literal (numbers, strings, tuples of them, enum members...)."""
    if isinstance(expr, _LITERALS):
        return True
    parts: list[cst.BaseExpression] | None = None
    if isinstance(expr, cst.UnaryOperation):
        parts = [expr.expression]
    elif isinstance(expr, cst.BinaryOperation):
        parts = [expr.left, expr.right]
    elif isinstance(expr, cst.Tuple):
        parts = [e.value for e in expr.elements]
    elif isinstance(expr, cst.Subscript):  # a type alias such as dict[str, int]
        parts = [expr.value]
    elif isinstance(expr, cst.Call):
        return _immutable_call(expr)
    return parts is not None and all(immutable_value(part) for part in parts)


def _immutable_call(expr: cst.Call) -> bool:
    name = dotted(expr.func)
    check = _frozen_literal if name in FREEZING_CALLS else immutable_value
    return name in IMMUTABLE_CALLS and all(check(arg.value) for arg in expr.args)


def _frozen_literal(expr: cst.BaseExpression) -> bool:
    """A container literal of immutable values, made immutable by the call around it."""
    if isinstance(expr, cst.List | cst.Set | cst.Tuple):
        return all(isinstance(e, cst.Element) and immutable_value(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) and immutable_value(e.key) and immutable_value(e.value)
                   for e in expr.elements)
    return immutable_value(expr)
