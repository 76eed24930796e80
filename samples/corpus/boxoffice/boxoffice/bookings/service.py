from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal

from boxoffice import bus, config, payments, shows
from boxoffice.bookings.model import Booking
from boxoffice.errors import BoxOfficeError, Missing, Refused
from boxoffice.storage import store

store.conn().execute("CREATE TABLE IF NOT EXISTS bookings (ref TEXT PRIMARY KEY, show_id INTEGER NOT NULL, "
                     "email TEXT NOT NULL, seats INTEGER NOT NULL, total TEXT NOT NULL, "
                     "cancelled INTEGER NOT NULL DEFAULT 0)")


def _booking(row: sqlite3.Row) -> Booking:
    show = shows.get_show(row["show_id"])
    return Booking(ref=row["ref"], show_id=show.id, show_title=show.title, show_on=show.on, email=row["email"],
                   seats=row["seats"], total=Decimal(row["total"]), cancelled=bool(row["cancelled"]))


def book(show_id: int, email: str, seats: int, card: str, today: datetime.date) -> Booking:
    if not 1 <= seats <= config.MAX_SEATS_PER_BOOKING:
        raise BoxOfficeError(f"seats: between 1 and {config.MAX_SEATS_PER_BOOKING}")
    show = shows.get_show(show_id)
    if show.on < today:
        raise Refused(f"{show.title} was on {show.on.isoformat()}")
    count = store.rows("SELECT COUNT(*) AS n FROM bookings")[0]["n"]
    ref = f"BX{count + 1:04d}"
    total = show.price * seats + config.BOOKING_FEE
    shows.hold_seats(show_id, seats)
    try:
        payments.charge(ref, total, card)
    except Refused:
        shows.release_seats(show_id, seats)
        raise
    store.run("INSERT INTO bookings (ref, show_id, email, seats, total) VALUES (?, ?, ?, ?, ?)",
              (ref, show_id, email.lower(), seats, str(total)))
    booking = get_booking(ref)
    bus.publish("booking.confirmed", booking)
    return booking


def get_booking(ref: str) -> Booking:
    rows = store.rows("SELECT * FROM bookings WHERE ref = ?", (ref,))
    if not rows:
        raise Missing(f"no booking {ref}")
    return _booking(rows[0])


def cancel(ref: str) -> Booking:
    booking = get_booking(ref)
    if booking.cancelled:
        raise Refused(f"booking {ref} is already cancelled")
    store.run("UPDATE bookings SET cancelled = 1 WHERE ref = ?", (ref,))
    shows.release_seats(booking.show_id, booking.seats)
    cancelled = get_booking(ref)
    bus.publish("booking.cancelled", cancelled)
    return cancelled
