"""What the customers domain stores and returns."""

from __future__ import annotations

import datetime
import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal


class Tier(enum.Enum):
    """Loyalty tier: gold customers get a discount on every order."""

    STANDARD = "standard"
    GOLD = "gold"


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    postcode: str
    country: str


@dataclass(frozen=True)
class Customer:
    id: int
    public_id: uuid.UUID
    email: str
    name: str
    address: Address
    tier: Tier
    lifetime_spend: Decimal
    registered_at: datetime.datetime
