"""The cart domain's facade: open a cart, fill it, price it, hand it over to checkout."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from decimal import Decimal

import shop.catalog as catalog
import shop.inventory.api as inventory
from shop import pricing
from shop.config import MAX_LINE_QUANTITY
from shop.customers import get_customer
from shop.pricing import api as pricing_api

from . import db
from .errors import CartClosed, CartNotFound, LineNotInCart, TooMany
from .models import Cart, CartLine, CartState, CartView


def _load(conn: sqlite3.Connection, cart_id: int) -> Cart:
    row = conn.execute("SELECT * FROM carts WHERE id = ?", (cart_id,)).fetchone()
    if row is None:
        raise CartNotFound(cart_id)
    lines = conn.execute("SELECT * FROM cart_lines WHERE cart_id = ? ORDER BY position", (cart_id,)).fetchall()
    return Cart(
        id=row["id"],
        customer_id=row["customer_id"],
        state=CartState(row["state"]),
        created_at=datetime.datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.datetime.fromisoformat(row["updated_at"]),
        lines=[
            CartLine(line["sku"], line["name"], line["quantity"], Decimal(line["unit_price"]), line["weight_grams"])
            for line in lines
        ],
        order_ref=uuid.UUID(row["order_ref"]) if row["order_ref"] else None,
    )


def _load_open(conn: sqlite3.Connection, cart_id: int) -> Cart:
    cart = _load(conn, cart_id)
    if cart.state is not CartState.OPEN:
        raise CartClosed(cart_id)
    return cart


def open_cart(customer_id: int, now: datetime.datetime) -> Cart:
    """A new empty cart for an existing customer."""
    get_customer(customer_id)
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO carts (customer_id, state, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (customer_id, CartState.OPEN.value, now.isoformat(), now.isoformat()),
        )
        assert cursor.lastrowid is not None
        return _load(conn, cursor.lastrowid)


def get_cart(cart_id: int) -> Cart:
    with db.transaction(write=False) as conn:
        return _load(conn, cart_id)


def add_item(cart_id: int, sku: str, quantity: int, now: datetime.datetime) -> Cart:
    """Put ``quantity`` more of ``sku`` in the cart, at today's price, if the warehouse has them."""
    with db.transaction() as conn:
        cart = _load_open(conn, cart_id)
    product = catalog.get_sellable_product(sku)
    already = sum(line.quantity for line in cart.lines if line.sku == sku)
    wanted = already + quantity
    if wanted > MAX_LINE_QUANTITY:
        raise TooMany(sku, MAX_LINE_QUANTITY)
    inventory.check_available(sku, wanted)
    with db.transaction() as conn:
        _load_open(conn, cart_id)
        position = conn.execute("SELECT COUNT(*) FROM cart_lines WHERE cart_id = ?", (cart_id,)).fetchone()[0]
        conn.execute(
            "INSERT INTO cart_lines (cart_id, sku, name, quantity, unit_price, weight_grams, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = excluded.quantity,"
            " unit_price = excluded.unit_price",
            (cart_id, sku, product.name, wanted, str(product.price), product.weight_grams, position),
        )
        conn.execute("UPDATE carts SET updated_at = ? WHERE id = ?", (now.isoformat(), cart_id))
        return _load(conn, cart_id)


def remove_item(cart_id: int, sku: str, now: datetime.datetime) -> Cart:
    with db.transaction() as conn:
        _load_open(conn, cart_id)
        if not conn.execute("DELETE FROM cart_lines WHERE cart_id = ? AND sku = ?", (cart_id, sku)).rowcount:
            raise LineNotInCart(cart_id, sku)
        conn.execute("UPDATE carts SET updated_at = ? WHERE id = ?", (now.isoformat(), cart_id))
        return _load(conn, cart_id)


def price_lines(cart: Cart) -> tuple[pricing.PriceLine, ...]:
    """The cart's lines in the form the pricing domain takes."""
    return tuple(pricing.PriceLine(line.sku, line.quantity, line.unit_price, line.weight_grams) for line in cart.lines)


def view(cart_id: int, coupon: str | None, today: datetime.date) -> CartView:
    """The cart priced for its owner; a coupon that does not apply is reported, not raised."""
    cart = get_cart(cart_id)
    customer = get_customer(cart.customer_id)
    lines = price_lines(cart)
    region = customer.address.country
    try:
        quote = pricing_api.quote(lines, region, customer.tier, coupon, today)
        error = None
    except pricing.InvalidCoupon as exc:
        quote = pricing_api.quote(lines, region, customer.tier, None, today)
        error = exc.reason
    return CartView(cart, quote, error)


def mark_checked_out(cart_id: int, order_ref: uuid.UUID, now: datetime.datetime) -> Cart:
    """Close the cart: it became the order ``order_ref``."""
    with db.transaction() as conn:
        _load_open(conn, cart_id)
        conn.execute(
            "UPDATE carts SET state = ?, order_ref = ?, updated_at = ? WHERE id = ?",
            (CartState.CHECKED_OUT.value, str(order_ref), now.isoformat(), cart_id),
        )
        return _load(conn, cart_id)
