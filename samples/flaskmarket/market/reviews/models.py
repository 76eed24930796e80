"""``review`` (Flask-SQLAlchemy's implicit name): one per customer and product."""

from __future__ import annotations

from typing import Any

from ..extensions import db


class Review(db.Model):
    __table_args__ = (db.UniqueConstraint("product_id", "user_id", name="uq_review_product_user"),)

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    rating = db.Column(db.Integer, nullable=False)
    body = db.Column(db.Text, nullable=False, default="")

    user = db.relationship("User")
    product = db.relationship("Product")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "product": self.product.slug, "author": self.user.username, "rating": self.rating,
            "body": self.body,
        }
