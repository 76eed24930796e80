"""What the walker records for the crossing rule (cleave/crossing): annotations, module-level values, returns,
what a call's arguments pass besides data, and writes through a mutating method.

The global phase (:mod:`analyzer.kinds`) resolves the names these facts mention and turns them into node
attributes: a function's ``returns_kind`` and ``param_kinds``, a variable's ``value_kind``.
"""

from __future__ import annotations

import contextlib

import libcst as cst

from analyzer import facts as F
from analyzer.cstutil import MUTATORS, dotted_name
from analyzer.walker import Walker

_IMMUTABLE_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
                       cst.FormattedString, cst.Ellipsis)
_CONTAINERS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)


def annotation_exprs(w: Walker, node: cst.BaseExpression | None) -> tuple[F.Expr, ...]:
    """Every dotted name an annotation mentions (``dict[str, Conn] | None`` -> dict, str, Conn, None)."""
    out: list[F.Expr] = []
    stack: list[cst.BaseExpression] = [] if node is None else [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.Name | cst.Attribute):
            expr = w.expr(item)
            if expr is not None:
                out.append(expr)
        elif isinstance(item, cst.Subscript):
            stack.append(item.value)
            stack.extend(e.slice.value for e in item.slice if isinstance(e.slice, cst.Index))
        elif isinstance(item, cst.BinaryOperation):
            stack.extend((item.left, item.right))
        elif isinstance(item, cst.List | cst.Tuple):
            stack.extend(e.value for e in item.elements)
        elif isinstance(item, cst.SimpleString):
            text = item.evaluated_value
            if isinstance(text, str):
                with contextlib.suppress(cst.ParserSyntaxError):
                    stack.append(cst.parse_expression(text))
    return tuple(out)


def record_signature(w: Walker, node: cst.FunctionDef, qual: str) -> None:
    """The annotations of ``node``'s parameters and return (in the scope that defines it)."""
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    for param in every:
        if param.annotation is not None:
            exprs = annotation_exprs(w, param.annotation.annotation)
            if exprs:
                w.annotations.append(F.Annotation(qual, param.name.value, exprs))
    if node.returns is not None:
        exprs = annotation_exprs(w, node.returns.annotation)
        if exprs:
            w.annotations.append(F.Annotation(qual, "return", exprs))


def immutable(node: cst.BaseExpression) -> bool:
    """An immutable literal: numbers, strings, names, tuples and operations of those."""
    if isinstance(node, (*_IMMUTABLE_LITERALS, cst.Name, cst.Attribute)):
        return True
    if isinstance(node, cst.UnaryOperation):
        return immutable(node.expression)
    if isinstance(node, cst.BinaryOperation):
        return immutable(node.left) and immutable(node.right)
    if isinstance(node, cst.Tuple):
        return all(immutable(e.value) for e in node.elements)
    return False


def shape(w: Walker, value: cst.BaseExpression) -> tuple[str, F.Expr | None]:
    """The shape of a module-level value and the expression it names (see :class:`analyzer.facts.VarValue`)."""
    if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
        return "constant", None
    named = value.func if isinstance(value, cst.Call) else value.value if isinstance(value, cst.Subscript) else value
    if isinstance(value, cst.Name | cst.Attribute | cst.Call | cst.Subscript):  # a type alias is a ref too
        return ("call" if isinstance(value, cst.Call) else "ref"), w.expr(named)
    if immutable(value):
        return "constant", None
    return ("container" if isinstance(value, _CONTAINERS) else "lambda" if isinstance(value, cst.Lambda)
            else "other"), None


def record_value(w: Walker, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
    """``NAME = value`` at module level, the first binding of NAME."""
    if w.scope.kind != "module" or not isinstance(target, cst.Name):
        return
    if any(v.name == target.value for v in w.var_values):
        return
    kind, expr = shape(w, value)
    w.var_values.append(F.VarValue(target.value, kind, expr, w.line))


def record_return(w: Walker, node: cst.Return) -> None:
    """``return <value>`` in a function: a ref to resolve, or a shape the value has by itself."""
    value = node.value
    if value is None or w.scope.kind not in ("function", "class"):
        return
    if isinstance(value, cst.Lambda):
        w.return_shapes.append((w.scope.target, "callable"))
    elif isinstance(value, cst.GeneratorExp):
        w.return_shapes.append((w.scope.target, "generator"))
    elif isinstance(value, cst.Call) and dotted_name(value.func) == "open":
        w.return_shapes.append((w.scope.target, "file"))
    elif isinstance(value, cst.Name | cst.Attribute | cst.Call):
        expr = w.expr(value)
        if expr is not None:
            w.ref(F.RETURN, expr)


def mutates(w: Walker, target: cst.BaseExpression) -> None:
    """``target.append(...)``: a write of what ``target`` names (``subs[topic].append``: of ``subs``)."""
    while isinstance(target, cst.Subscript):
        target = target.value
    base = w.expr(target)
    if base is not None and (base[0] != "n" or base[1] != "self"):
        w.ref(F.WRITE, base)


def argument(w: Walker, value: cst.BaseExpression, passes: set[str], args: list[F.Expr]) -> None:
    """What one argument of a call passes besides data (``passes``), or the reference it names (``args``)."""
    # exact type tests: these classes have no subclasses, and isinstance on libcst's (an ABC) is slow
    if type(value) is cst.Lambda:
        passes.add("callable")
    elif type(value) is cst.GeneratorExp:
        passes.add("generator")
    elif type(value) is cst.Call and dotted_name(value.func) == "open":
        passes.add("file")
    elif type(value) is cst.Attribute and value.attr.value in MUTATORS:
        passes.add("callable")  # a bound method of a container (``on_done=receipts.append``)
    elif type(value) in (cst.Name, cst.Attribute, cst.Call):
        arg_expr = w.expr(value)
        if arg_expr is not None:
            args.append(arg_expr)
