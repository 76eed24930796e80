from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal


class Status(enum.Enum):
    OPEN = "open"
    PAID = "paid"


@dataclass
class Order:
    number: int
    total: Decimal
    status: Status = Status.OPEN
    lines: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"order {self.number}: {self.total} ({self.status.value})"
