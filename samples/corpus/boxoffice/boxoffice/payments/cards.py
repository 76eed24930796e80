from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from boxoffice.errors import Refused
from boxoffice.storage import store

store.conn().execute("CREATE TABLE IF NOT EXISTS payments (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "booking_ref TEXT NOT NULL, amount TEXT NOT NULL, card_last4 TEXT NOT NULL, "
                     "refunded INTEGER NOT NULL DEFAULT 0)")


@dataclass(frozen=True)
class Payment:
    id: int
    booking_ref: str
    amount: Decimal
    card_last4: str
    refunded: bool


def charge(booking_ref: str, amount: Decimal, card: str) -> Payment:
    digits = card.replace(" ", "")
    if not digits.isdigit() or len(digits) != 16:
        raise Refused("the card number must have 16 digits")
    if digits.endswith("0002"):
        raise Refused("the card was declined")
    payment_id = store.run("INSERT INTO payments (booking_ref, amount, card_last4) VALUES (?, ?, ?)",
                           (booking_ref, str(amount), digits[-4:]))
    return Payment(payment_id, booking_ref, amount, digits[-4:], False)


def payments_of(booking_ref: str) -> list[Payment]:
    rows = store.rows("SELECT * FROM payments WHERE booking_ref = ? ORDER BY id", (booking_ref,))
    return [Payment(r["id"], r["booking_ref"], Decimal(r["amount"]), r["card_last4"], bool(r["refunded"]))
            for r in rows]
