"""Joining, and who a member is."""

from __future__ import annotations

import datetime
import sqlite3

from library.db import db
from library.errors import Conflict, Invalid, NotFound
from library.members.models import Member


def _member(row: sqlite3.Row) -> Member:
    return Member(id=row["id"], name=row["name"], email=row["email"],
                  joined_on=datetime.date.fromisoformat(row["joined_on"]))


def join(name: str, email: str, on: datetime.date) -> Member:
    if not name.strip():
        raise Invalid("name: is required")
    if "@" not in email:
        raise Invalid("email: is not an address")
    try:
        cursor = db().execute("INSERT INTO members (name, email, joined_on) VALUES (?, ?, ?)",
                              (name.strip(), email.lower(), on.isoformat()))
    except sqlite3.IntegrityError:
        raise Conflict(f"{email} is already a member") from None
    return get_member(int(cursor.lastrowid or 0))


def get_member(member_id: int) -> Member:
    row = db().execute("SELECT * FROM members WHERE id = ?", (member_id,)).fetchone()
    if row is None:
        raise NotFound(f"no member {member_id}")
    return _member(row)
