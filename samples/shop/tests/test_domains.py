"""The domains called directly: pure helpers, cross-domain calls and exceptions, the injectable clock."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from shop import catalog, pricing
from shop.cart import api as cart_api
from shop.common import money, stable_uuid
from shop.common.text import mask_card, slugify
from shop.customers import Address, Tier
from shop.customers import api as customers
from shop.inventory import OutOfStock
from shop.inventory import api as inventory
from shop.orders import api as orders
from shop.orders.errors import RefundWindowClosed
from shop.payments import Card, gateway
from shop.pricing.errors import InvalidCoupon
from shop.shipping import rates

NOW = datetime.datetime(2024, 5, 6, 10, 0, tzinfo=datetime.UTC)


def test_money_allocation_adds_up_exactly() -> None:
    parts = money.allocate(Decimal("10.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert parts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
    assert money.round_money(Decimal("0.125")) == Decimal("0.13")
    with pytest.raises(ValueError):
        money.to_money(0.1)


def test_text_and_ids() -> None:
    assert slugify("Chloé's  Crème Brûlée!") == "chloe-s-creme-brulee"
    assert mask_card("4242 4242 4242 4242") == "**** 4242"
    assert stable_uuid("order", 1) == stable_uuid("order", "1")
    assert stable_uuid("order", 1).version == 5


def test_gateway_rules() -> None:
    today = datetime.date(2024, 5, 6)
    good = Card("4242424242424242", "Ann", datetime.date(2030, 1, 1))
    assert gateway.authorize(good, Decimal("10"), today) is None
    assert gateway.authorize(Card("4000000000000002", "A", good.expires), Decimal("10"), today) == "card declined"
    assert gateway.authorize(Card(good.number, "A", datetime.date(2024, 1, 1)), Decimal("1"), today) == "card expired"


def test_delivery_estimates_skip_weekends() -> None:
    friday = datetime.date(2024, 5, 10)
    assert rates.estimate_delivery("DE", friday) == datetime.date(2024, 5, 14)
    assert rates.rate("DE", 2500) == Decimal("5.90")


def _shop(data_dir: Path) -> tuple[int, str, str]:
    customer = customers.register("ann@example.com", "Ann", Address("Main 1", "Town", "1", "DE"), NOW)
    catalog.api.create_category("Mugs")
    mug = catalog.api.create_product(catalog.ProductDraft("Mug", "mugs", Decimal("10.00"), initial_stock=2), NOW)
    pot = catalog.api.create_product(catalog.ProductDraft("Pot", "mugs", Decimal("30.00"), initial_stock=1), NOW)
    return customer.id, mug.sku, pot.sku


def test_reservations_are_all_or_nothing(data_dir: Path) -> None:
    _, mug, pot = _shop(data_dir)
    ref = uuid.uuid5(uuid.NAMESPACE_URL, "test")
    with pytest.raises(OutOfStock) as caught:
        inventory.reserve(ref, ((mug, 1), (pot, 2)), NOW)
    assert (caught.value.sku, caught.value.requested, caught.value.available) == (pot, 2, 1)
    assert inventory.stock_level(mug).reserved == 0
    held = inventory.reserve(ref, ((mug, 1), (pot, 1)), NOW)
    assert held.lines == ((mug, 1), (pot, 1))


def test_cart_view_catches_the_pricing_domains_exception(data_dir: Path) -> None:
    customer, mug, _ = _shop(data_dir)
    cart = cart_api.open_cart(customer, NOW)
    cart_api.add_item(cart.id, mug, 2, NOW)
    view = cart_api.view(cart.id, "NOSUCH", NOW.date())
    assert view.coupon_error == "does not exist"
    assert view.quote.subtotal == Decimal("20.00")
    with pytest.raises(InvalidCoupon):
        pricing.api.quote(cart_api.price_lines(view.cart), "DE", Tier.STANDARD, "NOSUCH", NOW.date())


def test_refunds_close_after_the_window(data_dir: Path) -> None:
    customer, mug, _ = _shop(data_dir)
    cart = cart_api.open_cart(customer, NOW)
    cart_api.add_item(cart.id, mug, 1, NOW)
    order = orders.place_order(cart.id, None, NOW)
    orders.pay_order(order.id, Card("4242424242424242", "Ann", datetime.date(2030, 1, 1)), NOW)
    orders.ship_order(order.id, NOW)
    orders.deliver_order(order.id, NOW)
    with pytest.raises(RefundWindowClosed):
        orders.refund_order(order.id, None, "late", NOW + datetime.timedelta(days=15))
    refunded = orders.refund_order(order.id, None, "in time", NOW + datetime.timedelta(days=14))
    assert refunded.state.value == "refunded"


def test_categories_sharing_a_prefix_get_distinct_skus(data_dir: Path) -> None:
    catalog.api.create_category("Bench")
    catalog.api.create_category("Bench 2")
    first = catalog.api.create_product(catalog.ProductDraft("Oak bench", "bench", Decimal("90.00")), NOW)
    second = catalog.api.create_product(catalog.ProductDraft("Pine bench", "bench-2", Decimal("70.00")), NOW)
    assert (first.sku, second.sku) == ("BEN-001", "BEN-002")
