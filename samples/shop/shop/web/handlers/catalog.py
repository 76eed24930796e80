"""Categories, products, prices and stock."""

from __future__ import annotations

import shop.catalog.api
import shop.inventory.api as inventory
from shop.catalog import ProductDraft, get_product, list_products
from shop.common import validation

from ..routing import Request, Response


def create_category(request: Request) -> Response:
    return 201, shop.catalog.api.create_category(validation.require_text(request.body, "name"))


def categories(request: Request) -> Response:
    return 200, shop.catalog.api.list_categories()


def create_product(request: Request) -> Response:
    draft = ProductDraft(
        name=validation.require_text(request.body, "name"),
        category_slug=validation.require_text(request.body, "category"),
        price=validation.require_money(request.body, "price"),
    )
    if "weight_grams" in request.body:
        draft.weight_grams = validation.require_int(request.body, "weight_grams", minimum=1, maximum=50_000)
    if "stock" in request.body:
        draft.initial_stock = validation.require_int(request.body, "stock")
    return 201, shop.catalog.api.create_product(draft, request.now)


def products(request: Request) -> Response:
    return 200, list_products(request.query.get("category"), include_retired=request.query.get("retired") == "1")


def show_product(request: Request) -> Response:
    return 200, get_product(request.params["sku"])


def change_price(request: Request) -> Response:
    price = validation.require_money(request.body, "price")
    return 200, shop.catalog.api.change_price(request.params["sku"], price, request.now)


def price_history(request: Request) -> Response:
    return 200, shop.catalog.api.price_history(request.params["sku"])


def retire(request: Request) -> Response:
    return 200, shop.catalog.api.retire_product(request.params["sku"], request.now)


def stock(request: Request) -> Response:
    return 200, inventory.stock_level(request.params["sku"])


def restock(request: Request) -> Response:
    quantity = validation.require_int(request.body, "quantity", minimum=1, maximum=10_000)
    return 200, inventory.restock(request.params["sku"], quantity, request.now)


def movements(request: Request) -> Response:
    return 200, inventory.movements(request.params["sku"])
