"""Pure helpers every service may copy."""

from decimal import Decimal


def format_money(amount: Decimal) -> str:
    return f"{amount:.2f} EUR"
