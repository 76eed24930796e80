"""Catalog: categories, products and their prices."""

from .api import get_product, get_sellable_product, list_products
from .errors import ProductNotFound, ProductRetired
from .models import Category, PriceChange, Product, ProductDraft, ProductStatus

__all__ = [
    "Category",
    "PriceChange",
    "Product",
    "ProductDraft",
    "ProductNotFound",
    "ProductRetired",
    "ProductStatus",
    "get_product",
    "get_sellable_product",
    "list_products",
]
