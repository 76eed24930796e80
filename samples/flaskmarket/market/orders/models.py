"""``orders`` and ``order_item`` (Flask-SQLAlchemy's implicit name for OrderItem)."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..validation import money

STATUSES = ("pending", "paid", "cancelled", "shipped")


class Order(db.Model):
    __tablename__ = "orders"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending")
    total_cents = db.Column(db.Integer, nullable=False, default=0)

    user = db.relationship("User")
    items = db.relationship("OrderItem", back_populates="order", order_by="OrderItem.id")

    @property
    def number(self) -> str:
        return f"ORD-{self.id:05d}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "number": self.number, "status": self.status, "total": money(self.total_cents),
            "customer": self.user.username, "items": [item.to_dict() for item in self.items],
        }


class OrderItem(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    unit_price_cents = db.Column(db.Integer, nullable=False)

    order = db.relationship("Order", back_populates="items")
    product = db.relationship("Product")

    def to_dict(self) -> dict[str, Any]:
        return {
            "product": self.product.slug, "quantity": self.quantity, "unit_price": money(self.unit_price_cents),
        }
