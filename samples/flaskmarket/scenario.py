"""Drive the market's JSON API through a realistic session and print every answer on one line.

Usage: python scenario.py BASE_URL   (e.g. http://127.0.0.1:5000)

Each line is ``METHOD PATH -> STATUS BODY`` (the JSON body with its keys sorted; for a redirect, `` Location: ...``
too), so two runs against two fresh deployments (the monolith, or the same app split into services) compare with
``diff``. Redirects are shown, not followed. The exit status is 1 when an answer's status is not the one the scenario
expects (each is named on stderr).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Session:
    """One client of the market: sends requests, prints answers, counts surprises."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(_NoRedirects)
        self.surprises = 0

    def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = None, expect: int = 200,
        raw: bytes | None = None,
    ) -> Any:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with self.opener.open(request, timeout=30) as response:
                status, payload, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, payload, headers = error.code, error.read(), error.headers
        try:
            answer = json.loads(payload)
            shown = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            answer, shown = None, payload.decode("utf-8", "replace") if status < 300 or status >= 400 else ""
        if 300 <= status < 400:
            location = headers.get("Location", "")
            shown = f"Location: {location.removeprefix(self.base_url)}"
        print(f"{method} {path} -> {status} {shown}".rstrip(), flush=True)
        if status != expect:
            self.surprises += 1
            print(f"unexpected status {status} (expected {expect}) for {method} {path}", file=sys.stderr)
        return answer


def people(s: Session) -> dict[str, str]:
    """Accounts and tokens: returns username -> token."""
    users = {
        "admin": "admin@example.com", "alice": "alice@example.com", "dave": "dave@example.com",
        "bob": "bob@example.com", "carol": "carol@example.com",
    }
    for name, email in users.items():
        s.call("POST", "/api/auth/register", {"username": name, "email": email, "password": f"{name}-secret-pw"},
               expect=201)
    s.call("POST", "/api/auth/register", {"username": "Alice", "email": "a2@example.com", "password": "12345678"},
           expect=409)
    s.call("POST", "/api/auth/register", {"username": "erin", "email": "erin", "password": "erin-secret-pw"},
           expect=400)
    s.call("POST", "/api/auth/register", {"username": "erin", "email": "erin@example.com", "password": "short"},
           expect=400)
    s.call("POST", "/api/auth/register", raw=b"{not json", expect=400)
    s.call("POST", "/api/auth/login", {"username": "bob", "password": "wrong-password"}, expect=401)
    s.call("POST", "/api/auth/login", {"username": "nobody", "password": "whatever1"}, expect=401)
    tokens = {}
    for name in users:
        tokens[name] = s.call("POST", "/api/auth/login", {"username": name, "password": f"{name}-secret-pw"})["token"]
    s.call("GET", "/api/auth/me", expect=401)
    s.call("GET", "/api/auth/me", token="not-a-token", expect=401)
    s.call("GET", "/api/auth/me", token=tokens["bob"])
    s.call("GET", "/api/auth/me", token=tokens["admin"])
    return tokens


def catalog(s: Session, t: dict[str, str]) -> None:
    s.call("POST", "/api/catalog/categories/", {"name": "Mugs"}, token=t["bob"], expect=403)
    s.call("POST", "/api/catalog/categories/", {"name": "Mugs"}, expect=401)
    for name in ("Mugs", "Tea", "Books"):
        s.call("POST", "/api/catalog/categories/", {"name": name}, token=t["admin"], expect=201)
    s.call("POST", "/api/catalog/categories/", {"name": "mugs"}, token=t["admin"], expect=409)
    s.call("GET", "/api/catalog/categories/")
    for seller, name, category, price, stock in (
        ("alice", "Blue Mug", "mugs", "12.50", 6),
        ("alice", "Red Mug", "mugs", "11", 2),
        ("alice", "Green Tea", "tea", "6.80", 20),
        ("dave", "Earl Grey", "tea", "5.9", 1),
        ("dave", "Python Cookbook", "books", "39.00", 3),
        ("dave", "Tea Atlas", "books", "54.00", 4),
    ):
        body = {"name": name, "category": category, "price": price, "stock": stock}
        s.call("POST", "/api/catalog/products/", body, token=t[seller], expect=201)
    s.call("POST", "/api/catalog/products/", {"name": "Blue mug", "category": "mugs", "price": "1", "stock": 1},
           token=t["alice"], expect=409)
    s.call("POST", "/api/catalog/products/", {"name": "Cheap Mug", "category": "mugs", "price": "abc", "stock": 1},
           token=t["alice"], expect=400)
    s.call("POST", "/api/catalog/products/", {"name": "Float Mug", "category": "mugs", "price": 9.99, "stock": 1},
           token=t["alice"], expect=400)
    s.call("POST", "/api/catalog/products/", {"name": "Lamp", "category": "lamps", "price": "20", "stock": 1},
           token=t["alice"], expect=400)
    s.call("POST", "/api/catalog/products/", {"name": "Lamp", "category": "mugs", "price": "20", "stock": -1},
           token=t["alice"], expect=400)
    s.call("POST", "/api/catalog/products/", {"name": "Lamp", "category": "mugs", "price": "20", "stock": 1},
           expect=401)
    s.call("GET", "/api/catalog/products", expect=308)
    s.call("GET", "/api/catalog/products/")
    s.call("GET", "/api/catalog/products/?category=tea")
    s.call("GET", "/api/catalog/products/?q=MUG")
    s.call("GET", "/api/catalog/products/?q=100%25")
    s.call("GET", "/api/catalog/products/?page=2")
    s.call("GET", "/api/catalog/products/?page=0", expect=400)
    s.call("GET", "/api/catalog/products/2")
    s.call("GET", "/api/catalog/products/99", expect=404)
    s.call("GET", "/api/catalog/products/abc", expect=404)
    s.call("PATCH", "/api/catalog/products/2", {"price": "10.50"}, token=t["bob"], expect=403)
    s.call("PATCH", "/api/catalog/products/2", {"price": "10.50", "stock": 3}, token=t["alice"])
    s.call("PATCH", "/api/catalog/products/2", {"stock": "many"}, token=t["alice"], expect=400)
    s.call("PATCH", "/api/catalog/products/99", {"stock": 1}, token=t["alice"], expect=404)
    s.call("PATCH", "/api/catalog/products/4", {"stock": 5}, token=t["admin"])
    s.call("PUT", "/api/catalog/products/1/tags", {"tags": ["Gift", "ceramic", "gift"]}, token=t["alice"])
    s.call("PUT", "/api/catalog/products/2/tags", {"tags": ["ceramic"]}, token=t["alice"])
    s.call("PUT", "/api/catalog/products/5/tags", {"tags": ["gift", "python"]}, token=t["dave"])
    s.call("PUT", "/api/catalog/products/5/tags", {"tags": "gift"}, token=t["dave"], expect=400)
    s.call("PUT", "/api/catalog/products/5/tags", {"tags": ["x"]}, token=t["alice"], expect=403)
    s.call("GET", "/api/catalog/tags/gift")
    s.call("GET", "/api/catalog/tags/ceramic")
    s.call("GET", "/api/catalog/tags/nothing", expect=404)
    s.call("POST", "/api/catalog/tags/gift", expect=405)


def orders(s: Session, t: dict[str, str]) -> None:
    s.call("POST", "/api/orders/", {"items": [{"product_id": 1, "quantity": 2}, {"product_id": 5, "quantity": 1}]},
           token=t["bob"], expect=201)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 4, "quantity": 2}]}, token=t["carol"], expect=201)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 6, "quantity": 9}]}, token=t["carol"], expect=409)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 1, "quantity": 1}]}, token=t["alice"], expect=400)
    s.call("POST", "/api/orders/", {"items": []}, token=t["bob"], expect=400)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 1, "quantity": 1}] * 2}, token=t["bob"], expect=400)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 42, "quantity": 1}]}, token=t["bob"], expect=400)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 3, "quantity": 0}]}, token=t["bob"], expect=400)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 3, "quantity": 1}]}, expect=401)
    s.call("GET", "/api/orders", token=t["bob"], expect=308)
    s.call("GET", "/api/orders/", token=t["bob"])
    s.call("GET", "/api/orders/1", token=t["bob"])
    s.call("GET", "/api/orders/1", token=t["carol"], expect=404)
    s.call("GET", "/api/orders/1", token=t["admin"])
    s.call("GET", "/api/orders/abc", token=t["bob"], expect=404)
    s.call("POST", "/api/reviews/products/1", {"rating": 5, "body": "Lovely"}, token=t["bob"], expect=403)
    s.call("POST", "/api/orders/1/pay", token=t["bob"])
    s.call("POST", "/api/orders/1/pay", token=t["bob"], expect=409)
    s.call("POST", "/api/orders/2/pay", token=t["carol"])
    s.call("GET", "/api/catalog/products/1")
    s.call("POST", "/api/orders/2/cancel", token=t["carol"])
    s.call("POST", "/api/orders/2/cancel", token=t["carol"], expect=409)
    s.call("GET", "/api/catalog/products/4")
    s.call("POST", "/api/orders/1/ship", token=t["bob"], expect=403)
    s.call("POST", "/api/orders/2/ship", token=t["admin"], expect=409)
    s.call("POST", "/api/orders/1/ship", token=t["admin"])
    s.call("POST", "/api/orders/1/cancel", token=t["bob"], expect=409)
    s.call("POST", "/api/orders/", {"items": [{"product_id": 3, "quantity": 4}, {"product_id": 6, "quantity": 1}]},
           token=t["carol"], expect=201)
    s.call("POST", "/api/orders/3/pay", token=t["carol"])
    s.call("GET", "/api/orders/", token=t["carol"])
    s.call("GET", "/api/orders/sales", token=t["alice"])
    s.call("GET", "/api/orders/sales", token=t["dave"])
    s.call("GET", "/api/orders/sales", token=t["bob"])
    s.call("PUT", "/api/orders/1", token=t["bob"], expect=405)


def reviews(s: Session, t: dict[str, str]) -> None:
    s.call("POST", "/api/reviews/products/1", {"rating": 5, "body": " Lovely mug "}, token=t["bob"], expect=201)
    s.call("POST", "/api/reviews/products/1", {"rating": 4}, token=t["bob"], expect=409)
    s.call("POST", "/api/reviews/products/5", {"rating": 7}, token=t["bob"], expect=400)
    s.call("POST", "/api/reviews/products/5", {"rating": 3, "body": "Dense"}, token=t["bob"], expect=201)
    s.call("POST", "/api/reviews/products/3", {"rating": 4, "body": "Fresh"}, token=t["carol"], expect=201)
    s.call("POST", "/api/reviews/products/4", {"rating": 1}, token=t["carol"], expect=403)
    s.call("POST", "/api/reviews/products/99", {"rating": 1}, token=t["carol"], expect=404)
    s.call("POST", "/api/reviews/products/6", {"rating": 2, "body": 12}, token=t["carol"], expect=400)
    s.call("POST", "/api/reviews/products/6", {"rating": 2, "body": "Heavy"}, token=t["carol"], expect=201)
    s.call("GET", "/api/reviews/products/1")
    s.call("GET", "/api/reviews/products/5")
    s.call("GET", "/api/catalog/products/5")
    s.call("GET", "/api/auth/users/4", token=t["alice"])
    s.call("GET", "/api/auth/users/99", token=t["alice"], expect=404)
    s.call("GET", "/api/auth/users/4", expect=401)
    s.call("DELETE", "/api/reviews/2", token=t["carol"], expect=403)
    s.call("DELETE", "/api/reviews/2", token=t["admin"], expect=204)
    s.call("DELETE", "/api/reviews/2", token=t["admin"], expect=404)
    s.call("DELETE", "/api/reviews/1", token=t["bob"], expect=204)
    s.call("GET", "/api/catalog/products/1")
    s.call("GET", "/api/auth/users/4", token=t["alice"])
    s.call("GET", "/api/reviews/", expect=404)


def wind_down(s: Session, t: dict[str, str]) -> None:
    s.call("DELETE", "/api/catalog/products/2", token=t["dave"], expect=403)
    s.call("DELETE", "/api/catalog/products/2", token=t["alice"], expect=204)
    s.call("GET", "/api/catalog/products/?category=mugs")
    s.call("POST", "/api/orders/", {"items": [{"product_id": 2, "quantity": 1}]}, token=t["bob"], expect=400)
    s.call("GET", "/api/catalog/tags/ceramic")
    s.call("POST", "/api/auth/logout", token=t["bob"], expect=204)
    s.call("GET", "/api/auth/me", token=t["bob"], expect=401)
    bob = s.call("POST", "/api/auth/login", {"username": "bob", "password": "bob-secret-pw"})["token"]
    s.call("GET", "/api/orders/", token=bob)
    s.call("GET", "/api/auth/logout", token=bob, expect=405)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scenario.py BASE_URL", file=sys.stderr)
        return 2
    s = Session(argv[1])
    s.call("GET", "/healthz")
    s.call("GET", "/", expect=302)
    s.call("GET", "/no/such/page", expect=404)
    s.call("DELETE", "/api/catalog/categories/", expect=405)
    s.call("GET", "/api/catalog/products/")
    tokens = people(s)
    catalog(s, tokens)
    orders(s, tokens)
    reviews(s, tokens)
    wind_down(s, tokens)
    if s.surprises:
        print(f"{s.surprises} unexpected statuses", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
