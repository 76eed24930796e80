"""Exceptions of the inventory domain."""

from __future__ import annotations

import uuid

from shop.common.errors import Conflict, NotFound


class UnknownSku(NotFound):
    def __init__(self, sku: str) -> None:
        super().__init__(f"no stock is kept for SKU {sku}")
        self.sku = sku


class OutOfStock(Conflict):
    """Fewer items are available than asked for."""

    def __init__(self, sku: str, requested: int, available: int) -> None:
        super().__init__(f"only {available} of {sku} available, {requested} requested")
        self.sku = sku
        self.requested = requested
        self.available = available


class ReservationNotFound(NotFound):
    def __init__(self, order_ref: uuid.UUID) -> None:
        super().__init__(f"no stock is reserved for order {order_ref}")
        self.order_ref = order_ref


class ReservationClosed(Conflict):
    def __init__(self, order_ref: uuid.UUID, state: str) -> None:
        super().__init__(f"the reservation for order {order_ref} is already {state}")
        self.order_ref = order_ref
        self.state = state
