"""Small helpers over libcst nodes shared by the walker and its handlers: source order, names, literals."""

from __future__ import annotations

import dataclasses
import re
from typing import Final

import libcst as cst

_FRONT: Final = ("leading_lines", "header", "lpar", "lbracket", "lbrace")
_BACK: Final = ("rbracket", "rbrace", "rpar", "footer")
_EXPLICIT: Final[dict[type[cst.CSTNode], tuple[str, ...]]] = {
    cst.FunctionDef: ("leading_lines", "decorators", "lines_after_decorators", "asynchronous",
                      "whitespace_after_def", "name", "whitespace_after_name", "type_parameters",
                      "whitespace_after_type_parameters", "whitespace_before_params", "params", "returns",
                      "whitespace_before_colon", "body"),
    cst.ClassDef: ("leading_lines", "decorators", "lines_after_decorators", "whitespace_after_class", "name",
                   "whitespace_after_name", "type_parameters", "whitespace_after_type_parameters", "lpar", "bases",
                   "keywords", "rpar", "whitespace_before_colon", "body"),
    cst.ExceptHandler: ("leading_lines", "whitespace_after_except", "type", "name", "whitespace_before_colon", "body"),
    cst.ExceptStarHandler: ("leading_lines", "whitespace_after_except", "whitespace_after_star", "type", "name",
                            "whitespace_before_colon", "body"),
    cst.Call: ("lpar", "func", "whitespace_after_func", "whitespace_before_args", "args", "rpar"),
    cst.Subscript: ("lpar", "value", "whitespace_after_value", "lbracket", "slice", "rbracket", "rpar"),
    cst.Arg: ("star", "whitespace_after_star", "keyword", "equal", "value", "whitespace_after_arg", "comma"),
    cst.Param: ("star", "whitespace_after_star", "name", "annotation", "equal", "default", "comma",
                "whitespace_after_param"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.DictElement: ("key", "whitespace_before_colon", "whitespace_after_colon", "value", "comma"),
    cst.IfExp: ("lpar", "body", "whitespace_before_if", "whitespace_after_if", "test", "whitespace_before_else",
                "whitespace_after_else", "orelse", "rpar"),
    cst.Attribute: ("lpar", "value", "dot", "attr", "rpar"),
    cst.DictComp: ("lpar", "lbrace", "key", "whitespace_before_colon", "whitespace_after_colon", "value", "for_in",
                   "rbrace", "rpar"),
    cst.For: ("leading_lines", "asynchronous", "whitespace_after_for", "target", "whitespace_before_in",
              "whitespace_after_in", "iter", "whitespace_before_colon", "body", "orelse"),
    cst.NamedExpr: ("lpar", "target", "whitespace_before_walrus", "whitespace_after_walrus", "value", "rpar"),
    cst.Slice: ("lower", "first_colon", "upper", "second_colon", "step"),
    cst.CompFor: ("whitespace_before", "asynchronous", "whitespace_after_for", "target", "whitespace_before_in",
                  "whitespace_after_in", "iter", "ifs", "inner_for_in"),
    cst.CompIf: ("whitespace_before", "whitespace_before_test", "test"),
    cst.ConcatenatedString: ("lpar", "left", "whitespace_between", "right", "rpar"),
    cst.Assert: ("whitespace_after_assert", "test", "comma", "msg", "semicolon"),
    cst.Match: ("leading_lines", "whitespace_after_match", "subject", "whitespace_before_colon",
                "whitespace_after_colon", "indent", "cases", "footer"),
    cst.MatchCase: ("leading_lines", "whitespace_after_case", "pattern", "whitespace_before_if", "whitespace_after_if",
                    "guard", "whitespace_before_colon", "body"),
}
ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {}
_SKIP_FIELDS: Final = frozenset({"value", "encoding", "default_indent", "default_newline", "has_trailing_newline"})

MUTATORS: Final = frozenset({
    "append", "extend", "insert", "remove", "pop", "clear", "update", "add", "discard", "setdefault", "popitem",
    "sort", "reverse", "appendleft", "extendleft", "popleft", "set", "__setitem__", "__delitem__",
})
DYNAMIC_IMPORTS: Final = frozenset({"importlib.import_module", "import_module", "__import__"})
SQL_HINT: Final = re.compile(r"select|insert|update|delete|create|replace", re.I)
IMPLICIT_CLASSMETHODS: Final = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


def field_order(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    order = ORDER.get(kind)
    if order is None:
        names = [f.name for f in dataclasses.fields(kind)]
        explicit = _EXPLICIT.get(kind)
        if explicit is not None:
            order = explicit
        else:
            front = [n for n in _FRONT if n in names]
            back = [n for n in _BACK if n in names]
            order = (*front, *[n for n in names if n not in front and n not in back], *back)
        if kind in (cst.SimpleString, cst.FormattedStringText, cst.Integer, cst.Float, cst.Imaginary):
            order = tuple(n for n in order if n not in _SKIP_FIELDS)
        ORDER[kind] = order
    return order


def _subclasses(kind: type) -> set[type]:
    found = {kind}
    child: type
    for child in kind.__subclasses__():
        found |= _subclasses(child)
    return found


NODE_TYPES: Final = frozenset(_subclasses(cst.CSTNode))


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    # exact type tests: these classes have no subclasses, and isinstance on libcst's (an ABC) is slow
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def import_base(module: str, is_package: bool, node: cst.ImportFrom) -> str | None:
    """The absolute module a ``from ... import`` in ``module`` names, or None when its dots climb above the source
    root."""
    base = (dotted_name(node.module) or "") if node.module is not None else ""
    level = len(node.relative)
    if not level:
        return base
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(parts) or (level - 1 == len(parts) and not base):
        return None
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, base] if base else parts)


def bound_name(alias: cst.ImportAlias) -> str:
    """The name an import binds: its ``as`` name, else the first segment of what it imports."""
    if alias.asname is not None and type(alias.asname.name) is cst.Name:
        return alias.asname.name.value
    return (dotted_name(alias.name) or "").split(".")[0]


_PREFIX: Final = re.compile(r"^[rRuUfF]*")


def literal(node: cst.CSTNode) -> str | None:
    """The text of a (non-bytes) string literal, escapes left as written (enough for names and SQL)."""
    if not isinstance(node, cst.SimpleString):
        return None
    raw = node.value
    body = _PREFIX.sub("", raw, count=1)
    if not body or body[0] not in "'\"":
        return None
    quote = 3 if body[:3] in ('"""', "'''") else 1
    return body[quote:-quote]


FILE_MARK: Final = "file"
"""What a local bound to ``open(...)`` is bound to (so passing it is a ``file`` crossing)."""
