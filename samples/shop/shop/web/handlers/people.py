"""Customers and their messages."""

from __future__ import annotations

import shop.customers.api as customers_api
from shop import notifications
from shop.common import validation
from shop.customers import Address, get_customer
from shop.orders import api as orders

from ..routing import Request, Response


def parse_address(data: object) -> Address:
    if not isinstance(data, dict):
        raise validation.Invalid("address", "must be an object")
    return Address(
        street=validation.require_text(data, "street"),
        city=validation.require_text(data, "city"),
        postcode=validation.require_text(data, "postcode", max_length=12),
        country=validation.require_region(data, "country"),
    )


def register(request: Request) -> Response:
    email = validation.require_email(request.body)
    name = validation.require_text(request.body, "name")
    address = parse_address(validation.require_mapping(request.body, "address"))
    return 201, customers_api.register(email, name, address, request.now)


def show(request: Request) -> Response:
    return 200, get_customer(int(request.params["customer_id"]))


def change_address(request: Request) -> Response:
    return 200, customers_api.change_address(int(request.params["customer_id"]), parse_address(request.body))


def customer_orders(request: Request) -> Response:
    return 200, orders.orders_for_customer(int(request.params["customer_id"]))


def customer_messages(request: Request) -> Response:
    customer = get_customer(int(request.params["customer_id"]))
    return 200, notifications.outbox(customer.email)
