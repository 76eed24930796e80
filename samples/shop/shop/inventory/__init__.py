"""Inventory: stock per SKU, reservations held for orders, and the stock movement log."""

from .errors import OutOfStock, UnknownSku
from .models import Reservation, ReservationState, StockLevel

__all__ = ["OutOfStock", "Reservation", "ReservationState", "StockLevel", "UnknownSku"]
