"""One pass over a libcst tree: line numbers, scopes and every fact the global phase needs.

libcst nodes carry no positions and its PositionProvider re-generates the code (several times the cost of the
parse), so the walker counts newlines itself as it visits the tree in source order (``Newline`` tokens,
backslash continuations, newlines inside string literals). Refs inside a multi-line expression get the line
where the walker is when it meets them, which is exact for statements and close within expressions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, Final

import libcst as cst

from analyzer import facts as F
from analyzer.sql import tables_in
from cleave.formats.graph import Diagnostic

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
    cst.MatchCase: ("leading_lines", "whitespace_after_case", "pattern", "whitespace_before_if", "whitespace_after_if",
                    "guard", "whitespace_before_colon", "body"),
}
_ORDER: dict[type[cst.CSTNode], tuple[str, ...]] = {}
_SKIP_FIELDS: Final = frozenset({"value", "encoding", "default_indent", "default_newline", "has_trailing_newline"})

MUTATORS: Final = frozenset({
    "append", "extend", "insert", "remove", "pop", "clear", "update", "add", "discard", "setdefault", "popitem",
    "sort", "reverse", "appendleft", "extendleft", "popleft", "set", "__setitem__", "__delitem__",
})
_DYNAMIC_IMPORTS: Final = frozenset({"importlib.import_module", "import_module", "__import__"})
_SQL_HINT: Final = re.compile(r"select|insert|update|delete|create|replace", re.I)
_IMPLICIT_CLASSMETHODS: Final = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


def _order(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    order = _ORDER.get(kind)
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
        _ORDER[kind] = order
    return order


def _subclasses(kind: type) -> set[type]:
    found = {kind}
    child: type
    for child in kind.__subclasses__():
        found |= _subclasses(child)
    return found


_NODE_TYPES: Final = frozenset(_subclasses(cst.CSTNode))


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


class _Scope:
    __slots__ = ("cls", "flags", "globals", "kind", "locals", "parent", "pending", "qual", "target")

    def __init__(self, kind: str, qual: str, target: str, parent: _Scope | None, cls: str) -> None:
        self.kind = kind  # module | class | function | lambda | comp
        self.qual = qual  # qualified name of the def this scope belongs to
        self.target = target  # the scope refs are attributed to
        self.parent = parent
        self.cls = cls  # the class whose methods see `self` / `super()` here ("" if none)
        self.locals: dict[str, F.Expr | str | None] = {}
        self.globals: set[str] = set()
        self.pending: list[F.Ref] = []
        self.flags = 0


_FILE: Final = "file"
_MISSING: Final = object()


class Walker:
    """Collects :class:`~analyzer.facts.FileFacts` from one module's tree."""

    def __init__(self, module: str, file: str, is_package: bool) -> None:
        self.module = module
        self.file = file
        self.is_package = is_package
        self.line = 1
        self.claimed: set[int] = set()
        self.no_sql = 0
        self.type_checking = 0
        self.block_end = 0
        self.scope = _Scope("module", "", "", None, "")
        self.defs: list[F.Def] = []
        self.variables: dict[str, list[int]] = {}
        self.bindings: list[F.Binding] = []
        self.imports: list[F.Import] = []
        self.refs: list[F.Ref] = []
        self.tables: list[F.Table] = []
        self.models: list[F.Model] = []
        self.all_names: list[str] | None = None
        self.diagnostics: list[Diagnostic] = []

    # -- entry -------------------------------------------------------------------------------------------------
    def run(self, tree: cst.Module) -> F.FileFacts:
        self.walk(tree)
        self.refs.extend(self.scope.pending)
        return F.FileFacts(
            module=self.module, file=self.file, is_package=self.is_package, lines=self.line,
            defs=tuple(self.defs), variables=tuple((n, v[0], v[1]) for n, v in self.variables.items()),
            bindings=tuple(self.bindings), imports=tuple(self.imports), refs=tuple(self.refs),
            tables=tuple(self.tables), models=tuple(self.models),
            all_names=None if self.all_names is None else tuple(self.all_names),
            diagnostics=tuple(self.diagnostics))

    def walk(self, node: cst.CSTNode) -> None:
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.generic(node)

    def generic(self, node: cst.CSTNode) -> None:
        kind = type(node)
        self.walk_fields(node, _ORDER.get(kind) or _order(kind))

    def walk_fields(self, node: cst.CSTNode, names: tuple[str, ...]) -> None:
        # The hot loop of the analyzer: exact type tests (CSTNode is an ABC, isinstance on it is slow).
        handlers = _HANDLERS
        nodes = _NODE_TYPES
        for name in names:
            value = getattr(node, name)
            kind = type(value)
            if kind in nodes:
                handler = handlers.get(kind)
                if handler is not None:
                    handler(self, value)
                else:
                    self.walk_fields(value, _ORDER.get(kind) or _order(kind))
            elif kind is list or kind is tuple:
                for item in value:
                    kind = type(item)
                    if kind in nodes:
                        handler = handlers.get(kind)
                        if handler is not None:
                            handler(self, item)
                        else:
                            self.walk_fields(item, _ORDER.get(kind) or _order(kind))

    # -- expressions -------------------------------------------------------------------------------------------
    def expr(self, node: cst.BaseExpression) -> F.Expr | None:
        """The reference expression for a Name/Attribute/Call chain, or None."""
        if isinstance(node, cst.Name):
            return ("n", node.value, "")
        if isinstance(node, cst.Attribute):
            base = self.expr(node.value)
            return None if base is None else (base[0], base[1], f"{base[2]}.{node.attr.value}")
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Name) and node.func.value == "super":
                cls = self.scope.cls
                return ("p", cls, "") if cls else None
            base = self.expr(node.func)
            return None if base is None else (base[0], base[1], base[2] + "()")
        return None

    def claim_chain(self, node: cst.BaseExpression) -> None:
        while isinstance(node, cst.Attribute):
            self.claimed.add(id(node))
            node = node.value
        if isinstance(node, cst.Name):
            self.claimed.add(id(node))

    def ref(self, kind: str, expr: F.Expr, extra: tuple[object, ...] = ()) -> None:
        self.scope.pending.append((self.scope.target, kind, expr, self.line, extra))

    # -- scopes ------------------------------------------------------------------------------------------------
    def push(self, kind: str, qual: str, cls: str) -> _Scope:
        target = qual if kind in ("class", "function") else self.scope.target
        self.scope = _Scope(kind, qual, target, self.scope, cls)
        return self.scope

    def pop(self) -> None:
        scope = self.scope
        parent = scope.parent
        assert parent is not None
        up = parent
        if scope.kind != "class":
            while up.kind == "class" and up.parent is not None:
                up = up.parent
        for ref in scope.pending:
            expr = self.subst(scope, ref[2], 0)
            if expr is _MISSING:
                up.pending.append((ref[0], ref[1], ref[2], ref[3], self.subst_extra(scope, ref[1], ref[4])))
            elif expr is not None:
                assert isinstance(expr, tuple)
                target = up.pending if expr[0] == "n" else self.refs
                target.append((ref[0], ref[1], expr, ref[3], self.subst_extra(scope, ref[1], ref[4])))
        self.scope = parent

    def subst(self, scope: _Scope, expr: F.Expr, depth: int) -> Any:
        """``expr`` with a head local to ``scope`` replaced by what it is bound to; None: a plain local;
        _MISSING: not local here."""
        kind, head, rest = expr
        if kind != "n" or head in scope.globals or head not in scope.locals:
            return _MISSING if kind == "n" else expr
        bound = scope.locals[head]
        if not isinstance(bound, tuple) or depth > 8:
            return None
        new = (bound[0], bound[1], bound[2] + rest)
        if new[0] == "n":
            again = self.subst(scope, new, depth + 1)
            return new if again is _MISSING else again
        return new

    def subst_extra(self, scope: _Scope, kind: str, extra: tuple[object, ...]) -> tuple[object, ...]:
        if kind != F.CALL or not extra or not extra[1]:
            return extra
        passes = set(extra[0])  # type: ignore[call-overload]
        args: list[F.Expr] = []
        for arg in extra[1]:  # type: ignore[attr-defined]
            if arg[0] == "n" and scope.locals.get(arg[1]) == _FILE and not arg[2]:
                passes.add("file")
                continue
            new = self.subst(scope, arg, 0)
            if new is _MISSING:
                args.append(arg)
            elif new is not None:
                args.append(new)
        return (tuple(sorted(passes)), tuple(args))

    def bind(self, name: str, value: F.Expr | str | None, line: int | None = None, *, variable: bool = True) -> None:
        """Bind ``name`` in the current scope (a module-level variable, or a local); imports and defs are no
        variables."""
        scope = self.scope
        if scope.kind == "module" and not variable:
            if isinstance(value, tuple) and value[0] == "a":
                self.bindings.append((name, value))
            return
        if scope.kind == "module":
            if name in self.variables:
                self.ref(F.WRITE, ("n", name, ""))
            elif not (name.startswith("__") and name.endswith("__")):
                self.variables[name] = [self.line if line is None else line, -1]
            if isinstance(value, tuple):
                self.bindings.append((name, value))
            return
        if name in scope.globals:
            self.ref(F.WRITE, ("n", name, ""))
            return
        if name in scope.locals and scope.locals[name] != value:
            scope.locals[name] = None
        else:
            scope.locals[name] = value

    def bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self.claimed.add(id(target))
            bound: F.Expr | str | None = None
            if value is not None:
                is_file = isinstance(value, cst.Call) and dotted_name(value.func) == "open"
                bound = _FILE if is_file else self.expr(value)
            self.bind(target.value, bound)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, None)
        elif isinstance(target, cst.Attribute):
            base = self.expr(target.value)
            self.claim_chain(target)
            if base is None:
                return
            if (base[0] == "n" and not base[2] and self.scope.cls
                    and self.scope.locals.get(base[1]) == ("d", self.scope.cls, "()")):
                if value is None:
                    return
                value_expr = self.expr(value)
                if value_expr is not None:
                    self.ref(F.ATTR, value_expr, (self.scope.cls, target.attr.value))
                return
            self.ref(F.WRITE, (base[0], base[1], f"{base[2]}.{target.attr.value}"))
        elif isinstance(target, cst.Subscript):
            base = self.expr(target.value)
            if base is not None:
                self.claim_chain(target.value)
                self.ref(F.WRITE, base)

    def add_table(self, text: str) -> None:
        for name, op in tables_in(text):
            self.tables.append((self.scope.target, name, op, self.line))


def _h_name(w: Walker, node: cst.Name) -> None:
    if node.lpar:
        w.generic(node)
    if id(node) not in w.claimed:
        w.ref(F.READ, ("n", node.value, ""))


def _h_attribute(w: Walker, node: cst.Attribute) -> None:
    w.claimed.add(id(node.attr))
    if id(node) not in w.claimed:
        expr = w.expr(node)
        if expr is not None:
            w.ref(F.READ, expr)
            w.claim_chain(node)
    w.generic(node)


def _h_call(w: Walker, node: cst.Call) -> None:
    func = node.func
    expr = w.expr(func)
    if expr is not None:
        w.claim_chain(func)
        passes: set[str] = set()
        args: list[F.Expr] = []
        for arg in node.args:
            value = arg.value
            if isinstance(value, cst.Lambda):
                passes.add("callable")
            elif isinstance(value, cst.GeneratorExp):
                passes.add("generator")
            elif isinstance(value, cst.Call) and dotted_name(value.func) == "open":
                passes.add("file")
            elif isinstance(value, (cst.Name, cst.Attribute, cst.Call)):
                arg_expr = w.expr(value)
                if arg_expr is not None:
                    args.append(arg_expr)
        w.ref(F.CALL, expr, (tuple(sorted(passes)), tuple(args)))
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
            base = w.expr(func.value)
            if base is not None and (base[0] != "n" or base[1] != "self"):
                w.ref(F.WRITE, base)
        name = dotted_name(func)
        if name is not None:
            _special_call(w, node, name)
    w.generic(node)


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


def _string_arg(node: cst.Call, index: int) -> str | None:
    if len(node.args) > index:
        return literal(node.args[index].value)
    return None


def _special_call(w: Walker, node: cst.Call, name: str) -> None:
    if name in _DYNAMIC_IMPORTS:
        target = _string_arg(node, 0)
        if target is not None and not target.startswith("."):
            w.imports.append((w.scope.target, w.line, target, None, w.type_checking > 0, w.scope.kind != "module"))
        elif node.args:
            w.diagnostics.append(Diagnostic(w.file, w.line, "dynamic-import",
                                            f"dynamic import of a computed name ({name}(...)): not followed"))
    elif (name == "Table" or name.endswith(".Table")) and len(node.args) >= 2:
        table = _string_arg(node, 0)
        if table:
            w.tables.append((w.scope.target, table.lower(), "create", w.line))


def _h_assign(w: Walker, node: cst.Assign) -> None:
    for target in node.targets:
        w.bind_target(target.target, node.value)
    if (w.scope.kind == "module" and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
            and node.targets[0].target.value == "__all__"):
        w.all_names = _strings(node.value)
    w.generic(node)


def _h_annassign(w: Walker, node: cst.AnnAssign) -> None:
    if node.value is not None:
        w.bind_target(node.target, node.value)
    else:
        w.claim_chain(node.target)
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
    if node.asname is not None:
        value = node.item
        if isinstance(value, cst.Call) and dotted_name(value.func) == "open":
            if isinstance(node.asname.name, cst.Name):
                w.claimed.add(id(node.asname.name))
                w.bind(node.asname.name.value, _FILE)
        else:
            w.bind_target(node.asname.name, None)
    w.generic(node)


def _h_except(w: Walker, node: cst.ExceptHandler) -> None:
    if node.name is not None and isinstance(node.name.name, cst.Name):
        w.claimed.add(id(node.name.name))
        w.bind(node.name.name.value, None)
    w.generic(node)


def _h_named(w: Walker, node: cst.NamedExpr) -> None:
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
    """Walk only to count lines: every Name below is claimed."""
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (cst.Name, cst.Attribute)):
            w.claimed.add(id(item))
        if isinstance(item, cst.CSTNode):
            for name in _order(type(item)):
                stack.append(getattr(item, name))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    w.no_sql += 1
    w.generic(node)
    w.no_sql -= 1


def _h_import(w: Walker, node: cst.Import) -> None:
    lazy = w.scope.kind != "module"
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is None:
            continue
        w.imports.append((w.scope.target, w.line, name, None, w.type_checking > 0, lazy))
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            w.bind(alias.asname.name.value, ("a", name, ""), variable=False)
        else:
            top = name.split(".")[0]
            w.bind(top, ("a", top, ""), variable=False)
    _quiet(w, node)


def _h_import_from(w: Walker, node: cst.ImportFrom) -> None:
    lazy = w.scope.kind != "module"
    base = dotted_name(node.module) if node.module is not None else ""
    if base is None:
        base = ""
    level = len(node.relative)
    if level:
        parts = w.module.split(".") if w.is_package else w.module.split(".")[:-1]
        if level - 1 > len(parts) or (level - 1 == len(parts) and not base):
            w.diagnostics.append(Diagnostic(w.file, w.line, "relative-import",
                                            "relative import goes above the source root: not followed"))
            _quiet(w, node)
            return
        parts = parts[: len(parts) - (level - 1)]
        base = ".".join([*parts, base] if base else parts)
    if isinstance(node.names, cst.ImportStar):
        w.imports.append((w.scope.target, w.line, base, ("*",), w.type_checking > 0, lazy))
    else:
        names = []
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            names.append(name)
            local = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else name
            w.bind(local, ("a", f"{base}.{name}", ""), variable=False)
        w.imports.append((w.scope.target, w.line, base, tuple(names), w.type_checking > 0, lazy))
    _quiet(w, node)


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
        expr = w.expr(value)
        if expr is not None:
            w.ref(F.DECORATOR, expr, (qual, called))
            if not called:
                w.claim_chain(value)
    return tuple(written), plain


def _h_function(w: Walker, node: cst.FunctionDef) -> None:
    outer = w.scope
    qual = f"{outer.qual}.{node.name.value}" if outer.qual else node.name.value
    is_method = outer.kind == "class"
    w.claimed.add(id(node.name))
    w.walk_fields(node, ("leading_lines",))
    written, plain = _decorator_names(w, node.decorators, qual)
    w.walk_fields(node, ("decorators", "lines_after_decorators"))
    line = w.line
    w.bind(node.name.value, ("d", qual, ""), line, variable=False)
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
        is_cls = "classmethod" in plain or node.name.value in _IMPLICIT_CLASSMETHODS
        scope.locals[first] = ("d", outer.qual, "" if is_cls else "()")
    w.block_end = line
    w.walk(node.body)
    end = w.block_end if isinstance(node.body, cst.IndentedBlock) else line
    flags = (F.IS_ASYNC if node.asynchronous is not None else 0) | scope.flags | (F.IS_METHOD if is_method else 0)
    w.pop()
    w.defs.append((qual, "function", line, max(end, line), flags, written, ()))


def _h_class(w: Walker, node: cst.ClassDef) -> None:
    outer = w.scope
    qual = f"{outer.qual}.{node.name.value}" if outer.qual else node.name.value
    w.claimed.add(id(node.name))
    w.walk_fields(node, ("leading_lines",))
    written, _ = _decorator_names(w, node.decorators, qual)
    w.walk_fields(node, ("decorators", "lines_after_decorators"))
    line = w.line
    w.bind(node.name.value, ("d", qual, ""), line, variable=False)
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
    w.defs.append((qual, "class", line, max(end, line), 0, written, tuple(bases)))
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
    abstract = hints.get("Meta.abstract") is True
    if tablename or db_table or app_label or abstract:
        w.models.append((qual, tablename if isinstance(tablename, str) else "",
                         db_table if isinstance(db_table, str) else "",
                         app_label if isinstance(app_label, str) else "", abstract))


def _h_lambda(w: Walker, node: cst.Lambda) -> None:
    w.walk_fields(node, ("lpar", "whitespace_after_lambda", "params"))
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


def _h_comprehension(w: Walker, node: cst.CSTNode) -> None:
    w.push("comp", w.scope.qual, w.scope.cls)
    w.generic(node)
    w.pop()


def _h_if(w: Walker, node: cst.If) -> None:
    w.walk_fields(node, ("leading_lines", "whitespace_before_test", "test", "whitespace_after_test"))
    guard = dotted_name(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING")
    w.type_checking += guard
    w.walk(node.body)
    w.type_checking -= guard
    if node.orelse is not None:
        w.walk(node.orelse)


def _h_yield(w: Walker, node: cst.CSTNode) -> None:
    scope: _Scope | None = w.scope
    while scope is not None and scope.kind in ("comp", "lambda"):
        scope = scope.parent
    if scope is not None and scope.kind == "function":
        scope.flags |= F.IS_GENERATOR
    w.generic(node)


def _h_newline(w: Walker, node: cst.Newline) -> None:
    w.line += 1


def _h_whitespace(w: Walker, node: cst.SimpleWhitespace) -> None:
    if "\\" in node.value:
        w.line += node.value.count("\n")


def _h_string(w: Walker, node: cst.SimpleString) -> None:
    if w.no_sql == 0 and _SQL_HINT.search(node.value):
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


def _h_block(w: Walker, node: cst.IndentedBlock) -> None:
    w.walk_fields(node, ("header", "indent", "body"))
    w.block_end = w.line - 1
    w.walk_fields(node, ("footer",))


_HANDLERS: Final[dict[type[cst.CSTNode], Callable[[Walker, Any], None]]] = {
    cst.Name: _h_name, cst.Attribute: _h_attribute, cst.Call: _h_call, cst.Assign: _h_assign,
    cst.AnnAssign: _h_annassign, cst.AugAssign: _h_augassign, cst.For: _h_for, cst.CompFor: _h_for,
    cst.WithItem: _h_with_item, cst.ExceptHandler: _h_except, cst.ExceptStarHandler: _h_except,
    cst.NamedExpr: _h_named, cst.Del: _h_del, cst.Global: _h_global, cst.Nonlocal: _h_global, cst.Arg: _h_arg,
    cst.Param: _h_param, cst.Import: _h_import, cst.ImportFrom: _h_import_from, cst.FunctionDef: _h_function,
    cst.ClassDef: _h_class, cst.Lambda: _h_lambda, cst.ListComp: _h_comprehension, cst.SetComp: _h_comprehension,
    cst.DictComp: _h_comprehension, cst.GeneratorExp: _h_comprehension, cst.If: _h_if, cst.Yield: _h_yield,
    cst.Newline: _h_newline, cst.SimpleWhitespace: _h_whitespace, cst.SimpleString: _h_string,
    cst.FormattedStringText: _h_fstring_text, cst.ConcatenatedString: _h_joined_string,
    cst.FormattedString: _h_joined_string, cst.Expr: _h_expr_statement, cst.SimpleStatementLine: _h_statement_line,
    cst.IndentedBlock: _h_block,
}
