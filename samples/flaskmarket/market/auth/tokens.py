"""Token keys: an HMAC of the user and their login count, so a fresh database always hands out the same keys."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def token_key(user_id: int, login_count: int) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{user_id}:{login_count}".encode(), hashlib.sha256).hexdigest()[:40]
