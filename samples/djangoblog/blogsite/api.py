"""Helpers every app's views use: JSON bodies, errors, the token check, timestamps."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def text(body: dict[str, Any], name: str, *, max_length: int = 200, required: bool = True) -> str:
    value = body.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(400, f"{name}: is required and must be a non-empty string")
    if len(value) > max_length:
        raise ApiError(400, f"{name}: must be at most {max_length} characters")
    return value.strip()


def moment(body: dict[str, Any], name: str) -> datetime:
    """An ISO 8601 timestamp with its UTC offset (naive ones are refused: USE_TZ is on)."""
    value = body.get(name)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or timezone.is_naive(parsed):
        raise ApiError(400, f"{name}: must be an ISO 8601 timestamp with an offset, like 2024-03-01T10:00:00+01:00")
    return parsed


def shown(value: datetime | None) -> str | None:
    """A stored timestamp in the site's time zone (TIME_ZONE), as ISO 8601."""
    return None if value is None else timezone.localtime(value).isoformat()


def api_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turns ApiError into a JSON answer."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except ApiError as error:
            return JsonResponse({"error": error.message}, status=error.status)

    return wrapper


def require_token(request: HttpRequest) -> Any:
    """The user the request's token names (set by accounts' middleware), or 401."""
    if not request.user.is_authenticated:
        raise ApiError(401, "authentication required: send 'Authorization: Token <key>'")
    return request.user
