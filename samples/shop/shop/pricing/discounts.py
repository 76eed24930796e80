"""Discount rules: pure functions of the coupon, the basket and the day."""

from __future__ import annotations

import datetime
from decimal import Decimal

from shop.common.money import ZERO, percent_of, round_money
from shop.config import GOLD_TIER_DISCOUNT
from shop.customers.models import Tier

from .errors import InvalidCoupon
from .models import Coupon, DiscountKind


def check_coupon(coupon: Coupon, subtotal: Decimal, today: datetime.date) -> None:
    """Raise :class:`InvalidCoupon` if ``coupon`` cannot be used on ``subtotal`` today."""
    if today < coupon.valid_from:
        raise InvalidCoupon(coupon.code, f"is valid from {coupon.valid_from.isoformat()}")
    if today > coupon.valid_until:
        raise InvalidCoupon(coupon.code, f"expired on {coupon.valid_until.isoformat()}")
    if subtotal < coupon.min_subtotal:
        raise InvalidCoupon(coupon.code, f"needs a subtotal of at least {coupon.min_subtotal}")
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise InvalidCoupon(coupon.code, "has been used up")


def coupon_discount(coupon: Coupon, subtotal: Decimal) -> Decimal:
    """The amount a coupon takes off the goods (free-shipping coupons take nothing off the goods)."""
    if coupon.kind is DiscountKind.PERCENT:
        return percent_of(subtotal, coupon.value / 100)
    if coupon.kind is DiscountKind.FIXED:
        return min(round_money(coupon.value), subtotal)
    return ZERO


def tier_discount(tier: Tier, subtotal: Decimal) -> Decimal:
    return percent_of(subtotal, GOLD_TIER_DISCOUNT) if tier is Tier.GOLD else ZERO
