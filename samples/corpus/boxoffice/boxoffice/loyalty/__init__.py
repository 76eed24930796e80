"""Loyalty points: earned on confirmed bookings, taken back on cancellations."""

from boxoffice.loyalty.points import balance

__all__ = ["balance"]
