"""Expressions -> flow facts: each expression that may hold a value worth following gets a slot.

:class:`ExprCompiler` is the half of the collector that knows expressions; :mod:`analyzer.flow.collect` adds
statements and definitions. It reads the libcst tree the walker (:mod:`analyzer.walker`) has just walked, and
takes its line numbers from the walker (``lines``: id of a call, attribute, lambda, return, decorator or ``with``
item -> its line), so a call's line here is the name resolver's line for the same call. ``ex(node)`` returns the
slot holding the expression's values, or None for expressions that hold nothing the analysis follows (numbers,
strings, arithmetic); every sub-expression is still compiled, so no call is missed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import libcst as cst

from analyzer.flow.reading import callee_name, literal_key, operands, subscript_key
from analyzer.flow.scopes import Frame, comprehension_names, params_of
from analyzer.flow.slots import Fact, Slot, Slots

__all__ = ["DECORATOR", "QUIET", "ExprCompiler", "Fact", "Slot", "callee_name", "literal_key"]

DECORATOR: Final = 1  # call flag: a decorator applied to a def (an unknown decorator returns what it is given)
QUIET: Final = 2  # call flag: an implicit call (``__enter__``) that makes no edge
_CONSTANT_NAMES: Final = frozenset({"True", "False", "None"})


class ExprCompiler(Slots):
    """Compiles expressions of one module into :data:`~analyzer.flow.slots.Fact` tuples (see
    :mod:`analyzer.flow`)."""

    def __init__(self, module: str, lines: Mapping[int, int]) -> None:
        super().__init__(module, lines)
        self._expr: dict[type[cst.CSTNode], Callable[[Any], Slot]] = {
            cst.Name: self._name, cst.Attribute: self._attribute, cst.Call: self._call,
            cst.Lambda: self._lambda, cst.List: self._sequence, cst.Tuple: self._sequence, cst.Set: self._sequence,
            cst.Dict: self._dict, cst.Subscript: self._subscript, cst.ListComp: self._comprehension,
            cst.SetComp: self._comprehension, cst.GeneratorExp: self._comprehension,
            cst.DictComp: self._comprehension, cst.IfExp: self._if_exp, cst.BooleanOperation: self._bool_op,
            cst.NamedExpr: self._named, cst.Await: self._await, cst.Yield: self._yield,
            cst.StarredElement: self._starred, cst.Comparison: self._compare, cst.BinaryOperation: self._bin_op,
            cst.UnaryOperation: self._unary_op, cst.FormattedString: self._formatted,
            cst.ConcatenatedString: self._concatenated, cst.SimpleString: _nothing, cst.Integer: _nothing,
            cst.Float: _nothing, cst.Imaginary: _nothing, cst.Ellipsis: _nothing,
        }

    def close(self) -> None:
        """Drop the dispatch tables: they hold bound methods of this compiler, a cycle that only the cyclic
        garbage collector would free, and the analyzer runs with that collector paused (the whole syntax tree
        the compiler saw would stay alive in the worker until the end)."""
        self._expr.clear()

    # -- expressions ---------------------------------------------------------------------------------------------
    def ex(self, node: cst.CSTNode | None) -> Slot:
        if node is None:
            return None
        handler = self._expr.get(type(node))
        if handler is not None:
            return handler(node)
        for child in node.children:  # anything else: its values go nowhere, its calls are made
            if isinstance(child, cst.BaseExpression):
                self.discard(child)
        return None

    def discard(self, node: cst.CSTNode) -> None:
        """Compile an expression whose value is not used: its calls matter, reading ``a.b[c]`` does not."""
        while True:
            kind = type(node)
            if kind is cst.Attribute:
                node = node.value  # type: ignore[attr-defined]
            elif kind is cst.Subscript:
                self._slice(node, keep=False)  # type: ignore[arg-type]
                node = node.value  # type: ignore[attr-defined]
            else:
                break
        if kind is not cst.Name:
            self.ex(node)

    def _slice(self, node: cst.Subscript, *, keep: bool) -> cst.BaseExpression | None:
        """Compile the index of ``node`` (several indexes are a tuple; ``keep``: whether the one index's value
        is used); the one index when there is one."""
        key = subscript_key(node)
        if key is not None:
            if keep:
                self.ex(key)
            else:
                self.discard(key)
        elif len(node.slice) == 1 and type(node.slice[0].slice) is cst.Slice:
            self._bounds(node.slice[0].slice)
        else:
            self._elements(node.slice, indexed=True, node=node)
        return key

    def _bounds(self, node: cst.Slice) -> None:
        for bound in (node.lower, node.upper, node.step):
            if bound is not None:
                self.discard(bound)

    # values that go nowhere (what ``ex`` does with any other node, spelt out for the most common ones)
    def _compare(self, node: cst.Comparison) -> Slot:
        self.discard(node.left)
        for target in node.comparisons:
            self.discard(target.comparator)
        return None

    def _bin_op(self, node: cst.BinaryOperation) -> Slot:
        self.discard(node.left)
        self.discard(node.right)
        return None

    def _unary_op(self, node: cst.UnaryOperation) -> Slot:
        self.discard(node.expression)
        return None

    def _formatted(self, node: cst.FormattedString) -> Slot:
        self._parts(node.parts)
        return None

    def _parts(self, parts: Sequence[cst.BaseFormattedStringContent]) -> None:
        for part in parts:
            if type(part) is cst.FormattedStringExpression:
                self.discard(part.expression)
                if part.format_spec:
                    self._parts(part.format_spec)

    def _concatenated(self, node: cst.ConcatenatedString) -> Slot:
        self.ex(node.left)
        self.ex(node.right)
        return None

    def _name(self, node: cst.Name) -> Slot:
        return None if node.value in _CONSTANT_NAMES else self.load(node.value)

    def _attribute(self, node: cst.Attribute) -> Slot:
        line = self.line_of(node)
        base = self.ex(node.value)
        if base is None:
            return None
        slot = self.tmp()
        self.facts.append(("a", slot, base, node.attr.value, self.frame.source, line))
        return slot

    def _call(self, node: cst.Call) -> Slot:
        line = self.line_of(node)
        func = node.func
        if type(func) is cst.Name and func.value == "super" and self.frame.cls:
            for arg in node.args:
                if arg.keyword is None and arg.star != "**":
                    self.ex(arg.value)
            slot = self.tmp()
            self.facts.append(("S", slot, self.frame.cls, self.frame.self_slot))
            return slot
        callee = self.ex(func)
        args: list[Slot] = []
        star: Slot = None
        for arg in node.args:  # the positional ones first, then the keywords (Python's own order of the two)
            if arg.keyword is None and arg.star != "**":
                if arg.star == "*":
                    star = self.ex(arg.value)
                else:
                    args.append(self.ex(arg.value))
        kwargs: list[tuple[str, str]] = []
        dstar: Slot = None
        for arg in node.args:
            if arg.keyword is not None or arg.star == "**":
                value = self.ex(arg.value)
                if arg.keyword is None:
                    dstar = value
                elif value is not None:
                    kwargs.append((arg.keyword.value, value))
        if callee is None:
            return None
        return self.call(callee, tuple(args), kwargs=tuple(kwargs), star=star, dstar=dstar, line=line,
                         name=callee_name(func))

    def call(self, callee: str, args: tuple[Slot, ...], *, kwargs: tuple[tuple[str, str], ...] = (),
             star: Slot = None, dstar: Slot = None, line: int = 0, name: str = "", flags: int = 0) -> str:
        slot = self.tmp()
        self.facts.append(("c", slot, callee, args, kwargs, star, dstar, self.frame.source, line, name, flags))
        return slot

    def defaults(self, params: cst.Parameters) -> None:
        """Compile the default values (where the ``def`` or ``lambda`` is)."""
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                self.ex(param.default)

    def _lambda(self, node: cst.Lambda) -> Slot:
        fid = f"{self.module}:{self.frame.qual}.<lambda:{self.made_here(node)}>"
        line = self.line
        outer = self.frame
        self.defaults(node.params)
        self.frame = Frame("lambda", fid.partition(":")[2], outer.source, outer, fid=fid, cls=outer.cls,
                           self_slot=outer.self_slot, local=set(params_of(node.params)))
        self.facts.append(("d", fid, self.params(node.params), 0, ""))
        self.facts.append(("r", fid, self.ex(node.body), line))
        self.frame = outer
        return self.const(("l", fid))

    def params(self, params: cst.Parameters) -> tuple[Any, ...]:
        """(positional slots, positional names, vararg slot, kwonly (name, slot), kwarg slot) of the frame."""
        prefix = f"{self.module}:{self.frame.qual}:"
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        vararg = params.star_arg.name.value if type(params.star_arg) is cst.Param else None
        kwarg = params.star_kwarg.name.value if params.star_kwarg is not None else None
        return (tuple(self.one(prefix + n) for n in positional), tuple(positional),
                self.one(prefix + vararg) if vararg else None,
                tuple((p.name.value, self.one(prefix + p.name.value)) for p in params.kwonly_params),
                self.one(prefix + kwarg) if kwarg else None)

    def _sequence(self, node: cst.List | cst.Tuple | cst.Set) -> Slot:
        return self._elements(node.elements, indexed=type(node) is not cst.Set, node=node)

    def _elements(self, elements: Sequence[cst.BaseElement | cst.SubscriptElement], *, indexed: bool,
                  node: cst.CSTNode) -> Slot:
        """A tuple, list or set display (or the indexes of ``x[a, b]``, a tuple): its container."""
        stores: list[tuple[str | int | None, str]] = []
        for position, element in enumerate(elements):
            if type(element) is cst.SubscriptElement:
                inner = element.slice
                if type(inner) is cst.Slice:
                    self._bounds(inner)
                    continue
                starred, value_node = inner.star is not None, inner.value  # type: ignore[attr-defined]
            else:
                starred, value_node = type(element) is cst.StarredElement, element.value  # type: ignore[union-attr]
            if starred:
                value = self.ex(value_node)
                if value is not None:
                    stores.append((None, self.element(value, None)))
                indexed = False
                continue
            value = self.ex(value_node)
            if value is not None:
                stores.append((position if indexed else None, value))
        return self.container(node, stores, bool(elements))

    def container(self, node: cst.CSTNode, stores: list[tuple[str | int | None, str]], has_elements: bool) -> Slot:
        """A container made here holding ``stores`` (key, slot); None when it holds nothing followed (a literal
        of strings and numbers: most are, and they would only be carried around). An empty one is kept: it is
        filled later (``handlers = []`` then ``handlers.append(f)``)."""
        if not stores and has_elements:
            return None
        slot = self.const(("L", f"{self.module}:{self.made_here(node)}"))
        self.facts.extend(("E", slot, key, value) for key, value in stores)
        return slot

    def element(self, base: str, key: str | int | None) -> str:
        slot = self.tmp()
        self.facts.append(("e", slot, base, key))
        return slot

    def _dict(self, node: cst.Dict) -> Slot:
        stores: list[tuple[str | int | None, str]] = []
        for entry in node.elements:
            if type(entry) is cst.StarredDictElement:  # {**other}
                found = self.ex(entry.value)
                if found is not None:
                    stores.append((None, self.element(found, None)))
                continue
            key = entry.key  # type: ignore[attr-defined]
            self.ex(key)
            found = self.ex(entry.value)
            if found is not None:
                stores.append((literal_key(key), found))
        return self.container(node, stores, bool(node.elements))

    def _subscript(self, node: cst.Subscript) -> Slot:
        base = self.ex(node.value)
        key = self._slice(node, keep=True)
        if base is None:
            return None
        return self.element(base, literal_key(key))

    def _comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> Slot:
        outer = self.frame
        first = node.for_in
        iterated = self.ex(first.iter)
        qual = f"{outer.qual}.<comp:{self.made_here(node)}>"
        self.frame = Frame("comp", qual, outer.source, outer, fid=outer.fid, cls=outer.cls,
                           self_slot=outer.self_slot, local=comprehension_names(first))
        clause: cst.CompFor | None = first
        while clause is not None:
            source = iterated if clause is first else self.ex(clause.iter)
            if source is not None:
                self.assign(clause.target, self.element(source, None))
            for condition in clause.ifs:
                self.ex(condition.test)
            clause = clause.inner_for_in
        value = self.ex(node.value if type(node) is cst.DictComp else node.elt)  # type: ignore[union-attr]
        if type(node) is cst.DictComp:
            self.ex(node.key)
        self.frame = outer
        return self.container(node, [] if value is None else [(None, value)], True)

    def _if_exp(self, node: cst.IfExp) -> Slot:
        self.ex(node.test)
        return self.join([self.ex(node.body), self.ex(node.orelse)])

    def _bool_op(self, node: cst.BooleanOperation) -> Slot:
        return self.join([self.ex(value) for value in operands(node)])

    def join(self, slots: list[Slot]) -> Slot:
        found = [s for s in slots if s is not None]
        if len(found) <= 1:
            return found[0] if found else None
        slot = self.tmp()
        self.facts.extend(("m", slot, s) for s in found)
        return slot

    def _named(self, node: cst.NamedExpr) -> Slot:
        value = self.ex(node.value)
        self.assign(node.target, value)
        return value

    def _await(self, node: cst.Await) -> Slot:
        return self.ex(node.expression)

    def _mark_generator(self) -> None:
        function = self.frame.function()
        if function is not None:
            function.generator = True

    def _yield(self, node: cst.Yield) -> Slot:
        self._mark_generator()
        inner = node.value
        if type(inner) is cst.From:  # yield from
            value = self.ex(inner.item)
            if value is not None and self.frame.fid:
                self.facts.append(("y", self.frame.fid, self.element(value, None)))
            return None
        value = self.ex(inner)
        if value is not None and self.frame.fid:
            self.facts.append(("y", self.frame.fid, value))
        return None

    def _starred(self, node: cst.StarredElement) -> Slot:
        value = self.ex(node.value)
        return None if value is None else self.element(value, None)

    # -- assignment targets --------------------------------------------------------------------------------------
    def assign(self, target: cst.CSTNode, value: Slot) -> None:
        """``target = value``: names, attributes, subscripts, unpacking."""
        kind = type(target)
        if kind is cst.Name:
            if value is not None:
                self.facts.append(("m", self.store_slot(target.value), value))  # type: ignore[attr-defined]
        elif kind is cst.Attribute:
            base = self.ex(target.value)  # type: ignore[attr-defined]
            if base is not None and value is not None:
                self.facts.append(("A", base, target.attr.value, value))  # type: ignore[attr-defined]
        elif kind is cst.Subscript:
            base = self.ex(target.value)  # type: ignore[attr-defined]
            key = self._slice(target, keep=True)  # type: ignore[arg-type]
            if base is not None and value is not None:
                self.facts.append(("E", base, literal_key(key), value))
        elif kind is cst.Tuple or kind is cst.List:
            self._unpack(target.elements, value)  # type: ignore[attr-defined]
        elif kind is cst.StarredElement:
            self.assign(target.value, value)  # type: ignore[attr-defined]

    def _unpack(self, elements: Sequence[cst.BaseElement], value: Slot) -> None:
        starred = any(type(e) is cst.StarredElement for e in elements)
        for position, element in enumerate(elements):
            if value is None:
                self.assign(element.value, None)
            elif type(element) is cst.StarredElement:
                holder = self.const(("L", f"{self.module}:{self.made_here(element)}"))
                self.facts.append(("E", holder, None, self.element(value, None)))
                self.assign(element.value, holder)
            else:
                self.assign(element.value, self.element(value, None if starred else position))


def _nothing(node: cst.CSTNode) -> Slot:
    return None
