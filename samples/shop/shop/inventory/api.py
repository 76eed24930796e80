"""The inventory domain's facade: stock per SKU, reservations for orders, and the movement log.

Reservations are atomic: either every line of an order is held or none is.
"""

from __future__ import annotations

import datetime
import sqlite3
import uuid

from . import db
from .errors import OutOfStock, ReservationClosed, ReservationNotFound, UnknownSku
from .models import Reservation, ReservationState, StockLevel


def _from_row(row: sqlite3.Row) -> StockLevel:
    return StockLevel(row["sku"], row["on_hand"], row["reserved"], row["on_hand"] - row["reserved"])


def _level(conn: sqlite3.Connection, sku: str) -> StockLevel:
    row = conn.execute("SELECT sku, on_hand, reserved FROM stock WHERE sku = ?", (sku,)).fetchone()
    if row is None:
        raise UnknownSku(sku)
    return _from_row(row)


def _move(conn: sqlite3.Connection, sku: str, delta: int, reason: str, now: datetime.datetime) -> None:
    conn.execute(
        "INSERT INTO stock_movements (sku, delta, reason, at) VALUES (?, ?, ?, ?)",
        (sku, delta, reason, now.isoformat()),
    )


def ensure_item(sku: str, initial: int, now: datetime.datetime) -> StockLevel:
    """Start keeping stock for ``sku`` (idempotent: an existing item keeps its stock)."""
    with db.transaction() as conn:
        created = conn.execute("INSERT OR IGNORE INTO stock (sku, on_hand) VALUES (?, ?)", (sku, initial)).rowcount
        if created and initial:
            _move(conn, sku, initial, "initial stock", now)
        return _level(conn, sku)


def restock(sku: str, quantity: int, now: datetime.datetime) -> StockLevel:
    """Add ``quantity`` items that arrived at the warehouse."""
    with db.transaction() as conn:
        _level(conn, sku)
        conn.execute("UPDATE stock SET on_hand = on_hand + ? WHERE sku = ?", (quantity, sku))
        _move(conn, sku, quantity, "restock", now)
        return _level(conn, sku)


def stock_level(sku: str) -> StockLevel:
    with db.transaction(write=False) as conn:
        return _level(conn, sku)


def check_available(sku: str, quantity: int) -> int:
    """Raise :class:`OutOfStock` unless ``quantity`` items could be reserved now; return what is available."""
    level = stock_level(sku)
    if quantity > level.available:
        raise OutOfStock(sku, quantity, level.available)
    return level.available


def reserve(order_ref: uuid.UUID, lines: tuple[tuple[str, int], ...], now: datetime.datetime) -> Reservation:
    """Hold stock for every (sku, quantity) line of an order, all or nothing."""
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM reservations WHERE order_ref = ?", (str(order_ref),)).fetchone():
            raise ReservationClosed(order_ref, "made")
        for sku, quantity in lines:
            level = _level(conn, sku)
            if quantity > level.available:
                raise OutOfStock(sku, quantity, level.available)
        for sku, quantity in lines:
            conn.execute("UPDATE stock SET reserved = reserved + ? WHERE sku = ?", (quantity, sku))
            conn.execute(
                "INSERT INTO reservations (order_ref, sku, quantity, state, created_at) VALUES (?, ?, ?, ?, ?)",
                (str(order_ref), sku, quantity, ReservationState.HELD.value, now.isoformat()),
            )
    return Reservation(order_ref, lines, ReservationState.HELD, now)


def _close(order_ref: uuid.UUID, new_state: ReservationState, now: datetime.datetime) -> Reservation:
    with db.transaction() as conn:
        rows = conn.execute(
            "SELECT sku, quantity, state, created_at FROM reservations WHERE order_ref = ? ORDER BY rowid",
            (str(order_ref),),
        ).fetchall()
        if not rows:
            raise ReservationNotFound(order_ref)
        if rows[0]["state"] != ReservationState.HELD.value:
            raise ReservationClosed(order_ref, rows[0]["state"])
        for row in rows:
            if new_state is ReservationState.COMMITTED:
                conn.execute(
                    "UPDATE stock SET reserved = reserved - ?, on_hand = on_hand - ? WHERE sku = ?",
                    (row["quantity"], row["quantity"], row["sku"]),
                )
                _move(conn, row["sku"], -row["quantity"], f"shipped for {order_ref}", now)
            else:
                conn.execute("UPDATE stock SET reserved = reserved - ? WHERE sku = ?", (row["quantity"], row["sku"]))
        conn.execute("UPDATE reservations SET state = ? WHERE order_ref = ?", (new_state.value, str(order_ref)))
    lines = tuple((row["sku"], row["quantity"]) for row in rows)
    return Reservation(order_ref, lines, new_state, datetime.datetime.fromisoformat(rows[0]["created_at"]))


def release(order_ref: uuid.UUID, now: datetime.datetime) -> Reservation:
    """Give the held stock back (the order was cancelled)."""
    return _close(order_ref, ReservationState.RELEASED, now)


def commit(order_ref: uuid.UUID, now: datetime.datetime) -> Reservation:
    """The held stock left the warehouse (the order shipped)."""
    return _close(order_ref, ReservationState.COMMITTED, now)


def low_stock(threshold: int) -> list[StockLevel]:
    """Items with at most ``threshold`` available, fewest first."""
    with db.transaction(write=False) as conn:
        rows = conn.execute(
            "SELECT sku, on_hand, reserved FROM stock WHERE on_hand - reserved <= ? "
            "ORDER BY on_hand - reserved, sku",
            (threshold,),
        ).fetchall()
    return [_from_row(row) for row in rows]


def movements(sku: str) -> list[tuple[datetime.datetime, int, str]]:
    """The stock log of one SKU: (when, change, why)."""
    with db.transaction(write=False) as conn:
        _level(conn, sku)
        rows = conn.execute(
            "SELECT at, delta, reason FROM stock_movements WHERE sku = ? ORDER BY id", (sku,)
        ).fetchall()
    return [(datetime.datetime.fromisoformat(row["at"]), row["delta"], row["reason"]) for row in rows]
