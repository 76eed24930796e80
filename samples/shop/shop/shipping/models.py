"""What the shipping domain takes and returns."""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass, field

from shop.customers.models import Address


class ShipmentState(enum.Enum):
    PENDING = "pending"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ShipmentItem:
    sku: str
    quantity: int


@dataclass
class ShipmentRequest:
    """What the orders domain hands over once an order is paid (mutable: built up line by line)."""

    order_ref: uuid.UUID
    recipient: str
    email: str
    address: Address
    items: list[ShipmentItem] = field(default_factory=list)
    weight_grams: int = 0


@dataclass(frozen=True)
class ShipmentEvent:
    state: ShipmentState
    at: datetime.datetime
    note: str


@dataclass(frozen=True)
class Shipment:
    id: int
    tracking: uuid.UUID
    order_ref: uuid.UUID
    recipient: str
    address: Address
    items: tuple[ShipmentItem, ...]
    weight_grams: int
    state: ShipmentState
    estimated_delivery: datetime.date
    events: list[ShipmentEvent]
