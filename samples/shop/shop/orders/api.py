"""The orders domain's facade: checkout, payment, shipping, cancellation and refunds of orders.

Orders are where the domains meet: a checkout reads the cart and the customer, prices the basket, reserves stock,
redeems the coupon and closes the cart; paying charges the card and books the parcel.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import shop.notifications
import shop.payments.api
from shop import cart as carts
from shop import pricing
from shop.catalog import get_product
from shop.common import stable_uuid
from shop.common.money import format_money
from shop.config import REFUND_WINDOW_DAYS
from shop.customers import api as customers
from shop.inventory import api as inventory
from shop.notifications import Template
from shop.payments import Card, PaymentDeclined
from shop.shipping import ShipmentItem, ShipmentRequest
from shop.shipping import api as shipping

from . import store, workflow
from .errors import RefundWindowClosed
from .models import Order, OrderLine, OrderState, OrderSummary, Totals

ACTIVE_STATES = (OrderState.PAID.value, OrderState.SHIPPED.value, OrderState.DELIVERED.value)


def _notify(customer_id: int, template: Template, context: dict[str, str], now: datetime.datetime) -> None:
    customer = customers.get_customer(customer_id)
    shop.notifications.api.send(customer.email, template, context, now)


def place_order(cart_id: int, coupon: str | None, now: datetime.datetime) -> Order:
    """Turn an open cart into an order awaiting payment, holding its stock."""
    cart = carts.api.get_cart(cart_id)
    if cart.state is not carts.CartState.OPEN:
        raise carts.CartClosed(cart_id)
    if not cart.lines:
        raise carts.EmptyCart(cart_id)
    customer = customers.get_customer(cart.customer_id)
    number = stable_uuid("order", cart_id)
    quote = pricing.api.quote(
        carts.api.price_lines(cart), customer.address.country, customer.tier, coupon, now.date()
    )
    inventory.reserve(number, tuple((line.sku, line.quantity) for line in cart.lines), now)
    if quote.coupon:
        try:
            pricing.api.redeem(quote.coupon, number, now)
        except pricing.CouponUsedUp:
            inventory.release(number, now)
            raise
    names = {line.sku: line.name for line in cart.lines}
    order = Order(
        id=0,
        number=number,
        customer_id=customer.id,
        state=OrderState.PENDING_PAYMENT,
        totals=Totals(quote.subtotal, quote.discount, quote.shipping, quote.tax, quote.total),
        region=quote.region,
        placed_at=now,
        coupon=quote.coupon,
        lines=[OrderLine(q.sku, names[q.sku], q.quantity, q.unit_price, q.line_total) for q in quote.lines],
    )
    order = store.insert(order, cart_id)
    carts.api.mark_checked_out(cart_id, number, now)
    shop.notifications.api.send(
        customer.email, Template.ORDER_PLACED, {"order": str(number), "total": format_money(quote.total)}, now
    )
    return order


def get_order(order_id: int) -> Order:
    return store.get(order_id)


def pay_order(order_id: int, card: Card, now: datetime.datetime) -> Order:
    """Charge the order's total; on success book the parcel. A declined card leaves the order payable again."""
    order = store.get(order_id)
    workflow.ensure_allowed(order, "pay")
    try:
        payment = shop.payments.api.charge(order.number, order.totals.total, card, now)
    except PaymentDeclined as declined:
        store.change_state(order_id, OrderState.PAYMENT_FAILED, now, f"payment {declined.payment_id} declined")
        _notify(order.customer_id, Template.PAYMENT_FAILED, {"order": str(order.number), "reason": declined.reason},
                now)
        raise
    customer = customers.get_customer(order.customer_id)
    request = ShipmentRequest(order.number, customer.name, customer.email, customer.address)
    for line in order.lines:
        request.items.append(ShipmentItem(line.sku, line.quantity))
    request.weight_grams = sum(get_product(line.sku).weight_grams * line.quantity for line in order.lines)
    shipment = shipping.create_shipment(request, now)
    order = store.change_state(order_id, OrderState.PAID, now, f"payment {payment.id} approved",
                               tracking=shipment.tracking)
    customers.record_purchase(order.customer_id, payment.amount, now)
    shop.notifications.api.send(
        customer.email, Template.PAYMENT_RECEIVED, {"order": str(order.number), "amount": format_money(payment.amount)},
        now,
    )
    return order


def ship_order(order_id: int, now: datetime.datetime) -> Order:
    """The parcel leaves: the held stock is taken out of the warehouse."""
    order = store.get(order_id)
    workflow.ensure_allowed(order, "ship")
    assert order.tracking is not None
    inventory.commit(order.number, now)
    shipping.dispatch(order.tracking, now)
    return store.change_state(order_id, OrderState.SHIPPED, now, "handed to carrier")


def deliver_order(order_id: int, now: datetime.datetime) -> Order:
    order = store.get(order_id)
    workflow.ensure_allowed(order, "deliver")
    assert order.tracking is not None
    shipping.deliver(order.tracking, now)
    return store.change_state(order_id, OrderState.DELIVERED, now, "delivered")


def cancel_order(order_id: int, now: datetime.datetime) -> Order:
    """Cancel before shipping: the stock goes back, a paid order is refunded in full."""
    order = store.get(order_id)
    workflow.ensure_allowed(order, "cancel")
    inventory.release(order.number, now)
    refund_note = "Nothing was charged."
    if order.state is OrderState.PAID:
        refund = shop.payments.api.refund(order.number, None, "order cancelled", now)
        customers.record_refund(order.customer_id, refund.amount)
        refund_note = f"We refunded {format_money(refund.amount)}."
        if order.tracking is not None:
            shipping.cancel(order.tracking, now)
    _notify(order.customer_id, Template.CANCELLED, {"order": str(order.number), "refund": refund_note}, now)
    return store.change_state(order_id, OrderState.CANCELLED, now, "cancelled by customer")


def refund_order(order_id: int, amount: Decimal | None, reason: str, now: datetime.datetime) -> Order:
    """Refund part or all of a delivered order within the refund window."""
    order = store.get(order_id)
    workflow.ensure_allowed(order, "refund")
    delivered_at = next(event.at for event in reversed(order.events) if event.state is OrderState.DELIVERED)
    if (now.date() - delivered_at.date()).days > REFUND_WINDOW_DAYS:
        raise RefundWindowClosed(order_id, REFUND_WINDOW_DAYS)
    refund = shop.payments.api.refund(order.number, amount, reason, now)
    customers.record_refund(order.customer_id, refund.amount)
    _notify(order.customer_id, Template.REFUNDED, {"order": str(order.number), "amount": format_money(refund.amount)},
            now)
    left = shop.payments.api.refundable(order.number)
    state = OrderState.REFUNDED if left == 0 else OrderState.DELIVERED
    return store.change_state(order_id, state, now, f"refunded {refund.amount}: {reason}")


def orders_for_customer(customer_id: int) -> list[OrderSummary]:
    customers.get_customer(customer_id)
    return store.summaries("customer_id = ?", (customer_id,))


def list_orders(since: datetime.date | None = None) -> list[OrderSummary]:
    """Every order, or those placed on or after ``since``."""
    if since is None:
        return store.summaries()
    return store.summaries("placed_at >= ?", (since.isoformat(),))


def product_sales() -> list[tuple[str, str, int, Decimal]]:
    """(sku, name, quantity, revenue) over paid, shipped and delivered orders."""
    return store.product_sales(ACTIVE_STATES)
