"""``application``: the WSGI entry point."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from journal import db, views
from journal.errors import JournalError

db.create_tables()

PATTERNS: list[tuple[str, str, Callable[..., Any], str]] = [
    ("GET", r"/healthz", lambda: {"ok": True}, "200 OK"),
    ("POST", r"/authors", views.sign_up, "201 Created"),
    ("GET", r"/authors/(\d+)", views.author, "200 OK"),
    ("POST", r"/posts", views.publish, "201 Created"),
    ("GET", r"/posts/(\d+)", views.post, "200 OK"),
    ("POST", r"/posts/(\d+)/comments", views.add_comment, "201 Created"),
    ("GET", r"/pages/(\d+)", views.front_page, "200 OK"),
    ("GET", r"/tags/([a-z0-9-]+)", views.by_tag, "200 OK"),
]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    status, value = "404 Not Found", {"error": f"no page {path}"}
    for verb, pattern, view, ok in PATTERNS:
        found = re.fullmatch(pattern, path)
        if not found or verb != method:
            continue
        args: list[Any] = [int(g) if g.isdigit() else g for g in found.groups()]
        try:
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                try:
                    body = json.loads(environ["wsgi.input"].read(length) or b"{}")
                except ValueError:
                    raise JournalError("the body is not JSON") from None
                args.append(body if isinstance(body, dict) else {})
            status, value = ok, view(*args)
        except JournalError as error:
            status, value = error.status, {"error": str(error)}
        break
    payload = json.dumps(value, sort_keys=True).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
