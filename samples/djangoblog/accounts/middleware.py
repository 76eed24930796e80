"""``Authorization: Token <key>`` sets request.user for every view (listed in settings.MIDDLEWARE)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, JsonResponse


class TokenAuthenticationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, key = header.partition(" ")
            user = authenticate(request, token=key.strip()) if scheme == "Token" else None
            if user is None:
                return JsonResponse({"error": "invalid or revoked token"}, status=401)
            request.user = user
        return self.get_response(request)
