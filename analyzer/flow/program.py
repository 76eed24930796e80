"""The whole program's flow facts as constraints, calls included, solved to a fixpoint.

:func:`solve` is the entry point: every module's facts (:mod:`analyzer.flow.collect`) plus the name resolver's
index in, a :class:`Program` whose ``sites`` say what each call calls out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, Final

from analyzer.flow.collect import CLASSMETHOD, GENERATOR, METHOD, STATIC, unpack
from analyzer.flow.exprs import DECORATOR, QUIET
from analyzer.flow.rules import Semantics, Site, external, vararg_alloc
from analyzer.flow.solver import Value
from analyzer.resolve import Index

_CALLBACKS: Final[dict[str, tuple[int | str, ...]]] = {
    # builtins and stdlib functions that call what they are given, where they are called
    "builtins.map": (0,), "builtins.filter": (0,), "builtins.sorted": ("key",), "builtins.min": ("key",),
    "builtins.max": ("key",), "functools.reduce": (0,), "itertools.starmap": (0,),
    "itertools.filterfalse": (0,), "itertools.takewhile": (0,), "itertools.dropwhile": (0,),
    "itertools.groupby": ("key",), "itertools.accumulate": (1, "func"),
}
_SAME_ELEMENTS: Final = frozenset({
    "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.sorted", "builtins.reversed",
    "builtins.iter", "builtins.filter", "collections.deque", "itertools.chain", "builtins.enumerate",
})
_ONE_ELEMENT: Final = frozenset({"builtins.next", "builtins.min", "builtins.max", "functools.reduce"})
_STORE_METHODS: Final = {"append": 0, "add": 0, "appendleft": 0, "insert": 1, "setdefault": 1}
_EXTEND_METHODS: Final = frozenset({"extend", "update", "extendleft"})
_READ_METHODS: Final = frozenset({"get", "pop", "popitem", "popleft", "setdefault", "__getitem__"})


class Program(Semantics):
    """Every constraint of the program, and the calls it makes."""

    def __init__(self, index: Index) -> None:
        super().__init__(index)
        self.returns: list[tuple[str, str, int]] = []  # (fid, slot, line)
        self._partials: set[tuple[int, str]] = set()
        self._returned: dict[str, set[str]] = {}  # fid -> the slots its ``return`` statements give
        self._assigned: set[str] = set()  # slots an assignment or an import writes
        self._load: dict[str, Callable[[str, tuple[Any, ...]], None]] = {
            "k": lambda m, f: self.add(f[1], [f[2]]), "m": self._fact_copy,
            "a": self._fact_attr, "A": self._fact_store_attr, "e": self._fact_elem, "E": self._fact_store_elem,
            "c": self._fact_call, "r": self._fact_return, "y": lambda m, f: self.link(f[2], f"{f[1]}:<yield>"),
            "d": self._fact_def, "x": self._fact_import, "g": self._fact_global,
            "S": self._fact_super, "i": self._fact_instance, "n": self._fact_names,
        }

    # -- reading facts -------------------------------------------------------------------------------------------
    def load(self, module: str, facts: Iterable[tuple[Any, ...]]) -> None:
        table = self._load
        for fact in facts:
            table[fact[0]](module, fact)

    def _fact_global(self, module: str, fact: tuple[Any, ...]) -> None:
        self.global_slot(fact[1], fact[2])

    def _fact_attr(self, module: str, fact: tuple[Any, ...]) -> None:
        _, dst, base, name, source, line = fact
        where = (module, source, line, name)
        self.on(base, partial(self.attr_load, dst, name, where))

    def _fact_store_attr(self, module: str, fact: tuple[Any, ...]) -> None:
        _, base, name, src = fact
        self.on(base, partial(self.attr_store, name, src))

    def _fact_elem(self, module: str, fact: tuple[Any, ...]) -> None:
        _, dst, base, key = fact
        self.on(base, partial(self.elem_load, dst, key))

    def _fact_store_elem(self, module: str, fact: tuple[Any, ...]) -> None:
        _, base, key, src = fact
        self.on(base, partial(self.elem_store, key, src))

    def _fact_call(self, module: str, fact: tuple[Any, ...]) -> None:
        _, dst, func, args, kwargs, star, dstar, source, line, name, flags = fact
        site = Site(module, dst, args, kwargs, star, dstar, source, line, name, flags)
        self.sites.append(site)
        self.on(func, partial(self.call, site))

    def _fact_copy(self, module: str, fact: tuple[Any, ...]) -> None:
        self.link(fact[2], fact[1])
        self._assigned.add(fact[1])

    def _fact_return(self, module: str, fact: tuple[Any, ...]) -> None:
        _, fid, src, line = fact
        self.link(src, f"{fid}:<ret>")
        self.returns.append((fid, src, line))
        self._returned.setdefault(fid, set()).add(src)

    def _find_passthrough(self) -> None:
        """The functions that return one of their positional parameters as it came (``def callback(func): ...;
        return func``, ``lambda x: x``): a call of one gives back that call's own argument (:meth:`enter`), not
        everything any caller passed."""
        for fid, sources in self._returned.items():
            known = self.defs.get(fid)
            if known is None or len(sources) != 1 or known[1] & GENERATOR:
                continue
            source = next(iter(sources))
            if source in known[0][0] and source not in self._assigned:
                self.passthrough[fid] = known[0][0].index(source)

    def _fact_def(self, module: str, fact: tuple[Any, ...]) -> None:
        _, fid, params, flags, cls = fact
        self.defs[fid] = (params, flags, cls)
        vararg, kwarg = params[2], params[4]
        if vararg is not None:
            self.add(vararg, [("L", vararg_alloc(vararg))])
        if kwarg is not None:
            self.add(kwarg, [("L", f"{fid}**")])

    def _fact_import(self, module: str, fact: tuple[Any, ...]) -> None:
        _, dst, dotted = fact
        self._assigned.add(dst)
        self.seed(dst, self.index.absolute(dotted, [], 0), "")

    def _fact_super(self, module: str, fact: tuple[Any, ...]) -> None:
        _, dst, cls, self_slot = fact
        if not self_slot:
            return
        self.on(self_slot, lambda r: self.add(dst, [("s", cls, r)]) if r[0] in ("i", "c") else None)

    def _fact_instance(self, module: str, fact: tuple[Any, ...]) -> None:
        _, dst, src = fact
        self.on(src, lambda v: self.add(dst, [("i", v[1])]) if v[0] == "c" else None)

    def _fact_names(self, module: str, fact: tuple[Any, ...]) -> None:
        self.class_names[fact[1]] = set(fact[2])

    # -- calls ---------------------------------------------------------------------------------------------------
    def call(self, site: Site, value: Value) -> None:
        """``value(...)`` at ``site``."""
        kind = value[0]
        if kind == "f":
            self._hit(site, value[1])
            self.enter(value[1], None, site, site.dst)
        elif kind == "bm":
            self._hit(site, value[1])
            self.enter(value[1], value[2], site, site.dst)
        elif kind == "l":
            self.enter(value[1], None, site, site.dst)
        elif kind == "c":
            self._instantiate(site, value[1])
        elif kind == "i":
            for slot in self.lookup(value[1], "__call__"):
                self.on(slot, partial(self._method, site, value, True))
        elif kind == "e":
            self._external(site, value[1])
        elif kind == "x":
            self._container_method(site, value[1], value[2])
        elif kind == "p" and (id(site), value[1]) not in self._partials:
            self._partials.add((id(site), value[1]))
            self.on(value[1], partial(self.call, site))

    def _hit(self, site: Site, target: str) -> None:
        if not site.flags & QUIET:
            site.targets.add(target)

    def _method(self, site: Site, receiver: Value, edge: bool, member: Value) -> None:
        if member[0] == "f":
            if edge:
                self._hit(site, member[1])
            self.enter(member[1], receiver, site, None if not edge else site.dst)

    def _instantiate(self, site: Site, cls: str) -> None:
        self._hit(site, cls)
        instance = ("i", cls)
        self.add(site.dst, [instance])
        for slot in self.lookup(cls, "__init__"):
            self.on(slot, partial(self._method, site, instance, False))

    def _external(self, site: Site, dotted: str) -> None:
        if not site.flags & QUIET:
            site.external.add(dotted)
        if site.flags & DECORATOR and site.args and site.args[0] is not None:
            self.link(site.args[0], site.dst)  # an unknown decorator returns what it decorates
            return
        if dotted == "functools.partial" and site.args and site.args[0] is not None:
            self.add(site.dst, [("p", site.args[0])])
            return
        self._callbacks(site, dotted)
        if dotted in _SAME_ELEMENTS or dotted in _ONE_ELEMENT:
            data = site.args[-1] if dotted == "functools.reduce" and site.args else (
                site.args[0] if site.args and dotted != "builtins.filter" else
                site.args[1] if len(site.args) > 1 else None)
            if data is not None:
                self._elements(site, dotted, data)
            return
        if dotted == "builtins.dict":
            alloc = f"{site.dst}@dict"
            self.add(site.dst, [("L", alloc)])
            for name, slot in site.kwargs:
                self.store(alloc, name, slot)
            return
        self.add(site.dst, [external(dotted + "()")])

    def _elements(self, site: Site, dotted: str, data: str) -> None:
        if dotted in _ONE_ELEMENT:
            self.on(data, partial(self.elem_load, site.dst, None))
            return
        alloc = f"{site.dst}@{dotted}"
        self.add(site.dst, [("L", alloc)])
        self.on(data, partial(self.elem_load, f"{alloc}[*]", None))
        self.on(data, partial(self.elem_load, f"{alloc}[?]", None))

    def _callbacks(self, site: Site, dotted: str) -> None:
        """map(f, xs), sorted(xs, key=f), reduce(f, xs): f is called here, with elements of the data."""
        for where in _CALLBACKS.get(dotted, ()):
            func = dict(site.kwargs).get(where) if isinstance(where, str) else (
                site.args[where] if where < len(site.args) else None)
            if func is None:
                continue
            data = [a for a in site.args if a is not None and a != func]
            element = f"{site.dst}@arg"
            for slot in data[:1]:
                self.on(slot, partial(self.elem_load, element, None))
            result = f"{site.dst}@result" if dotted != "builtins.map" else None
            inner = Site(site.module, result or f"{site.dst}@mapped", (element, element), (), None, None,
                         site.source, site.line, site.name, site.flags & QUIET)
            inner.targets = site.targets
            self.on(func, partial(self.call, inner))
            if dotted == "builtins.map":
                alloc = f"{site.dst}@map"
                self.add(site.dst, [("L", alloc)])
                self.store(alloc, None, inner.dst)

    def _container_method(self, site: Site, alloc: str, method: str) -> None:
        args = site.args
        if method in _STORE_METHODS and len(args) > _STORE_METHODS[method]:
            value = args[_STORE_METHODS[method]]
            if value is not None:
                self.store(alloc, None, value)
        elif method in _EXTEND_METHODS and args and args[0] is not None:
            self.on(args[0], partial(self.elem_load, f"{alloc}[*]", None))
            self.on(args[0], partial(self.elem_load, f"{alloc}[?]", None))
        if method in _READ_METHODS:
            self.link(f"{alloc}[*]", site.dst)
        elif method in ("values", "copy"):
            self.add(site.dst, [("L", alloc)])
        elif method == "items":
            self.add(site.dst, [("I", alloc)])

    # -- solving -------------------------------------------------------------------------------------------------
    def solve(self) -> None:
        """The fixpoint; then methods nothing is seen calling are taken as called on their own class."""
        self._find_passthrough()
        self.run()
        for _ in range(3):
            seeded = False
            for params, flags, cls in self.defs.values():
                positional = params[0]
                if not cls or not flags & METHOD or flags & STATIC or not positional:
                    continue
                if not self.values(positional[0]):
                    self.add(positional[0], [("c" if flags & CLASSMETHOD else "i", cls)])
                    seeded = True
            if not seeded:
                break
            self.run()


def solve(index: Index, flows: Mapping[str, bytes]) -> Program:
    """Every module's flow facts (module -> packed facts, :func:`~analyzer.flow.collect.pack`) solved
    together."""
    program = Program(index)
    program.flowed.update(module for module, packed in flows.items() if packed)
    for module, packed in flows.items():  # one module's facts unpacked at a time: they go once loaded
        program.load(module, unpack(packed))
    program.solve()
    return program
