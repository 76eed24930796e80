"""Request and response helpers of the web edge."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
from collections.abc import Callable, Iterable
from typing import Any

from boxoffice.errors import BoxOfficeError

REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}


def read_json(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        value = json.loads(environ["wsgi.input"].read(length) if length else b"{}")
    except ValueError:
        raise BoxOfficeError("the body is not JSON") from None
    if not isinstance(value, dict):
        raise BoxOfficeError("the body must be a JSON object")
    return value


def need(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BoxOfficeError(f"{name} is missing or not a {kind.__name__}")
    return value


def need_date(body: dict[str, Any], name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(need(body, name, str))
    except ValueError:
        raise BoxOfficeError(f"{name} is not a date") from None


def need_amount(body: dict[str, Any], name: str) -> decimal.Decimal:
    try:
        return decimal.Decimal(need(body, name, str))
    except decimal.InvalidOperation:
        raise BoxOfficeError(f"{name} is not an amount") from None


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, datetime.date | decimal.Decimal):
        return str(value)
    return value


def respond(start_response: Callable[..., Any], code: int, value: Any) -> Iterable[bytes]:
    body = json.dumps(plain(value), sort_keys=True).encode("utf-8")
    start_response(f"{code} {REASONS[code]}", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
    return [body]
