"""The patients domain: registration, a summary for the front desk, exports of the record."""

from __future__ import annotations

import datetime

from clinic import db
from clinic.records import api as records
from clinic.scheduling import api as scheduling

from . import store


def register(name: str, born: datetime.date) -> int:
    with db.connect() as conn:
        patient_id = conn.execute("INSERT INTO patients (name, born) VALUES (?, ?)", (name, born.isoformat())).lastrowid
    assert patient_id is not None
    store.LAST_SEEN[patient_id] = "registered"  # blocker: first writer
    return patient_id


def name_of(patient_id: int) -> str:
    with db.connect() as conn:
        row = conn.execute("SELECT name FROM patients WHERE id = ?", (patient_id,)).fetchone()
    if row is None:
        raise LookupError(f"no patient {patient_id}")
    return str(row["name"])


def summary(patient_id: int, today: datetime.date) -> dict[str, object]:
    """Front-desk view: name, what happened last, the next appointments."""
    appointments = scheduling.upcoming(patient_id, today)  # blocker: generator
    upcoming = [appointment.day.isoformat() for appointment in appointments]
    return {"name": name_of(patient_id), "last_seen": store.LAST_SEEN.get(patient_id), "upcoming": upcoming}


def export(patient_id: int, path: str) -> int:
    """Write the patient's medical history to ``path``; returns the number of notes written."""
    with open(path, "w", encoding="utf-8") as out:
        return records.write_history(patient_id, out)  # blocker: open file
