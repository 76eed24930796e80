"""One pass over a libcst tree: line numbers, scopes and every fact the global phase needs.

libcst nodes carry no positions and its PositionProvider re-generates the code (several times the cost of the
parse), so the walker counts newlines itself as it visits the tree in source order (``Newline`` tokens,
backslash continuations, newlines inside string literals). Refs inside a multi-line expression get the line
where the walker is when it meets them, which is exact for statements and close within expressions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import libcst as cst

from analyzer import facts as F
from analyzer.cstutil import FILE_MARK, NODE_TYPES, ORDER, dotted_name, field_order
from analyzer.sql import tables_in
from cleave.formats.graph import Diagnostic


class Scope:
    __slots__ = ("cls", "flags", "globals", "kind", "locals", "parent", "pending", "qual", "target")

    def __init__(self, kind: str, qual: str, target: str, parent: Scope | None, cls: str) -> None:
        self.kind = kind  # module | class | function | lambda | comp
        self.qual = qual  # qualified name of the def this scope belongs to
        self.target = target  # the scope refs are attributed to
        self.parent = parent
        self.cls = cls  # the class whose methods see `self` / `super()` here ("" if none)
        self.locals: dict[str, F.Expr | str | None] = {}
        self.globals: set[str] = set()
        self.pending: list[F.Ref] = []
        self.flags = 0


_MISSING: Final = object()
_BREAKLESS_NODE_TYPES: Final = NODE_TYPES - {cst.SimpleWhitespace}
SESSION_METHODS: Final = frozenset({"add", "add_all", "merge", "delete", "query"})
LOCAL_HEAD: Final = "<local>"
"""The head of a call on a plain local kept for the ORM reader (it resolves outside the project)."""

Handler = Callable[["Walker", Any], None]
"""What the walker does at one kind of node (:data:`analyzer.handlers.HANDLERS`)."""


class Walker:
    """Collects :class:`~analyzer.facts.FileFacts` from one module's tree."""

    def __init__(self, module: str, file: str, is_package: bool,
                 handlers: Mapping[type[cst.CSTNode], Handler], *, continued_lines: bool = True) -> None:
        """``continued_lines``: whether the source may hold a backslash continuation; False (the text has no
        backslash before a line break) lets the walk pass over the plain whitespace between tokens, the
        commonest node of every tree, which can hold a line break only after a backslash."""
        self.handlers = handlers
        self.node_types = NODE_TYPES if continued_lines else _BREAKLESS_NODE_TYPES
        self.module = module
        self.file = file
        self.is_package = is_package
        self.line = 1
        self.claimed: set[int] = set()
        self.no_sql = 0
        self.type_checking = 0
        self.block_end = 0
        self.scope = Scope("module", "", "", None, "")
        self.defs: list[F.Def] = []
        self.variables: dict[str, list[int]] = {}
        self.bindings: list[F.Binding] = []
        self.imports: list[F.Import] = []
        self.refs: list[F.Ref] = []
        self.tables: list[F.Table] = []
        self.models: list[F.Model] = []
        self.all_names: list[str] | None = None
        self.diagnostics: list[Diagnostic] = []
        self.sites: list[F.Site] = []
        self.settings: list[F.Setting] = []
        self.quiet = 0  # > 0 inside a statement whose names are no references (an import)
        self.site_depth = 0  # > 0 inside the arguments of a site (nested calls are its values)
        self.assign_target = ""  # the name the statement being walked assigns
        self.annotations: list[F.Annotation] = []
        self.var_values: list[F.VarValue] = []
        self.return_shapes: list[tuple[str, str]] = []
        self.lines: dict[int, int] = {}  # id of a call, attribute, lambda, return, decorator, with item -> its line
        self.walrus_bound: dict[str, set[str]] = {}  # qual of a function or class ("": module) -> names := binds

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
            diagnostics=tuple(self.diagnostics), sites=tuple(self.sites), settings=tuple(self.settings),
            annotations=tuple(self.annotations), var_values=tuple(self.var_values),
            return_shapes=tuple(self.return_shapes))

    def walk(self, node: cst.CSTNode) -> None:
        handler = self.handlers.get(type(node))
        if handler is not None:
            handler(self, node)
        else:
            self.generic(node)

    def generic(self, node: cst.CSTNode) -> None:
        kind = type(node)
        self.walk_fields(node, ORDER.get(kind) or field_order(kind))

    def walk_fields(self, node: cst.CSTNode, names: tuple[str, ...]) -> None:
        # The hot loop of the analyzer: exact type tests (CSTNode is an ABC, isinstance on it is slow).
        handlers = self.handlers
        nodes = self.node_types
        for name in names:
            value = getattr(node, name)
            kind = type(value)
            if kind in nodes:
                handler = handlers.get(kind)
                if handler is not None:
                    handler(self, value)
                else:
                    self.walk_fields(value, ORDER.get(kind) or field_order(kind))
            elif kind is list or kind is tuple:
                for item in value:
                    kind = type(item)
                    if kind in nodes:
                        handler = handlers.get(kind)
                        if handler is not None:
                            handler(self, item)
                        else:
                            self.walk_fields(item, ORDER.get(kind) or field_order(kind))

    # -- expressions -------------------------------------------------------------------------------------------
    def expr(self, node: cst.BaseExpression) -> F.Expr | None:
        """The reference expression for a Name/Attribute/Call chain, or None."""
        # exact type tests: these classes have no subclasses, and isinstance on libcst's (an ABC) is slow
        if type(node) is cst.Name:
            return ("n", node.value, "")
        if type(node) is cst.Attribute:
            base = self.expr(node.value)
            return None if base is None else (base[0], base[1], f"{base[2]}.{node.attr.value}")
        if type(node) is cst.Call:
            if type(node.func) is cst.Name and node.func.value == "super":
                cls = self.scope.cls
                return ("p", cls, "") if cls else None
            base = self.expr(node.func)
            return None if base is None else (base[0], base[1], base[2] + "()")
        return None

    def visible(self, expr: F.Expr | None) -> F.Expr | None:
        """``expr`` with a head bound in an enclosing function (a local import, ``x = Order()``) replaced by
        what it is bound to so far: what a module-level reader can resolve (None: a plain local)."""
        scope: Scope | None = self.scope
        while expr is not None and expr[0] == "n" and scope is not None and scope.kind != "module":
            if scope.kind != "class":
                found = self.subst(scope, expr, 0)
                if found is None:
                    return None
                if found is not _MISSING:
                    expr = found
            scope = scope.parent
        return expr

    def claim_chain(self, node: cst.BaseExpression) -> None:
        while type(node) is cst.Attribute:
            self.claimed.add(id(node))
            node = node.value
        if type(node) is cst.Name:
            self.claimed.add(id(node))

    def ref(self, kind: str, expr: F.Expr, extra: tuple[object, ...] = ()) -> None:
        self.scope.pending.append((self.scope.target, kind, expr, self.line, extra))

    # -- scopes ------------------------------------------------------------------------------------------------
    def push(self, kind: str, qual: str, cls: str) -> Scope:
        target = qual if kind in ("class", "function") else self.scope.target
        self.scope = Scope(kind, qual, target, self.scope, cls)
        return self.scope

    def pop(self) -> None:
        scope = self.scope
        parent = scope.parent
        assert parent is not None
        up = parent
        if scope.kind != "class":
            while up.kind == "class" and up.parent is not None:
                up = up.parent
        for where, kind, written, line, extra in scope.pending:
            expr = self.subst(scope, written, 0)
            if expr is _MISSING:
                up.pending.append((where, kind, written, line, self.subst_extra(scope, kind, extra)))
            elif expr is not None:
                assert isinstance(expr, tuple)
                target = up.pending if expr[0] == "n" else self.refs
                target.append((where, kind, expr, line, self.subst_extra(scope, kind, extra)))
            elif kind == F.CALL and extra and extra[1] and written[2].rpartition(".")[2] in SESSION_METHODS:
                # a method of a plain local taking something (``session.add(order)`` with ``session`` from a
                # ``with``): kept, as a call outside the project, for the ORM reader
                self.refs.append((where, kind, ("a", LOCAL_HEAD, written[2]), line,
                                  self.subst_extra(scope, kind, extra)))
        self.scope = parent

    def subst(self, scope: Scope, expr: F.Expr, depth: int) -> Any:
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

    def subst_extra(self, scope: Scope, kind: str, extra: tuple[object, ...]) -> tuple[object, ...]:
        if kind != F.CALL or not extra or not extra[1]:
            return extra
        passes = set(extra[0])  # type: ignore[call-overload]
        args: list[F.Expr] = []
        for arg in extra[1]:  # type: ignore[attr-defined]
            if arg[0] == "n" and scope.locals.get(arg[1]) == FILE_MARK and not arg[2]:
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
                bound = FILE_MARK if is_file else self.expr(value)
            self.bind(target.value, bound)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, None)
        elif isinstance(target, cst.Attribute):
            self._bind_attribute(target, value)
        elif isinstance(target, cst.Subscript):
            base = self.expr(target.value)
            if base is not None:
                self.claim_chain(target.value)
                self.ref(F.WRITE, base)

    def _bind_attribute(self, target: cst.Attribute, value: cst.BaseExpression | None) -> None:
        """``x.attr = value``: an instance attribute of the method's class (``self.attr``), else a write."""
        base = self.expr(target.value)
        self.claim_chain(target)
        if base is None:
            return
        if (base[0] == "n" and not base[2] and self.scope.cls
                and self.scope.locals.get(base[1]) == ("d", self.scope.cls, "()")):
            value_expr = None if value is None else self.expr(value)
            if value_expr is not None:
                self.ref(F.ATTR, value_expr, (self.scope.cls, target.attr.value))
            return
        self.ref(F.WRITE, (base[0], base[1], f"{base[2]}.{target.attr.value}"))

    def add_table(self, text: str) -> None:
        for name, op in tables_in(text):
            self.tables.append(F.Table(self.scope.target, name, op, self.line))

