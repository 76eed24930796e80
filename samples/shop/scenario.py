"""Drive the shop's HTTP API through a realistic session and print every answer on one line.

Usage: python scenario.py BASE_URL   (e.g. http://127.0.0.1:8000)

Each line is ``METHOD PATH -> STATUS BODY`` with the JSON body's keys sorted, so two runs against two fresh
deployments (a monolith, or the same shop split into services) can be compared with ``diff``. Nothing here reads a
clock or makes random ids: the output depends only on the shop's answers. The exit status is 1 when an answer's
status differs from the one the scenario expects (the count is printed on stderr).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
NO_FUNDS_CARD = "5555 5555 5557 0069"  # Luhn-valid, ends in 0069: insufficient funds
MISTYPED_CARD = "4242 4242 4242 4241"
EXPIRES = "2027-06-30"


class Session:
    """One client of the shop: sends requests, prints answers, counts surprises."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.requests = 0
        self.surprises = 0

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200, raw: bytes | None = None) -> Any:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        try:
            answer = json.loads(payload)
            shown = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            answer, shown = None, payload.decode("utf-8", "replace")
        print(f"{method} {path} -> {status} {shown}", flush=True)
        self.requests += 1
        if status != expect:
            self.surprises += 1
            print(f"unexpected status {status} (expected {expect}) for {method} {path}", file=sys.stderr)
        return answer


def address(street: str, city: str, postcode: str, country: str) -> dict[str, str]:
    return {"street": street, "city": city, "postcode": postcode, "country": country}


def catalog(s: Session) -> dict[str, str]:
    """Categories and products; returns product name -> SKU."""
    for name in ("Mugs", "Tea", "Books"):
        s.call("POST", "/categories", {"name": name}, expect=201)
    s.call("POST", "/categories", {"name": "mugs"}, expect=409)
    s.call("POST", "/categories", {"name": "  "}, expect=400)
    skus = {}
    for name, category, price, stock, weight in (
        ("Blue Mug", "mugs", "12.50", 6, 400),
        ("Red Mug", "mugs", "11.00", 2, 400),
        ("Travel Mug", "mugs", "24.90", 10, 350),
        ("Green Tea", "tea", "6.80", 20, 100),
        ("Earl Grey", "tea", "5.90", 1, 100),
        ("Python Cookbook", "books", "39.00", 3, 1200),
        ("Tea Atlas", "books", "54.00", 4, 900),
    ):
        body = {"name": name, "category": category, "price": price, "stock": stock, "weight_grams": weight}
        skus[name] = s.call("POST", "/products", body, expect=201)["sku"]
    s.call("POST", "/products", {"name": "Cheap Mug", "category": "mugs", "price": "abc"}, expect=400)
    s.call("POST", "/products", {"name": "Float Mug", "category": "mugs", "price": 9.99}, expect=400)
    s.call("POST", "/products", {"name": "Lamp", "category": "lighting", "price": "20.00"}, expect=404)
    s.call("POST", "/products", {"name": "Blue mug", "category": "mugs", "price": "13.00"}, expect=409)
    s.call("GET", "/categories")
    s.call("GET", "/products?category=tea")
    s.call("GET", f"/products/{skus['Blue Mug']}")
    s.call("GET", "/products/NOPE-999", expect=404)
    s.call("PATCH", f"/products/{skus['Red Mug']}", {"price": "9.90"})
    s.call("PATCH", f"/products/{skus['Red Mug']}", {"price": "-1"}, expect=400)
    s.call("GET", f"/products/{skus['Red Mug']}/prices")
    s.call("DELETE", f"/products/{skus['Tea Atlas']}")
    s.call("GET", "/products")
    return skus


def promotions(s: Session) -> None:
    coupons = (
        {"code": "WELCOME10", "kind": "percent", "value": "10", "valid_from": "2024-03-01",
         "valid_until": "2024-12-31"},
        {"code": "FIVEOFF", "kind": "fixed", "value": "5.00", "min_subtotal": "30.00", "valid_from": "2024-01-01",
         "valid_until": "2024-12-31"},
        {"code": "SHIPFREE", "kind": "free_shipping", "value": "0", "valid_from": "2024-01-01",
         "valid_until": "2024-12-31", "max_uses": 1},
        {"code": "OLDIE", "kind": "percent", "value": "20", "valid_from": "2023-01-01", "valid_until": "2023-12-31"},
    )
    for coupon in coupons:
        s.call("POST", "/coupons", coupon, expect=201)
    s.call("POST", "/coupons", coupons[0], expect=409)
    s.call("POST", "/coupons", {**coupons[0], "code": "HALF", "kind": "half"}, expect=400)
    s.call("POST", "/coupons", {**coupons[0], "code": "TOOMUCH", "value": "150"}, expect=400)
    s.call("GET", "/coupons/fiveoff")
    s.call("GET", "/tax-rates")
    s.call("PUT", "/tax-rates/AT", {"rate": "0.10"})
    s.call("PUT", "/tax-rates/JP", {"rate": "0.10"}, expect=400)


def customers(s: Session) -> dict[str, int]:
    ids = {}
    for name, email, where in (
        ("Ann Weber", "ann@example.com", address("Hauptstr. 1", "Berlin", "10115", "DE")),
        ("Bob Martin", "Bob@Example.com", address("1 rue de Rivoli", "Paris", "75001", "FR")),
        ("Chloé de Vries", "chloe@example.nl", address("Damrak 5", "Amsterdam", "1012", "NL")),
        ("Dan Miller", "dan@example.com", address("5th Avenue 1", "New York", "10001", "US")),
    ):
        ids[name.split()[0]] = s.call("POST", "/customers", {"name": name, "email": email, "address": where},
                                      expect=201)["id"]
    s.call("POST", "/customers", {"name": "Bobby", "email": "bob@example.com",
                                  "address": address("x", "Paris", "75001", "FR")}, expect=409)
    s.call("POST", "/customers", {"name": "Eve", "email": "not-an-email",
                                  "address": address("x", "Rome", "00100", "FR")}, expect=400)
    s.call("POST", "/customers", {"name": "Eve", "email": "eve@example.jp",
                                  "address": address("x", "Tokyo", "100", "JP")}, expect=400)
    s.call("GET", f"/customers/{ids['Ann']}")
    s.call("GET", "/customers/99", expect=404)
    s.call("PUT", f"/customers/{ids['Dan']}/address", address("Ring 3", "Wien", "1010", "AT"))
    return ids


def first_order(s: Session, skus: dict[str, str], ann: int) -> int:
    """Ann: coupons tried in the cart, a refused card, then the full life of an order to a refund."""
    cart = s.call("POST", "/carts", {"customer_id": ann}, expect=201)["id"]
    s.call("POST", "/carts", {"customer_id": 42}, expect=404)
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Blue Mug"], "quantity": 2})
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Green Tea"], "quantity": 3})
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Green Tea"], "quantity": 0}, expect=400)
    s.call("POST", f"/carts/{cart}/items", {"sku": "TEA-099", "quantity": 1}, expect=404)
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Tea Atlas"], "quantity": 1}, expect=409)
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Green Tea"], "quantity": 18}, expect=400)
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Blue Mug"], "quantity": 5}, expect=409)
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Travel Mug"], "quantity": 1})
    s.call("DELETE", f"/carts/{cart}/items/{skus['Travel Mug']}")
    s.call("DELETE", f"/carts/{cart}/items/{skus['Travel Mug']}", expect=404)
    s.call("GET", f"/carts/{cart}")
    s.call("GET", f"/carts/{cart}?coupon=WELCOME10")
    s.call("GET", f"/carts/{cart}?coupon=OLDIE")
    s.call("GET", f"/carts/{cart}?coupon=NOSUCH")
    s.call("POST", f"/carts/{cart}/checkout", {"coupon": "OLDIE"}, expect=400)
    order = s.call("POST", f"/carts/{cart}/checkout", {"coupon": "WELCOME10"}, expect=201)["id"]
    s.call("POST", f"/carts/{cart}/checkout", {}, expect=409)
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Green Tea"], "quantity": 1}, expect=409)
    s.call("GET", f"/inventory/{skus['Blue Mug']}")
    card = {"holder": "Ann Weber", "expires": EXPIRES}
    s.call("POST", f"/orders/{order}/pay", {**card, "card_number": DECLINED_CARD}, expect=402)
    s.call("GET", f"/orders/{order}")
    s.call("POST", f"/orders/{order}/pay", {**card, "card_number": MISTYPED_CARD}, expect=400)
    s.call("POST", f"/orders/{order}/pay", {**card, "card_number": GOOD_CARD, "expires": "2023-01-31"}, expect=402)
    s.call("POST", f"/orders/{order}/ship", expect=409)
    paid = s.call("POST", f"/orders/{order}/pay", {**card, "card_number": GOOD_CARD})
    s.call("POST", f"/orders/{order}/pay", {**card, "card_number": GOOD_CARD}, expect=409)
    s.call("GET", f"/orders/{order}/payments")
    s.call("POST", f"/orders/{order}/refund", {"reason": "too early"}, expect=409)
    s.call("POST", f"/orders/{order}/ship")
    s.call("GET", f"/inventory/{skus['Blue Mug']}")
    s.call("GET", f"/shipments/{paid['tracking']}")
    s.call("POST", f"/orders/{order}/deliver")
    s.call("POST", f"/orders/{order}/cancel", expect=409)
    s.call("POST", f"/orders/{order}/refund", {"amount": "5.00", "reason": "chipped mug"})
    s.call("POST", f"/orders/{order}/refund", {"amount": "1000.00", "reason": "greedy"}, expect=409)
    s.call("POST", f"/orders/{order}/refund", {"reason": "changed my mind"})
    s.call("POST", f"/orders/{order}/refund", {"reason": "again"}, expect=409)
    return order


def stock_runs_out(s: Session, skus: dict[str, str], bob: int, chloe: int) -> None:
    """Bob and Chloé both want the last Earl Grey: Bob checks out first; then cancellations."""
    bob_cart = s.call("POST", "/carts", {"customer_id": bob}, expect=201)["id"]
    chloe_cart = s.call("POST", "/carts", {"customer_id": chloe}, expect=201)["id"]
    s.call("POST", f"/carts/{bob_cart}/items", {"sku": skus["Earl Grey"], "quantity": 1})
    s.call("POST", f"/carts/{bob_cart}/items", {"sku": skus["Red Mug"], "quantity": 2})
    s.call("POST", f"/carts/{chloe_cart}/items", {"sku": skus["Earl Grey"], "quantity": 1})
    bob_order = s.call("POST", f"/carts/{bob_cart}/checkout", {"coupon": "SHIPFREE"}, expect=201)["id"]
    s.call("POST", f"/carts/{chloe_cart}/checkout", {}, expect=409)
    s.call("GET", f"/inventory/{skus['Earl Grey']}")
    s.call("DELETE", f"/carts/{chloe_cart}/items/{skus['Earl Grey']}")
    s.call("POST", f"/carts/{chloe_cart}/checkout", {}, expect=409)
    s.call("POST", f"/carts/{chloe_cart}/items", {"sku": skus["Green Tea"], "quantity": 2})
    s.call("POST", f"/carts/{chloe_cart}/checkout", {"coupon": "SHIPFREE"}, expect=400)
    s.call("POST", f"/carts/{chloe_cart}/checkout", {"coupon": "FIVEOFF"}, expect=400)
    s.call("POST", f"/carts/{chloe_cart}/items", {"sku": skus["Python Cookbook"], "quantity": 1})
    chloe_order = s.call("POST", f"/carts/{chloe_cart}/checkout", {"coupon": "fiveoff"}, expect=201)["id"]
    s.call("POST", f"/orders/{bob_order}/pay", {"card_number": NO_FUNDS_CARD, "holder": "Bob Martin",
                                                 "expires": EXPIRES}, expect=402)
    s.call("POST", f"/orders/{bob_order}/cancel")
    s.call("GET", f"/inventory/{skus['Earl Grey']}")
    s.call("POST", f"/orders/{chloe_order}/pay", {"card_number": GOOD_CARD, "holder": "Chloé de Vries",
                                                   "expires": EXPIRES})
    cancelled = s.call("POST", f"/orders/{chloe_order}/cancel")
    s.call("GET", f"/shipments/{cancelled['tracking']}")
    s.call("GET", f"/orders/{chloe_order}/payments")
    s.call("GET", f"/customers/{bob}/notifications")


def gold_customer(s: Session, skus: dict[str, str], dan: int) -> None:
    """Dan spends enough to become a gold customer; his next cart gets the loyalty discount."""
    cart = s.call("POST", "/carts", {"customer_id": dan}, expect=201)["id"]
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Travel Mug"], "quantity": 8})
    s.call("POST", f"/carts/{cart}/items", {"sku": skus["Python Cookbook"], "quantity": 1})
    order = s.call("POST", f"/carts/{cart}/checkout", {"coupon": None}, expect=201)["id"]
    s.call("POST", f"/orders/{order}/pay", {"card_number": GOOD_CARD, "holder": "Dan Miller", "expires": EXPIRES})
    s.call("GET", f"/customers/{dan}")
    second = s.call("POST", "/carts", {"customer_id": dan}, expect=201)["id"]
    s.call("POST", f"/carts/{second}/items", {"sku": skus["Blue Mug"], "quantity": 1})
    s.call("GET", f"/carts/{second}?coupon=WELCOME10")
    next_order = s.call("POST", f"/carts/{second}/checkout", {"coupon": "WELCOME10"}, expect=201)["id"]
    s.call("POST", f"/orders/{next_order}/pay", {"card_number": GOOD_CARD, "holder": "Dan Miller",
                                                  "expires": EXPIRES})
    s.call("POST", f"/orders/{order}/ship")
    s.call("POST", f"/orders/{order}/deliver")
    s.call("GET", f"/customers/{dan}/orders")
    s.call("GET", f"/customers/{dan}/notifications")


def warehouse_and_reports(s: Session, skus: dict[str, str]) -> None:
    s.call("GET", "/reports/stock")
    s.call("POST", f"/inventory/{skus['Earl Grey']}/restock", {"quantity": 24})
    s.call("POST", f"/inventory/{skus['Earl Grey']}/restock", {"quantity": -3}, expect=400)
    s.call("POST", "/inventory/TEA-099/restock", {"quantity": 3}, expect=404)
    s.call("GET", f"/inventory/{skus['Earl Grey']}/movements")
    s.call("GET", "/shipping/rates?country=FR&weight=2500")
    s.call("GET", "/shipping/rates?country=JP&weight=2500", expect=400)
    s.call("GET", "/shipping/rates?country=DE&weight=heavy", expect=400)
    s.call("GET", "/shipments/00000000-0000-0000-0000-000000000000", expect=404)
    s.call("GET", "/orders")
    s.call("GET", "/orders?since=2024-03-10")
    s.call("GET", "/orders?since=yesterday", expect=400)
    s.call("GET", "/orders/999", expect=404)
    s.call("GET", "/reports/sales")
    s.call("GET", "/reports/stock?threshold=5")
    s.call("GET", "/reports/stock?threshold=many", expect=400)
    s.call("GET", "/reports/runs")


def protocol_errors(s: Session) -> None:
    s.call("GET", "/healthz")
    s.call("GET", "/no/such/page", expect=404)
    s.call("PATCH", "/carts", {}, expect=405)
    s.call("POST", "/carts", raw=b"{not json", expect=400)
    s.call("POST", "/carts", [1, 2, 3], expect=400)
    s.call("POST", "/carts", {"customer_id": "one"}, expect=400)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scenario.py BASE_URL", file=sys.stderr)
        return 2
    s = Session(argv[1])
    protocol_errors(s)
    skus = catalog(s)
    promotions(s)
    people = customers(s)
    first_order(s, skus, people["Ann"])
    stock_runs_out(s, skus, people["Bob"], people["Chloé"])
    gold_customer(s, skus, people["Dan"])
    warehouse_and_reports(s, skus)
    print(f"{s.requests} requests, {s.surprises} unexpected statuses", file=sys.stderr)
    return 1 if s.surprises else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
