"""The market's own tests (stdlib unittest; pytest runs them too): the migrated schema and the main flows."""

from __future__ import annotations

import os
import tempfile
import unittest
from typing import Any

from flask_migrate import upgrade
from market import create_app
from market.catalog.models import Product
from market.extensions import db


class MarketTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        uri = f"sqlite:///{os.path.join(self.tmp.name, 'test.db')}"
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
        with self.app.app_context():
            upgrade(directory=self.app.config["MIGRATIONS_DIR"])
        self.client = self.app.test_client()

    def tearDown(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        self.tmp.cleanup()

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.open(path, method=method, json=body, headers=headers)

    def login(self, name: str) -> str:
        password = f"{name}-password"
        self.call("POST", "/api/auth/register", {"username": name, "email": f"{name}@x.org", "password": password})
        return self.call("POST", "/api/auth/login", {"username": name, "password": password}).json["token"]

    def test_tokens_are_required_and_revocable(self) -> None:
        self.assertEqual(self.call("GET", "/api/auth/me").status_code, 401)
        token = self.login("bob")
        self.assertEqual(self.call("GET", "/api/auth/me", token=token).json["username"], "bob")
        self.assertEqual(self.call("POST", "/api/auth/logout", token=token).status_code, 204)
        self.assertEqual(self.call("GET", "/api/auth/me", token=token).status_code, 401)

    def test_ordering_takes_stock_and_cancelling_returns_it(self) -> None:
        admin, seller, buyer = self.login("admin"), self.login("sally"), self.login("bob")
        self.call("POST", "/api/catalog/categories/", {"name": "Mugs"}, token=admin)
        product = {"name": "Mug", "category": "mugs", "price": "3.50", "stock": 5}
        self.assertEqual(self.call("POST", "/api/catalog/products/", product, token=seller).status_code, 201)
        order = self.call("POST", "/api/orders/", {"items": [{"product_id": 1, "quantity": 2}]}, token=buyer)
        self.assertEqual((order.status_code, order.json["total"]), (201, "7.00"))
        with self.app.app_context():
            self.assertEqual(db.session.get(Product, 1).stock, 3)
        self.call("POST", "/api/orders/1/cancel", token=buyer)
        with self.app.app_context():
            self.assertEqual(db.session.get(Product, 1).stock, 5)

    def test_only_paying_customers_review(self) -> None:
        admin, seller, buyer = self.login("admin"), self.login("sally"), self.login("bob")
        self.call("POST", "/api/catalog/categories/", {"name": "Tea"}, token=admin)
        self.call("POST", "/api/catalog/products/", {"name": "Tea", "category": "tea", "price": "2", "stock": 1},
                  token=seller)
        self.assertEqual(self.call("POST", "/api/reviews/products/1", {"rating": 5}, token=buyer).status_code, 403)
        self.call("POST", "/api/orders/", {"items": [{"product_id": 1, "quantity": 1}]}, token=buyer)
        self.call("POST", "/api/orders/1/pay", token=buyer)
        self.assertEqual(self.call("POST", "/api/reviews/products/1", {"rating": 5}, token=buyer).status_code, 201)
        self.assertEqual(self.call("GET", "/api/catalog/products/1").json["rating"], "5.00")

    def test_unknown_paths_and_methods_answer_json(self) -> None:
        self.assertEqual(self.call("GET", "/nope").json["error"]["code"], 404)
        answer = self.call("DELETE", "/api/catalog/categories/")
        allowed = sorted(method.strip() for method in answer.headers["Allow"].split(","))
        self.assertEqual((answer.status_code, allowed), (405, ["GET", "HEAD", "OPTIONS", "POST"]))


if __name__ == "__main__":
    unittest.main()
