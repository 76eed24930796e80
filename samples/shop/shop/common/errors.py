"""Base exceptions of the shop. Each domain derives its own; the web layer maps the bases to HTTP statuses."""

from __future__ import annotations


class ShopError(Exception):
    """Something the caller did or asked that the shop refuses, with a message meant for the API user."""


class NotFound(ShopError):
    """The thing asked for does not exist."""


class Conflict(ShopError):
    """The request is valid but clashes with the current state (stock, order state, duplicates)."""


class Invalid(ShopError):
    """The request's data is wrong: a missing field, a bad number, an unknown region."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class PaymentRequired(ShopError):
    """A payment was refused."""
