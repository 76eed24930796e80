"""The (simulated) card gateway: a deterministic rule instead of a bank.

Card numbers must pass the Luhn check and not be expired; numbers ending in one of
``config.DECLINED_CARD_ENDINGS`` are declined with that reason, every other card is approved.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from shop.config import DECLINED_CARD_ENDINGS

from .errors import InvalidCard
from .models import Card


def luhn_valid(number: str) -> bool:
    digits = [int(ch) for ch in number]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        doubled = digit * 2
        checksum += (doubled - 9 if doubled > 9 else doubled) if index % 2 == 1 else digit
    return checksum % 10 == 0


def authorize(card: Card, amount: Decimal, today: datetime.date) -> str | None:
    """None when the charge is approved, else the reason it was declined. Malformed cards raise InvalidCard."""
    number = card.number.replace(" ", "")
    if not number.isdigit() or not 12 <= len(number) <= 19:
        raise InvalidCard("the card number must have 12 to 19 digits")
    if not luhn_valid(number):
        raise InvalidCard("the card number is mistyped (checksum)")
    if amount <= 0:
        raise InvalidCard("nothing to charge")
    if card.expires < today:
        return "card expired"
    return DECLINED_CARD_ENDINGS.get(number[-4:])
