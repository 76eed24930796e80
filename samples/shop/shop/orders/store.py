"""Reading and writing the orders domain's tables."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from decimal import Decimal

from . import db
from .errors import OrderNotFound
from .models import Order, OrderEvent, OrderLine, OrderState, OrderSummary, Totals


def load(conn: sqlite3.Connection, order_id: int) -> Order:
    row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        raise OrderNotFound(order_id)
    lines = conn.execute("SELECT * FROM order_lines WHERE order_id = ? ORDER BY rowid", (order_id,)).fetchall()
    events = conn.execute("SELECT * FROM order_events WHERE order_id = ? ORDER BY id", (order_id,)).fetchall()
    return Order(
        id=row["id"],
        number=uuid.UUID(row["number"]),
        customer_id=row["customer_id"],
        state=OrderState(row["state"]),
        totals=Totals(*(Decimal(row[name]) for name in ("subtotal", "discount", "shipping", "tax", "total"))),
        region=row["region"],
        placed_at=datetime.datetime.fromisoformat(row["placed_at"]),
        coupon=row["coupon"],
        tracking=uuid.UUID(row["tracking"]) if row["tracking"] else None,
        lines=[
            OrderLine(line["sku"], line["name"], line["quantity"], Decimal(line["unit_price"]),
                      Decimal(line["line_total"]))
            for line in lines
        ],
        events=[
            OrderEvent(OrderState(event["state"]), datetime.datetime.fromisoformat(event["at"]), event["note"])
            for event in events
        ],
    )


def get(order_id: int) -> Order:
    with db.transaction(write=False) as conn:
        return load(conn, order_id)


def insert(order: Order, cart_id: int) -> Order:
    """Store a new order (its id is assigned here) with its lines and first event."""
    totals = order.totals
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO orders (number, customer_id, cart_id, state, subtotal, discount, shipping, tax, total,"
            " coupon, region, placed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(order.number), order.customer_id, cart_id, order.state.value, str(totals.subtotal),
             str(totals.discount), str(totals.shipping), str(totals.tax), str(totals.total), order.coupon,
             order.region, order.placed_at.isoformat()),
        )
        order_id = cursor.lastrowid
        assert order_id is not None
        conn.executemany(
            "INSERT INTO order_lines (order_id, sku, name, quantity, unit_price, line_total) VALUES (?, ?, ?, ?, ?, ?)",
            [(order_id, line.sku, line.name, line.quantity, str(line.unit_price), str(line.line_total))
             for line in order.lines],
        )
        conn.execute(
            "INSERT INTO order_events (order_id, state, at, note) VALUES (?, ?, ?, ?)",
            (order_id, order.state.value, order.placed_at.isoformat(), "order placed"),
        )
        return load(conn, order_id)


def change_state(
    order_id: int, state: OrderState, now: datetime.datetime, note: str, *, tracking: uuid.UUID | None = None
) -> Order:
    with db.transaction() as conn:
        load(conn, order_id)
        conn.execute("UPDATE orders SET state = ? WHERE id = ?", (state.value, order_id))
        if tracking is not None:
            conn.execute("UPDATE orders SET tracking = ? WHERE id = ?", (str(tracking), order_id))
        conn.execute(
            "INSERT INTO order_events (order_id, state, at, note) VALUES (?, ?, ?, ?)",
            (order_id, state.value, now.isoformat(), note),
        )
        return load(conn, order_id)


def summaries(where: str = "1 = 1", params: tuple[object, ...] = ()) -> list[OrderSummary]:
    with db.transaction(write=False) as conn:
        rows = conn.execute(
            f"SELECT id, number, customer_id, state, total, placed_at FROM orders WHERE {where} ORDER BY id", params
        ).fetchall()
    return [
        OrderSummary(row["id"], uuid.UUID(row["number"]), row["customer_id"], OrderState(row["state"]),
                     Decimal(row["total"]), datetime.datetime.fromisoformat(row["placed_at"]).date())
        for row in rows
    ]


def product_sales(states: tuple[str, ...]) -> list[tuple[str, str, int, Decimal]]:
    """(sku, name, quantity, revenue) over the orders in ``states``, best sellers first."""
    marks = ", ".join("?" for _ in states)
    with db.transaction(write=False) as conn:
        rows = conn.execute(
            "SELECT l.sku, l.name, SUM(l.quantity) AS quantity, GROUP_CONCAT(l.line_total, ' ') AS totals"
            f" FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.state IN ({marks})"
            " GROUP BY l.sku, l.name ORDER BY quantity DESC, l.sku",
            states,
        ).fetchall()
    return [
        (row["sku"], row["name"], row["quantity"], sum((Decimal(part) for part in row["totals"].split()), Decimal(0)))
        for row in rows
    ]
