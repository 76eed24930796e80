"""What attributes and elements of each abstract value are: modules, classes (MRO), instances, ``super()``,
containers, generators; and how a function is entered (arguments to parameters, return value to the caller).

Abstract values:
    ("f", fid)              a project function          ("c", cls)      a project class
    ("bm", fid, receiver)   a bound method              ("i", cls)      an instance of a project class
    ("l", lid)              a lambda                    ("m", module)   a project module
    ("L", alloc)            a list/tuple/set/dict made at one place (elements by literal key, or unknown)
    ("g", fid)              a generator object of fid   ("s", cls, receiver)  ``super()`` in a method of cls
    ("e", dotted)           something outside the project (``builtins.map``, ``requests.get()``)
    ("x", alloc, method)    a container's bound method  ("p", slot)     ``functools.partial`` of what slot holds
    ("I", alloc)            ``dict.items()``            ("T", alloc)    one of its (key, value) pairs
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from analyzer.flow.collect import CLASSMETHOD, GENERATOR, PROPERTY, STATIC
from analyzer.flow.solver import Solver, Value
from analyzer.resolve import Index, Target

BUILTINS: Final = frozenset(dir(builtins))
UNKNOWN: Final = ("e", "?")
"""Something outside the project that the analysis does not name (an attribute of a call's result)."""
Where = tuple[str, str, int, str]
"""(module, source scope, line, attribute name) of an attribute read: a property getter runs there."""
CALLABLE_KINDS: Final = frozenset({"f", "bm", "l", "c", "x", "p"})


@dataclass(slots=True)
class Site:
    """One call in the source, and what the analysis found it calls."""

    module: str
    dst: str
    args: tuple[str | None, ...]
    kwargs: tuple[tuple[str, str], ...]
    star: str | None
    dstar: str | None
    source: str
    line: int
    name: str
    flags: int
    targets: set[str] = field(default_factory=set)
    external: set[str] = field(default_factory=set)

    def node(self) -> str:
        """The graph node making the call."""
        return f"{self.module}.{self.source}" if self.source else self.module


class Semantics(Solver):
    """Attribute, element and entry rules over the name resolver's index."""

    def __init__(self, index: Index) -> None:
        super().__init__()
        self.index = index
        self.defs: dict[str, tuple[Any, int, str]] = {}  # fid -> (params, flags, class id)
        self.class_names: dict[str, set[str]] = {}
        self.flowed: set[str] = set()  # modules whose flow facts were read
        self._seeded: set[str] = set()
        self._lookups: dict[tuple[str, str, str], list[str]] = {}
        self._entered: set[tuple[str, Any, int]] = set()
        self.sites: list[Site] = []
        self._property_sites: dict[Where, Site] = {}
        self._through: set[str] = set()
        self._properties: dict[str, bool] = {}  # class-attribute slot -> whether it is a property
        self.passthrough: dict[str, int] = {}  # fid -> the position of the parameter it returns as it came

    # -- module globals, seeded from name resolution -------------------------------------------------------------
    def global_slot(self, module: str, name: str) -> str:
        slot = f"{module}::{name}"
        if slot not in self._seeded:
            self._seeded.add(slot)
            target = self.index.name(module, name, [], 0)
            if target is None and name in BUILTINS and module in self.index.modules:
                self.add(slot, [("e", f"builtins.{name}")])
            else:
                self.seed(slot, target, f"{module}.{name}")
        return slot

    def seed(self, slot: str, target: Target | None, own: str) -> None:
        """``slot`` may hold what the resolver says a name is (``own``: the name's own id, defined by flow)."""
        if target is None:
            return
        kind = target[0]
        if kind in ("function", "class"):
            info = self.index.defs[target[1]]
            if "." not in info.qual and info.module in self.flowed:
                if target[1] != own:
                    self.link(self.global_slot(info.module, info.qual), slot)
                return
            self.add(slot, [("f" if kind == "function" else "c", target[1])])
        elif kind == "var":
            if target[1] != own:
                module, _, name = target[1].rpartition(".")
                self.link(self.global_slot(module, name), slot)
        elif kind in ("module", "ext", "instance"):
            self.add(slot, [({"module": "m", "ext": "e", "instance": "i"}[kind], target[1])])

    # -- attributes ----------------------------------------------------------------------------------------------
    def lookup(self, cls: str, name: str, after: str = "") -> list[str]:
        """The class-attribute slots ``name`` reads on ``cls`` by its MRO (``after``: start past that class, for
        ``super()``): every class up to the first whose body binds the name."""
        key = (cls, name, after)
        found = self._lookups.get(key)
        if found is not None:
            return found
        order = self.index.mro(cls) if cls in self.index.defs else [cls]
        if after:
            order = order[order.index(after) + 1:] if after in order else self.index.mro(after)[1:]
        found = []
        for klass in order:
            found.append(f"A|{klass}|{name}")
            if name in self.class_names.get(klass, ()):
                break
        self._lookups[key] = found
        return found

    def attr_load(self, dst: str, name: str, where: Where | None, value: Value) -> None:
        """``dst`` = ``value.name`` (the value last: a watcher's ``partial``)."""
        kind = value[0]
        if kind == "m":
            self.link(self.global_slot(value[1], name), dst)
        elif kind in ("c", "i"):
            for slot in self.lookup(value[1], name):
                self._member(slot, value, dst, where)
        elif kind == "s":
            receiver = value[2]
            for slot in self.lookup(receiver[1], name, after=value[1]):
                self._member(slot, receiver, dst, where)
        elif kind == "e":
            self.add(dst, [UNKNOWN if value == UNKNOWN else external(f"{value[1]}.{name}")])
        elif kind == "L":
            self.add(dst, [("x", value[1], name)])

    def _member(self, slot: str, receiver: Value, dst: str, where: Where | None) -> None:
        """``dst`` = the class attribute ``slot`` read through ``receiver``. A property runs its getter at
        ``where``; anything else goes through one slot per (attribute, receiver) shared by every read."""
        runs = self._properties.get(slot)
        if runs is None:
            klass, _, name = slot[2:].rpartition("|")
            member = self.index.members.get(klass, {}).get(name)
            runs = self._properties[slot] = bool(member is not None and member in self.defs
                                                 and self.defs[member][1] & PROPERTY)
        if runs:
            self.on(slot, partial(self.bound, receiver, dst, where))
            return
        through = f"{slot}@{receiver[0]}{receiver[1]}"
        if through not in self._through:
            self._through.add(through)
            self.on(slot, partial(self.bound, receiver, through, None))
        self.link(through, dst)

    def bound(self, receiver: Value, dst: str, where: Where | None, member: Value) -> None:
        """A class member read through ``receiver`` (a class or an instance): methods bind, properties run."""
        if member[0] != "f" or member[1] not in self.defs:
            self.add(dst, [member])
            return
        flags = self.defs[member[1]][1]
        if flags & STATIC:
            self.add(dst, [member])
        elif flags & CLASSMETHOD:
            self.add(dst, [("bm", member[1], ("c", receiver[1]))])
        elif receiver[0] != "i":
            self.add(dst, [member])
        elif flags & PROPERTY and where is not None:
            site = self._property_sites.get(where)
            if site is None:
                site = self._property_sites[where] = Site(where[0], dst, (), (), None, None, *where[1:], 0)
                self.sites.append(site)
            site.targets.add(member[1])
            self.enter(member[1], receiver, site, dst)
        else:
            self.add(dst, [("bm", member[1], receiver)])

    def attr_store(self, name: str, src: str, value: Value) -> None:
        if value[0] in ("c", "i"):
            self.link(src, f"A|{value[1]}|{name}")
        elif value[0] == "m":
            self.link(src, self.global_slot(value[1], name))

    # -- elements ------------------------------------------------------------------------------------------------
    def elem_load(self, dst: str, key: str | int | None, value: Value) -> None:
        """``dst`` = ``value[key]`` (None: any element; the value last: a watcher's ``partial``)."""
        kind = value[0]
        if kind == "L":
            if key is None:
                self.link(f"{value[1]}[*]", dst)
            else:
                self.link(f"{value[1]}[{key!r}]", dst)
                self.link(f"{value[1]}[?]", dst)
        elif kind == "g":
            self.link(f"{value[1]}:<yield>", dst)
        elif kind == "I":
            self.add(dst, [("T", value[1])])
        elif kind == "T" and key != 0:
            self.link(f"{value[1]}[*]", dst)

    def elem_store(self, key: str | int | None, src: str, value: Value) -> None:
        if value[0] == "L":
            self.store(value[1], key, src)

    def store(self, alloc: str, key: str | int | None, src: str) -> None:
        self.link(src, f"{alloc}[*]")
        self.link(src, f"{alloc}[?]" if key is None else f"{alloc}[{key!r}]")

    # -- entering a function -------------------------------------------------------------------------------------
    def enter(self, fid: str, receiver: Value | None, site: Site, dst: str | None) -> None:
        """A call of ``fid`` at ``site``: arguments flow to parameters, the return value to ``dst``."""
        key = (fid, receiver, id(site))
        if key in self._entered:
            return
        self._entered.add(key)
        if dst is not None:
            self._result(fid, receiver, site, dst)
        known = self.defs.get(fid)
        if known is None:
            return
        params, flags, _ = known
        if flags & GENERATOR and dst is not None:
            self.add(dst, [("g", fid)])
        positional, names, vararg, kwonly, kwarg = params
        shift = 0
        if receiver is not None and positional:
            self.add(positional[0], [receiver])
            shift = 1
        self._positional(site, positional, vararg, shift)
        by_name = dict(zip(names, positional, strict=True))
        by_name.update(kwonly)
        for name, slot in site.kwargs:
            if name in by_name:
                self.link(slot, by_name[name])
            elif kwarg is not None:
                self.store(f"{fid}**", name, slot)
        if site.dstar is not None:
            for name, slot in list(by_name.items())[shift:]:
                self.on(site.dstar, partial(self.elem_load, slot, name))
            if kwarg is not None:
                self.link(site.dstar, kwarg)

    def _result(self, fid: str, receiver: Value | None, site: Site, dst: str) -> None:
        """What the call of ``fid`` at ``site`` gives: what it returns, or, for a function that returns a parameter
        as it came (:attr:`passthrough`), what this call passes for that parameter."""
        position = self.passthrough.get(fid)
        if position is None:
            self.link(f"{fid}:<ret>", dst)
            return
        positional, names = self.defs[fid][0][:2]
        shift = 1 if receiver is not None and positional else 0
        if receiver is not None and position < shift:
            self.add(dst, [receiver])  # ``return self``
        elif position - shift < len(site.args):
            self.link(site.args[position - shift], dst)
        elif any(name == names[position] for name, _ in site.kwargs):
            self.link(dict(site.kwargs)[names[position]], dst)
        elif site.star is not None or site.dstar is not None:
            self.link(f"{fid}:<ret>", dst)  # passed through a ``*``/``**``: every caller's, as for any function

    def _positional(self, site: Site, positional: tuple[str, ...], vararg: str | None, shift: int) -> None:
        for position, slot in enumerate(site.args, start=shift):
            if slot is None:
                continue
            if position < len(positional):
                self.link(slot, positional[position])
            elif vararg is not None:
                self.store(vararg_alloc(vararg), None, slot)
        if site.star is not None:
            for target in positional[len(site.args) + shift:]:
                self.on(site.star, partial(self.elem_load, target, None))
            if vararg is not None:
                self.link(site.star, vararg)


def external(dotted: str) -> Value:
    """A value outside the project, named as long as the name is short: ``s = s.strip()`` in a loop must not
    make a new value each round."""
    head, _, rest = dotted.partition("()")
    if "?" in dotted or rest or head.count(".") > 4:  # anything of a call's result, or a long chain: unknown
        return UNKNOWN
    return ("e", dotted)


def vararg_alloc(vararg: str) -> str:
    """The container a ``*args`` parameter holds (one per function)."""
    return f"{vararg}*"
