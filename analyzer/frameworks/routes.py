"""Routes as graph nodes: ``route:<framework>:<METHODS> <path>`` with the regex of the request paths they serve,
their literal prefix, and a ``handles`` edge to the view. Path syntaxes: Flask ``<int:id>``, Django ``<int:pk>``
and ``re_path`` regexes, Starlette/FastAPI ``{id}`` / ``{p:path}``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from analyzer.frameworks.common import Context
from cleave.formats.graph import ROUTE_PREFIX

_FLASK_VAR: Final = re.compile(r"<(?:(?P<conv>[a-zA-Z_]\w*)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_DJANGO_VAR: Final = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_STARLETTE_VAR: Final = re.compile(r"\{(?P<name>\w+)(?::(?P<conv>\w+))?\}")
_CONVERTERS: Final = {
    "int": r"\d+", "float": r"\d+(?:\.\d+)?", "path": r".+", "uuid": r"[0-9a-fA-F-]{32,36}",
    "slug": r"[-a-zA-Z0-9_]+", "str": r"[^/]+", "string": r"[^/]+", "any": r"[^/]+",
}
_STYLE: Final = {"flask": _FLASK_VAR, "django": _DJANGO_VAR, "starlette": _STARLETTE_VAR}
_REGEX_META: Final = re.compile(r"[\\^$.|?*+()\[\]{}]")


@dataclass(frozen=True)
class Route:
    """One route as a reader found it."""

    framework: str  # flask | django | starlette
    methods: tuple[str, ...]  # sorted upper-case; () = any
    path: str  # with prefixes applied, as the framework writes it
    regex: str
    prefix: str
    name: str | None
    file: str
    line: int
    view: str | None  # the node that handles it
    source: str = "static"

    @property
    def node(self) -> str:
        """The route's node id."""
        return f"{ROUTE_PREFIX}{self.framework}:{','.join(self.methods) or '*'} {self.path}"


def pattern(framework: str, path: str) -> tuple[str, str]:
    """(regex anchored ^...$, literal prefix) of a path written in ``framework``'s syntax."""
    style = _STYLE[framework]
    out: list[str] = []
    at = 0
    prefix: str | None = None
    for match in style.finditer(path):
        if prefix is None:
            prefix = path[: match.start()]
        out.append(re.escape(path[at: match.start()]))
        out.append(f"(?P<{match.group('name')}>{_CONVERTERS.get(match.group('conv') or 'str', '[^/]+')})")
        at = match.end()
    out.append(re.escape(path[at:]))
    return "^" + "".join(out) + "$", path if prefix is None else prefix


def regex_pattern(parts: list[str]) -> tuple[str, str, str]:
    """(path, regex, prefix) of Django ``re_path`` pieces joined (each may start with ^ and end with $)."""
    body = ""
    for index, part in enumerate(parts):
        piece = part[1:] if part.startswith("^") else part
        if piece.endswith("$") and index < len(parts) - 1:
            piece = piece[:-1]
        body += piece
    anchored = body.endswith("$") and not body.endswith("\\$")
    core = body[:-1] if anchored else body
    meta = _REGEX_META.search(core)
    literal = core if meta is None else core[: meta.start()]
    return "/" + core, "^/" + core + ("$" if anchored else ".*$"), "/" + literal


def join(prefix: str, path: str) -> str:
    """A prefix and a path joined with exactly one slash between them."""
    if not prefix:
        return path or "/"
    if not path:
        return prefix
    return prefix.rstrip("/") + "/" + path.lstrip("/")


def methods_of(values: list[str], default: tuple[str, ...]) -> tuple[str, ...]:
    """Sorted upper-case methods (HEAD and OPTIONS, which frameworks add by themselves, left out)."""
    found = sorted({m.upper() for m in values} - {"HEAD", "OPTIONS"}) if values else list(default)
    return tuple(found)


def make(framework: str, methods: tuple[str, ...], path: str, *, name: str | None, file: str, line: int,
         view: str | None) -> Route:
    """A route from a path in its framework's syntax."""
    regex, prefix = pattern(framework, path)
    return Route(framework, methods, path, regex, prefix, name, file, line, view)


def emit(ctx: Context, routes: list[Route]) -> None:
    """Route nodes and their ``handles`` edges."""
    for route in routes:
        attrs: dict[str, Any] = {"kind": "route", "framework": route.framework, "methods": list(route.methods),
                                 "path": route.path, "regex": route.regex, "prefix": route.prefix,
                                 "name": route.name, "file": route.file, "line": route.line,
                                 "source": route.source}
        ctx.builder.nodes.setdefault(route.node, attrs)
        if route.view is not None:
            ctx.edge(route.node, route.view, "handles", route.line)
