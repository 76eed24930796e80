"""Walker side of the framework readers: which calls become :class:`~analyzer.facts.Site` facts, and their
arguments as literal values. What the sites mean is decided in the global phase (:mod:`analyzer.frameworks`).

Kept cheap: a call is looked at only by the last part of its dotted name (one set lookup per call).
"""

from __future__ import annotations

import re
from typing import Final

import libcst as cst

from analyzer import facts as F
from analyzer.cstutil import dotted_name, literal
from analyzer.walker import Walker

CALL_NAMES: Final = frozenset({
    # Flask / Quart
    "add_url_rule", "register_blueprint", "Blueprint", "Flask", "Quart",
    # FastAPI / Starlette
    "APIRouter", "include_router", "Route", "Mount", "WebSocketRoute", "FastAPI", "Starlette", "add_api_route",
    # Django
    "path", "re_path", "url", "include", "get_user_model", "import_string",
    # ORM fields and tables
    "ForeignKey", "OneToOneField", "ManyToManyField", "relationship", "Table",
    # environment
    "getenv", "Env", "config",
})
"""Calls recorded wherever they are (by the last part of their name)."""

ROUTE_DECORATORS: Final = frozenset({"route", "get", "post", "put", "patch", "delete", "head", "options",
                                     "api_route", "websocket"})
"""Decorators recorded (``@bp.route``, ``@router.get``) with the def they decorate."""

_ENV_METHODS: Final = frozenset({"str", "bool", "int", "float", "list", "dict", "json", "url", "db", "db_url",
                                 "cache", "cache_url", "path", "tuple", "decimal"})
_UPPER: Final = re.compile(r"^[A-Z][A-Z0-9_]*$")
_MAX_ITEMS: Final = 200


def wanted(name: str) -> bool:
    """Is a call of ``name`` (dotted, as written) a site?"""
    last = name.rpartition(".")[2]
    if last in CALL_NAMES:
        return True
    if last in ("get", "setdefault", "pop"):
        return name.endswith("environ." + last)
    if last in _ENV_METHODS:
        return name.startswith("env.")
    return name == "env"


def _scalar(node: cst.BaseExpression) -> F.Value | None:
    """A string, number, None/True/False; None when ``node`` is none of these."""
    text: str | None = None
    if isinstance(node, cst.SimpleString):
        text = literal(node)
    elif isinstance(node, (cst.Integer, cst.Float)) or (isinstance(node, cst.Name) and node.value in ("True", "False")):
        text = node.value
    elif isinstance(node, cst.Name) and node.value == "None":
        return ("none",)
    elif isinstance(node, cst.ConcatenatedString):
        left, right = _scalar(node.left), _scalar(node.right)
        if left is not None and right is not None and left[0] == right[0] == "s":
            text = f"{left[1]}{right[1]}"
    else:
        return None
    return ("s", text) if text is not None else ("o",)


def value(w: Walker, node: cst.BaseExpression, depth: int = 0) -> F.Value:
    """``node`` as a literal :data:`~analyzer.facts.Value`, as far as it is literal."""
    found = _scalar(node)
    if found is not None:
        return found
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)) and depth < 6:
        found = ("l", tuple(value(w, e.value, depth + 1) for e in node.elements[:_MAX_ITEMS]
                            if isinstance(e, cst.Element)))
    elif isinstance(node, cst.Call) and depth < 6:
        args, kwargs = arguments(w, node, depth + 1)
        found = ("c", w.visible(w.expr(node.func)), dotted_name(node.func) or "", args, kwargs)
    elif isinstance(node, (cst.Name, cst.Attribute)):
        expr = w.visible(w.expr(node))
        found = ("x", expr) if expr is not None else None
    elif isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = value(w, node.left, depth), value(w, node.right, depth)
        if left[0] == "l" and right[0] == "l":
            found = ("l", (*left[1], *right[1]))  # type: ignore[misc]
    return found or ("o",)


def arguments(w: Walker, node: cst.Call, depth: int = 0) -> tuple[tuple[F.Value, ...],
                                                                   tuple[tuple[str, F.Value], ...]]:
    """The positional and keyword arguments of a call as values."""
    args: list[F.Value] = []
    kwargs: list[tuple[str, F.Value]] = []
    for arg in node.args:
        if arg.star:
            continue
        if arg.keyword is not None:
            kwargs.append((arg.keyword.value, value(w, arg.value, depth)))
        else:
            args.append(value(w, arg.value, depth))
    return tuple(args), tuple(kwargs)


def record(w: Walker, node: cst.Call, name: str, decorates: str = "") -> None:
    """Add the call ``node`` as a site."""
    args, kwargs = arguments(w, node)
    w.sites.append(F.Site(w.scope.target, w.line, w.visible(w.expr(node.func)), name, args, kwargs, w.assign_target,
                          decorates))


def environ_subscript(w: Walker, node: cst.Subscript) -> None:
    """``os.environ["NAME"]``: an environment read without a default."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return
    name = dotted_name(node.value)
    if name is None or not (name == "environ" or name.endswith(".environ")):
        return
    key = literal(node.slice[0].slice.value)
    if key is not None:
        w.sites.append(F.Site(w.scope.target, w.line, w.expr(node.value), f"{name}[]", (("s", key),), (), "", ""))


def setting(w: Walker, node: cst.Assign) -> None:
    """A module-level ``NAME = "text"`` / ``NAME = [...]`` of strings with an upper-case name."""
    if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
        return
    name = node.targets[0].target.value
    if not _UPPER.match(name):
        return
    found = value(w, node.value)
    if found[0] == "s":
        w.settings.append(F.Setting(name, w.line, (str(found[1]),), False))
    elif found[0] == "l":
        items = tuple(str(item[1]) for item in found[1] if item[0] == "s")  # type: ignore[attr-defined]
        if items:
            w.settings.append(F.Setting(name, w.line, items, True))
