"""Exceptions of the pricing domain."""

from __future__ import annotations

from shop.common.errors import Conflict, Invalid


class InvalidCoupon(Invalid):
    """A coupon that cannot be applied to this basket, with the reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__("coupon", f"{code} {reason}")
        self.code = code
        self.reason = reason


class CouponUsedUp(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(f"coupon {code} has been used up")
        self.code = code


class DuplicateCoupon(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(f"coupon {code} already exists")
        self.code = code
