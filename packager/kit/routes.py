"""The gateway's routing table: ordered ``{methods, regex, service}`` entries and a fallback service.

Read from ``CLEAVE_GATEWAY_ROUTES`` (JSON) or ``gateway.json`` in the working directory, in the form topology.json's
``gateway_routes`` has::

    {"routes": [{"methods": ["GET", "POST"], "regex": "^/api/orders(?:/.*)?$", "service": "orders"}, ...],
     "fallback": "web"}

The first entry whose regex matches the request's path (percent-decoded, without the query) and whose methods
contain the request's method (an empty list: any method; ``GET`` also admits ``HEAD``) names the service. A path
that no entry claims for this method goes to the fallback, the service whose app answers 404 and 405 as the
monolith does. The kit's own health path (``/_cleave/healthz``) always goes to the fallback: a gateway whose health
check passes can reach at least that service.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from .errors import ServiceConfigError

ROUTES_VARIABLE: Final = "CLEAVE_GATEWAY_ROUTES"
ROUTES_FILE: Final = "gateway.json"
KIT_HEALTH: Final = "/_cleave/healthz"


@dataclass(frozen=True, slots=True)
class Route:
    """One entry: the methods it admits (empty: all), its compiled regex, the owning service."""

    methods: frozenset[str]
    regex: re.Pattern[str]
    service: str


@dataclass(frozen=True)
class RoutingTable:
    """Ordered routes and the fallback service."""

    routes: tuple[Route, ...]
    fallback: str

    @property
    def services(self) -> tuple[str, ...]:
        """Every service the table can send a request to, fallback first, each once."""
        names = [self.fallback]
        for route in self.routes:
            if route.service not in names:
                names.append(route.service)
        return tuple(names)

    def service_for(self, method: str, target: str) -> str:
        """The service that answers ``method target`` (``target`` as on the request line)."""
        path = target.partition("?")[0]
        if path.startswith(("http://", "https://")):  # absolute form: the path is after the authority
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        if "%" in path:
            path = unquote(path, errors="surrogateescape")
        if path == KIT_HEALTH:
            return self.fallback
        for route in self.routes:
            if (not route.methods or method in route.methods) and route.regex.match(path):
                return route.service
        return self.fallback


def parse_table(document: object, origin: str) -> RoutingTable:
    """A table from its JSON form; ServiceConfigError names the entry that is wrong."""
    if not isinstance(document, Mapping):
        raise ServiceConfigError(f"{origin}: the routing table must be an object with 'routes' and 'fallback'")
    fallback = document.get("fallback")
    if not isinstance(fallback, str) or not fallback:
        raise ServiceConfigError(f"{origin}: 'fallback' must name the service that answers unrouted paths")
    entries = document.get("routes", [])
    if not isinstance(entries, list):
        raise ServiceConfigError(f"{origin}: 'routes' must be a list of {{methods, regex, service}}")
    return RoutingTable(tuple(_route(entry, index, origin) for index, entry in enumerate(entries)), fallback)


def _route(entry: Any, index: int, origin: str) -> Route:
    where = f"{origin}: routes[{index}]"
    if not isinstance(entry, Mapping):
        raise ServiceConfigError(f"{where}: must be an object {{methods, regex, service}}")
    service, pattern, methods = entry.get("service"), entry.get("regex"), entry.get("methods") or []
    if not isinstance(service, str) or not service:
        raise ServiceConfigError(f"{where}: 'service' must be a service name")
    if not isinstance(methods, list) or not all(isinstance(m, str) and m.isalpha() for m in methods):
        raise ServiceConfigError(f"{where}: 'methods' must be a list of HTTP methods like [\"GET\", \"POST\"]")
    if not isinstance(pattern, str):
        raise ServiceConfigError(f"{where}: 'regex' must be a string")
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise ServiceConfigError(f"{where}: 'regex' {pattern!r} does not compile: {error}") from None
    admitted = {m.upper() for m in methods}
    if "GET" in admitted:
        admitted.add("HEAD")  # every framework answers HEAD where it answers GET
    return Route(frozenset(admitted), regex, service)


def load_table(environ: Mapping[str, str], cwd: Path) -> RoutingTable:
    """The table from ``CLEAVE_GATEWAY_ROUTES`` or ``./gateway.json``; ServiceConfigError if neither is usable."""
    text = environ.get(ROUTES_VARIABLE)
    origin = ROUTES_VARIABLE
    if not text:
        path = cwd / ROUTES_FILE
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ServiceConfigError(f"no routing table: {ROUTES_VARIABLE} is unset and {path} cannot be read "
                                     f"({error.strerror})") from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ServiceConfigError(f"{origin}: not JSON: {error}") from None
    return parse_table(document, origin)


def upstream_addresses(table: RoutingTable, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``service -> CLEAVE_SERVICE_<NAME>_URL`` for every service of the table; ServiceConfigError names one
    that has no address (the gateway must be able to reach every service it routes to)."""
    addresses = {}
    for name in table.services:
        variable = f"CLEAVE_SERVICE_{name.upper().replace('-', '_')}_URL"
        value = environ.get(variable)
        if not value or not value.startswith(("unix:", "http://")):
            raise ServiceConfigError(f"the routing table sends requests to {name!r} but {variable} is "
                                     f"{'unset' if not value else repr(value)} (expected unix:/path or "
                                     "http://host:port)")
        addresses[name] = value
    return addresses
