"""What the walker does at each kind of libcst node: bindings, references, imports, definitions, strings.

The walker (:mod:`analyzer.walker`) knows nothing of this table: :func:`walker_for` hands it over, so the
dependency points one way (handlers -> walker).

Every handler must visit (or count the newlines of) all of its node's children, or the line numbers drift.
"""

from __future__ import annotations

from typing import Final

import libcst as cst

from analyzer import facts as F
from analyzer import shapes, sites
from analyzer.cstutil import (
    DYNAMIC_IMPORTS,
    FILE_MARK,
    MUTATORS,
    SQL_HINT,
    bound_name,
    dotted_name,
    field_order,
    import_base,
    literal,
)
from analyzer.defs import h_class, h_comprehension, h_function, h_lambda
from analyzer.walker import Handler, Scope, Walker
from cleave.formats.graph import Diagnostic

_PAST_LPAR: Final = {kind: tuple(name for name in field_order(kind) if name != "lpar")
                     for kind in (cst.Call, cst.Attribute)}


def _past_parentheses(w: Walker, node: cst.Call | cst.Attribute) -> tuple[str, ...]:
    """Walk the opening parentheses of ``node`` first (``(\n f()\n)``: its own line is past them); the fields
    left to walk."""
    if not node.lpar:
        return field_order(type(node))
    w.walk_fields(node, ("lpar",))
    return _PAST_LPAR[type(node)]


def _h_name(w: Walker, node: cst.Name) -> None:
    if node.lpar:
        w.generic(node)
    if id(node) not in w.claimed and not w.quiet:
        w.ref(F.READ, ("n", node.value, ""))


def _h_attribute(w: Walker, node: cst.Attribute) -> None:
    rest = _past_parentheses(w, node)
    w.lines[id(node)] = w.line
    w.claimed.add(id(node.attr))
    if id(node) not in w.claimed and not w.quiet:
        expr = w.expr(node)
        if expr is not None:
            w.ref(F.READ, expr)
            w.claim_chain(node)
    w.walk_fields(node, rest)


def _h_call(w: Walker, node: cst.Call) -> None:
    rest = _past_parentheses(w, node)
    w.lines[id(node)] = w.line
    func = node.func
    expr = w.expr(func)
    if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
        shapes.mutates(w, func.value)
    if expr is not None:
        w.claim_chain(func)
        passes: set[str] = set()
        args: list[F.Expr] = []
        for arg in node.args:
            shapes.argument(w, arg.value, passes, args)
        w.ref(F.CALL, expr, (tuple(sorted(passes)), tuple(args)))
        name = dotted_name(func)
        if name is not None:
            _special_call(w, node, name)
            if w.site_depth == 0 and sites.wanted(name):
                sites.record(w, node, name)
                w.site_depth += 1
                w.walk_fields(node, rest)
                w.site_depth -= 1
                return
    w.walk_fields(node, rest)


def _string_arg(node: cst.Call, index: int) -> str | None:
    if len(node.args) > index:
        return literal(node.args[index].value)
    return None


def _special_call(w: Walker, node: cst.Call, name: str) -> None:
    if name in DYNAMIC_IMPORTS:
        target = _string_arg(node, 0)
        if target is not None and not target.startswith("."):
            w.imports.append(F.Import(w.scope.target, w.line, target, None, w.type_checking > 0,
                                      w.scope.kind != "module"))
        elif node.args:
            w.diagnostics.append(Diagnostic(w.file, w.line, "dynamic-import",
                                            f"dynamic import of a computed name ({name}(...)): not followed"))
    elif (name == "Table" or name.endswith(".Table")) and len(node.args) >= 2:
        table = _string_arg(node, 0)
        if table:
            w.tables.append(F.Table(w.scope.target, table.lower(), "declare", w.line))


def _h_assign(w: Walker, node: cst.Assign) -> None:
    for target in node.targets:
        shapes.record_value(w, target.target, node.value)
        w.bind_target(target.target, node.value)
    first = node.targets[0].target
    if w.scope.kind == "module" and len(node.targets) == 1 and isinstance(first, cst.Name):
        if first.value == "__all__":
            w.all_names = _strings(node.value)
        sites.setting(w, node)
    _walk_assigning(w, node, first.value if isinstance(first, cst.Name) else "")


def _walk_assigning(w: Walker, node: cst.CSTNode, target: str) -> None:
    """Walk an assignment's node with the name it assigns known to the sites made in it."""
    outer = w.assign_target
    w.assign_target = target
    w.generic(node)
    w.assign_target = outer


def _h_annassign(w: Walker, node: cst.AnnAssign) -> None:
    if node.value is not None:
        shapes.record_value(w, node.target, node.value)
        w.bind_target(node.target, node.value)
    else:
        w.claim_chain(node.target)
    _walk_assigning(w, node, node.target.value if isinstance(node.target, cst.Name) else "")


def _h_subscript(w: Walker, node: cst.Subscript) -> None:
    sites.environ_subscript(w, node)
    w.generic(node)


def _h_augassign(w: Walker, node: cst.AugAssign) -> None:
    target = node.target
    if isinstance(target, cst.Name):
        w.claimed.add(id(target))
        scope = w.scope
        if scope.kind == "module":
            w.bind(target.value, None)
            if target.value == "__all__" and w.all_names is not None:
                w.all_names.extend(_strings(node.value) or [])
        elif target.value in scope.globals:
            w.ref(F.WRITE, ("n", target.value, ""))
    else:
        w.bind_target(target, None)
    w.generic(node)


def _strings(node: cst.BaseExpression) -> list[str] | None:
    if isinstance(node, (cst.List, cst.Tuple)):
        out = []
        for element in node.elements:
            text = literal(element.value)
            if text is not None:
                out.append(text)
        return out
    return None


def _h_for(w: Walker, node: cst.For | cst.CompFor) -> None:
    w.bind_target(node.target, None)
    w.generic(node)


def _h_with_item(w: Walker, node: cst.WithItem) -> None:
    w.lines[id(node)] = w.line
    if node.asname is not None:
        value = node.item
        if isinstance(value, cst.Call) and dotted_name(value.func) == "open":
            if isinstance(node.asname.name, cst.Name):
                w.claimed.add(id(node.asname.name))
                w.bind(node.asname.name.value, FILE_MARK)
        else:
            w.bind_target(node.asname.name, None)
    w.generic(node)


def _h_except(w: Walker, node: cst.ExceptHandler) -> None:
    if node.name is not None and isinstance(node.name.name, cst.Name):
        w.claimed.add(id(node.name.name))
        w.bind(node.name.name.value, None)
    w.generic(node)


def _h_named(w: Walker, node: cst.NamedExpr) -> None:
    binds: Scope | None = w.scope
    while binds is not None and binds.kind == "comp":  # a := in a comprehension binds in the scope around it
        binds = binds.parent
    if binds is not None and binds.kind != "lambda" and type(node.target) is cst.Name:
        w.walrus_bound.setdefault(binds.qual, set()).add(node.target.value)
    w.bind_target(node.target, None)
    w.generic(node)


def _h_del(w: Walker, node: cst.Del) -> None:
    target = node.target
    if isinstance(target, cst.Name):
        w.claimed.add(id(target))
    else:
        w.bind_target(target, None)
    w.generic(node)


def _h_global(w: Walker, node: cst.Global | cst.Nonlocal) -> None:
    for item in node.names:
        w.scope.globals.add(item.name.value)
        w.claimed.add(id(item.name))
    w.generic(node)


def _h_arg(w: Walker, node: cst.Arg) -> None:
    if node.keyword is not None:
        w.claimed.add(id(node.keyword))
    w.generic(node)


def _h_param(w: Walker, node: cst.Param) -> None:
    w.claimed.add(id(node.name))
    w.generic(node)


def _quiet(w: Walker, node: cst.CSTNode) -> None:
    """Walk only to count lines: no name below is a reference."""
    w.quiet += 1
    w.no_sql += 1
    w.generic(node)
    w.no_sql -= 1
    w.quiet -= 1


def _h_import(w: Walker, node: cst.Import) -> None:
    lazy = w.scope.kind != "module"
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is None:
            continue
        w.imports.append(F.Import(w.scope.target, w.line, name, None, w.type_checking > 0, lazy))
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            w.bind(alias.asname.name.value, ("a", name, ""), variable=False)
        else:
            top = name.split(".")[0]
            w.bind(top, ("a", top, ""), variable=False)
    _quiet(w, node)


def _h_import_from(w: Walker, node: cst.ImportFrom) -> None:
    lazy = w.scope.kind != "module"
    base = import_base(w.module, w.is_package, node)
    if base is None:
        w.diagnostics.append(Diagnostic(w.file, w.line, "relative-import",
                                        "relative import goes above the source root: not followed"))
        _quiet(w, node)
        return
    if isinstance(node.names, cst.ImportStar):
        w.imports.append(F.Import(w.scope.target, w.line, base, ("*",), w.type_checking > 0, lazy))
    else:
        names = []
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            names.append(name)
            w.bind(bound_name(alias), ("a", f"{base}.{name}", ""), variable=False)
        w.imports.append(F.Import(w.scope.target, w.line, base, tuple(names), w.type_checking > 0, lazy))
    _quiet(w, node)


def _h_if(w: Walker, node: cst.If) -> None:
    w.walk_fields(node, ("leading_lines", "whitespace_before_test", "test", "whitespace_after_test"))
    guard = dotted_name(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING")
    w.type_checking += guard
    w.walk(node.body)
    w.type_checking -= guard
    if node.orelse is not None:
        w.walk(node.orelse)


def _h_yield(w: Walker, node: cst.CSTNode) -> None:
    scope: Scope | None = w.scope
    while scope is not None and scope.kind in ("comp", "lambda"):
        scope = scope.parent
    if scope is not None and scope.kind == "function":
        scope.flags |= F.IS_GENERATOR
    w.generic(node)


def _h_return(w: Walker, node: cst.Return) -> None:
    w.lines[id(node)] = w.line
    shapes.record_return(w, node)
    w.generic(node)


def _h_newline(w: Walker, node: cst.Newline) -> None:
    w.line += 1


def _h_whitespace(w: Walker, node: cst.SimpleWhitespace) -> None:
    if "\\" in node.value:
        w.line += node.value.count("\n")


def _h_string(w: Walker, node: cst.SimpleString) -> None:
    if w.no_sql == 0 and SQL_HINT.search(node.value):
        value = literal(node)
        if value is not None:
            w.add_table(value)
    w.generic(node)
    w.line += node.value.count("\n")


def _h_fstring_text(w: Walker, node: cst.FormattedStringText) -> None:
    w.line += node.value.count("\n")


def _joined(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        return literal(node)
    if isinstance(node, cst.ConcatenatedString):
        left, right = _joined(node.left), _joined(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
    return None


def _h_joined_string(w: Walker, node: cst.ConcatenatedString | cst.FormattedString) -> None:
    if w.no_sql == 0:
        text = _joined(node)
        if text is not None:
            w.add_table(text)
    w.no_sql += 1
    w.generic(node)
    w.no_sql -= 1


def _h_expr_statement(w: Walker, node: cst.Expr) -> None:
    docstring = isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))
    w.no_sql += docstring
    w.generic(node)
    w.no_sql -= docstring


def _h_statement_line(w: Walker, node: cst.SimpleStatementLine) -> None:
    w.walk_fields(node, ("leading_lines", "body"))
    end = w.line
    w.walk(node.trailing_whitespace)
    if w.scope.kind == "module":
        for span in w.variables.values():
            if span[1] < 0:
                span[1] = end


def _h_decorator(w: Walker, node: cst.Decorator) -> None:
    w.walk_fields(node, ("leading_lines", "whitespace_after_at"))
    w.lines[id(node)] = w.line
    w.walk_fields(node, ("decorator", "trailing_whitespace"))


def _h_block(w: Walker, node: cst.IndentedBlock) -> None:
    w.walk_fields(node, ("header", "indent", "body"))
    w.block_end = w.line - 1
    w.walk_fields(node, ("footer",))


HANDLERS: Final[dict[type[cst.CSTNode], Handler]] = {
    cst.Name: _h_name, cst.Attribute: _h_attribute, cst.Call: _h_call, cst.Assign: _h_assign,
    cst.AnnAssign: _h_annassign, cst.AugAssign: _h_augassign, cst.For: _h_for, cst.CompFor: _h_for,
    cst.WithItem: _h_with_item, cst.ExceptHandler: _h_except, cst.ExceptStarHandler: _h_except,
    cst.NamedExpr: _h_named, cst.Del: _h_del, cst.Global: _h_global, cst.Nonlocal: _h_global, cst.Arg: _h_arg,
    cst.Param: _h_param, cst.Import: _h_import, cst.ImportFrom: _h_import_from, cst.FunctionDef: h_function,
    cst.ClassDef: h_class, cst.Lambda: h_lambda, cst.ListComp: h_comprehension, cst.SetComp: h_comprehension,
    cst.DictComp: h_comprehension, cst.GeneratorExp: h_comprehension, cst.If: _h_if, cst.Yield: _h_yield,
    cst.Newline: _h_newline, cst.SimpleWhitespace: _h_whitespace, cst.SimpleString: _h_string,
    cst.FormattedStringText: _h_fstring_text, cst.ConcatenatedString: _h_joined_string,
    cst.FormattedString: _h_joined_string, cst.Expr: _h_expr_statement, cst.SimpleStatementLine: _h_statement_line,
    cst.IndentedBlock: _h_block, cst.Subscript: _h_subscript, cst.Return: _h_return, cst.Decorator: _h_decorator,
}


def walker_for(module: str, file: str, is_package: bool) -> Walker:
    """A walker for one module, with these handlers."""
    return Walker(module, file, is_package, HANDLERS)
