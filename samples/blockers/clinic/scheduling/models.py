"""Appointments."""

from __future__ import annotations

import datetime


class Appointment:
    """A visit booked for a patient on a day."""

    def __init__(self, appointment_id: int, patient_id: int, day: datetime.date, kind: str) -> None:
        self.id = appointment_id
        self.patient_id = patient_id
        self.day = day
        self.kind = kind

    def describe(self) -> str:
        return f"{self.kind} on {self.day.isoformat()}"

    def __repr__(self) -> str:
        return f"Appointment({self.id}, {self.patient_id}, {self.day!r}, {self.kind!r})"
