"""The pricing domain's facade: coupons, tax rates and quotes."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from decimal import Decimal

from shop import config
from shop.common import money
from shop.customers.models import Tier
from shop.shipping import api as shipping

from . import db, discounts
from .errors import CouponUsedUp, DuplicateCoupon, InvalidCoupon
from .models import Coupon, DiscountKind, PriceLine, Quote, QuoteLine


def _coupon_from_row(row: sqlite3.Row) -> Coupon:
    return Coupon(
        code=row["code"],
        kind=DiscountKind(row["kind"]),
        value=Decimal(row["value"]),
        min_subtotal=Decimal(row["min_subtotal"]),
        valid_from=datetime.date.fromisoformat(row["valid_from"]),
        valid_until=datetime.date.fromisoformat(row["valid_until"]),
        max_uses=row["max_uses"],
        uses=row["uses"],
    )


def create_coupon(coupon: Coupon) -> Coupon:
    code = coupon.code.upper()
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM coupons WHERE code = ?", (code,)).fetchone():
            raise DuplicateCoupon(code)
        conn.execute(
            "INSERT INTO coupons (code, kind, value, min_subtotal, valid_from, valid_until, max_uses, uses)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (code, coupon.kind.value, str(coupon.value), str(coupon.min_subtotal), coupon.valid_from.isoformat(),
             coupon.valid_until.isoformat(), coupon.max_uses),
        )
        return _coupon_from_row(conn.execute("SELECT * FROM coupons WHERE code = ?", (code,)).fetchone())


def get_coupon(code: str) -> Coupon:
    with db.transaction(write=False) as conn:
        row = conn.execute("SELECT * FROM coupons WHERE code = ?", (code.upper(),)).fetchone()
    if row is None:
        raise InvalidCoupon(code.upper(), "does not exist")
    return _coupon_from_row(row)


def _tax_rate(conn: sqlite3.Connection, region: str) -> Decimal:
    if conn.execute("SELECT 1 FROM tax_rates LIMIT 1").fetchone() is None:
        conn.executemany(
            "INSERT INTO tax_rates (region, rate) VALUES (?, ?)",
            [(name, str(rate)) for name, rate in config.DEFAULT_TAX_RATES.items()],
        )
    row = conn.execute("SELECT rate FROM tax_rates WHERE region = ?", (region,)).fetchone()
    return Decimal(row[0]) if row else Decimal("0")


def set_tax_rate(region: str, rate: Decimal) -> tuple[str, Decimal]:
    with db.transaction() as conn:
        _tax_rate(conn, region)
        conn.execute("INSERT OR REPLACE INTO tax_rates (region, rate) VALUES (?, ?)", (region, str(rate)))
    return region, rate


def tax_rates() -> list[tuple[str, Decimal]]:
    with db.transaction() as conn:
        _tax_rate(conn, config.REGIONS[0])
        rows = conn.execute("SELECT region, rate FROM tax_rates ORDER BY region").fetchall()
    return [(row[0], Decimal(row[1])) for row in rows]


def quote(
    lines: tuple[PriceLine, ...], region: str, tier: Tier, coupon_code: str | None, today: datetime.date
) -> Quote:
    """Price a basket: line totals, tier and coupon discounts, shipping, then tax on the rest."""
    totals = [money.round_money(line.unit_price * line.quantity) for line in lines]
    subtotal = sum(totals, money.ZERO)
    notes: list[str] = []
    discount = discounts.tier_discount(tier, subtotal)
    if discount:
        notes.append(f"{tier.value} tier discount")
    free_shipping = False
    coupon = None
    if coupon_code:
        coupon = get_coupon(coupon_code)
        discounts.check_coupon(coupon, subtotal, today)
        discount += discounts.coupon_discount(coupon, subtotal)
        free_shipping = coupon.kind is DiscountKind.FREE_SHIPPING
        notes.append(f"coupon {coupon.code}")
    discount = min(discount, subtotal)
    weight = sum(line.weight_grams * line.quantity for line in lines)
    if free_shipping or subtotal - discount >= config.FREE_SHIPPING_THRESHOLD:
        shipping_cost = money.ZERO
        notes.append("free shipping")
    else:
        shipping_cost = shipping.rate(region, weight)
    with db.transaction() as conn:
        rate = _tax_rate(conn, region)
    tax = money.percent_of(subtotal - discount + shipping_cost, rate)
    shares = money.allocate(discount, totals)
    quote_lines = [
        QuoteLine(line.sku, line.quantity, line.unit_price, total, share)
        for line, total, share in zip(lines, totals, shares, strict=True)
    ]
    total = subtotal - discount + shipping_cost + tax
    return Quote(quote_lines, region, subtotal, discount, shipping_cost, rate, tax, total,
                 coupon.code if coupon else None, tuple(notes))


def redeem(code: str, order_ref: uuid.UUID, now: datetime.datetime) -> Coupon:
    """Count one use of a coupon by an order (once per order)."""
    with db.transaction() as conn:
        row = conn.execute("SELECT * FROM coupons WHERE code = ?", (code.upper(),)).fetchone()
        if row is None:
            raise InvalidCoupon(code.upper(), "does not exist")
        coupon = _coupon_from_row(row)
        if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
            raise CouponUsedUp(coupon.code)
        conn.execute(
            "INSERT INTO coupon_redemptions (code, order_ref, redeemed_at) VALUES (?, ?, ?)",
            (coupon.code, str(order_ref), now.isoformat()),
        )
        conn.execute("UPDATE coupons SET uses = uses + 1 WHERE code = ?", (coupon.code,))
        return _coupon_from_row(conn.execute("SELECT * FROM coupons WHERE code = ?", (coupon.code,)).fetchone())
