"""What the value-flow pass reads off libcst expressions: literal keys, callee names, the one index of a subscript,
the operands of a chain of ``or``/``and`` (libcst nests them; Python's own tree, which the facts follow, does not).
"""

from __future__ import annotations

from typing import Final

import libcst as cst

_LITERALS: Final = frozenset({cst.SimpleString, cst.ConcatenatedString, cst.Integer})


def literal_key(node: cst.CSTNode | None) -> str | int | None:
    """The key of a subscript or a dict entry when it is a string or integer literal."""
    if type(node) not in _LITERALS:
        return None
    try:
        value = node.evaluated_value  # type: ignore[union-attr]
    except Exception:  # a literal Python itself would refuse: no key
        return None
    return value if isinstance(value, str | int) else None


def callee_name(func: cst.CSTNode) -> str:
    """The callee's last name as written (``f`` in ``a.b.f()``), to match the name resolver's references."""
    if type(func) is cst.Attribute:
        return func.attr.value
    if type(func) is cst.Name:
        return func.value
    return ""


def subscript_key(node: cst.Subscript) -> cst.BaseExpression | None:
    """The one index of ``x[i]`` (None for a slice, several indexes or a starred one)."""
    elements = node.slice
    if len(elements) == 1 and type(elements[0].slice) is cst.Index and elements[0].slice.star is None \
            and elements[0].comma is cst.MaybeSentinel.DEFAULT:
        return elements[0].slice.value
    return None


def operands(node: cst.BooleanOperation) -> list[cst.BaseExpression]:
    """``a or b or c`` as Python's own parser gives it, one operation of three operands (libcst nests them)."""
    found: list[cst.BaseExpression] = []
    operator = type(node.operator)
    current: cst.BaseExpression = node
    rights: list[cst.BaseExpression] = []
    while type(current) is cst.BooleanOperation and type(current.operator) is operator and \
            (current is node or not current.lpar):
        rights.append(current.right)
        current = current.left
    found.append(current)
    found.extend(reversed(rights))
    return found
