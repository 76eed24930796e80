"""What the payments domain takes and returns."""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal


class PaymentState(enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


@dataclass(frozen=True)
class Card:
    """Card details as the customer typed them; only the last four digits are ever stored."""

    number: str
    holder: str
    expires: datetime.date


@dataclass(frozen=True)
class Payment:
    id: int
    order_ref: uuid.UUID
    amount: Decimal
    card: str
    state: PaymentState
    reason: str | None
    refunded: Decimal
    created_at: datetime.datetime


@dataclass(frozen=True)
class Refund:
    id: int
    payment_id: int
    amount: Decimal
    reason: str
    created_at: datetime.datetime


@dataclass(frozen=True)
class PaymentTotals:
    captured: Decimal
    refunded: Decimal
    declined: int
