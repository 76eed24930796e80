"""Pricing: coupons, loyalty discounts, taxes and the quote of a basket."""

from . import api
from .errors import CouponUsedUp, InvalidCoupon
from .models import Coupon, DiscountKind, PriceLine, Quote, QuoteLine

__all__ = ["Coupon", "CouponUsedUp", "DiscountKind", "InvalidCoupon", "PriceLine", "Quote", "QuoteLine", "api"]
