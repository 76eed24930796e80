"""The catalog domain's facade: categories, products, prices."""

from __future__ import annotations

import datetime
import sqlite3
from decimal import Decimal

import shop.inventory.api as inventory
from shop.common import slugify
from shop.common.money import round_money

from . import db, queries
from .errors import DuplicateCategory, DuplicateProduct, ProductRetired
from .models import Category, PriceChange, Product, ProductDraft, ProductStatus


def create_category(name: str) -> Category:
    slug = slugify(name)
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM categories WHERE slug = ?", (slug,)).fetchone():
            raise DuplicateCategory(slug)
        cursor = conn.execute("INSERT INTO categories (slug, name) VALUES (?, ?)", (slug, name))
        assert cursor.lastrowid is not None
        return Category(cursor.lastrowid, slug, name)


def list_categories() -> list[Category]:
    with db.transaction(write=False) as conn:
        rows = conn.execute("SELECT id, slug, name FROM categories ORDER BY slug").fetchall()
    return [Category(row["id"], row["slug"], row["name"]) for row in rows]


def _next_sku(conn: sqlite3.Connection, category: Category) -> str:
    """``<first 3 letters of the category>-<number>``; two categories may share a prefix, so skip taken numbers."""
    prefix = category.slug[:3].upper()
    count = conn.execute("SELECT COUNT(*) FROM products WHERE category_id = ?", (category.id,)).fetchone()[0]
    number = count + 1
    while conn.execute("SELECT 1 FROM products WHERE sku = ?", (f"{prefix}-{number:03d}",)).fetchone():
        number += 1
    return f"{prefix}-{number:03d}"


def create_product(draft: ProductDraft, now: datetime.datetime) -> Product:
    """List a new product and start keeping its stock in the inventory."""
    slug = slugify(draft.name)
    with db.transaction() as conn:
        category = queries.load_category(conn, draft.category_slug)
        if conn.execute("SELECT 1 FROM products WHERE slug = ?", (slug,)).fetchone():
            raise DuplicateProduct(slug)
        sku = _next_sku(conn, category)
        conn.execute(
            "INSERT INTO products (sku, name, slug, category_id, price, weight_grams, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sku, draft.name, slug, category.id, str(round_money(draft.price)), draft.weight_grams,
             ProductStatus.ACTIVE.value, now.isoformat(), now.isoformat()),
        )
        product = queries.load_product(conn, sku)
    inventory.ensure_item(sku, draft.initial_stock, now)
    return product


def get_product(sku: str) -> Product:
    with db.transaction(write=False) as conn:
        return queries.load_product(conn, sku)


def get_sellable_product(sku: str) -> Product:
    """The product, if it can still be bought; :class:`ProductRetired` otherwise."""
    product = get_product(sku)
    if product.status is not ProductStatus.ACTIVE:
        raise ProductRetired(sku)
    return product


def list_products(category_slug: str | None = None, *, include_retired: bool = False) -> list[Product]:
    sql = f"SELECT {queries.PRODUCT_COLUMNS} FROM products p JOIN categories c ON c.id = p.category_id WHERE 1 = 1"
    params: list[object] = []
    if category_slug is not None:
        sql += " AND c.slug = ?"
        params.append(category_slug)
    if not include_retired:
        sql += " AND p.status = ?"
        params.append(ProductStatus.ACTIVE.value)
    with db.transaction(write=False) as conn:
        if category_slug is not None:
            queries.load_category(conn, category_slug)
        rows = conn.execute(sql + " ORDER BY p.sku", params).fetchall()
    return [queries.product_from_row(row) for row in rows]


def change_price(sku: str, new_price: Decimal, now: datetime.datetime) -> PriceChange:
    new_price = round_money(new_price)
    with db.transaction() as conn:
        product = queries.load_product(conn, sku)
        conn.execute(
            "UPDATE products SET price = ?, updated_at = ? WHERE sku = ?", (str(new_price), now.isoformat(), sku)
        )
        conn.execute(
            "INSERT INTO price_history (sku, old_price, new_price, changed_at) VALUES (?, ?, ?, ?)",
            (sku, str(product.price), str(new_price), now.isoformat()),
        )
    return PriceChange(sku, product.price, new_price, now)


def price_history(sku: str) -> list[PriceChange]:
    with db.transaction(write=False) as conn:
        queries.load_product(conn, sku)
        rows = conn.execute("SELECT * FROM price_history WHERE sku = ? ORDER BY id", (sku,)).fetchall()
    return [queries.price_change_from_row(row) for row in rows]


def retire_product(sku: str, now: datetime.datetime) -> Product:
    with db.transaction() as conn:
        queries.load_product(conn, sku)
        conn.execute(
            "UPDATE products SET status = ?, updated_at = ? WHERE sku = ?",
            (ProductStatus.RETIRED.value, now.isoformat(), sku),
        )
        return queries.load_product(conn, sku)


def product_names(skus: tuple[str, ...]) -> dict[str, str]:
    """SKU -> product name for the SKUs that exist (unknown SKUs are left out)."""
    if not skus:
        return {}
    marks = ", ".join("?" for _ in skus)
    with db.transaction(write=False) as conn:
        rows = conn.execute(f"SELECT sku, name FROM products WHERE sku IN ({marks})", skus).fetchall()
    return {row["sku"]: row["name"] for row in rows}
