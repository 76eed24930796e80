"""The WSGI entry: every answer is one line of text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import mini.orders.service
from mini.catalog import api as catalog_api
from mini.orders import OrderError, place_order
from mini.orders.models import Status
from mini.util.money import format_money


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    try:
        if path.startswith("/order/"):
            skus = path.removeprefix("/order/").split(",")
            order = place_order(len(skus), skus, paid=len(skus) % 2 == 0)
            text = f"{order.describe()} paid={order.status is Status.PAID} {format_money(order.total)}"
        elif path == "/count":
            text = str(mini.orders.service.order_count())
        elif path == "/products":
            text = json.dumps([p.sku for p in catalog_api.products(limit=2, prefix="")])
        else:
            text = "not found"
    except OrderError as error:
        text = f"order error {type(error).__name__}: {error}"
    except KeyError as error:
        text = f"missing {type(error).__name__}: {error}"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [text.encode() + b"\n"]
