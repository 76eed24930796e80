"""Rules for what may be copied across a service boundary: value classes and immutable constants."""

from __future__ import annotations

import builtins
from typing import Final, Literal

import libcst as cst

from packager.symbols import dotted

ValueKind = Literal["dataclass", "namedtuple", "enum", "exception", "typeddict"]

ENUM_BASES: Final = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})
EXCEPTION_BASES: Final = frozenset(
    name for name in dir(builtins)
    if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException)
)
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
    if last == "TypedDict":
        return "typeddict"
    if last in EXCEPTION_BASES or (name not in {"object"} and "." in name and last.endswith(("Error", "Exception"))):
        return "exception"
    return None


def immutable_value(expr: cst.BaseExpression) -> bool:
    """Whether a constant's value is an immutable literal (numbers, strings, tuples of them, enum members...)."""
    if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString | cst.ConcatenatedString
                  | cst.FormattedString | cst.Name | cst.Attribute | cst.Ellipsis):
        return True
    if isinstance(expr, cst.UnaryOperation):
        return immutable_value(expr.expression)
    if isinstance(expr, cst.BinaryOperation):
        return immutable_value(expr.left) and immutable_value(expr.right)
    if isinstance(expr, cst.Tuple):
        return all(immutable_value(e.value) for e in expr.elements)
    if isinstance(expr, cst.Subscript):  # a type alias such as dict[str, int]
        return immutable_value(expr.value)
    if isinstance(expr, cst.Call):
        name = dotted(expr.func)
        check = _frozen_literal if name in FREEZING_CALLS else immutable_value
        return name in IMMUTABLE_CALLS and all(check(arg.value) for arg in expr.args)
    return False


def _frozen_literal(expr: cst.BaseExpression) -> bool:
    """A container literal of immutable values, made immutable by the call around it."""
    if isinstance(expr, cst.List | cst.Set | cst.Tuple):
        return all(isinstance(e, cst.Element) and immutable_value(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(isinstance(e, cst.DictElement) and immutable_value(e.key) and immutable_value(e.value)
                   for e in expr.elements)
    return immutable_value(expr)
