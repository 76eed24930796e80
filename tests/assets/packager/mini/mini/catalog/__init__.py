"""The catalog: prices of products."""

from .api import ProductMissing, price_of

__all__ = ["ProductMissing", "price_of"]
