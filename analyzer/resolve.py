"""The global phase: names -> nodes across files (imports, re-exports, star imports, aliases, MRO, instances).

Targets are small tuples:
    ("module", id) ("class", id) ("function", id) ("var", id) ("instance", class id) ("super", class id)
    ("member", class id, attribute)  an attribute of a project class the analyzer cannot follow further
    ("ext", dotted)                  something outside the project (stdlib or third party)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, NamedTuple

from analyzer import facts as F

Target = tuple[str, ...]

_MAX_DEPTH: Final = 24


class DefInfo(NamedTuple):
    """A definition as the index knows it (its id is the key)."""

    kind: str  # class | function
    module: str
    qual: str
    flags: int


def segments(rest: str) -> list[str]:
    """``().save.x`` -> ``["()", "save", "x"]``."""
    if not rest:
        return []
    return [s for s in rest.replace("()", ".()").split(".") if s]


class Index:
    """Every module's namespace and every definition, built from all files' facts."""

    def __init__(self, files: Mapping[str, F.FileFacts], namespace_packages: Iterable[str]) -> None:
        self.files = files
        self.modules: set[str] = set(files) | set(namespace_packages)
        self.defs: dict[str, DefInfo] = {}
        self.members: dict[str, dict[str, str]] = {}  # class id -> member name -> def id
        self.ns: dict[str, dict[str, tuple[Any, ...]]] = {}
        self.stars: dict[str, list[str]] = {}
        self.base_exprs: dict[str, list[F.Expr]] = {}
        self.attr_exprs: dict[str, dict[str, F.Expr]] = {}
        self._memo: dict[tuple[str, F.Expr], tuple[Target | None, tuple[str, ...]]] = {}
        self._bases: dict[str, tuple[list[str], list[str]]] = {}
        self._mro: dict[str, list[str]] = {}
        self._active: set[tuple[str, str]] = set()
        self.misses: set[tuple[str, str]] = set()  # (module or class id, name) looked up and not found
        for module, file in files.items():
            self._index_file(module, file)

    def _index_file(self, module: str, file: F.FileFacts) -> None:
        ns = _namespace(module, file)
        for definition in file.defs:
            qual = definition.qual
            node = f"{module}.{qual}"
            self.defs[node] = DefInfo(definition.kind, module, qual, definition.flags)
            parent, _, name = qual.rpartition(".")
            if parent:
                self.members.setdefault(f"{module}.{parent}", {})[name] = node
            else:
                ns[name] = ("def", node)
        self.ns[module] = ns
        stars = [imp.module for imp in file.imports if imp.names == ("*",) and imp.scope == ""]
        if stars:
            self.stars[module] = stars
        for _, kind, expr, _, extra in file.refs:
            if kind == F.BASE:
                self.base_exprs.setdefault(f"{module}.{extra[0]}", []).append(expr)
            elif kind == F.ATTR:
                self.attr_exprs.setdefault(f"{module}.{extra[0]}", {}).setdefault(str(extra[1]), expr)

    # -- definitions -------------------------------------------------------------------------------------------
    def def_target(self, node: str) -> Target | None:
        found = self.defs.get(node)
        if found is None:
            return None
        return (found.kind, node)

    def bases(self, cls: str) -> tuple[list[str], list[str]]:
        """(project base class ids, qualified names of the other bases)."""
        known = self._bases.get(cls)
        if known is not None:
            return known
        self._bases[cls] = ([], [])
        module = self.defs[cls].module
        project: list[str] = []
        external: list[str] = []
        for expr in self.base_exprs.get(cls, []):
            target, _ = self.resolve(module, expr)
            if target is not None and target[0] == "class" and target[1] != cls:
                project.append(target[1])
            elif target is not None and target[0] == "ext":
                external.append(target[1])
        self._bases[cls] = (project, external)
        return project, external

    def mro(self, cls: str) -> list[str]:
        """C3 linearization over project classes (depth-first order if C3 fails)."""
        known = self._mro.get(cls)
        if known is not None:
            return known
        self._mro[cls] = [cls]
        bases = self.bases(cls)[0]
        sequences = [list(self.mro(b)) for b in bases] + [list(bases)]
        result = [cls]
        while True:
            sequences = [s for s in sequences if s]
            if not sequences:
                break
            for seq in sequences:
                head = seq[0]
                if not any(head in s[1:] for s in sequences):
                    break
            else:
                result = [cls]
                for b in bases:
                    result.extend(c for c in self.mro(b) if c not in result)
                break
            result.append(head)
            for s in sequences:
                if s[0] == head:
                    del s[0]
        self._mro[cls] = result
        return result

    def lookup(self, cls: str, name: str, skip_first: bool = False) -> str | None:
        """The def ``name`` resolves to on ``cls`` by its MRO."""
        order = self.mro(cls)
        for klass in order[1:] if skip_first else order:
            found = self.members.get(klass, {}).get(name)
            if found is not None:
                return found
        return None

    def all_external_bases(self, cls: str) -> list[str]:
        out: list[str] = []
        for klass in self.mro(cls):
            out.extend(self.bases(klass)[1])
        return out

    # -- names -------------------------------------------------------------------------------------------------
    def name(self, module: str, name: str, touched: list[str], depth: int) -> Target | None:
        """What ``name`` means in ``module``'s namespace (imports, re-exports, star imports, submodules)."""
        if depth > _MAX_DEPTH or (module, name) in self._active:
            return None
        binding = self.ns.get(module, {}).get(name)
        if binding is None:
            return self._unbound(module, name, touched, depth)
        kind = binding[0]
        if kind == "def":
            return self.def_target(binding[1])
        if kind == "var":
            return ("var", binding[1])
        self._active.add((module, name))
        try:
            return self.absolute(binding[1], touched, depth + 1)
        finally:
            self._active.discard((module, name))

    def _unbound(self, module: str, name: str, touched: list[str], depth: int) -> Target | None:
        """A name ``module`` does not bind itself: a submodule, or a star import's."""
        submodule = f"{module}.{name}"
        if submodule in self.modules:
            return ("module", submodule)
        self._active.add((module, name))
        try:
            for star in self.stars.get(module, ()):
                if star in self.modules and _exported(self, star, name):
                    found = self.name(star, name, touched, depth + 1)
                    if found is not None:
                        return found
                elif star in self.modules:
                    self.misses.add((star, name))
        finally:
            self._active.discard((module, name))
        self.misses.add((module, name))
        return None

    def absolute(self, dotted: str, touched: list[str], depth: int) -> Target | None:
        """An absolute dotted name: the longest project-module prefix, then attributes."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.modules:
                target: Target | None = ("module", prefix)
                for part in parts[cut:]:
                    target = self.attr(target, part, touched, depth + 1)
                    if target is None:
                        return None
                return target
        return ("ext", dotted)

    def attr(self, target: Target | None, seg: str, touched: list[str], depth: int) -> Target | None:
        """``target.seg`` (or ``target()`` when seg is ``()``)."""
        if target is None or depth > _MAX_DEPTH:
            return None
        kind = target[0]
        if kind == "var":
            return self._var_attr(target, seg, touched, depth)
        if seg == "()":
            return _called(target)
        if kind == "module":
            return self.name(target[1], seg, touched, depth + 1)
        if kind in ("class", "instance", "super"):
            return self._member_attr(target, seg, depth)
        return _plain_attr(target, seg)

    def _var_attr(self, target: Target, seg: str, touched: list[str], depth: int) -> Target | None:
        """An attribute of a module variable bound once to a simple expression: of that expression's target."""
        touched.append(target[1])
        module, _, name = target[1].rpartition(".")
        alias = self.ns.get(module, {}).get(name)
        if alias is None or alias[0] != "var" or alias[2] is None:
            return None
        value, _ = self.resolve(module, alias[2], depth + 1)
        return self.attr(value, seg, touched, depth + 1)

    def _member_attr(self, target: Target, seg: str, depth: int) -> Target | None:
        """``seg`` on a class, an instance or ``super()``: the MRO's def, an instance attribute, or a member."""
        kind = target[0]
        found = self.lookup(target[1], seg, skip_first=kind == "super")
        if found is not None:
            return self.def_target(found)
        self.misses.update((klass, seg) for klass in self.mro(target[1]))
        if kind == "instance":
            for klass in self.mro(target[1]):
                expr = self.attr_exprs.get(klass, {}).get(seg)
                if expr is not None:
                    value, _ = self.resolve(self.defs[klass].module, expr, depth + 1)
                    if value is not None:
                        return value
        return ("member", target[1], seg)

    def resolve(self, module: str, expr: F.Expr, depth: int = 0) -> tuple[Target | None, tuple[str, ...]]:
        """(target, module variables touched on the way) of a reference expression in ``module``."""
        key = (module, expr)
        known = self._memo.get(key)
        if known is not None:
            return known
        touched: list[str] = []
        kind, head, rest = expr
        target: Target | None
        if kind == "a":
            target = self.absolute(head, touched, depth + 1)
        elif kind == "d":
            target = self.def_target(f"{module}.{head}")
        elif kind == "p":
            target = ("super", f"{module}.{head}") if f"{module}.{head}" in self.defs else None
        else:
            target = self.name(module, head, touched, depth + 1)
        for seg in segments(rest):
            target = self.attr(target, seg, touched, depth + 1)
            if target is None:
                break
        result = (target, tuple(touched))
        if depth == 0:
            self._memo[key] = result
        return result

    def follow(self, target: Target | None, touched: list[str]) -> Target | None:
        """A variable bound once to a simple expression stands for that expression (``f = mod.g; f()``)."""
        if target is None or target[0] != "var":
            return target
        module, _, name = target[1].rpartition(".")
        binding = self.ns.get(module, {}).get(name)
        if binding is None or binding[2] is None:
            return target
        touched.append(target[1])
        value, more = self.resolve(module, binding[2], 1)
        touched.extend(more)
        return value if value is not None else target

    def qualify(self, module: str, expr: F.Expr) -> str:
        """A readable absolute name for ``expr`` (decorators): the node id, or the import path as written."""
        target, _ = self.resolve(module, expr)
        if target is not None and target[0] in ("class", "function", "module", "var"):
            return target[1]
        kind, head, rest = expr
        if kind == "a":
            return head + rest
        if kind == "d":
            return f"{module}.{head}{rest}"
        binding = self.ns.get(module, {}).get(head)
        if binding is not None and binding[0] == "import":
            return str(binding[1]) + rest
        if binding is not None:
            return str(binding[1]) + rest
        return head + rest


def _namespace(module: str, file: F.FileFacts) -> dict[str, tuple[Any, ...]]:
    """A module's own names from its imports and variables (a variable bound once to a simple expression keeps
    it, to be followed); definitions are added by the index."""
    ns: dict[str, tuple[Any, ...]] = {}
    for name, expr in file.bindings:
        if expr[0] == "a":
            ns.setdefault(name, ("import", expr[1]))
    for name, _, _ in file.variables:
        ns[name] = ("var", f"{module}.{name}", None)
    values: dict[str, set[F.Expr]] = {}
    for name, expr in file.bindings:
        if expr[0] != "a":
            values.setdefault(name, set()).add(expr)
    for name, exprs in values.items():
        if name in ns and ns[name][0] == "var" and len(exprs) == 1:
            ns[name] = ("var", ns[name][1], next(iter(exprs)))
    return ns


def _plain_attr(target: Target, seg: str) -> Target | None:
    """``seg`` of a member (a member again) or of something outside the project (its dotted name)."""
    if target[0] == "member":
        return ("member", target[1], seg)
    if target[0] == "ext":
        return ("ext", f"{target[1]}.{seg}")
    return None


def _called(target: Target) -> Target | None:
    """``target()``: an instance of a class, the same query for a member, an external call's result."""
    kind = target[0]
    if kind == "member":
        return target  # a chained query: Order.objects.filter(...).update(...)
    if kind == "class":
        return ("instance", target[1])
    if kind == "ext":
        return ("ext", target[1] + "()")
    return None


def _exported(index: Index, module: str, name: str) -> bool:
    file = index.files.get(module)
    if file is not None and file.all_names is not None:
        return name in file.all_names
    return not name.startswith("_")
