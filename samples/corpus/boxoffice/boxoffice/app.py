"""The WSGI app: URL dispatch to the domains."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from boxoffice import bookings, loyalty, notifications, payments, shows
from boxoffice.errors import BoxOfficeError
from boxoffice.http import need, need_amount, need_date, read_json, respond

TODAY_HEADER = "HTTP_X_TODAY"


def _routes(method: str, path: str, environ: dict[str, Any]) -> tuple[int, Any]:
    if method == "GET" and path == "/healthz":
        return 200, {"status": "ok"}
    if method == "POST" and path == "/shows":
        body = read_json(environ)
        return 201, shows.add_show(need(body, "title", str), need_date(body, "on"), need_amount(body, "price"),
                                   need(body, "seats", int))
    if method == "GET" and path == "/shows":
        return 200, shows.list_shows()
    if method == "GET" and (found := re.fullmatch(r"/shows/(\d+)", path)):
        return 200, shows.get_show(int(found.group(1)))
    if method == "POST" and path == "/bookings":
        body = read_json(environ)
        today = need_date({"today": environ.get(TODAY_HEADER, "")}, "today")
        return 201, bookings.book(need(body, "show_id", int), need(body, "email", str), need(body, "seats", int),
                                  need(body, "card", str), today)
    if method == "GET" and (found := re.fullmatch(r"/bookings/(BX\d+)", path)):
        ref = found.group(1)
        return 200, {"booking": bookings.get_booking(ref), "payments": payments.payments_of(ref)}
    if method == "POST" and (found := re.fullmatch(r"/bookings/(BX\d+)/cancel", path)):
        return 200, bookings.cancel(found.group(1))
    if method == "GET" and (found := re.fullmatch(r"/customers/([^/]+)", path)):
        email = found.group(1).lower()
        return 200, {"messages": notifications.messages_for(email), "points": loyalty.balance(email)}
    return 404, {"error": f"nothing at {method} {path}"}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        code, value = _routes(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), environ)
    except BoxOfficeError as error:
        code, value = error.code, {"error": str(error), "type": type(error).__name__}
    return respond(start_response, code, value)
