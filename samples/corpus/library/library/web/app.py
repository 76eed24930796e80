"""Routing, JSON in and out, and library errors as HTTP statuses."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from library.errors import Conflict, Invalid, LibraryError, NotFound
from library.web import handlers

Handler = Callable[..., Any]
ROUTES: list[tuple[str, re.Pattern[str], Handler, int]] = [
    ("GET", re.compile(r"/healthz"), handlers.health, 200),
    ("POST", re.compile(r"/books"), handlers.add_book, 201),
    ("GET", re.compile(r"/books"), handlers.list_books, 200),
    ("GET", re.compile(r"/books/(\d+)"), handlers.show_book, 200),
    ("POST", re.compile(r"/members"), handlers.join, 201),
    ("GET", re.compile(r"/members/(\d+)"), handlers.show_member, 200),
    ("GET", re.compile(r"/members/(\d+)/fines"), handlers.member_fines, 200),
    ("POST", re.compile(r"/loans"), handlers.borrow, 201),
    ("GET", re.compile(r"/loans/(\d+)"), handlers.show_loan, 200),
    ("POST", re.compile(r"/loans/(\d+)/return"), handlers.give_back, 200),
    ("POST", re.compile(r"/fines/(\d+)/pay"), handlers.pay_fine, 200),
]
STATUSES = {NotFound: "404 Not Found", Conflict: "409 Conflict", Invalid: "400 Bad Request"}
REASONS = {200: "200 OK", 201: "201 Created"}


def _answer(start_response: Callable[..., Any], status: str, value: object) -> Iterable[bytes]:
    body = json.dumps(value, sort_keys=True).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        raise Invalid("body: is not JSON") from None
    if not isinstance(value, dict):
        raise Invalid("body: must be an object")
    return value


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    for verb, pattern, handler, status in ROUTES:
        found = pattern.fullmatch(path)
        if found is None or verb != method:
            continue
        try:
            args = [int(group) if group.isdigit() and len(group) < 10 else group for group in found.groups()]
            if method == "POST":
                args.append(_body(environ))
            return _answer(start_response, REASONS[status], handler(*args))
        except LibraryError as error:
            kind = next(s for cls, s in STATUSES.items() if isinstance(error, cls))
            return _answer(start_response, kind, {"error": str(error), "type": type(error).__name__})
    return _answer(start_response, "404 Not Found", {"error": f"no route for {method} {path}", "type": "NoRoute"})
