"""Catalog tables: ``category`` and ``tag`` (Flask-SQLAlchemy's implicit names), ``products``, ``product_tags``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..validation import money

product_tags = db.Table(
    "product_tags",
    db.Column("product_id", db.Integer, db.ForeignKey("products.id"), primary_key=True),
    db.Column("tag_id", db.Integer, db.ForeignKey("tag.id"), primary_key=True),
)


class Category(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    slug = db.Column(db.String(80), unique=True, nullable=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "slug": self.slug}


class Tag(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(40), unique=True, nullable=False)


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    price_cents: Mapped[int]
    stock: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    category: Mapped[Category] = relationship()
    seller: Mapped[User] = relationship()  # noqa: F821  (auth.models.User, resolved by name)
    tags: Mapped[list[Tag]] = relationship(secondary=product_tags, order_by=Tag.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "slug": self.slug, "price": money(self.price_cents),
            "stock": self.stock, "active": self.active, "category": self.category.slug,
            "seller": self.seller.username, "tags": [tag.name for tag in self.tags],
        }
