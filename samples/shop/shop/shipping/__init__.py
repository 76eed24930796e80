"""Shipping: carrier rates, parcels and their tracking."""

from .models import Shipment, ShipmentItem, ShipmentRequest, ShipmentState

__all__ = ["Shipment", "ShipmentItem", "ShipmentRequest", "ShipmentState"]
