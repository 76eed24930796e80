"""The WSGI application: route, read the clock, call a handler, turn domain exceptions into HTTP statuses."""

from __future__ import annotations

import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from shop import clock
from shop.common.errors import Conflict, Invalid, NotFound, PaymentRequired, ShopError

from . import jsonio
from .handlers import backoffice, catalog, checkout, fulfilment, people
from .routing import Request, Route, match, route

ROUTES: tuple[Route, ...] = (
    route("POST", "/customers", people.register),
    route("GET", "/customers/{customer_id:int}", people.show),
    route("PUT", "/customers/{customer_id:int}/address", people.change_address),
    route("GET", "/customers/{customer_id:int}/orders", people.customer_orders),
    route("GET", "/customers/{customer_id:int}/notifications", people.customer_messages),
    route("POST", "/categories", catalog.create_category),
    route("GET", "/categories", catalog.categories),
    route("POST", "/products", catalog.create_product),
    route("GET", "/products", catalog.products),
    route("GET", "/products/{sku}", catalog.show_product),
    route("PATCH", "/products/{sku}", catalog.change_price),
    route("DELETE", "/products/{sku}", catalog.retire),
    route("GET", "/products/{sku}/prices", catalog.price_history),
    route("GET", "/inventory/{sku}", catalog.stock),
    route("POST", "/inventory/{sku}/restock", catalog.restock),
    route("GET", "/inventory/{sku}/movements", catalog.movements),
    route("POST", "/coupons", checkout.create_coupon),
    route("GET", "/coupons/{code}", checkout.show_coupon),
    route("GET", "/tax-rates", checkout.tax_rates),
    route("PUT", "/tax-rates/{region}", checkout.set_tax_rate),
    route("POST", "/carts", checkout.open_cart),
    route("GET", "/carts/{cart_id:int}", checkout.show_cart),
    route("POST", "/carts/{cart_id:int}/items", checkout.add_item),
    route("DELETE", "/carts/{cart_id:int}/items/{sku}", checkout.remove_item),
    route("POST", "/carts/{cart_id:int}/checkout", checkout.checkout),
    route("GET", "/orders", fulfilment.listing),
    route("GET", "/orders/{order_id:int}", fulfilment.show),
    route("POST", "/orders/{order_id:int}/pay", fulfilment.pay),
    route("GET", "/orders/{order_id:int}/payments", fulfilment.payments),
    route("POST", "/orders/{order_id:int}/ship", fulfilment.ship),
    route("POST", "/orders/{order_id:int}/deliver", fulfilment.deliver),
    route("POST", "/orders/{order_id:int}/cancel", fulfilment.cancel),
    route("POST", "/orders/{order_id:int}/refund", fulfilment.refund),
    route("GET", "/shipments/{tracking:uuid}", fulfilment.track),
    route("GET", "/shipping/rates", fulfilment.shipping_rate),
    route("GET", "/reports/sales", backoffice.sales),
    route("GET", "/reports/stock", backoffice.stock),
    route("GET", "/reports/runs", backoffice.runs),
)

# Domain exception base -> HTTP status; the first base that matches wins.
STATUSES: tuple[tuple[type[ShopError], HTTPStatus], ...] = (
    (NotFound, HTTPStatus.NOT_FOUND),
    (Conflict, HTTPStatus.CONFLICT),
    (Invalid, HTTPStatus.BAD_REQUEST),
    (PaymentRequired, HTTPStatus.PAYMENT_REQUIRED),
)

MAX_BODY = 1 << 20

StartResponse = Callable[..., Any]


def _error(status: HTTPStatus, kind: str, message: str) -> tuple[HTTPStatus, Any]:
    return status, {"error": {"type": kind, "message": message}}


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise Invalid("body", f"is larger than {MAX_BODY} bytes")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def handle(method: str, path: str, query_string: str, body: bytes) -> tuple[int, Any]:
    """Answer one request: (status, JSON-able value)."""
    if path == "/healthz":
        return HTTPStatus.OK, {"status": "ok"}
    found, params, path_known = match(ROUTES, method, path)
    if found is None:
        if path_known:
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed", f"{method} is not allowed on {path}")
        return _error(HTTPStatus.NOT_FOUND, "NoSuchRoute", f"no route for {method} {path}")
    try:
        query = dict(urllib.parse.parse_qsl(query_string))
        now = clock.now() if method in ("GET", "HEAD") else clock.tick()
        request = Request(method, path, query, jsonio.loads(body), params, now)
        return found.handler(request)
    except ShopError as exc:
        for base, status in STATUSES:
            if isinstance(exc, base):
                return _error(status, type(exc).__name__, str(exc))
        return _error(HTTPStatus.BAD_REQUEST, type(exc).__name__, str(exc))


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The shop's WSGI entry point."""
    try:
        status, value = handle(
            environ["REQUEST_METHOD"].upper(),
            environ.get("PATH_INFO") or "/",
            environ.get("QUERY_STRING", ""),
            _read_body(environ),
        )
    except Invalid as exc:
        status, value = _error(HTTPStatus.BAD_REQUEST, type(exc).__name__, str(exc))
    except Exception:  # a bug: log it, answer 500 without the details
        traceback.print_exc()
        status, value = _error(HTTPStatus.INTERNAL_SERVER_ERROR, "InternalError", "the shop failed; see its log")
    payload = jsonio.dumps(value)
    phrase = HTTPStatus(status).phrase
    start_response(
        f"{int(status)} {phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
