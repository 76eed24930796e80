from __future__ import annotations

from typing import Any

from boxoffice import bus
from boxoffice.storage import store

store.conn().execute("CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "email TEXT NOT NULL, subject TEXT NOT NULL)")


def _send(email: str, subject: str) -> None:
    store.run("INSERT INTO outbox (email, subject) VALUES (?, ?)", (email, subject))


def on_confirmed(booking: Any) -> None:
    _send(booking.email, f"Your {booking.seats} seats for {booking.show_title} on {booking.show_on:%d %B %Y}")


def on_cancelled(booking: Any) -> None:
    _send(booking.email, f"Booking {booking.ref} is cancelled")


def messages_for(email: str) -> list[str]:
    return [row["subject"] for row in store.rows("SELECT subject FROM outbox WHERE email = ? ORDER BY id", (email,))]


bus.subscribe("booking.confirmed", on_confirmed)
bus.subscribe("booking.cancelled", on_cancelled)
