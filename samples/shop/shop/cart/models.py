"""What the cart domain keeps and returns."""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from shop.pricing.models import Quote


class CartState(enum.Enum):
    OPEN = "open"
    CHECKED_OUT = "checked_out"


@dataclass
class CartLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    weight_grams: int


@dataclass
class Cart:
    """A customer's basket (mutable while open); prices are those seen when the item was added."""

    id: int
    customer_id: int
    state: CartState
    created_at: datetime.datetime
    updated_at: datetime.datetime
    lines: list[CartLine] = field(default_factory=list)
    order_ref: uuid.UUID | None = None


@dataclass(frozen=True)
class CartView:
    """A cart with its price for its owner; ``coupon_error`` says why a coupon was not applied."""

    cart: Cart
    quote: Quote
    coupon_error: str | None
