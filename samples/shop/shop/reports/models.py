"""The reports the shop's back office reads."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ProductSales:
    sku: str
    name: str
    quantity: int
    revenue: Decimal


@dataclass(frozen=True)
class SalesReport:
    generated_at: datetime.datetime
    since: datetime.date | None
    orders: int
    orders_by_state: tuple[tuple[str, int], ...]
    revenue: Decimal
    captured: Decimal
    refunded: Decimal
    declined_payments: int
    average_order: Decimal | None
    top_products: list[ProductSales]


@dataclass(frozen=True)
class StockLine:
    sku: str
    name: str
    on_hand: int
    reserved: int
    available: int


@dataclass(frozen=True)
class StockReport:
    generated_at: datetime.datetime
    threshold: int
    items: list[StockLine]


@dataclass(frozen=True)
class ReportRun:
    id: int
    kind: str
    generated_at: datetime.datetime
    parameters: str
    rows: int
