"""Value types shared by caller and callee (copied to both sides, like cleave's shared value types)."""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: Decimal


@dataclasses.dataclass
class Order:
    id: int
    lines: list[Line]
    colour: Colour = Colour.RED
    tags: frozenset[str] = frozenset()


class OutOfStock(Exception):
    """A domain exception whose __init__ does not take its message (the classic pickle trap)."""

    def __init__(self, sku: str, wanted: int) -> None:
        super().__init__(f"{sku}: only {wanted - 1} left")
        self.sku = sku
        self.wanted = wanted
