"""Stock moves with orders: placing takes it, cancelling puts it back (writes the catalog's ``products``)."""

from __future__ import annotations

from typing import Any

from ..auth.models import User
from ..catalog.models import Product
from ..errors import ApiError
from ..extensions import db
from ..validation import integer
from .models import Order, OrderItem

MAX_LINES = 10


def place_order(user: User, lines: Any) -> Order:
    if not isinstance(lines, list) or not lines or len(lines) > MAX_LINES:
        raise ApiError(400, f"items: must be a list of 1 to {MAX_LINES} lines")
    order = Order(user=user, status="pending", total_cents=0)
    seen: set[int] = set()
    for line in lines:
        if not isinstance(line, dict):
            raise ApiError(400, "items: each line must be an object")
        product_id = integer(line, "product_id", minimum=1)
        quantity = integer(line, "quantity", minimum=1, maximum=99)
        if product_id in seen:
            raise ApiError(400, f"items: product {product_id} appears twice")
        seen.add(product_id)
        product = db.session.execute(
            db.select(Product).filter_by(id=product_id, active=True).with_for_update()
        ).scalar_one_or_none()
        if product is None:
            raise ApiError(400, f"items: no product {product_id}")
        if product.seller_id == user.id:
            raise ApiError(400, f"items: you sell {product.slug}")
        if product.stock < quantity:
            raise ApiError(409, f"only {product.stock} of {product.slug} left")
        product.stock -= quantity
        order.items.append(OrderItem(product=product, quantity=quantity, unit_price_cents=product.price_cents))
        order.total_cents += quantity * product.price_cents
    db.session.add(order)
    db.session.commit()
    return order


def cancel_order(order: Order) -> Order:
    if order.status != "pending" and order.status != "paid":
        raise ApiError(409, f"a {order.status} order cannot be cancelled")
    for item in order.items:
        item.product.stock += item.quantity
    order.status = "cancelled"
    db.session.commit()
    return order


def sales_of(seller: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        db.select(
            Product.slug, db.func.sum(OrderItem.quantity), db.func.sum(OrderItem.quantity * OrderItem.unit_price_cents)
        )
        .join(OrderItem, OrderItem.product_id == Product.id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Product.seller_id == seller.id, Order.status.in_(("paid", "shipped")))
        .group_by(Product.id, Product.slug)
        .order_by(Product.id)
    ).all()
    return [{"product": slug, "sold": int(sold), "revenue_cents": int(revenue)} for slug, sold, revenue in rows]
