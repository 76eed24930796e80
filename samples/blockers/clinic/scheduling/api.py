"""The scheduling domain: booking and listing appointments."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Callable, Iterator

from clinic import db
from clinic.patients import store as patient_store

from .models import Appointment


def _appointment(row: sqlite3.Row) -> Appointment:
    return Appointment(row["id"], row["patient_id"], datetime.date.fromisoformat(row["day"]), row["kind"])


def book(patient_id: int, day: datetime.date, kind: str) -> Appointment:
    with db.connect() as conn:
        appointment_id = conn.execute(
            "INSERT INTO appointments (patient_id, day, kind) VALUES (?, ?, ?)", (patient_id, day.isoformat(), kind)
        ).lastrowid
    assert appointment_id is not None
    patient_store.LAST_SEEN[patient_id] = f"booked {kind} on {day.isoformat()}"  # blocker: second writer
    return Appointment(appointment_id, patient_id, day, kind)


def upcoming(patient_id: int, today: datetime.date) -> Iterator[Appointment]:
    """The patient's appointments from ``today`` on, lazily."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT * FROM appointments WHERE patient_id = ? AND day >= ? ORDER BY day", (patient_id, today.isoformat())
        ).fetchall()
    for row in rows:
        yield _appointment(row)


def for_each_appointment(day: datetime.date, visit: Callable[[Appointment], None]) -> int:
    """Call ``visit`` with every appointment on ``day``; returns how many there were."""
    with db.connect() as conn:
        rows = conn.execute("SELECT * FROM appointments WHERE day = ? ORDER BY id", (day.isoformat(),)).fetchall()
    for row in rows:
        visit(_appointment(row))
    return len(rows)
