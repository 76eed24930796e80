"""Coupons, tax rates, carts and checkout."""

from __future__ import annotations

from decimal import Decimal

from shop import cart, orders, pricing
from shop.common import validation
from shop.pricing import Coupon, DiscountKind

from ..routing import Request, Response


def create_coupon(request: Request) -> Response:
    body = request.body
    kind_name = validation.require_text(body, "kind")
    try:
        kind = DiscountKind(kind_name)
    except ValueError:
        raise validation.Invalid("kind", f"must be one of {', '.join(k.value for k in DiscountKind)}") from None
    value = validation.require_money(body, "value", allow_zero=kind is DiscountKind.FREE_SHIPPING)
    if kind is DiscountKind.PERCENT and value > 100:
        raise validation.Invalid("value", "a percentage cannot exceed 100")
    coupon = Coupon(
        code=validation.require_text(body, "code", max_length=32),
        kind=kind,
        value=value,
        min_subtotal=validation.require_money(body, "min_subtotal", allow_zero=True) if "min_subtotal" in body
        else Decimal("0.00"),
        valid_from=validation.require_date(body, "valid_from"),
        valid_until=validation.require_date(body, "valid_until"),
        max_uses=validation.require_int(body, "max_uses", minimum=1) if body.get("max_uses") is not None else None,
    )
    if coupon.valid_until < coupon.valid_from:
        raise validation.Invalid("valid_until", "is before valid_from")
    return 201, pricing.api.create_coupon(coupon)


def show_coupon(request: Request) -> Response:
    return 200, pricing.api.get_coupon(request.params["code"])


def tax_rates(request: Request) -> Response:
    return 200, dict(pricing.api.tax_rates())


def set_tax_rate(request: Request) -> Response:
    region = validation.require_region({"country": request.params["region"]})
    rate = validation.require_money(request.body, "rate", allow_zero=True)
    if rate >= 1:
        raise validation.Invalid("rate", "is a fraction (0.19 for 19 %)")
    return 200, dict([pricing.api.set_tax_rate(region, rate)])


def open_cart(request: Request) -> Response:
    customer_id = validation.require_int(request.body, "customer_id", minimum=1)
    return 201, cart.api.open_cart(customer_id, request.now)


def show_cart(request: Request) -> Response:
    return 200, cart.api.view(int(request.params["cart_id"]), request.query.get("coupon"), request.now.date())


def add_item(request: Request) -> Response:
    sku = validation.require_text(request.body, "sku")
    quantity = validation.require_int(request.body, "quantity", minimum=1)
    return 200, cart.api.add_item(int(request.params["cart_id"]), sku, quantity, request.now)


def remove_item(request: Request) -> Response:
    return 200, cart.api.remove_item(int(request.params["cart_id"]), request.params["sku"], request.now)


def checkout(request: Request) -> Response:
    coupon = validation.optional_text(request.body, "coupon")
    return 201, orders.api.place_order(int(request.params["cart_id"]), coupon, request.now)
