"""The newsletter's JSON front, ``newsletter.web:application`` (WSGI). Standard library only."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import Any

from newsletter.campaigns import api as campaigns
from newsletter.rendering.api import RenderError
from newsletter.subscribers import api as subscribers


def _answer(start_response: Callable[..., Any], status: str, value: object) -> Iterable[bytes]:
    if isinstance(value, list):
        value = [dataclasses.asdict(item) if dataclasses.is_dataclass(item) else item for item in value]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    body = json.dumps(value, sort_keys=True).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        if method == "GET" and path == "/healthz":
            return _answer(start_response, "200 OK", {"status": "ok"})
        if method == "POST" and path == "/subscribers":
            data = json.loads(raw)
            made = subscribers.subscribe(data["email"], data["name"], tuple(data["topics"]))
            return _answer(start_response, "201 Created", made)
        if method == "POST" and path == "/campaigns":
            return _answer(start_response, "201 Created", campaigns.save(raw.decode("utf-8")))
        if method == "POST" and path.startswith("/campaigns/") and path.endswith("/send"):
            return _answer(start_response, "200 OK", campaigns.send(path.split("/")[2]))
    except (campaigns.InvalidCampaign, subscribers.InvalidSubscriber, RenderError, KeyError, ValueError) as exc:
        return _answer(start_response, "400 Bad Request", {"error": str(exc)})
    except campaigns.UnknownCampaign as exc:
        return _answer(start_response, "404 Not Found", {"error": f"no campaign {exc}"})
    return _answer(start_response, "404 Not Found", {"error": f"no route for {method} {path}"})
