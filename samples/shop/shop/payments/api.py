"""The payments domain's facade: charges, refunds and totals."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from decimal import Decimal

from shop.common.money import ZERO, round_money
from shop.common.text import mask_card

from . import db, gateway
from .errors import NoPayment, PaymentDeclined, RefundTooLarge
from .models import Card, Payment, PaymentState, PaymentTotals, Refund


def _from_row(conn: sqlite3.Connection, row: sqlite3.Row) -> Payment:
    refunded = conn.execute("SELECT amount FROM refunds WHERE payment_id = ?", (row["id"],)).fetchall()
    return Payment(
        id=row["id"],
        order_ref=uuid.UUID(row["order_ref"]),
        amount=Decimal(row["amount"]),
        card=row["card_last4"],
        state=PaymentState(row["state"]),
        reason=row["reason"],
        refunded=sum((Decimal(r[0]) for r in refunded), ZERO),
        created_at=datetime.datetime.fromisoformat(row["created_at"]),
    )


def charge(order_ref: uuid.UUID, amount: Decimal, card: Card, now: datetime.datetime) -> Payment:
    """Charge ``card``; a refusal is recorded, then raised as :class:`PaymentDeclined`."""
    reason = gateway.authorize(card, amount, now.date())
    state = PaymentState.DECLINED if reason else PaymentState.APPROVED
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO payments (order_ref, amount, card_last4, state, reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (str(order_ref), str(round_money(amount)), mask_card(card.number), state.value, reason, now.isoformat()),
        )
        payment_id = cursor.lastrowid
        assert payment_id is not None
        payment = _from_row(conn, conn.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone())
    if reason:
        raise PaymentDeclined(payment_id, reason)
    return payment


def _approved(conn: sqlite3.Connection, order_ref: uuid.UUID) -> Payment:
    row = conn.execute(
        "SELECT * FROM payments WHERE order_ref = ? AND state != ? ORDER BY id DESC LIMIT 1",
        (str(order_ref), PaymentState.DECLINED.value),
    ).fetchone()
    if row is None:
        raise NoPayment(order_ref)
    return _from_row(conn, row)


def refund(order_ref: uuid.UUID, amount: Decimal | None, reason: str, now: datetime.datetime) -> Refund:
    """Give back ``amount`` (everything not yet refunded when None) of the order's approved payment."""
    with db.transaction() as conn:
        payment = _approved(conn, order_ref)
        refundable = payment.amount - payment.refunded
        wanted = refundable if amount is None else round_money(amount)
        if wanted <= 0 or wanted > refundable:
            raise RefundTooLarge(wanted, refundable)
        cursor = conn.execute(
            "INSERT INTO refunds (payment_id, amount, reason, created_at) VALUES (?, ?, ?, ?)",
            (payment.id, str(wanted), reason, now.isoformat()),
        )
        state = PaymentState.REFUNDED if wanted == refundable else PaymentState.PARTIALLY_REFUNDED
        conn.execute("UPDATE payments SET state = ? WHERE id = ?", (state.value, payment.id))
        assert cursor.lastrowid is not None
        return Refund(cursor.lastrowid, payment.id, wanted, reason, now)


def refundable(order_ref: uuid.UUID) -> Decimal:
    """What is left to refund on an order (zero when it was never paid)."""
    with db.transaction(write=False) as conn:
        try:
            payment = _approved(conn, order_ref)
        except NoPayment:
            return ZERO
    return payment.amount - payment.refunded


def payments_for(order_ref: uuid.UUID) -> list[Payment]:
    with db.transaction(write=False) as conn:
        rows = conn.execute("SELECT * FROM payments WHERE order_ref = ? ORDER BY id", (str(order_ref),)).fetchall()
        return [_from_row(conn, row) for row in rows]


def totals() -> PaymentTotals:
    """Money taken, money given back, and how many charges were declined."""
    with db.transaction(write=False) as conn:
        captured = conn.execute("SELECT amount FROM payments WHERE state != ?", (PaymentState.DECLINED.value,))
        captured_sum = sum((Decimal(row[0]) for row in captured.fetchall()), ZERO)
        refunded_sum = sum((Decimal(row[0]) for row in conn.execute("SELECT amount FROM refunds").fetchall()), ZERO)
        declined = conn.execute(
            "SELECT COUNT(*) FROM payments WHERE state = ?", (PaymentState.DECLINED.value,)
        ).fetchone()[0]
    return PaymentTotals(captured_sum, refunded_sum, declined)
