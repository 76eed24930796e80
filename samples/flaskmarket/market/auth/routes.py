"""/api/auth: register, log in and out, who am I, public profiles."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import ApiError
from ..extensions import db
from ..reviews.models import Review
from ..validation import json_body, text
from . import bp
from .decorators import token_required
from .models import Token, User
from .tokens import token_key

PASSWORD_METHOD = "pbkdf2:sha256:2000"  # a demo's cost; production would keep werkzeug's default


@bp.post("/register")
def register() -> Any:
    body = json_body()
    username = text(body, "username", max_length=40)
    email = text(body, "email", max_length=120)
    password = text(body, "password")
    if "@" not in email:
        raise ApiError(400, "email: must contain '@'")
    if len(password) < 8:
        raise ApiError(400, "password: must be at least 8 characters")
    taken = db.session.execute(
        db.select(User).where((db.func.lower(User.username) == username.lower()) | (User.email == email))
    ).first()
    if taken is not None:
        raise ApiError(409, "username or email already registered")
    user = User(
        username=username, email=email, password_hash=generate_password_hash(password, PASSWORD_METHOD),
        is_admin=username in current_app.config["MARKET_ADMINS"], login_count=0,
    )
    db.session.add(user)
    db.session.commit()
    return user.to_dict(), 201


@bp.post("/login")
def login() -> Any:
    body = json_body()
    username = text(body, "username")
    password = text(body, "password")
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None or not check_password_hash(user.password_hash, password):
        raise ApiError(401, "wrong username or password")
    user.login_count += 1
    token = Token(key=token_key(user.id, user.login_count), user=user, revoked=False)
    db.session.add(token)
    db.session.commit()
    return {"token": token.key, "user": user.to_dict()}


@bp.post("/logout")
@token_required
def logout() -> Any:
    g.token.revoked = True
    db.session.commit()
    return "", 204


@bp.get("/me")
@token_required
def me() -> Any:
    return g.user.to_dict()


@bp.get("/users/<int:user_id>")
@token_required
def profile(user_id: int) -> Any:
    user = db.get_or_404(User, user_id, description=f"no user {user_id}")
    reviews = db.session.execute(db.select(db.func.count(Review.id)).filter_by(user_id=user.id)).scalar_one()
    return {"id": user.id, "username": user.username, "reviews": reviews}
