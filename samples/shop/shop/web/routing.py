"""A tiny router: (method, path pattern) -> handler, with typed path parameters."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_PARAM = re.compile(r"{(\w+)(?::(int|uuid))?}")
_KINDS = {None: r"[^/]+", "int": r"\d+", "uuid": r"[0-9a-fA-F-]{36}"}


@dataclass(frozen=True)
class Request:
    """What a handler gets: the parsed request and the shop's time for it."""

    method: str
    path: str
    query: Mapping[str, str]
    body: Mapping[str, Any]
    params: Mapping[str, str]
    now: datetime.datetime


Response = tuple[int, Any]
Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


def route(method: str, template: str, handler: Handler) -> Route:
    """``route("GET", "/orders/{order_id:int}", get_order)``."""
    regex = _PARAM.sub(lambda m: f"(?P<{m.group(1)}>{_KINDS[m.group(2)]})", template)
    return Route(method, re.compile(f"^{regex}$"), handler)


def match(routes: Sequence[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route for ``method path`` and its parameters; the flag says whether the path exists for another method."""
    path_known = False
    for candidate in routes:
        found = candidate.pattern.match(path)
        if found is None:
            continue
        if candidate.method == method:
            return candidate, found.groupdict(), True
        path_known = True
    return None, {}, path_known
