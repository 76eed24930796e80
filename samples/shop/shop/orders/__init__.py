"""Orders: checkout and the life of an order from payment to delivery or refund."""

from . import api
from .errors import InvalidOrderState, OrderNotFound
from .models import Order, OrderLine, OrderState, OrderSummary, Totals

__all__ = ["InvalidOrderState", "Order", "OrderLine", "OrderNotFound", "OrderState", "OrderSummary", "Totals", "api"]
