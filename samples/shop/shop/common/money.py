"""Money arithmetic on Decimal: parsing, rounding to cents, proportional allocation."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shop.config import CURRENCY

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(value: Decimal) -> Decimal:
    """Round half up to whole cents, the way receipts do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_money(value: object) -> Decimal:
    """Parse a price given as a string, int or Decimal (floats are refused: they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"money must be a string or an integer, not {type(value).__name__}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return round_money(amount)


def percent_of(amount: Decimal, rate: Decimal) -> Decimal:
    """``rate`` is a fraction (0.19 for 19 %)."""
    return round_money(amount * rate)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` proportionally, in cents, so that the parts add up exactly to ``total``."""
    whole = sum(weights, ZERO)
    if not weights:
        return []
    if whole == 0:
        return [ZERO for _ in weights]
    parts = [round_money(total * weight / whole) for weight in weights]
    parts[-1] += total - sum(parts, ZERO)
    return parts


def format_money(amount: Decimal) -> str:
    """``EUR 12.50``, for messages."""
    return f"{CURRENCY} {round_money(amount)}"
