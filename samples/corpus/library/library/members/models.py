from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    email: str
    joined_on: datetime.date
