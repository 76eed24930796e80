"""Invoiceable appointments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from clinic.scheduling.models import Appointment

PRICES = {"checkup": Decimal("40.00"), "x-ray": Decimal("95.00"), "surgery": Decimal("850.00")}


class BillableAppointment(Appointment):  # blocker: subclass across domains
    """An appointment with a price."""

    def __init__(self, appointment_id: int, patient_id: int, day: datetime.date, kind: str) -> None:
        super().__init__(appointment_id, patient_id, day, kind)
        self.price = PRICES.get(kind, Decimal("60.00"))

    def describe(self) -> str:
        return f"{super().describe()}: {self.price}"
