"""Placing orders."""

from __future__ import annotations

import os
from decimal import Decimal

from mini import catalog
from mini.orders.models import Order, Status
from mini.util.money import format_money

MAX_LINES = 3


class OrderError(Exception):
    """An order that cannot be placed."""


class TooManyLines(OrderError):
    pass


def place_order(number: int, /, skus: list[str], *, paid: bool = False, note: str | None = None) -> Order:
    """Place an order for ``skus``."""
    if len(skus) > MAX_LINES:
        raise TooManyLines(f"at most {MAX_LINES} lines")
    total = sum((catalog.price_of(sku) for sku in skus), Decimal("0"))
    order = Order(number, total, Status.PAID if paid else Status.OPEN, list(skus))
    path = os.path.join(os.environ.get("DATA_DIR", "."), "orders.log")
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{order.number} {format_money(order.total)} {note or ''}\n")
    return order


def order_count() -> int:
    path = os.path.join(os.environ.get("DATA_DIR", "."), "orders.log")
    if not os.path.exists(path):
        return 0
    with open(path, encoding="utf-8") as log:
        return len(log.readlines())
