"""What the catalog domain stores and returns."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from decimal import Decimal


class ProductStatus(enum.Enum):
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True)
class Category:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class Product:
    """A product as the shop sells it; the price is the current list price, tax excluded."""

    sku: str
    name: str
    slug: str
    category: Category
    price: Decimal
    weight_grams: int
    status: ProductStatus
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclass
class ProductDraft:
    """What a merchant fills in to list a new product (mutable: the web layer builds it field by field)."""

    name: str
    category_slug: str
    price: Decimal
    weight_grams: int = 500
    initial_stock: int = 0


@dataclass(frozen=True)
class PriceChange:
    sku: str
    old_price: Decimal
    new_price: Decimal
    changed_at: datetime.datetime
