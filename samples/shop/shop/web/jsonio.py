"""JSON in and out of the web layer: domain values (dataclasses, enums, Decimal, dates, UUIDs) to JSON and back."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import uuid
from decimal import Decimal
from typing import Any

from shop.common.errors import Invalid


def to_jsonable(value: Any) -> Any:
    """Turn a domain value into JSON types: money as strings (exact), times in ISO 8601, enums by value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value


def dumps(value: Any) -> bytes:
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":")).encode("utf-8")


def loads(body: bytes) -> dict[str, Any]:
    """A request body must be a JSON object (an empty body is an empty object)."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid("body", f"is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise Invalid("body", "must be a JSON object")
    return data
