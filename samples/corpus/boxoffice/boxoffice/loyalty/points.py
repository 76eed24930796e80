from __future__ import annotations

from typing import Any

from boxoffice import bus, config
from boxoffice.storage import store

store.conn().execute("CREATE TABLE IF NOT EXISTS points (email TEXT NOT NULL, booking_ref TEXT NOT NULL, "
                     "points INTEGER NOT NULL)")


def earn(booking: Any) -> None:
    store.run("INSERT INTO points (email, booking_ref, points) VALUES (?, ?, ?)",
              (booking.email, booking.ref, int(booking.total) * config.POINTS_PER_EURO))


def take_back(booking: Any) -> None:
    store.run("DELETE FROM points WHERE booking_ref = ?", (booking.ref,))


def balance(email: str) -> int:
    rows = store.rows("SELECT COALESCE(SUM(points), 0) AS total FROM points WHERE email = ?", (email,))
    return int(rows[0]["total"])


bus.subscribe("booking.confirmed", earn)
bus.subscribe("booking.cancelled", take_back)
