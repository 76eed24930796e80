"""Reading and checking JSON request bodies."""

from __future__ import annotations

from typing import Any

from flask import request

from .errors import ApiError


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def text(body: dict[str, Any], name: str, *, max_length: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{name}: is required and must be a non-empty string")
    if len(value) > max_length:
        raise ApiError(400, f"{name}: must be at most {max_length} characters")
    return value.strip()


def integer(body: dict[str, Any], name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ApiError(400, f"{name}: must be an integer >= {minimum}")
    if maximum is not None and value > maximum:
        raise ApiError(400, f"{name}: must be an integer <= {maximum}")
    return value


def slugify(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
