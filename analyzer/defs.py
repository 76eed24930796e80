"""What the walker does at definitions: functions, classes (with their ORM model hints), lambdas, comprehensions.

Every handler must visit (or count the newlines of) all of its node's children, or the line numbers drift.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from analyzer import facts as F
from analyzer import shapes, sites
from analyzer.cstutil import IMPLICIT_CLASSMETHODS, dotted_name, literal
from analyzer.walker import Walker


def _decorator_names(w: Walker, decorators: Any, qual: str) -> tuple[tuple[str, ...], set[str]]:
    written = []
    plain = set()
    for decorator in decorators:
        value = decorator.decorator
        called = isinstance(value, cst.Call)
        if called:
            value = value.func
        name = dotted_name(value)
        written.append(name or "?")
        if name:
            plain.add(name)
        if called and name and name.rpartition(".")[2] in sites.ROUTE_DECORATORS:
            sites.record(w, decorator.decorator, name, decorates=qual)
        expr = w.expr(value)
        if expr is not None:
            w.ref(F.DECORATOR, expr, (qual, called))
            if not called:
                w.claim_chain(value)
    return tuple(written), plain


def _enter_def(w: Walker, node: cst.FunctionDef | cst.ClassDef) -> tuple[str, tuple[str, ...], set[str], int]:
    """What a def and a class share before their own parts: the qualified name, the decorators (written names,
    plain names), the line of the ``def``/``class`` keyword, and the name bound in the enclosing scope."""
    outer = w.scope
    qual = f"{outer.qual}.{node.name.value}" if outer.qual else node.name.value
    w.claimed.add(id(node.name))
    w.walk_fields(node, ("leading_lines",))
    written, plain = _decorator_names(w, node.decorators, qual)
    w.walk_fields(node, ("decorators", "lines_after_decorators"))
    line = w.line
    w.bind(node.name.value, ("d", qual, ""), line, variable=False)
    return qual, written, plain, line


def h_function(w: Walker, node: cst.FunctionDef) -> None:
    outer = w.scope
    is_method = outer.kind == "class"
    qual, written, plain, line = _enter_def(w, node)
    shapes.record_signature(w, node, qual)
    w.walk_fields(node, ("asynchronous", "whitespace_after_def", "name", "whitespace_after_name", "type_parameters",
                         "whitespace_after_type_parameters", "whitespace_before_params", "params", "returns",
                         "whitespace_before_colon"))
    cls = outer.qual if is_method else outer.cls
    scope = w.push("function", qual, cls)
    params = node.params
    positional = [*params.posonly_params, *params.params]
    for param in (*positional, *params.kwonly_params):
        scope.locals[param.name.value] = None
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            scope.locals[star.name.value] = None
    if is_method and positional and "staticmethod" not in plain:
        first = positional[0].name.value
        is_cls = "classmethod" in plain or node.name.value in IMPLICIT_CLASSMETHODS
        scope.locals[first] = ("d", outer.qual, "" if is_cls else "()")
    w.block_end = line
    w.walk(node.body)
    end = w.block_end if isinstance(node.body, cst.IndentedBlock) else line
    flags = (F.IS_ASYNC if node.asynchronous is not None else 0) | scope.flags | (F.IS_METHOD if is_method else 0)
    w.pop()
    w.defs.append(F.Def(qual, "function", line, max(end, line), flags, written, ()))


def h_class(w: Walker, node: cst.ClassDef) -> None:
    outer = w.scope
    qual, written, _, line = _enter_def(w, node)
    bases = []
    for arg in node.bases:
        value = arg.value
        if isinstance(value, cst.Subscript):
            value = value.value
        bases.append(dotted_name(value) or "?")
        expr = w.expr(value)
        if expr is not None:
            w.ref(F.BASE, expr, (qual,))
            w.claim_chain(value)
    w.walk_fields(node, ("whitespace_after_class", "name", "whitespace_after_name", "type_parameters",
                         "whitespace_after_type_parameters", "lpar", "bases", "keywords", "rpar",
                         "whitespace_before_colon"))
    w.push("class", qual, outer.cls)
    w.block_end = line
    w.walk(node.body)
    end = w.block_end if isinstance(node.body, cst.IndentedBlock) else line
    w.pop()
    w.defs.append(F.Def(qual, "class", line, max(end, line), 0, written, tuple(bases)))
    _model_hints(w, node, qual)


def _class_strings(body: cst.BaseSuite) -> dict[str, object]:
    found: dict[str, object] = {}
    if not isinstance(body, cst.IndentedBlock):
        return found
    for statement in body.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == "Meta":
            found.update({f"Meta.{k}": v for k, v in _class_strings(statement.body).items()})
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
                        small.targets[0].target, cst.Name):
                    value = small.value
                    if isinstance(value, cst.SimpleString):
                        found[small.targets[0].target.value] = literal(value)
                    elif isinstance(value, cst.Name) and value.value in ("True", "False"):
                        found[small.targets[0].target.value] = value.value == "True"
    return found


def _model_hints(w: Walker, node: cst.ClassDef, qual: str) -> None:
    hints = _class_strings(node.body)
    tablename = hints.get("__tablename__")
    db_table = hints.get("Meta.db_table")
    app_label = hints.get("Meta.app_label")
    abstract = hints.get("Meta.abstract") is True or hints.get("__abstract__") is True
    if tablename or db_table or app_label or abstract:
        w.models.append(F.Model(qual, tablename if isinstance(tablename, str) else "",
                                db_table if isinstance(db_table, str) else "",
                                app_label if isinstance(app_label, str) else "", abstract))


def h_lambda(w: Walker, node: cst.Lambda) -> None:
    w.walk_fields(node, ("lpar",))
    w.lines[id(node)] = w.line  # past its opening parentheses, as a call's
    w.walk_fields(node, ("whitespace_after_lambda", "params"))
    scope = w.push("lambda", w.scope.qual, w.scope.cls)
    params = node.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        scope.locals[param.name.value] = None
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            scope.locals[star.name.value] = None
    w.walk_fields(node, ("colon", "body"))
    w.pop()
    w.walk_fields(node, ("rpar",))


def h_comprehension(w: Walker, node: cst.CSTNode) -> None:
    w.push("comp", w.scope.qual, w.scope.cls)
    w.generic(node)
    w.pop()
