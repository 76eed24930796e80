"""The catalog: prices of products."""

from .api import ProductMissing, price_of
