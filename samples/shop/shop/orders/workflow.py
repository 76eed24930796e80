"""Which actions each order state allows: one table, checked before every change."""

from __future__ import annotations

from types import MappingProxyType

from .errors import InvalidOrderState
from .models import Order, OrderState

ALLOWED = MappingProxyType(
    {
        "pay": (OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED),
        "ship": (OrderState.PAID,),
        "deliver": (OrderState.SHIPPED,),
        "cancel": (OrderState.PENDING_PAYMENT, OrderState.PAYMENT_FAILED, OrderState.PAID),
        "refund": (OrderState.DELIVERED,),
    }
)


def ensure_allowed(order: Order, action: str) -> None:
    """Raise :class:`InvalidOrderState` unless ``action`` is allowed in the order's state."""
    if order.state not in ALLOWED[action]:
        raise InvalidOrderState(order.id, order.state.value, action)
