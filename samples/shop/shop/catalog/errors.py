"""Exceptions of the catalog domain."""

from __future__ import annotations

from shop.common.errors import Conflict, NotFound


class ProductNotFound(NotFound):
    def __init__(self, sku: str) -> None:
        super().__init__(f"no product with SKU {sku}")
        self.sku = sku


class CategoryNotFound(NotFound):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no category {slug!r}")
        self.slug = slug


class DuplicateProduct(Conflict):
    def __init__(self, slug: str) -> None:
        super().__init__(f"a product named like {slug!r} already exists")
        self.slug = slug


class DuplicateCategory(Conflict):
    def __init__(self, slug: str) -> None:
        super().__init__(f"category {slug!r} already exists")
        self.slug = slug


class ProductRetired(Conflict):
    def __init__(self, sku: str) -> None:
        super().__init__(f"product {sku} is no longer sold")
        self.sku = sku
