"""/api/orders: a customer's orders; /api/orders/sales: a seller's paid sales."""

from __future__ import annotations

from typing import Any

from flask import g

from ..auth.decorators import admin_required, token_required
from ..errors import ApiError
from ..extensions import db
from ..validation import json_body, money
from . import bp
from .models import Order
from .services import cancel_order, place_order, sales_of


def _visible_order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or (order.user_id != g.user.id and not g.user.is_admin):
        raise ApiError(404, f"no order {order_id}")
    return order


@bp.post("/")
@token_required
def create_order() -> Any:
    order = place_order(g.user, json_body().get("items"))
    return order.to_dict(), 201


@bp.get("/")
@token_required
def list_orders() -> Any:
    orders = db.session.execute(db.select(Order).filter_by(user_id=g.user.id).order_by(Order.id)).scalars()
    return {"orders": [order.to_dict() for order in orders]}


@bp.get("/<int:order_id>")
@token_required
def get_order(order_id: int) -> Any:
    return _visible_order(order_id).to_dict()


@bp.post("/<int:order_id>/pay")
@token_required
def pay(order_id: int) -> Any:
    order = _visible_order(order_id)
    if order.status != "pending":
        raise ApiError(409, f"a {order.status} order cannot be paid")
    order.status = "paid"
    db.session.commit()
    return order.to_dict()


@bp.post("/<int:order_id>/cancel")
@token_required
def cancel(order_id: int) -> Any:
    return cancel_order(_visible_order(order_id)).to_dict()


@bp.post("/<int:order_id>/ship")
@admin_required
def ship(order_id: int) -> Any:
    order = _visible_order(order_id)
    if order.status != "paid":
        raise ApiError(409, f"a {order.status} order cannot be shipped")
    order.status = "shipped"
    db.session.commit()
    return order.to_dict()


@bp.get("/sales")
@token_required
def sales() -> Any:
    rows = sales_of(g.user)
    total = sum(row["revenue_cents"] for row in rows)
    shown = [{"product": row["product"], "sold": row["sold"], "revenue": money(row["revenue_cents"])} for row in rows]
    return {"sales": shown, "total": money(total)}
