"""What the notifications domain stores and returns."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass


class Template(enum.Enum):
    """The messages the shop sends; the value is the stored name."""

    WELCOME = "welcome"
    ORDER_PLACED = "order_placed"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_FAILED = "payment_failed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    TIER_UPGRADED = "tier_upgraded"


@dataclass(frozen=True)
class Notification:
    """One message in the outbox."""

    id: int
    recipient: str
    template: Template
    subject: str
    body: str
    created_at: datetime.datetime
