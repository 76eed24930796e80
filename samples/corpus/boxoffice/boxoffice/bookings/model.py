from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Booking:
    ref: str
    show_id: int
    show_title: str
    show_on: datetime.date
    email: str
    seats: int
    total: Decimal
    cancelled: bool = False
