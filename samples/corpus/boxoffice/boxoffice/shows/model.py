from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Show:
    id: int
    title: str
    on: datetime.date
    price: Decimal
    seats: int
    sold: int
