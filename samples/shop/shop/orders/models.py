"""What the orders domain keeps and returns."""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal


class OrderState(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAYMENT_FAILED = "payment_failed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class OrderEvent:
    state: OrderState
    at: datetime.datetime
    note: str


@dataclass
class Order:
    """An order and its history; ``number`` is the reference the other domains know it by."""

    id: int
    number: uuid.UUID
    customer_id: int
    state: OrderState
    totals: Totals
    region: str
    placed_at: datetime.datetime
    coupon: str | None = None
    tracking: uuid.UUID | None = None
    lines: list[OrderLine] = field(default_factory=list)
    events: list[OrderEvent] = field(default_factory=list)


@dataclass(frozen=True)
class OrderSummary:
    id: int
    number: uuid.UUID
    customer_id: int
    state: OrderState
    total: Decimal
    placed_on: datetime.date
