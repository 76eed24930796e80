"""Exceptions of the cart domain."""

from __future__ import annotations

from shop.common.errors import Conflict, Invalid, NotFound


class CartNotFound(NotFound):
    def __init__(self, cart_id: int) -> None:
        super().__init__(f"no cart with id {cart_id}")
        self.cart_id = cart_id


class CartClosed(Conflict):
    def __init__(self, cart_id: int) -> None:
        super().__init__(f"cart {cart_id} is already checked out")
        self.cart_id = cart_id


class EmptyCart(Conflict):
    def __init__(self, cart_id: int) -> None:
        super().__init__(f"cart {cart_id} is empty")
        self.cart_id = cart_id


class LineNotInCart(NotFound):
    def __init__(self, cart_id: int, sku: str) -> None:
        super().__init__(f"cart {cart_id} holds no {sku}")
        self.cart_id = cart_id
        self.sku = sku


class TooMany(Invalid):
    def __init__(self, sku: str, limit: int) -> None:
        super().__init__("quantity", f"at most {limit} of {sku} per order")
        self.sku = sku
