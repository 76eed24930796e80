"""Exceptions of the orders domain."""

from __future__ import annotations

from shop.common.errors import Conflict, NotFound


class OrderNotFound(NotFound):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"no order with id {order_id}")
        self.order_id = order_id


class InvalidOrderState(Conflict):
    def __init__(self, order_id: int, current: str, action: str) -> None:
        super().__init__(f"order {order_id} is {current}: cannot {action}")
        self.order_id = order_id
        self.current = current
        self.action = action


class RefundWindowClosed(Conflict):
    def __init__(self, order_id: int, days: int) -> None:
        super().__init__(f"order {order_id} was delivered more than {days} days ago")
        self.order_id = order_id
