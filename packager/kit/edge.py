"""Edge services: the monolith's own app, answering only the service's routes, pointed at the shared database.

``service.json`` of an edge service (written by packager/edge.py)::

    {"seam": "edge", "entry": "app:create_app()", "route_mode": "only" | "except",
     "routes": [{"methods": ["GET"], "regex": "^/api/orders$"}, ...],
     "database": {"engine": "sqlite", "variable": "DATABASE_URL", "style": "sqlalchemy" | "django",
                  "settings": "mysite.settings"} | null}

``route_mode: only``: a request no rule matches (method and path) is answered 404 here (the gateway never sends
one). ``except`` (the fallback service): a request a rule matches is 404, everything else goes to the app.

The database comes from the runtime's environment: ``CLEAVE_DATABASE_URL`` (the user's own database), or
``CLEAVE_DB_ENGINE`` with ``CLEAVE_DB_PATH`` (sqlite) or ``CLEAVE_DB_SOCKET_DIR``, ``CLEAVE_DB_NAME``,
``CLEAVE_DB_USER`` (postgresql, unix socket only). :func:`prepare_environment` turns them into the URL the app
reads (``variable``, default ``DATABASE_URL``), and for Django into ``DATABASES['default']`` through
:mod:`cleave_kit.django_settings`.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import quote

SETTINGS_VARIABLE = "CLEAVE_DJANGO_SETTINGS"
DEFAULT_VARIABLE = "DATABASE_URL"
"""Set when the analyzer saw no variable the app reads its database from: the most common convention."""
SQLITE_TIMEOUT = 30
_NOT_HERE = b"Not Found: this service does not serve this path\n"


def database_url(environ: MutableMapping[str, str], style: str) -> str | None:
    """The database URL for the app, in the dialect its framework reads (``sqlalchemy`` or ``django``)."""
    if environ.get("CLEAVE_DATABASE_URL"):
        return environ["CLEAVE_DATABASE_URL"]
    engine = environ.get("CLEAVE_DB_ENGINE")
    if engine == "sqlite" and environ.get("CLEAVE_DB_PATH"):
        path = environ["CLEAVE_DB_PATH"]
        return f"sqlite:///{path}" + (f"?timeout={SQLITE_TIMEOUT}" if style == "sqlalchemy" else "")
    if engine == "postgresql" and environ.get("CLEAVE_DB_SOCKET_DIR"):
        user, name, sockets = environ.get("CLEAVE_DB_USER", "app"), environ.get("CLEAVE_DB_NAME", "app"), \
            environ["CLEAVE_DB_SOCKET_DIR"]
        if style == "django":
            return f"postgres://{user}@{quote(sockets, safe='')}/{name}"
        driver = "+psycopg" if importlib.util.find_spec("psycopg") and not importlib.util.find_spec("psycopg2") \
            else ""
        return f"postgresql{driver}://{user}@/{name}?host={sockets}"
    return None


def prepare_environment(spec: dict[str, Any], environ: MutableMapping[str, str]) -> None:
    """Point the app at the shared database before it is imported (see the module docstring)."""
    database = spec.get("database")
    if not isinstance(database, dict):
        return
    style = str(database.get("style") or "sqlalchemy")
    url = database_url(environ, style)
    if url is None:
        return
    variable = database.get("variable") or DEFAULT_VARIABLE
    if isinstance(variable, str) and variable:
        environ[variable] = url
    settings = database.get("settings")
    if style == "django" and isinstance(settings, str) and settings:
        environ[SETTINGS_VARIABLE] = settings
        environ["DJANGO_SETTINGS_MODULE"] = f"{__package__}.django_settings"


def django_database(environ: MutableMapping[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """``DATABASES['default']`` for the shared database, keeping what the app set that still applies."""
    engine = environ.get("CLEAVE_DB_ENGINE")
    if environ.get("CLEAVE_DATABASE_URL"):
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(environ["CLEAVE_DATABASE_URL"])
        engine = "sqlite" if parts.scheme.startswith("sqlite") else "postgresql"
        if engine == "sqlite":
            return {**current, "ENGINE": "django.db.backends.sqlite3", "NAME": parts.path[1:] or parts.path}
        return {**current, "ENGINE": "django.db.backends.postgresql", "NAME": parts.path.lstrip("/"),
                "USER": unquote(parts.username or ""), "PASSWORD": unquote(parts.password or ""),
                "HOST": unquote(parts.hostname or ""), "PORT": str(parts.port or ""), "OPTIONS": {}}
    if engine == "sqlite":
        return {**current, "ENGINE": "django.db.backends.sqlite3", "NAME": environ.get("CLEAVE_DB_PATH", ""),
                "OPTIONS": {"timeout": SQLITE_TIMEOUT}}
    if engine == "postgresql":
        return {**current, "ENGINE": "django.db.backends.postgresql", "NAME": environ.get("CLEAVE_DB_NAME", "app"),
                "USER": environ.get("CLEAVE_DB_USER", "app"), "PASSWORD": "",
                "HOST": environ.get("CLEAVE_DB_SOCKET_DIR", ""), "PORT": "", "OPTIONS": {}}
    return current


def _rules(spec: dict[str, Any]) -> list[tuple[frozenset[str], re.Pattern[str]]]:
    return [(frozenset(rule.get("methods") or ()), re.compile(rule["regex"])) for rule in spec.get("routes") or ()]


def _matcher(spec: dict[str, Any]) -> Callable[[str, str], bool]:
    """``serves(method, path)`` for the service's ``route_mode`` and ``routes``."""
    rules = _rules(spec)
    only = spec.get("route_mode", "only") != "except"

    def serves(method: str, path: str) -> bool:
        hit = any((not methods or method in methods) and regex.match(path) for methods, regex in rules)
        return hit if only else not hit

    return serves


def wsgi_route_filter(app: Callable[..., Iterable[bytes]], spec: dict[str, Any]) -> Callable[..., Iterable[bytes]]:
    """The WSGI app answering only the service's routes (404 for the others)."""
    serves = _matcher(spec)

    def filtered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if serves(str(environ.get("REQUEST_METHOD", "GET")), str(environ.get("PATH_INFO", "") or "/")):
            return app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(_NOT_HERE)))])
        return [_NOT_HERE]

    return filtered


def asgi_route_filter(app: Callable[..., Any], spec: dict[str, Any]) -> Callable[..., Any]:
    """The ASGI app answering only the service's routes; lifespan events pass through."""
    serves = _matcher(spec)

    async def filtered(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope.get("type") in ("http", "websocket") and not serves(str(scope.get("method", "GET")),
                                                                     str(scope.get("path", "/"))):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})
                return
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain"),
                                    (b"content-length", str(len(_NOT_HERE)).encode())]})
            await send({"type": "http.response.body", "body": _NOT_HERE})
            return
        await app(scope, receive, send)

    return filtered


def run_init(spec: dict[str, Any], argv: list[str]) -> int:
    """``python -m cleave_kit init CMD...``: point CMD at the shared database, then become it."""
    if not argv:
        return 2
    prepare_environment(spec, os.environ)
    os.execvp(argv[0], argv)
    return None
