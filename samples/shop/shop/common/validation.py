"""Validation of request data: each helper returns the clean value or raises :class:`Invalid` naming the field."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shop import config
from shop.common.errors import Invalid
from shop.common.money import to_money
from shop.common.text import normalize_email

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def require_text(data: Mapping[str, Any], field: str, *, max_length: int = 200) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(field, "is required and must be a non-empty string")
    if len(value) > max_length:
        raise Invalid(field, f"is longer than {max_length} characters")
    return value.strip()


def optional_text(data: Mapping[str, Any], field: str) -> str | None:
    if data.get(field) is None:
        return None
    return require_text(data, field)


def require_email(data: Mapping[str, Any], field: str = "email") -> str:
    email = normalize_email(require_text(data, field))
    if not _EMAIL.match(email):
        raise Invalid(field, f"{email!r} is not an e-mail address")
    return email


def require_int(data: Mapping[str, Any], field: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, "must be an integer")
    if value < minimum:
        raise Invalid(field, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise Invalid(field, f"must be at most {maximum}")
    return value


def require_money(data: Mapping[str, Any], field: str, *, allow_zero: bool = False) -> Decimal:
    try:
        amount = to_money(data.get(field))
    except ValueError as exc:
        raise Invalid(field, str(exc)) from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise Invalid(field, "must be a positive amount")
    return amount


def require_date(data: Mapping[str, Any], field: str) -> datetime.date:
    value = data.get(field)
    if not isinstance(value, str):
        raise Invalid(field, "must be a date (YYYY-MM-DD)")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def require_region(data: Mapping[str, Any], field: str = "country") -> str:
    region = require_text(data, field).upper()
    if region not in config.REGIONS:
        raise Invalid(field, f"we do not ship to {region!r} (only {', '.join(config.REGIONS)})")
    return region


def require_mapping(data: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = data.get(field)
    if not isinstance(value, dict):
        raise Invalid(field, "must be an object")
    return value
