"""Carrier rates and delivery estimates: pure functions of region, weight and date."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import MappingProxyType

from shop.common.money import round_money
from shop.config import DELIVERY_DAYS

from .errors import UnsupportedRegion

# (base price, price per started kilogram) per region
RATES = MappingProxyType(
    {
        "DE": (Decimal("4.90"), Decimal("0.50")),
        "AT": (Decimal("6.90"), Decimal("0.80")),
        "FR": (Decimal("7.90"), Decimal("0.90")),
        "NL": (Decimal("6.90"), Decimal("0.80")),
        "US": (Decimal("19.90"), Decimal("2.50")),
    }
)


def rate(region: str, weight_grams: int) -> Decimal:
    """Shipping price for a parcel of ``weight_grams`` to ``region``."""
    if region not in RATES:
        raise UnsupportedRegion(region)
    base, per_kg = RATES[region]
    kilograms = -(-weight_grams // 1000)
    return round_money(base + per_kg * max(kilograms - 1, 0))


def estimate_delivery(region: str, shipped_on: datetime.date) -> datetime.date:
    """The date a parcel arrives: the region's transit days, counted in working days (Mon-Fri)."""
    if region not in DELIVERY_DAYS:
        raise UnsupportedRegion(region)
    day = shipped_on
    remaining = DELIVERY_DAYS[region]
    while remaining:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day
