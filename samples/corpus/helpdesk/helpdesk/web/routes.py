"""URL table and the WSGI callable."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from helpdesk.exceptions import HelpdeskError
from helpdesk.web import views

URLS: list[tuple[str, str, Callable[..., Any]]] = [
    ("GET", r"/healthz", views.health),
    ("POST", r"/customers", views.register_customer),
    ("GET", r"/customers/(\d+)/tickets", views.customer_tickets),
    ("POST", r"/agents", views.hire_agent),
    ("GET", r"/agents/(\d+)", views.show_agent),
    ("POST", r"/tickets", views.open_ticket),
    ("GET", r"/tickets/(\d+)", views.show_ticket),
    ("POST", r"/tickets/(\d+)/close", views.close_ticket),
    ("GET", r"/breaches", views.breaches),
]
STATUS_TEXT = {200: "200 OK", 201: "201 Created", 400: "400 Bad Request", 404: "404 Not Found", 409: "409 Conflict"}


def _reply(start_response: Callable[..., Any], code: int, value: object) -> Iterable[bytes]:
    body = json.dumps(value, sort_keys=True).encode("utf-8")
    start_response(STATUS_TEXT[code], [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    for verb, pattern, view in URLS:
        found = re.fullmatch(pattern, path)
        if found and verb == method:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            try:
                code, value = view(*[int(g) for g in found.groups()], **({"raw": body} if method == "POST" else {}))
            except HelpdeskError as error:
                code, value = error.status, {"error": str(error), "kind": type(error).__name__}
            return _reply(start_response, code, value)
    return _reply(start_response, 404, {"error": f"{method} {path} is not a page", "kind": "NoPage"})
