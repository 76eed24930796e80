"""One module's source -> flow facts (the parallel phase): statements and definitions.

Uses the standard library's ``ast`` (exact line numbers, and several times cheaper than a second libcst visit);
:class:`~analyzer.flow.exprs.ExprCompiler` does the expressions.
"""

from __future__ import annotations

import ast
import marshal
from collections.abc import Callable
from typing import Any, Final

from analyzer.flow.exprs import DECORATOR, QUIET, ExprCompiler, Fact, Slot, callee_name
from analyzer.flow.scopes import Frame, local_names, params_of, walrus_lines

STATIC: Final = 1
CLASSMETHOD: Final = 2
PROPERTY: Final = 4
GENERATOR: Final = 8
METHOD: Final = 16
_KIND_OF_DECORATOR: Final = {"staticmethod": STATIC, "classmethod": CLASSMETHOD, "property": PROPERTY,
                             "cached_property": PROPERTY}
_IMPLICIT_CLASSMETHODS: Final = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


def collect(module: str, is_package: bool, text: str) -> tuple[Fact, ...]:
    """The flow facts of one module's source (empty when Python's own parser refuses it)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    collector = Collector(module, is_package, walrus_lines(text))
    try:
        collector.body(tree.body)
    except RecursionError:
        return ()
    finally:
        collector.close()
    return tuple(collector.facts)


def collect_packed(module: str, is_package: bool, text: str) -> bytes:
    """:func:`collect` as one ``marshal`` blob: it crosses from a worker, sits in the fact cache and waits for the
    solver as a single bytes object (no tuples for the garbage collector to walk, nothing for pickle to do); empty
    when the module has no facts (Python's parser refused it), so the solver knows that without unpacking."""
    facts = collect(module, is_package, text)
    return marshal.dumps(facts) if facts else b""


def unpack(packed: bytes) -> tuple[Fact, ...]:
    """The facts :func:`collect_packed` packed (none for an empty blob)."""
    if not packed:
        return ()
    facts: tuple[Fact, ...] = marshal.loads(packed)
    return facts


def _decorator_flags(decorators: list[ast.expr]) -> int:
    flags = 0
    for decorator in decorators:
        name = callee_name(decorator)
        flags |= _KIND_OF_DECORATOR.get(name, 0)
    return flags


class Collector(ExprCompiler):
    """Compiles one module's statements."""

    def __init__(self, module: str, is_package: bool, walrus: list[int] | None = None) -> None:
        super().__init__(module)
        self.is_package = is_package
        self.walrus = walrus  # the lines where ``:=`` is written (None: any), for the scope scan
        self._stmt: dict[type[ast.AST], Callable[[Any], None]] = {
            ast.FunctionDef: self._function, ast.AsyncFunctionDef: self._function, ast.ClassDef: self._class,
            ast.Return: self._return, ast.Assign: self._assign, ast.AnnAssign: self._ann_assign,
            ast.AugAssign: self._aug_assign, ast.For: self._for, ast.AsyncFor: self._for, ast.With: self._with,
            ast.AsyncWith: self._with, ast.Try: self._try, ast.TryStar: self._try, ast.Import: self._import,
            ast.ImportFrom: self._import_from, ast.Global: _nothing, ast.Nonlocal: _nothing, ast.Pass: _nothing,
            ast.Expr: self._expr_statement, ast.If: self._branch, ast.While: self._branch,
        }

    def close(self) -> None:
        super().close()
        self._stmt.clear()

    def body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.stmt(statement)

    def stmt(self, node: ast.AST) -> None:
        handler = self._stmt.get(type(node))
        if handler is not None:
            handler(node)
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.discard(child)  # an `if`/`while` test, an expression statement, an assert
            elif isinstance(child, (ast.stmt, ast.match_case, ast.excepthandler)):
                self.stmt(child)

    def _expr_statement(self, node: ast.Expr) -> None:
        self.discard(node.value)

    def _branch(self, node: ast.If | ast.While) -> None:
        self.discard(node.test)
        self.body(node.body)
        self.body(node.orelse)

    # -- definitions ---------------------------------------------------------------------------------------------
    def _qual(self, name: str) -> str:
        outer = self.frame.qual
        return f"{outer}.{name}" if outer else name

    def _decorate(self, value: str, decorators: list[tuple[Slot, ast.expr]]) -> str:
        for slot, node in reversed(decorators):
            if slot is not None:
                value = self.call(slot, (value,), line=node.lineno, name=callee_name(node), flags=DECORATOR)
        return value

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.frame
        decorators = [(self.ex(d), d) for d in node.decorator_list]
        for default in (*node.args.defaults, *node.args.kw_defaults):
            self.ex(default)
        qual = self._qual(node.name)
        fid = f"{self.module}.{qual}"
        flags = _decorator_flags(node.decorator_list)
        if node.name in _IMPLICIT_CLASSMETHODS:
            flags |= CLASSMETHOD
        is_method = outer.kind == "class"
        cls = f"{self.module}.{outer.qual}" if is_method else ""
        names = params_of(node.args)
        local, declared = local_names(node.body, names, self.walrus)
        positional = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        self_slot = outer.self_slot
        if is_method:
            flags |= METHOD
            self_slot = f"{self.module}:{qual}:{positional[0]}" if positional and not flags & STATIC else ""
        frame = Frame("function", qual, qual, outer, fid=fid, cls=cls or outer.cls, self_slot=self_slot,
                      local=local, declared_global=declared)
        self.frame = frame
        params = self.params(node.args)
        self.body(node.body)
        self.frame = outer
        if frame.generator:
            flags |= GENERATOR
        self.facts.append(("d", fid, params, flags, cls))
        value = self._decorate(self.const(("f", fid)), decorators)
        self.facts.append(("m", self.store_slot(node.name), value))

    def _class(self, node: ast.ClassDef) -> None:
        outer = self.frame
        decorators = [(self.ex(d), d) for d in node.decorator_list]
        for base in node.bases:
            self.ex(base)
        for keyword in node.keywords:
            self.ex(keyword.value)
        qual = self._qual(node.name)
        cls = f"{self.module}.{qual}"
        names, _ = local_names(node.body, [], self.walrus)
        self.facts.append(("n", cls, tuple(sorted(names))))
        self.frame = Frame("class", qual, qual, outer, cls=outer.cls, self_slot=outer.self_slot, local=names)
        self.body(node.body)
        self.frame = outer
        value = self._decorate(self.const(("c", cls)), decorators)
        self.facts.append(("m", self.store_slot(node.name), value))

    def _return(self, node: ast.Return) -> None:
        value = self.ex(node.value)
        if value is not None and self.frame.fid:
            self.facts.append(("r", self.frame.fid, value, node.lineno))

    # -- assignments ---------------------------------------------------------------------------------------------
    def _assign(self, node: ast.Assign) -> None:
        value = self.ex(node.value)
        for target in node.targets:
            self.assign(target, value)

    def _ann_assign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.ex(node.value))

    def _aug_assign(self, node: ast.AugAssign) -> None:
        value = self.ex(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id)
        self.assign(node.target, value)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        iterated = self.ex(node.iter)
        self.assign(node.target, None if iterated is None else self.element(iterated, None))
        self.body(node.body)
        self.body(node.orelse)

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            manager = self.ex(item.context_expr)
            if item.optional_vars is None:
                continue
            entered: Slot = None
            if manager is not None:
                method = self.tmp()
                self.facts.append(("a", method, manager, "__enter__", self.frame.source, node.lineno))
                entered = self.call(method, (), line=node.lineno, flags=QUIET)
            self.assign(item.optional_vars, entered)
        self.body(node.body)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        self.body(node.body)
        for handler in node.handlers:
            classes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            caught = [self.ex(c) for c in classes if c is not None]
            if handler.name:
                instance = self.tmp()
                self.facts.extend(("i", instance, c) for c in caught if c is not None)
                self.assign(ast.Name(handler.name, ast.Store()), instance)
            self.body(handler.body)
        self.body(node.orelse)
        self.body(node.finalbody)

    # -- imports inside functions (module-level ones are the name resolver's) -----------------------------------
    def _import(self, node: ast.Import) -> None:
        if self.frame.kind not in ("function", "lambda"):
            return
        for alias in node.names:
            dotted = alias.name if alias.asname else alias.name.split(".")[0]
            local = alias.asname or dotted
            self.facts.append(("x", self.store_slot(local), dotted))

    def _import_from(self, node: ast.ImportFrom) -> None:
        if self.frame.kind not in ("function", "lambda"):
            return
        base = node.module or ""
        if node.level:
            parts = self.module.split(".") if self.is_package else self.module.split(".")[:-1]
            if node.level - 1 > len(parts):
                return
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            if alias.name != "*":
                self.facts.append(("x", self.store_slot(alias.asname or alias.name), f"{base}.{alias.name}"))


def _nothing(node: ast.AST) -> None:
    return None
