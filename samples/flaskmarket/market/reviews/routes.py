"""/api/reviews: read a product's reviews; write one after buying it (reads the orders' tables)."""

from __future__ import annotations

from typing import Any

from flask import g

from ..auth.decorators import token_required
from ..catalog.models import Product
from ..errors import ApiError
from ..extensions import db
from ..orders.models import Order, OrderItem
from ..validation import integer, json_body
from . import bp
from .models import Review


@bp.get("/products/<int:product_id>")
def product_reviews(product_id: int) -> Any:
    product = db.get_or_404(Product, product_id, description=f"no product {product_id}")
    reviews = Review.query.filter_by(product_id=product.id).order_by(Review.id).all()
    return {"product": product.slug, "reviews": [review.to_dict() for review in reviews]}


@bp.post("/products/<int:product_id>")
@token_required
def write_review(product_id: int) -> Any:
    product = db.get_or_404(Product, product_id, description=f"no product {product_id}")
    body = json_body()
    rating = integer(body, "rating", minimum=1, maximum=5)
    text = body.get("body", "")
    if not isinstance(text, str):
        raise ApiError(400, "body: must be a string")
    bought = db.session.execute(
        db.select(OrderItem.id).join(Order).where(
            Order.user_id == g.user.id, OrderItem.product_id == product.id, Order.status.in_(("paid", "shipped"))
        )
    ).first()
    if bought is None:
        raise ApiError(403, "only customers who paid for this product may review it")
    if Review.query.filter_by(product_id=product.id, user_id=g.user.id).first() is not None:
        raise ApiError(409, "you already reviewed this product")
    review = Review(product=product, user=g.user, rating=rating, body=text.strip())
    db.session.add(review)
    db.session.commit()
    return review.to_dict(), 201


@bp.delete("/<int:review_id>")
@token_required
def delete_review(review_id: int) -> Any:
    review = db.get_or_404(Review, review_id, description=f"no review {review_id}")
    if review.user_id != g.user.id and not g.user.is_admin:
        raise ApiError(403, "only the author or an admin may delete a review")
    db.session.delete(review)
    db.session.commit()
    return "", 204
