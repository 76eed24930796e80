"""Expressions -> flow facts: each expression that may hold a value worth following gets a slot.

:class:`ExprCompiler` is the half of the collector that knows expressions; :mod:`analyzer.flow.collect` adds
statements and definitions. ``ex(node)`` returns the slot holding the expression's values, or None for
expressions that hold nothing the analysis follows (numbers, strings, arithmetic); every sub-expression is still
compiled, so no call is missed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Final

from analyzer.flow.scopes import Frame, comprehension_names, params_of

Fact = tuple[Any, ...]
Slot = str | None

DECORATOR: Final = 1  # call flag: a decorator applied to a def (an unknown decorator returns what it is given)
QUIET: Final = 2  # call flag: an implicit call (``__enter__``) that makes no edge


def literal_key(node: ast.AST | None) -> str | int | None:
    """The key of a subscript or a dict entry when it is a string or integer literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return node.value
    return None


def callee_name(func: ast.expr) -> str:
    """The callee's last name as written (``f`` in ``a.b.f()``), to match the name resolver's references."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _has_elements(node: ast.expr) -> bool:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    return True  # a comprehension


class ExprCompiler:
    """Compiles expressions of one module into :data:`Fact` tuples (see :mod:`analyzer.flow`)."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.facts: list[Fact] = []
        self.frame = Frame("module", "", "", None)
        self.globals_read: set[str] = set()
        self._tmp = 0
        self._names: dict[str, str] = {}
        self._expr: dict[type[ast.AST], Callable[[Any], Slot]] = {
            ast.Name: self._name, ast.Attribute: self._attribute, ast.Call: self._call,
            ast.Lambda: self._lambda, ast.List: self._sequence, ast.Tuple: self._sequence, ast.Set: self._sequence,
            ast.Dict: self._dict, ast.Subscript: self._subscript, ast.ListComp: self._comprehension,
            ast.SetComp: self._comprehension, ast.GeneratorExp: self._comprehension,
            ast.DictComp: self._comprehension, ast.IfExp: self._if_exp, ast.BoolOp: self._bool_op,
            ast.NamedExpr: self._named, ast.Await: self._await, ast.Yield: self._yield,
            ast.YieldFrom: self._yield_from, ast.Starred: self._starred, ast.Constant: _nothing,
            ast.Compare: self._compare, ast.BinOp: self._bin_op, ast.UnaryOp: self._unary_op,
        }

    # -- slots ---------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Drop the dispatch tables: they hold bound methods of this compiler, a cycle that only the cyclic
        garbage collector would free, and the analyzer runs with that collector paused (the whole syntax tree
        the compiler saw would stay alive in the worker until the end)."""
        self._expr.clear()

    def one(self, slot: str) -> str:
        """The one string object for this slot name: facts share it, so the packed facts hold it once and the
        solver hashes it once."""
        return self._names.setdefault(slot, slot)

    def tmp(self) -> str:
        self._tmp += 1
        return f"{self.module}:#{self._tmp}"

    def global_slot(self, name: str) -> str:
        if name not in self.globals_read:
            self.globals_read.add(name)
            self.facts.append(("g", self.module, name))
        return self.one(f"{self.module}::{name}")

    def class_slot(self, frame: Frame, name: str) -> str:
        return self.one(f"A|{self.module}.{frame.qual}|{name}")

    def load(self, name: str) -> str:
        """The slot ``name`` reads in the current scope (Python's LEGB, class bodies seen only from themselves)."""
        frame: Frame | None = self.frame
        if frame is not None and frame.kind == "class":
            if name in frame.local:
                return self.class_slot(frame, name)
            frame = frame.parent
        while frame is not None and frame.kind != "module":
            if name in frame.declared_global:
                break
            if frame.kind != "class" and name in frame.local:
                return self.one(f"{self.module}:{frame.qual}:{name}")
            frame = frame.parent
        return self.global_slot(name)

    def store_slot(self, name: str) -> str:
        """The slot an assignment to ``name`` writes in the current scope."""
        frame = self.frame
        if frame.kind == "class":
            return self.class_slot(frame, name)
        if frame.kind == "module" or name not in frame.local:
            return self.load(name)
        return self.one(f"{self.module}:{frame.qual}:{name}")

    def const(self, value: tuple[Any, ...]) -> str:
        slot = self.tmp()
        self.facts.append(("k", slot, value))
        return slot

    # -- expressions ---------------------------------------------------------------------------------------------
    def ex(self, node: ast.AST | None) -> Slot:
        if node is None:
            return None
        handler = self._expr.get(type(node))
        if handler is not None:
            return handler(node)
        for child in ast.iter_child_nodes(node):  # arithmetic, comparisons, f-strings: their values go nowhere
            if isinstance(child, ast.expr):
                self.discard(child)
        return None

    def discard(self, node: ast.expr) -> None:
        """Compile an expression whose value is not used: its calls matter, reading ``a.b[c]`` does not."""
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Subscript):
                self.discard(node.slice)
            node = node.value
        if not isinstance(node, ast.Name):
            self.ex(node)

    # values that go nowhere (what ``ex`` does with any other node, spelt out for the most common ones)
    def _compare(self, node: ast.Compare) -> Slot:
        self.discard(node.left)
        for comparator in node.comparators:
            self.discard(comparator)
        return None

    def _bin_op(self, node: ast.BinOp) -> Slot:
        self.discard(node.left)
        self.discard(node.right)
        return None

    def _unary_op(self, node: ast.UnaryOp) -> Slot:
        self.discard(node.operand)
        return None

    def _name(self, node: ast.Name) -> Slot:
        return self.load(node.id)

    def _attribute(self, node: ast.Attribute) -> Slot:
        base = self.ex(node.value)
        if base is None:
            return None
        slot = self.tmp()
        self.facts.append(("a", slot, base, node.attr, self.frame.source, node.lineno))
        return slot

    def _call(self, node: ast.Call) -> Slot:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "super" and self.frame.cls:
            for arg in node.args:
                self.ex(arg)
            slot = self.tmp()
            self.facts.append(("S", slot, self.frame.cls, self.frame.self_slot))
            return slot
        callee = self.ex(func)
        args: list[Slot] = []
        star: Slot = None
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                star = self.ex(arg.value)
            else:
                args.append(self.ex(arg))
        kwargs: list[tuple[str, str]] = []
        dstar: Slot = None
        for keyword in node.keywords:
            value = self.ex(keyword.value)
            if keyword.arg is None:
                dstar = value
            elif value is not None:
                kwargs.append((keyword.arg, value))
        if callee is None:
            return None
        return self.call(callee, tuple(args), kwargs=tuple(kwargs), star=star, dstar=dstar, line=node.lineno,
                         name=callee_name(func))

    def call(self, callee: str, args: tuple[Slot, ...], *, kwargs: tuple[tuple[str, str], ...] = (),
             star: Slot = None, dstar: Slot = None, line: int = 0, name: str = "", flags: int = 0) -> str:
        slot = self.tmp()
        self.facts.append(("c", slot, callee, args, kwargs, star, dstar, self.frame.source, line, name, flags))
        return slot

    def _lambda(self, node: ast.Lambda) -> Slot:
        fid = f"{self.module}:{self.frame.qual}.<lambda:{node.lineno}:{node.col_offset}>"
        outer = self.frame
        for default in (*node.args.defaults, *node.args.kw_defaults):
            self.ex(default)
        self.frame = Frame("lambda", fid.partition(":")[2], outer.source, outer, fid=fid, cls=outer.cls,
                           self_slot=outer.self_slot, local=set(params_of(node.args)))
        self.facts.append(("d", fid, self.params(node.args), 0, ""))
        self.facts.append(("r", fid, self.ex(node.body), node.lineno))
        self.frame = outer
        return self.const(("l", fid))

    def params(self, args: ast.arguments) -> tuple[Any, ...]:
        """(positional slots, positional names, vararg slot, kwonly (name, slot), kwarg slot) of the frame."""
        prefix = f"{self.module}:{self.frame.qual}:"
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        return (tuple(self.one(prefix + n) for n in positional), tuple(positional),
                self.one(prefix + args.vararg.arg) if args.vararg else None,
                tuple((a.arg, self.one(prefix + a.arg)) for a in args.kwonlyargs),
                self.one(prefix + args.kwarg.arg) if args.kwarg else None)

    def _sequence(self, node: ast.List | ast.Tuple | ast.Set) -> Slot:
        if not isinstance(getattr(node, "ctx", None) or ast.Load(), ast.Load):
            return None
        stores: list[tuple[str | int | None, str]] = []
        indexed = not isinstance(node, ast.Set)
        for position, element in enumerate(node.elts):
            if isinstance(element, ast.Starred):
                value = self.ex(element.value)
                if value is not None:
                    stores.append((None, self.element(value, None)))
                indexed = False
                continue
            value = self.ex(element)
            if value is not None:
                stores.append((position if indexed else None, value))
        return self.container(node, stores)

    def container(self, node: ast.expr, stores: list[tuple[str | int | None, str]]) -> Slot:
        """A container made here holding ``stores`` (key, slot); None when it holds nothing followed (a literal
        of strings and numbers: most are, and they would only be carried around). An empty one is kept: it is
        filled later (``handlers = []`` then ``handlers.append(f)``)."""
        if not stores and _has_elements(node):
            return None
        slot = self.const(("L", f"{self.module}:{node.lineno}:{node.col_offset}"))
        self.facts.extend(("E", slot, key, value) for key, value in stores)
        return slot

    def element(self, base: str, key: str | int | None) -> str:
        slot = self.tmp()
        self.facts.append(("e", slot, base, key))
        return slot

    def _dict(self, node: ast.Dict) -> Slot:
        stores: list[tuple[str | int | None, str]] = []
        for key, value in zip(node.keys, node.values, strict=True):
            self.ex(key)
            found = self.ex(value)
            if key is None and found is not None:  # {**other}
                stores.append((None, self.element(found, None)))
            elif found is not None:
                stores.append((literal_key(key), found))
        return self.container(node, stores)

    def _subscript(self, node: ast.Subscript) -> Slot:
        base = self.ex(node.value)
        self.ex(node.slice)
        if base is None or not isinstance(node.ctx, ast.Load):
            return None
        return self.element(base, literal_key(node.slice))

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> Slot:
        outer = self.frame
        first = node.generators[0]
        iterated = self.ex(first.iter)
        qual = f"{outer.qual}.<comp:{node.lineno}:{node.col_offset}>"
        self.frame = Frame("comp", qual, outer.source, outer, fid=outer.fid, cls=outer.cls,
                           self_slot=outer.self_slot, local=comprehension_names(node.generators))
        for position, generator in enumerate(node.generators):
            source = iterated if position == 0 else self.ex(generator.iter)
            if source is not None:
                self.assign(generator.target, self.element(source, None))
            for condition in generator.ifs:
                self.ex(condition)
        value = self.ex(node.value if isinstance(node, ast.DictComp) else node.elt)
        if isinstance(node, ast.DictComp):
            self.ex(node.key)
        self.frame = outer
        return self.container(node, [] if value is None else [(None, value)])

    def _if_exp(self, node: ast.IfExp) -> Slot:
        self.ex(node.test)
        return self.join([self.ex(node.body), self.ex(node.orelse)])

    def _bool_op(self, node: ast.BoolOp) -> Slot:
        return self.join([self.ex(value) for value in node.values])

    def join(self, slots: list[Slot]) -> Slot:
        found = [s for s in slots if s is not None]
        if len(found) <= 1:
            return found[0] if found else None
        slot = self.tmp()
        self.facts.extend(("m", slot, s) for s in found)
        return slot

    def _named(self, node: ast.NamedExpr) -> Slot:
        value = self.ex(node.value)
        self.assign(node.target, value)
        return value

    def _await(self, node: ast.Await) -> Slot:
        return self.ex(node.value)

    def _mark_generator(self) -> None:
        function = self.frame.function()
        if function is not None:
            function.generator = True

    def _yield(self, node: ast.Yield) -> Slot:
        self._mark_generator()
        value = self.ex(node.value)
        if value is not None and self.frame.fid:
            self.facts.append(("y", self.frame.fid, value))
        return None

    def _yield_from(self, node: ast.YieldFrom) -> Slot:
        self._mark_generator()
        value = self.ex(node.value)
        if value is not None and self.frame.fid:
            self.facts.append(("y", self.frame.fid, self.element(value, None)))
        return None

    def _starred(self, node: ast.Starred) -> Slot:
        value = self.ex(node.value)
        return None if value is None else self.element(value, None)

    # -- assignment targets --------------------------------------------------------------------------------------
    def assign(self, target: ast.AST, value: Slot) -> None:
        """``target = value``: names, attributes, subscripts, unpacking."""
        if isinstance(target, ast.Name):
            if value is not None:
                self.facts.append(("m", self.store_slot(target.id), value))
        elif isinstance(target, ast.Attribute):
            base = self.ex(target.value)
            if base is not None and value is not None:
                self.facts.append(("A", base, target.attr, value))
        elif isinstance(target, ast.Subscript):
            base = self.ex(target.value)
            self.ex(target.slice)
            if base is not None and value is not None:
                self.facts.append(("E", base, literal_key(target.slice), value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value)

    def _unpack(self, target: ast.Tuple | ast.List, value: Slot) -> None:
        starred = any(isinstance(e, ast.Starred) for e in target.elts)
        for position, element in enumerate(target.elts):
            if value is None:
                self.assign(element, None)
            elif isinstance(element, ast.Starred):
                holder = self.const(("L", f"{self.module}:{element.lineno}:{element.col_offset}"))
                self.facts.append(("E", holder, None, self.element(value, None)))
                self.assign(element.value, holder)
            else:
                self.assign(element, self.element(value, None if starred else position))


def _nothing(node: ast.AST) -> Slot:
    return None
