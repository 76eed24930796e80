"""The plan's edge-seam fields: routes per service, the environment, the shared database and the one-time init.

::

    services:
      orders:
        seam: edge                     # runs the monolith's own app and serves only its routes
        routes: ["GET,POST /api/orders", "/api/orders/*"]   # [METHODS ]PATTERN; PATTERN a route path or a glob
        env: {ORDERS_PAGE_SIZE: "20"}
    database: {engine: sqlite, services: [orders, users]}   # or engine: postgresql; url: for one of your own
    env:
      SECRET_KEY: {from_env: APP_SECRET_KEY}    # read from cleave's environment at `up`, never written anywhere
      API_TOKEN: {from_file: secrets/token}     # read from that file at `up`
    init: "python manage.py migrate --noinput"  # run once, in the first database service's image, before `up`

A route claim matches the analyzer's route nodes: an exact ``PATTERN`` matches the route whose path is that
pattern; ``/api/orders/*`` matches every route whose path starts with ``/api/orders/`` (and ``/api/orders`` itself).
With METHODS (``GET,POST``) only routes that accept one of them are claimed. An exact pattern beats a glob, a longer
glob beats a shorter one; two services claiming one route equally is an error naming both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from cleave.formats.errors import FormatError
from cleave.formats.yamlnodes import Located

ENGINES: Final = ("sqlite", "postgresql")
SEAMS: Final = ("edge", "interior")
Seam = Literal["edge", "interior"]
_HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


@dataclass(frozen=True)
class FromEnv:
    """A value read from cleave's own environment when services start (a secret never written down)."""

    name: str

    def to_yaml(self) -> dict[str, str]:
        return {"from_env": self.name}


@dataclass(frozen=True)
class FromFile:
    """A value read from a file (relative to the plan) when services start."""

    path: str

    def to_yaml(self) -> dict[str, str]:
        return {"from_file": self.path}


EnvValue = str | FromEnv | FromFile


@dataclass(frozen=True)
class Database:
    """The database the services share. ``url`` is the user's own (``postgresql://...``); empty means cleave
    provisions one: SQLite in a volume every service mounts, or PostgreSQL started by cleave's runtime."""

    engine: str = "sqlite"
    url: EnvValue | None = None
    services: tuple[str, ...] = ()
    variable: str | None = None
    """The environment variable the app reads its database URL from (``DATABASE_URL``), when it reads one."""
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"engine": self.engine}
        if self.url is not None:
            out["url"] = env_to_yaml(self.url)
        if self.variable:
            out["variable"] = self.variable
        out["services"] = list(self.services)
        return out


@dataclass(frozen=True)
class RouteClaim:
    """One ``[METHODS ]PATTERN`` of a service's ``routes``."""

    methods: frozenset[str]
    pattern: str

    @property
    def is_glob(self) -> bool:
        return self.pattern.endswith("*")

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Exact beats glob, longer literal beats shorter, with methods beats without."""
        literal = self.pattern.rstrip("*")
        return (0 if self.is_glob else 1, len(literal), 1 if self.methods else 0)

    def matches(self, path: str, methods: Sequence[str]) -> bool:
        """Whether a route with this path and methods (empty: any) is claimed."""
        if self.methods and methods and not self.methods & set(methods):
            return False
        if not self.is_glob:
            return path == self.pattern
        literal = self.pattern[:-1]
        return path.startswith(literal) or (literal.endswith("/") and path == literal[:-1])

    def __str__(self) -> str:
        return (",".join(sorted(self.methods)) + " " if self.methods else "") + self.pattern


def parse_route_claim(text: str, what: str, origin: str, line: int | None) -> RouteClaim:
    """``"GET,POST /api/x"`` or ``"/api/x/*"``; a bad method or a pattern not starting with ``/`` is an error."""
    parts = text.split()
    if len(parts) == 1:
        methods: frozenset[str] = frozenset()
        pattern = parts[0]
    elif len(parts) == 2:
        methods = frozenset(m.strip().upper() for m in parts[0].split(",") if m.strip())
        pattern = parts[1]
        bad = sorted(methods - _HTTP_METHODS)
        if bad:
            raise FormatError(f"route {text!r} of {what}: {bad[0]!r} is not an HTTP method", path=origin, line=line,
                              hint='write routes as "GET,POST /path" or "/prefix/*"')
    else:
        raise FormatError(f"route {text!r} of {what} must be '[METHODS ]PATTERN'", path=origin, line=line,
                          hint='write routes as "GET,POST /path" or "/prefix/*"')
    if not pattern.startswith("/") or "*" in pattern[:-1]:
        raise FormatError(f"route pattern {pattern!r} of {what} must start with '/' and may end with one '*'",
                          path=origin, line=line)
    return RouteClaim(methods=methods, pattern=pattern)


def env_to_yaml(value: EnvValue) -> Any:
    return value if isinstance(value, str) else value.to_yaml()


def parse_env_value(located: Located, what: str, origin: str) -> EnvValue:
    """A literal (text or number), ``{from_env: NAME}`` or ``{from_file: PATH}``."""
    value = located.value
    if isinstance(value, bool) or value is None:
        raise FormatError(f"{what} must be text, a number, {{from_env: NAME}} or {{from_file: PATH}}",
                          path=origin, line=located.line)
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        key, inner = next(iter(value.items()))
        if key == "from_env" and isinstance(inner.value, str) and inner.value:
            return FromEnv(inner.value)
        if key == "from_file" and isinstance(inner.value, str) and inner.value:
            return FromFile(inner.value)
    raise FormatError(f"{what} must be text, a number, {{from_env: NAME}} or {{from_file: PATH}}", path=origin,
                      line=located.line)


def parse_env(located: Located | None, what: str, origin: str) -> dict[str, EnvValue]:
    """An ``env:`` mapping of variable names to values."""
    if located is None:
        return {}
    if not isinstance(located.value, dict):
        raise FormatError(f"{what} must be a mapping of NAME: value", path=origin, line=located.where)
    out: dict[str, EnvValue] = {}
    for name, value in located.value.items():
        if not name.replace("_", "A").isalnum() or name[0].isdigit():
            raise FormatError(f"{what}: {name!r} is not an environment variable name", path=origin,
                              line=value.where)
        out[name] = parse_env_value(value, f"{what}.{name}", origin)
    return out


def env_dict(env: Mapping[str, EnvValue]) -> dict[str, Any]:
    return {name: env_to_yaml(value) for name, value in env.items()}


def parse_database(located: Located, origin: str) -> Database:
    """``database: {engine, url, variable, services}``."""
    if not isinstance(located.value, dict):
        raise FormatError("database must be a mapping (engine, url, services)", path=origin, line=located.where)
    body: dict[str, Located] = located.value
    known = {"engine", "url", "services", "variable"}
    for key, value in body.items():
        if key not in known:
            raise FormatError(f"database has unknown field {key!r} (known: {', '.join(sorted(known))})",
                              path=origin, line=value.where)
    engine = body.get("engine", Located("sqlite", located.line))
    if engine.value not in ENGINES:
        raise FormatError(f"database engine {engine.value!r} is not one of {', '.join(ENGINES)}", path=origin,
                          line=engine.line)
    url = parse_env_value(body["url"], "database.url", origin) if "url" in body else None
    if isinstance(url, str) and redact_url(url) != url:
        raise FormatError("database.url holds a password: secrets are never written in the plan", path=origin,
                          line=body["url"].line,
                          hint="write url: {from_env: DATABASE_URL} or {from_file: PATH} instead")
    services: tuple[str, ...] = ()
    if "services" in body:
        raw = body["services"].value
        if not isinstance(raw, list) or not all(isinstance(item.value, str) for item in raw):
            raise FormatError("database.services must be a list of service names", path=origin,
                              line=body["services"].line)
        services = tuple(item.value for item in raw)
    variable = body.get("variable")
    return Database(engine=str(engine.value), url=url, services=services,
                    variable=str(variable.value) if variable is not None and variable.value else None,
                    line=located.where)


def redact_url(url: str) -> str:
    """``scheme://user:secret@host/db`` -> ``scheme://user@host/db``: a URL fit for an error message."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        netloc = credentials.split(":", 1)[0] + "@" + host
    return f"{scheme}://{netloc}{slash}{tail}"


def normalize_path(path: str) -> str:
    """A route path as the plan writes it: always starting with ``/`` (Django's patterns have none)."""
    path = path.removeprefix("^")
    return path if path.startswith("/") else "/" + path


@dataclass(frozen=True)
class RouteRef:
    """A route of the app as the plan sees it: the analyzer's route node id, path pattern and methods."""

    id: str
    path: str
    methods: tuple[str, ...] = ()


def assign_routes(claims: Sequence[tuple[str, Sequence[str], int | None]], routes: Sequence[RouteRef],
                  origin: str) -> dict[str, str]:
    """Map route id -> service from ``(service, route claims, line)`` triples; unclaimed routes are left out.

    Raises :class:`FormatError` naming the line when a claim matches no route, or when two services claim one
    route equally specifically.
    """
    owners: dict[str, tuple[tuple[int, int, int], str, str]] = {}
    for service, texts, line in claims:
        for text in texts:
            claim = parse_route_claim(text, f"service {service!r}", origin, line)
            matched = [r for r in routes if claim.matches(r.path, r.methods)]
            if not matched:
                raise FormatError(f"route pattern {text!r} of service {service!r} matches no route of the app",
                                  path=origin, line=line,
                                  hint="fix the pattern (see `cleave analyze` for the app's routes) or remove it")
            for route in matched:
                previous = owners.get(route.id)
                if previous is None or claim.specificity > previous[0]:
                    owners[route.id] = (claim.specificity, service, text)
                elif claim.specificity == previous[0] and previous[1] != service:
                    raise FormatError(f"route {route.path!r} is claimed by two services: {previous[1]!r} "
                                      f"({previous[2]}) and {service!r} ({text})", path=origin, line=line,
                                      hint="keep it in one of them, or make one claim more specific")
    return {route: owner[1] for route, owner in sorted(owners.items())}
