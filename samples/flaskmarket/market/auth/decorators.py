"""``@token_required`` and ``@admin_required``: every blueprint's protected views use them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from ..errors import ApiError
from ..extensions import db
from .models import Token


def current_token() -> Token:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme != "Bearer" or not key:
        raise ApiError(401, "missing token: send 'Authorization: Bearer <token>'")
    token = db.session.execute(db.select(Token).filter_by(key=key.strip())).scalar_one_or_none()
    if token is None or token.revoked:
        raise ApiError(401, "invalid or revoked token")
    return token


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = current_token()
        g.token = token
        g.user = token.user
        return view(*args, **kwargs)

    return wrapper


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    @token_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not g.user.is_admin:
            raise ApiError(403, "admins only")
        return view(*args, **kwargs)

    return wrapper
