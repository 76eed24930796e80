"""The records domain: clinical notes and their export."""

from __future__ import annotations

import datetime
from typing import TextIO

from clinic import db


def add_note(patient_id: int, day: datetime.date, text: str) -> None:
    with db.connect() as conn:
        conn.execute("INSERT INTO notes (patient_id, day, text) VALUES (?, ?, ?)", (patient_id, day.isoformat(), text))


def write_history(patient_id: int, out: TextIO) -> int:
    """Write every note of the patient to ``out``, one per line; returns how many."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT day, text FROM notes WHERE patient_id = ? ORDER BY day, id", (patient_id,)
        ).fetchall()
    for row in rows:
        out.write(f"{row['day']}: {row['text']}\n")
    return len(rows)
