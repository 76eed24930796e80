"""/api/catalog: categories (admins create them), products (sellers manage their own), tags."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from ..auth.decorators import admin_required, token_required
from ..errors import ApiError
from ..extensions import db
from ..reviews.models import Review
from ..validation import integer, json_body, money, slugify, text
from . import bp
from .models import Category, Product, Tag


def _price(body: dict[str, Any]) -> int:
    value = body.get("price")
    if not isinstance(value, str):
        raise ApiError(400, "price: must be a string like '12.50'")
    units, _, cents = value.partition(".")
    if not units.isdigit() or not (cents == "" or (cents.isdigit() and len(cents) <= 2)):
        raise ApiError(400, f"price: not an amount: {value!r}")
    return int(units) * 100 + int(cents.ljust(2, "0") or 0)


def _own_product(product_id: int) -> Product:
    product = db.get_or_404(Product, product_id, description=f"no product {product_id}")
    if product.seller_id != g.user.id and not g.user.is_admin:
        raise ApiError(403, "only the seller or an admin may change this product")
    return product


@bp.get("/categories/")
def list_categories() -> Any:
    categories = db.session.execute(db.select(Category).order_by(Category.id)).scalars()
    return {"categories": [category.to_dict() for category in categories]}


@bp.post("/categories/")
@admin_required
def create_category() -> Any:
    name = text(json_body(), "name", max_length=80)
    slug = slugify(name)
    if db.session.execute(db.select(Category).filter_by(slug=slug)).first() is not None:
        raise ApiError(409, f"category {slug!r} already exists")
    category = Category(name=name, slug=slug)
    db.session.add(category)
    db.session.commit()
    return category.to_dict(), 201


@bp.get("/products/")
def list_products() -> Any:
    query = db.select(Product).filter_by(active=True).order_by(Product.id)
    if category := request.args.get("category"):
        query = query.join(Category).where(Category.slug == category)
    if words := request.args.get("q"):
        query = query.where(db.func.lower(Product.name).contains(words.lower(), autoescape=True))
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise ApiError(400, "page: must be a positive integer")
    size = current_app.config["PAGE_SIZE"]
    products = db.session.execute(query.limit(size).offset((int(page) - 1) * size)).scalars()
    return {"page": int(page), "products": [product.to_dict() for product in products]}


@bp.post("/products/")
@token_required
def create_product() -> Any:
    body = json_body()
    name = text(body, "name", max_length=120)
    category = db.session.execute(
        db.select(Category).filter_by(slug=text(body, "category"))
    ).scalar_one_or_none()
    if category is None:
        raise ApiError(400, f"category: no category {body['category']!r}")
    slug = slugify(name)
    if db.session.execute(db.select(Product).filter_by(slug=slug)).first() is not None:
        raise ApiError(409, f"a product named {slug!r} exists")
    product = Product(
        name=name, slug=slug, price_cents=_price(body), stock=integer(body, "stock"), active=True,
        category=category, seller=g.user,
    )
    db.session.add(product)
    db.session.commit()
    return product.to_dict(), 201


@bp.get("/products/<int:product_id>")
def get_product(product_id: int) -> Any:
    product = db.get_or_404(Product, product_id, description=f"no product {product_id}")
    ratings = db.session.execute(db.select(Review.rating).filter_by(product_id=product.id)).scalars().all()
    rating = money(round(100 * sum(ratings) / len(ratings))) if ratings else None
    return {**product.to_dict(), "rating": rating, "reviews": len(ratings)}


@bp.patch("/products/<int:product_id>")
@token_required
def update_product(product_id: int) -> Any:
    product = _own_product(product_id)
    body = json_body()
    if "price" in body:
        product.price_cents = _price(body)
    if "stock" in body:
        product.stock = integer(body, "stock")
    if "name" in body:
        product.name = text(body, "name", max_length=120)
    db.session.commit()
    return product.to_dict()


@bp.delete("/products/<int:product_id>")
@token_required
def delete_product(product_id: int) -> Any:
    product = _own_product(product_id)
    product.active = False
    db.session.commit()
    return "", 204


@bp.put("/products/<int:product_id>/tags")
@token_required
def set_tags(product_id: int) -> Any:
    product = _own_product(product_id)
    names = json_body().get("tags")
    if not isinstance(names, list) or not all(isinstance(name, str) and name.strip() for name in names):
        raise ApiError(400, "tags: must be a list of non-empty strings")
    tags = []
    for name in sorted({slugify(name) for name in names}):
        tag = db.session.execute(db.select(Tag).filter_by(name=name)).scalar_one_or_none()
        if tag is None:
            tag = Tag(name=name)
            db.session.add(tag)
        tags.append(tag)
    product.tags = tags
    db.session.commit()
    return product.to_dict()


@bp.get("/tags/<name>")
def tagged(name: str) -> Any:
    tag = db.one_or_404(db.select(Tag).filter_by(name=name), description=f"no tag {name!r}")
    products = db.session.execute(
        db.select(Product).where(Product.tags.contains(tag), Product.active.is_(True)).order_by(Product.id)
    ).scalars()
    return {"tag": tag.name, "products": [product.slug for product in products]}
