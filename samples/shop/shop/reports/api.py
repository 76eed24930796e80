"""The reports domain's facade: sales and stock reports built from the other domains' answers.

Reports never read another domain's tables: they ask each domain's facade and keep a log of the runs.
"""

from __future__ import annotations

import collections
import datetime

import shop.inventory.api as inventory
from shop import catalog, orders
from shop.catalog import api as catalog_api
from shop.common.money import ZERO, round_money
from shop.config import LOW_STOCK_THRESHOLD
from shop.orders.models import OrderState
from shop.payments import api as payments

from . import db
from .models import ProductSales, ReportRun, SalesReport, StockLine, StockReport

EARNING_STATES = frozenset({OrderState.PAID, OrderState.SHIPPED, OrderState.DELIVERED})


def _log(kind: str, now: datetime.datetime, parameters: str, rows: int) -> None:
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO report_runs (kind, generated_at, parameters, rows) VALUES (?, ?, ?, ?)",
            (kind, now.isoformat(), parameters, rows),
        )


def sales_report(since: datetime.date | None, now: datetime.datetime, top: int = 5) -> SalesReport:
    """Orders, revenue and best sellers; revenue counts paid, shipped and delivered orders."""
    summaries = orders.api.list_orders(since)
    by_state = collections.Counter(summary.state.value for summary in summaries)
    earning = [s for s in summaries if s.state in EARNING_STATES]
    revenue = sum((s.total for s in earning), ZERO)
    money = payments.totals()
    best = [ProductSales(sku, name, quantity, amount) for sku, name, quantity, amount in orders.api.product_sales()]
    report = SalesReport(
        generated_at=now,
        since=since,
        orders=len(summaries),
        orders_by_state=tuple(sorted(by_state.items())),
        revenue=revenue,
        captured=money.captured,
        refunded=money.refunded,
        declined_payments=money.declined,
        average_order=round_money(revenue / len(earning)) if earning else None,
        top_products=best[:top],
    )
    _log("sales", now, f"since={since.isoformat() if since else '-'}", len(summaries))
    return report


def stock_report(threshold: int | None, now: datetime.datetime) -> StockReport:
    """Items running low, with their names from the catalog."""
    limit = LOW_STOCK_THRESHOLD if threshold is None else threshold
    levels = inventory.low_stock(limit)
    names = catalog_api.product_names(tuple(level.sku for level in levels))
    items = []
    for level in levels:
        name = names.get(level.sku)
        if name is None:
            try:
                name = catalog.get_product(level.sku).name
            except catalog.ProductNotFound:
                name = "(not in catalog)"
        items.append(StockLine(level.sku, name, level.on_hand, level.reserved, level.available))
    _log("stock", now, f"threshold={limit}", len(items))
    return StockReport(now, limit, items)


def runs() -> list[ReportRun]:
    with db.transaction(write=False) as conn:
        rows = conn.execute("SELECT * FROM report_runs ORDER BY id").fetchall()
    return [
        ReportRun(row["id"], row["kind"], datetime.datetime.fromisoformat(row["generated_at"]), row["parameters"],
                  row["rows"])
        for row in rows
    ]
