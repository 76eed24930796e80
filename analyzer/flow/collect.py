"""One module's libcst tree -> flow facts (the parallel phase): statements and definitions.

Reads the tree the walker has just walked, with the walker's line numbers (:mod:`analyzer.flow.exprs`);
:class:`~analyzer.flow.exprs.ExprCompiler` does the expressions.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import libcst as cst

from analyzer.cstutil import bound_name, dotted_name, import_base
from analyzer.flow.exprs import DECORATOR, QUIET, ExprCompiler, Fact, Slot, callee_name
from analyzer.flow.scopes import Frame, local_names, params_of, statements

STATIC: Final = 1
CLASSMETHOD: Final = 2
PROPERTY: Final = 4
GENERATOR: Final = 8
METHOD: Final = 16
_KIND_OF_DECORATOR: Final = {"staticmethod": STATIC, "classmethod": CLASSMETHOD, "property": PROPERTY,
                             "cached_property": PROPERTY}
_IMPLICIT_CLASSMETHODS: Final = frozenset({"__new__", "__init_subclass__", "__class_getitem__"})


def collect(module: str, is_package: bool, tree: cst.Module, lines: Mapping[int, int],
            walrus: Mapping[str, set[str]]) -> tuple[Fact, ...]:
    """The flow facts of one module's tree, with what the walker saw of it: the lines of its nodes (by id) and
    the names each ``:=`` binds (by the qualified name of its function or class)."""
    collector = Collector(module, is_package, lines, walrus)
    try:
        collector.body(tree.body)
    except RecursionError:
        return ()
    finally:
        collector.close()
    return tuple(collector.facts)


def pack(facts: tuple[Fact, ...]) -> bytes:
    """The facts as one ``marshal`` blob: it crosses from a worker, sits in the fact cache and waits for the
    solver as a single bytes object (no tuples for the garbage collector to walk, nothing for pickle to do); empty
    when the module has no facts, so the solver knows that without unpacking."""
    return marshal.dumps(facts) if facts else b""


def unpack(packed: bytes) -> tuple[Fact, ...]:
    """The facts :func:`pack` packed (none for an empty blob)."""
    if not packed:
        return ()
    facts: tuple[Fact, ...] = marshal.loads(packed)
    return facts


def _decorator_flags(decorators: Sequence[cst.Decorator]) -> int:
    flags = 0
    for decorator in decorators:
        flags |= _KIND_OF_DECORATOR.get(callee_name(decorator.decorator), 0)
    return flags


class Collector(ExprCompiler):
    """Compiles one module's statements."""

    def __init__(self, module: str, is_package: bool, lines: Mapping[int, int],
                 walrus: Mapping[str, set[str]]) -> None:
        super().__init__(module, lines)
        self.is_package = is_package
        self.walrus = walrus
        self._stmt: dict[type[cst.CSTNode], Callable[[Any], None]] = {
            cst.SimpleStatementLine: self._line, cst.FunctionDef: self._function, cst.ClassDef: self._class,
            cst.Return: self._return, cst.Assign: self._assign, cst.AnnAssign: self._ann_assign,
            cst.AugAssign: self._aug_assign, cst.For: self._for, cst.With: self._with, cst.Try: self._try,
            cst.TryStar: self._try, cst.Import: self._import, cst.ImportFrom: self._import_from,
            cst.Global: _nothing, cst.Nonlocal: _nothing, cst.Pass: _nothing, cst.Break: _nothing,
            cst.Continue: _nothing, cst.Expr: self._expr_statement, cst.If: self._branch, cst.While: self._branch,
            cst.Del: self._del, cst.Raise: self._raise, cst.Assert: self._assert, cst.Match: self._match,
        }

    def close(self) -> None:
        super().close()
        self._stmt.clear()

    def body(self, block: Sequence[cst.CSTNode]) -> None:
        for statement in block:
            self.stmt(statement)

    def suite(self, suite: cst.BaseSuite | cst.Else | cst.Finally | None) -> None:
        self.body(statements(suite))

    def stmt(self, node: cst.CSTNode) -> None:
        handler = self._stmt.get(type(node))
        if handler is not None:
            handler(node)
            return
        for child in node.children:  # a statement of a newer Python: its expressions are read, its blocks run
            if isinstance(child, cst.BaseExpression):
                self.discard(child)
            elif isinstance(child, cst.BaseSuite):
                self.suite(child)

    def _line(self, node: cst.SimpleStatementLine) -> None:
        self.body(node.body)

    def _expr_statement(self, node: cst.Expr) -> None:
        self.discard(node.value)

    def _branch(self, node: cst.If | cst.While) -> None:
        self.discard(node.test)
        self.suite(node.body)
        if isinstance(node.orelse, cst.If):  # elif
            self.stmt(node.orelse)
        else:
            self.suite(node.orelse)

    def _del(self, node: cst.Del) -> None:
        if type(node.target) not in (cst.Tuple, cst.List):  # ``del a, b`` reads nothing
            self.discard(node.target)

    def _raise(self, node: cst.Raise) -> None:
        if node.exc is not None:
            self.discard(node.exc)
        if node.cause is not None:
            self.discard(node.cause.item)

    def _assert(self, node: cst.Assert) -> None:
        self.discard(node.test)
        if node.msg is not None:
            self.discard(node.msg)

    def _match(self, node: cst.Match) -> None:
        self.discard(node.subject)
        for case in node.cases:
            if case.guard is not None:
                self.discard(case.guard)
            self.suite(case.body)

    # -- definitions ---------------------------------------------------------------------------------------------
    def _qual(self, name: str) -> str:
        outer = self.frame.qual
        return f"{outer}.{name}" if outer else name

    def _decorate(self, value: str, decorators: list[tuple[Slot, cst.Decorator]]) -> str:
        for slot, node in reversed(decorators):
            if slot is not None:
                value = self.call(slot, (value,), line=self.line_of(node), name=callee_name(node.decorator),
                                  flags=DECORATOR)
        return value

    def _decorators(self, node: cst.FunctionDef | cst.ClassDef) -> list[tuple[Slot, cst.Decorator]]:
        found = []
        for decorator in node.decorators:
            self.line_of(decorator)
            found.append((self.ex(decorator.decorator), decorator))
        return found

    def _function(self, node: cst.FunctionDef) -> None:
        outer = self.frame
        decorators = self._decorators(node)
        self.defaults(node.params)
        name = node.name.value
        qual = self._qual(name)
        fid = f"{self.module}.{qual}"
        flags = _decorator_flags(node.decorators)
        if name in _IMPLICIT_CLASSMETHODS:
            flags |= CLASSMETHOD
        is_method = outer.kind == "class"
        cls = f"{self.module}.{outer.qual}" if is_method else ""
        names = params_of(node.params)
        body = statements(node.body)
        local, declared = local_names(body, names, self.walrus.get(qual, ()))
        positional = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
        self_slot = outer.self_slot
        if is_method:
            flags |= METHOD
            self_slot = f"{self.module}:{qual}:{positional[0]}" if positional and not flags & STATIC else ""
        frame = Frame("function", qual, qual, outer, fid=fid, cls=cls or outer.cls, self_slot=self_slot,
                      local=local, declared_global=declared)
        self.frame = frame
        params = self.params(node.params)
        self.body(body)
        self.frame = outer
        if frame.generator:
            flags |= GENERATOR
        self.facts.append(("d", fid, params, flags, cls))
        value = self._decorate(self.const(("f", fid)), decorators)
        self.facts.append(("m", self.store_slot(name), value))

    def _class(self, node: cst.ClassDef) -> None:
        outer = self.frame
        decorators = self._decorators(node)
        for base in node.bases:
            if base.star == "*":
                value = self.ex(base.value)
                if value is not None:
                    self.element(value, None)
            else:
                self.ex(base.value)
        for keyword in node.keywords:
            self.ex(keyword.value)
        name = node.name.value
        qual = self._qual(name)
        cls = f"{self.module}.{qual}"
        body = statements(node.body)
        names, _ = local_names(body, [], self.walrus.get(qual, ()))
        self.facts.append(("n", cls, tuple(sorted(names))))
        self.frame = Frame("class", qual, qual, outer, cls=outer.cls, self_slot=outer.self_slot, local=names)
        self.body(body)
        self.frame = outer
        value = self._decorate(self.const(("c", cls)), decorators)
        self.facts.append(("m", self.store_slot(name), value))

    def _return(self, node: cst.Return) -> None:
        line = self.line_of(node)
        value = self.ex(node.value)
        if value is not None and self.frame.fid:
            self.facts.append(("r", self.frame.fid, value, line))

    # -- assignments ---------------------------------------------------------------------------------------------
    def _assign(self, node: cst.Assign) -> None:
        value = self.ex(node.value)
        for target in node.targets:
            self.assign(target.target, value)

    def _ann_assign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.ex(node.value))

    def _aug_assign(self, node: cst.AugAssign) -> None:
        value = self.ex(node.value)
        if type(node.target) is cst.Name:
            self.load(node.target.value)
        self.assign(node.target, value)

    def _for(self, node: cst.For) -> None:
        iterated = self.ex(node.iter)
        self.assign(node.target, None if iterated is None else self.element(iterated, None))
        self.suite(node.body)
        self.suite(node.orelse)

    def _with(self, node: cst.With) -> None:
        line = self.line_of(node.items[0]) if node.items else self.line
        for item in node.items:
            manager = self.ex(item.item)
            if item.asname is None:
                continue
            entered: Slot = None
            if manager is not None:
                method = self.tmp()
                self.facts.append(("a", method, manager, "__enter__", self.frame.source, line))
                entered = self.call(method, (), line=line, flags=QUIET)
            self.assign(item.asname.name, entered)
        self.suite(node.body)

    def _try(self, node: cst.Try | cst.TryStar) -> None:
        self.suite(node.body)
        for handler in node.handlers:
            caught_type = handler.type
            classes = [e.value for e in caught_type.elements] if type(caught_type) is cst.Tuple else [caught_type]
            caught = [self.ex(c) for c in classes if c is not None]
            if handler.name is not None and type(handler.name.name) is cst.Name:
                instance = self.tmp()
                self.facts.extend(("i", instance, c) for c in caught if c is not None)
                self.assign(handler.name.name, instance)
            self.suite(handler.body)
        self.suite(node.orelse)
        self.suite(node.finalbody)

    # -- imports inside functions (module-level ones are the name resolver's) -----------------------------------
    def _import(self, node: cst.Import) -> None:
        if self.frame.kind not in ("function", "lambda"):
            return
        for alias in node.names:
            local = bound_name(alias)
            dotted = (dotted_name(alias.name) or "") if alias.asname is not None else local
            self.facts.append(("x", self.store_slot(local), dotted))

    def _import_from(self, node: cst.ImportFrom) -> None:
        if self.frame.kind not in ("function", "lambda") or isinstance(node.names, cst.ImportStar):
            return
        base = import_base(self.module, self.is_package, node)
        if base is None:
            return
        for alias in node.names:
            self.facts.append(("x", self.store_slot(bound_name(alias)), f"{base}.{dotted_name(alias.name)}"))


def _nothing(node: cst.CSTNode) -> None:
    return None
