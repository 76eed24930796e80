"""The customers domain's facade: registration, addresses and loyalty tiers."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from decimal import Decimal

import shop.notifications
from shop.common import stable_uuid
from shop.common.money import round_money
from shop.common.text import normalize_email
from shop.config import GOLD_TIER_THRESHOLD

from . import db
from .errors import CustomerNotFound, DuplicateEmail
from .models import Address, Customer, Tier


def _from_row(row: sqlite3.Row) -> Customer:
    return Customer(
        id=row["id"],
        public_id=uuid.UUID(row["public_id"]),
        email=row["email"],
        name=row["name"],
        address=Address(row["street"], row["city"], row["postcode"], row["country"]),
        tier=Tier(row["tier"]),
        lifetime_spend=Decimal(row["lifetime_spend"]),
        registered_at=datetime.datetime.fromisoformat(row["registered_at"]),
    )


def _load(conn: sqlite3.Connection, customer_id: int) -> Customer:
    row = conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
    if row is None:
        raise CustomerNotFound(customer_id)
    return _from_row(row)


def register(email: str, name: str, address: Address, now: datetime.datetime) -> Customer:
    """Create an account and send the welcome message."""
    email = normalize_email(email)
    public_id = stable_uuid("customer", email)
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM customers WHERE email = ?", (email,)).fetchone():
            raise DuplicateEmail(email)
        cursor = conn.execute(
            "INSERT INTO customers (public_id, email, name, street, city, postcode, country, tier, lifetime_spend,"
            " registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(public_id), email, name, address.street, address.city, address.postcode, address.country,
             Tier.STANDARD.value, "0.00", now.isoformat()),
        )
        assert cursor.lastrowid is not None
        customer = _load(conn, cursor.lastrowid)
    shop.notifications.api.send(
        email, shop.notifications.Template.WELCOME, {"name": name, "customer": str(public_id)}, now
    )
    return customer


def get_customer(customer_id: int) -> Customer:
    with db.transaction(write=False) as conn:
        return _load(conn, customer_id)


def find_by_email(email: str) -> Customer | None:
    with db.transaction(write=False) as conn:
        row = conn.execute("SELECT * FROM customers WHERE email = ?", (normalize_email(email),)).fetchone()
    return None if row is None else _from_row(row)


def change_address(customer_id: int, address: Address) -> Customer:
    with db.transaction() as conn:
        _load(conn, customer_id)
        conn.execute(
            "UPDATE customers SET street = ?, city = ?, postcode = ?, country = ? WHERE id = ?",
            (address.street, address.city, address.postcode, address.country, customer_id),
        )
        return _load(conn, customer_id)


def record_purchase(customer_id: int, amount: Decimal, now: datetime.datetime) -> Tier:
    """Add a paid order to the customer's lifetime spend; upgrade to gold past the threshold."""
    with db.transaction() as conn:
        customer = _load(conn, customer_id)
        spend = round_money(customer.lifetime_spend + amount)
        tier = Tier.GOLD if spend >= GOLD_TIER_THRESHOLD else customer.tier
        conn.execute(
            "UPDATE customers SET lifetime_spend = ?, tier = ? WHERE id = ?", (str(spend), tier.value, customer_id)
        )
    if tier is not customer.tier:
        shop.notifications.api.send(
            customer.email, shop.notifications.Template.TIER_UPGRADED, {"name": customer.name, "tier": tier.value},
            now,
        )
    return tier


def record_refund(customer_id: int, amount: Decimal) -> Decimal:
    """Take a refund off the lifetime spend (the tier is kept); returns the new spend."""
    with db.transaction() as conn:
        customer = _load(conn, customer_id)
        spend = max(round_money(customer.lifetime_spend - amount), Decimal("0.00"))
        conn.execute("UPDATE customers SET lifetime_spend = ? WHERE id = ?", (str(spend), customer_id))
    return spend
