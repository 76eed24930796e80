"""Prices, read from a YAML document."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import yaml

CURRENCY = "EUR"
_PRICES = yaml.safe_load("{apple: '0.50', pear: '0.75', melon: '2.10'}")


class ProductMissing(KeyError):
    """No such product."""


@dataclass(frozen=True)
class Product:
    sku: str
    price: Decimal


def price_of(sku: str) -> Decimal:
    """The unit price of ``sku``."""
    if sku not in _PRICES:
        raise ProductMissing(sku)
    return Decimal(_PRICES[sku])


def products(*skus: str, limit: int = 10, **filters: str) -> list[Product]:
    chosen = skus or tuple(sorted(_PRICES))
    return [Product(sku, Decimal(_PRICES[sku])) for sku in chosen[:limit] if filters.get("prefix", "") in sku]
