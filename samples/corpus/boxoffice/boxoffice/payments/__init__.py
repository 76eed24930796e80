"""Card payments and refunds; refunds happen when a booking is cancelled (an event)."""

from boxoffice.payments import refunds as _refunds  # noqa: F401  (subscribes to booking.cancelled)
from boxoffice.payments.cards import charge, payments_of

__all__ = ["charge", "payments_of"]
