"""The billing domain: invoice a day's appointments, list what is unpaid."""

from __future__ import annotations

import datetime
from decimal import Decimal

from clinic import db
from clinic.scheduling import api as scheduling
from clinic.scheduling.models import Appointment

from .models import BillableAppointment


def bill_day(day: datetime.date) -> list[str]:
    """Invoice every appointment on ``day``; returns the invoice lines."""
    lines: list[str] = []

    def invoice(appointment: Appointment) -> None:
        billable = BillableAppointment(appointment.id, appointment.patient_id, appointment.day, appointment.kind)
        with db.connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO invoices (appointment_id, amount) VALUES (?, ?)",
                (billable.id, str(billable.price)),
            )
        lines.append(billable.describe())

    scheduling.for_each_appointment(day, invoice)  # blocker: callback
    return lines


def outstanding() -> list[tuple[str, str, Decimal]]:
    """Unpaid invoices: (patient name, day, amount)."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT p.name, a.day, i.amount FROM invoices i "  # blocker: SQL join on other domains' tables
            "JOIN appointments a ON a.id = i.appointment_id JOIN patients p ON p.id = a.patient_id "
            "WHERE i.paid = 0 ORDER BY a.day, p.name"
        ).fetchall()
    return [(row["name"], row["day"], Decimal(row["amount"])) for row in rows]


def pay(appointment_id: int) -> None:
    with db.connect() as conn:
        conn.execute("UPDATE invoices SET paid = 1 WHERE appointment_id = ?", (appointment_id,))
