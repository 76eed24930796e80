"""Bookings: seats held on a show, paid by card; every change is published on the bus."""

from boxoffice.bookings.model import Booking
from boxoffice.bookings.service import book, cancel, get_booking

__all__ = ["Booking", "book", "cancel", "get_booking"]
