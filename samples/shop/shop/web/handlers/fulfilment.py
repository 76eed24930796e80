"""Orders after checkout: payment, shipping, cancellation, refunds, tracking."""

from __future__ import annotations

import uuid

import shop.payments.api
from shop.common import validation
from shop.orders import api as orders
from shop.payments import Card
from shop.shipping import api as shipping

from ..routing import Request, Response


def _order_id(request: Request) -> int:
    return int(request.params["order_id"])


def show(request: Request) -> Response:
    return 200, orders.get_order(_order_id(request))


def listing(request: Request) -> Response:
    since = validation.require_date(request.query, "since") if "since" in request.query else None
    return 200, orders.list_orders(since)


def pay(request: Request) -> Response:
    card = Card(
        number=validation.require_text(request.body, "card_number", max_length=32),
        holder=validation.require_text(request.body, "holder"),
        expires=validation.require_date(request.body, "expires"),
    )
    return 200, orders.pay_order(_order_id(request), card, request.now)


def payments(request: Request) -> Response:
    order = orders.get_order(_order_id(request))
    return 200, shop.payments.api.payments_for(order.number)


def ship(request: Request) -> Response:
    return 200, orders.ship_order(_order_id(request), request.now)


def deliver(request: Request) -> Response:
    return 200, orders.deliver_order(_order_id(request), request.now)


def cancel(request: Request) -> Response:
    return 200, orders.cancel_order(_order_id(request), request.now)


def refund(request: Request) -> Response:
    amount = validation.require_money(request.body, "amount") if request.body.get("amount") is not None else None
    reason = validation.require_text(request.body, "reason")
    return 200, orders.refund_order(_order_id(request), amount, reason, request.now)


def track(request: Request) -> Response:
    return 200, shipping.track(uuid.UUID(request.params["tracking"]))


def shipping_rate(request: Request) -> Response:
    region = validation.require_region(request.query, "country")
    weight_text = request.query.get("weight", "")
    if not weight_text.isdigit() or int(weight_text) == 0:
        raise validation.Invalid("weight", "must be a positive number of grams")
    return 200, {"country": region, "weight_grams": int(weight_text), "price": shipping.rate(region, int(weight_text))}
