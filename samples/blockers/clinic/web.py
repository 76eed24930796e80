"""A minimal JSON front for the clinic: ``clinic.web:application`` (WSGI)."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from clinic.billing import api as billing
from clinic.patients import api as patients


def _answer(start_response: Callable[..., Any], status: str, value: object) -> Iterable[bytes]:
    body = json.dumps(value, sort_keys=True, default=str).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    today = datetime.date(2024, 5, 6)
    if method == "GET" and path == "/healthz":
        return _answer(start_response, "200 OK", {"status": "ok"})
    if method == "GET" and (found := re.fullmatch(r"/patients/(\d+)", path)):
        try:
            return _answer(start_response, "200 OK", patients.summary(int(found.group(1)), today))
        except LookupError as exc:
            return _answer(start_response, "404 Not Found", {"error": str(exc)})
    if method == "POST" and (found := re.fullmatch(r"/billing/(\d{4}-\d\d-\d\d)", path)):
        return _answer(start_response, "200 OK", billing.bill_day(datetime.date.fromisoformat(found.group(1))))
    if method == "GET" and path == "/billing/outstanding":
        return _answer(start_response, "200 OK", billing.outstanding())
    return _answer(start_response, "404 Not Found", {"error": f"no route for {method} {path}"})
