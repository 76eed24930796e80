from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal

from boxoffice.errors import BoxOfficeError, Missing, Refused
from boxoffice.shows.model import Show
from boxoffice.storage import store

store.conn().execute("CREATE TABLE IF NOT EXISTS shows (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, "
                     "show_date TEXT NOT NULL, price TEXT NOT NULL, seats INTEGER NOT NULL, "
                     "sold INTEGER NOT NULL DEFAULT 0)")


def _show(row: sqlite3.Row) -> Show:
    return Show(id=row["id"], title=row["title"], on=datetime.date.fromisoformat(row["show_date"]),
                price=Decimal(row["price"]), seats=row["seats"], sold=row["sold"])


def add_show(title: str, on: datetime.date, price: Decimal, seats: int) -> Show:
    if price <= 0 or seats <= 0:
        raise BoxOfficeError("price and seats must be positive")
    return get_show(store.run("INSERT INTO shows (title, show_date, price, seats) VALUES (?, ?, ?, ?)",
                              (title, on.isoformat(), str(price), seats)))


def get_show(show_id: int) -> Show:
    rows = store.rows("SELECT * FROM shows WHERE id = ?", (show_id,))
    if not rows:
        raise Missing(f"show {show_id} is not on the programme")
    return _show(rows[0])


def list_shows() -> list[Show]:
    return [_show(row) for row in store.rows("SELECT * FROM shows ORDER BY show_date, id")]


def hold_seats(show_id: int, count: int) -> Show:
    show = get_show(show_id)
    if show.sold + count > show.seats:
        raise Refused(f"only {show.seats - show.sold} seats left for {show.title}")
    store.run("UPDATE shows SET sold = sold + ? WHERE id = ?", (count, show_id))
    return get_show(show_id)


def release_seats(show_id: int, count: int) -> Show:
    store.run("UPDATE shows SET sold = sold - ? WHERE id = ?", (count, show_id))
    return get_show(show_id)
