"""What the pricing domain takes and returns: coupons, price lines and quotes."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from decimal import Decimal


class DiscountKind(enum.Enum):
    PERCENT = "percent"
    FIXED = "fixed"
    FREE_SHIPPING = "free_shipping"


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: DiscountKind
    value: Decimal
    min_subtotal: Decimal
    valid_from: datetime.date
    valid_until: datetime.date
    max_uses: int | None
    uses: int = 0


@dataclass(frozen=True)
class PriceLine:
    """One line to price: what the cart or the order knows about it."""

    sku: str
    quantity: int
    unit_price: Decimal
    weight_grams: int


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    discount: Decimal


@dataclass(frozen=True)
class Quote:
    """The price of a basket for one customer, with every discount, shipping and tax spelled out."""

    lines: list[QuoteLine]
    region: str
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    coupon: str | None
    notes: tuple[str, ...]
