"""The shop's HTTP API, called in-process."""

from __future__ import annotations

from pathlib import Path

from .conftest import Client

CARD = {"card_number": "4242424242424242", "holder": "Ann", "expires": "2030-01-31"}
DECLINED = {**CARD, "card_number": "4000000000000002"}


def checkout(client: Client, customer: int, sku: str, quantity: int, coupon: str | None = None) -> dict:
    cart = client.ok("POST", "/carts", {"customer_id": customer}, 201)["id"]
    client.ok("POST", f"/carts/{cart}/items", {"sku": sku, "quantity": quantity})
    return client.ok("POST", f"/carts/{cart}/checkout", {"coupon": coupon}, 201)


def test_health(client: Client) -> None:
    assert client.ok("GET", "/healthz") == {"status": "ok"}


def test_customers_register_fetch_and_refuse_duplicates(client: Client) -> None:
    address = {"street": "Main 1", "city": "Town", "postcode": "12345", "country": "de"}
    ann = client.ok("POST", "/customers", {"name": "Ann", "email": " Ann@Example.com", "address": address}, 201)
    assert ann["email"] == "ann@example.com"
    assert ann["address"]["country"] == "DE"
    assert client.ok("GET", f"/customers/{ann['id']}") == ann
    status, body = client.call("POST", "/customers", {"name": "A", "email": "ann@example.com", "address": address})
    assert (status, body["error"]["type"]) == (409, "DuplicateEmail")
    status, body = client.call("GET", "/customers/7")
    assert (status, body["error"]["type"]) == (404, "CustomerNotFound")


def test_routing_errors(client: Client) -> None:
    assert client.call("GET", "/nothing")[0] == 404
    assert client.call("DELETE", "/customers")[0] == 405
    assert client.call("GET", "/customers/abc")[0] == 404
    status, body = client.call("POST", "/categories", ["not", "an", "object"])
    assert status == 400
    assert body["error"]["message"] == "body: must be a JSON object"


def test_checkout_holds_stock_and_cancel_gives_it_back(stocked: Client) -> None:
    order = checkout(stocked, 1, "MUG-001", 2)
    assert order["state"] == "pending_payment"
    assert stocked.ok("GET", "/inventory/MUG-001") == {"sku": "MUG-001", "on_hand": 3, "reserved": 2, "available": 1}
    status, body = stocked.call("POST", "/carts", {"customer_id": 2})
    cart = body["id"]
    stocked.ok("POST", f"/carts/{cart}/items", {"sku": "MUG-001", "quantity": 1})
    status, body = stocked.call("POST", f"/carts/{cart}/items", {"sku": "MUG-001", "quantity": 1})
    assert (status, body["error"]["type"]) == (409, "OutOfStock")
    stocked.ok("POST", f"/orders/{order['id']}/cancel")
    assert stocked.ok("GET", "/inventory/MUG-001")["available"] == 3


def test_last_item_goes_to_the_first_checkout(stocked: Client) -> None:
    carts = [stocked.ok("POST", "/carts", {"customer_id": c}, 201)["id"] for c in (1, 2)]
    for cart in carts:
        stocked.ok("POST", f"/carts/{cart}/items", {"sku": "MUG-001", "quantity": 2})
    stocked.ok("POST", f"/carts/{carts[0]}/checkout", {}, 201)
    status, body = stocked.call("POST", f"/carts/{carts[1]}/checkout", {})
    assert status == 409
    assert body["error"] == {"type": "OutOfStock", "message": "only 1 of MUG-001 available, 2 requested"}


def test_declined_card_then_payment_ship_deliver_refund(stocked: Client) -> None:
    order = checkout(stocked, 1, "MUG-001", 1)
    status, body = stocked.call("POST", f"/orders/{order['id']}/pay", DECLINED)
    assert (status, body["error"]["type"]) == (402, "PaymentDeclined")
    assert stocked.ok("GET", f"/orders/{order['id']}")["state"] == "payment_failed"
    paid = stocked.ok("POST", f"/orders/{order['id']}/pay", CARD)
    assert paid["state"] == "paid"
    assert paid["tracking"]
    stocked.ok("POST", f"/orders/{order['id']}/ship")
    assert stocked.ok("GET", "/inventory/MUG-001") == {"sku": "MUG-001", "on_hand": 2, "reserved": 0, "available": 2}
    shipment = stocked.ok("GET", f"/shipments/{paid['tracking']}")
    assert shipment["state"] == "dispatched"
    stocked.ok("POST", f"/orders/{order['id']}/deliver")
    total = paid["totals"]["total"]
    partly = stocked.ok("POST", f"/orders/{order['id']}/refund", {"amount": "1.00", "reason": "scratch"})
    assert partly["state"] == "delivered"
    refunded = stocked.ok("POST", f"/orders/{order['id']}/refund", {"reason": "broken"})
    assert refunded["state"] == "refunded"
    payments = stocked.ok("GET", f"/orders/{order['id']}/payments")
    assert [p["state"] for p in payments] == ["declined", "refunded"]
    assert payments[1]["refunded"] == total
    sales = stocked.ok("GET", "/reports/sales")
    assert sales["declined_payments"] == 1
    assert sales["refunded"] == total


def test_a_big_spender_becomes_gold_and_gets_the_discount(stocked: Client) -> None:
    order = checkout(stocked, 2, "MUG-002", 2)
    stocked.ok("POST", f"/orders/{order['id']}/pay", CARD)
    assert stocked.ok("GET", "/customers/2")["tier"] == "gold"
    cart = stocked.ok("POST", "/carts", {"customer_id": 2}, 201)["id"]
    stocked.ok("POST", f"/carts/{cart}/items", {"sku": "MUG-001", "quantity": 2})
    quote = stocked.ok("GET", f"/carts/{cart}")["quote"]
    assert quote["discount"] == "1.25"
    assert quote["notes"] == ["gold tier discount"]
    templates = [n["template"] for n in stocked.ok("GET", "/customers/2/notifications")]
    assert templates == ["welcome", "order_placed", "tier_upgraded", "payment_received"]


def test_a_coupon_that_does_not_apply_is_reported_in_the_cart_and_refused_at_checkout(stocked: Client) -> None:
    coupon = {"code": "SUMMER", "kind": "percent", "value": "10", "valid_from": "2024-06-01",
              "valid_until": "2024-08-31"}
    stocked.ok("POST", "/coupons", coupon, 201)
    cart = stocked.ok("POST", "/carts", {"customer_id": 1}, 201)["id"]
    stocked.ok("POST", f"/carts/{cart}/items", {"sku": "MUG-001", "quantity": 1})
    view = stocked.ok("GET", f"/carts/{cart}?coupon=SUMMER")
    assert view["coupon_error"] == "is valid from 2024-06-01"
    assert view["quote"]["coupon"] is None
    status, body = stocked.call("POST", f"/carts/{cart}/checkout", {"coupon": "summer"})
    assert (status, body["error"]["type"]) == (400, "InvalidCoupon")


def test_each_domain_keeps_its_own_database(stocked: Client, data_dir: Path) -> None:
    order = checkout(stocked, 1, "MUG-001", 1)
    stocked.ok("POST", f"/orders/{order['id']}/pay", CARD)
    stocked.ok("GET", "/reports/sales")
    names = sorted(path.name for path in data_dir.glob("*.db"))
    assert names == ["cart.db", "catalog.db", "clock.db", "customers.db", "inventory.db", "notifications.db",
                     "orders.db", "payments.db", "pricing.db", "reports.db", "shipping.db"]


def test_two_fresh_shops_answer_the_same(tmp_path: Path, monkeypatch) -> None:
    answers = []
    for name in ("one", "two"):
        monkeypatch.setenv("DATA_DIR", str(tmp_path / name))
        client = Client()
        address = {"street": "Main 1", "city": "Town", "postcode": "12345", "country": "NL"}
        customer = client.ok("POST", "/customers", {"name": "Ann", "email": "a@b.nl", "address": address}, 201)
        cart = client.ok("POST", "/carts", {"customer_id": customer["id"]}, 201)
        answers.append((customer, cart))
    assert answers[0] == answers[1]
    assert answers[0][0]["registered_at"] == "2024-03-01T12:00:00+00:00"
