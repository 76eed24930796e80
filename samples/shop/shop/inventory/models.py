"""What the inventory domain returns: stock levels and reservations."""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass


class ReservationState(enum.Enum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"


@dataclass(frozen=True)
class StockLevel:
    """How many of one SKU are in the warehouse, and how many of those are promised to open orders."""

    sku: str
    on_hand: int
    reserved: int
    available: int


@dataclass(frozen=True)
class Reservation:
    """Stock held for one order: (sku, quantity) pairs."""

    order_ref: uuid.UUID
    lines: tuple[tuple[str, int], ...]
    state: ReservationState
    created_at: datetime.datetime
