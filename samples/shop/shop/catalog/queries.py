"""Row mapping for the catalog's tables."""

from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal

from .errors import CategoryNotFound, ProductNotFound
from .models import Category, PriceChange, Product, ProductStatus

PRODUCT_COLUMNS = (
    "p.sku, p.name, p.slug, p.price, p.weight_grams, p.status, p.created_at, p.updated_at, "
    "c.id AS category_id, c.slug AS category_slug, c.name AS category_name"
)


def product_from_row(row: sqlite3.Row) -> Product:
    return Product(
        sku=row["sku"],
        name=row["name"],
        slug=row["slug"],
        category=Category(row["category_id"], row["category_slug"], row["category_name"]),
        price=Decimal(row["price"]),
        weight_grams=row["weight_grams"],
        status=ProductStatus(row["status"]),
        created_at=datetime.datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.datetime.fromisoformat(row["updated_at"]),
    )


def load_product(conn: sqlite3.Connection, sku: str) -> Product:
    row = conn.execute(
        f"SELECT {PRODUCT_COLUMNS} FROM products p JOIN categories c ON c.id = p.category_id WHERE p.sku = ?",
        (sku,),
    ).fetchone()
    if row is None:
        raise ProductNotFound(sku)
    return product_from_row(row)


def load_category(conn: sqlite3.Connection, slug: str) -> Category:
    row = conn.execute("SELECT id, slug, name FROM categories WHERE slug = ?", (slug,)).fetchone()
    if row is None:
        raise CategoryNotFound(slug)
    return Category(row["id"], row["slug"], row["name"])


def price_change_from_row(row: sqlite3.Row) -> PriceChange:
    return PriceChange(
        row["sku"], Decimal(row["old_price"]), Decimal(row["new_price"]),
        datetime.datetime.fromisoformat(row["changed_at"]),
    )
