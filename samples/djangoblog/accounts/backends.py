"""An authentication backend for API tokens (named in settings.AUTHENTICATION_BACKENDS)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from .models import Token, User


class TokenBackend(BaseBackend):
    def authenticate(self, request: HttpRequest | None, token: str | None = None, **kwargs: Any) -> User | None:
        if not token:
            return None
        found = Token.objects.select_related("user").filter(key=token, revoked=False).first()
        if found is None or not found.user.is_active:
            return None
        if request is not None:
            request.auth_token = found  # type: ignore[attr-defined]
        return found.user

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id).first()
