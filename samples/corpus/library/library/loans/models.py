from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Loan:
    id: int
    member_id: int
    isbn: str
    borrowed_on: datetime.date
    due_on: datetime.date
    returned_on: datetime.date | None = None


@dataclass(frozen=True)
class Receipt:
    loan: Loan
    title: str
    fine: Decimal
