"""Cart: what a customer is about to buy."""

from . import api
from .errors import CartClosed, CartNotFound, EmptyCart
from .models import Cart, CartLine, CartState, CartView

__all__ = ["Cart", "CartClosed", "CartLine", "CartNotFound", "CartState", "CartView", "EmptyCart", "api"]
