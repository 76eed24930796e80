"""Token keys: an HMAC of the user and their token count, so a fresh database hands out the same keys."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from .models import Token, User


def issue_token(user: User) -> Token:
    count = Token.objects.filter(user=user).count() + 1
    key = hmac.new(settings.SECRET_KEY.encode(), f"{user.pk}:{count}".encode(), hashlib.sha256).hexdigest()[:40]
    return Token.objects.create(key=key, user=user, revoked=False)
