"""What one service's tree holds before it is written (its own and shared modules, stub modules and what each stub
provides), and the symbol tables every service's resolution shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from packager import astscan
from packager.sources import SourceIndex
from packager.symbols import Definition, ImportBinding, ModuleSymbols, Ref, module_symbols
from packager.uses import calls_at_import, nested_imports, references

Piece = tuple[int, "cst.CSTNode | str"]
"""One statement of a copy at its line in the original: a node, or the text of an import made absolute."""


@dataclass
class StubItem:
    """One name a stub module provides: an RPC function, or a copy of the owner's statements (``pieces``)."""

    name: str
    kind: Literal["rpc", "copy"]
    node: cst.CSTNode
    line: int
    qualname: str
    pieces: tuple[Piece, ...] = ()
    """For a copy: every top-level statement that binds the name, whole ``if``/``try`` blocks included."""


@dataclass
class StubModule:
    """A generated module standing in for ``module``, which runs in service ``owner``."""

    module: str
    owner: str
    items: dict[str, StubItem] = field(default_factory=dict)
    imports: dict[str, ImportBinding] = field(default_factory=dict)
    submodules: set[str] = field(default_factory=set)
    """Submodules used as attributes of this package (``pkg.api.f()``): the stub imports them at its end, as
    the original ``__init__`` (or some other import) did in the monolith."""
    effects: list[Piece] = field(default_factory=list)
    """Top-level statements kept for their effect (packager/resolve.py says which), at their lines."""
    kept: set[int] = field(default_factory=set)
    """``id()`` of the effect statements already in ``effects``."""


@dataclass
class ServiceCode:
    """What one service's tree holds, before it is written."""

    service: str
    own: list[str]
    shared: set[str] = field(default_factory=set)
    stubs: dict[str, StubModule] = field(default_factory=dict)
    empty_packages: set[str] = field(default_factory=set)
    rpc: dict[str, str] = field(default_factory=dict)
    external: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    whole: set[str] = field(default_factory=set)
    """Modules copied whole (own and shared), already scanned or queued."""

    def checkpoint(self) -> Callable[[], None]:
        """A function that puts everything back as it is now (for a resolution that may be abandoned)."""
        errors, warnings, rpc = len(self.errors), len(self.warnings), dict(self.rpc)
        sets = (set(self.shared), set(self.empty_packages), set(self.external), set(self.whole))
        stubs = {m: (stub, dict(stub.items), dict(stub.imports), set(stub.submodules), list(stub.effects),
                     set(stub.kept)) for m, stub in self.stubs.items()}

        def restore() -> None:
            del self.errors[errors:], self.warnings[warnings:]
            self.rpc = rpc
            self.shared, self.empty_packages, self.external, self.whole = sets
            self.stubs = {}
            for module, (stub, items, imports, submodules, effects, kept) in stubs.items():
                stub.items, stub.imports, stub.submodules, stub.effects, stub.kept = \
                    items, imports, submodules, effects, kept
                self.stubs[module] = stub

        return restore


class Symbols:
    """Module symbol tables, computed once and shared by every service's resolution."""

    def __init__(self, index: SourceIndex) -> None:
        self.index = index
        self._cache: dict[str, ModuleSymbols] = {}
        self._imports: dict[str, list[ImportBinding]] = {}
        self._effect_imports: dict[str, list[ImportBinding]] = {}
        self._at_import: dict[str, set[astscan.Use]] = {}
        self._refs: dict[tuple[int, bool], tuple[cst.CSTNode, list[Ref]]] = {}
        self._chains: dict[tuple[str, frozenset[str]], list[astscan.Use]] = {}
        self._calls: dict[tuple[int, bool], tuple[cst.CSTNode, list[Ref]]] = {}
        self._nested: dict[int, tuple[cst.CSTNode, list[cst.Import | cst.ImportFrom]]] = {}

    def __call__(self, module: str) -> ModuleSymbols:
        if module not in self._cache:
            self._cache[module] = module_symbols(self.index.tree(module), self.index.syntax(module), module,
                                                 self.index.package_of(module))
        return self._cache[module]

    def imports(self, module: str) -> list[ImportBinding]:
        """Every import of ``module`` at any depth (from :mod:`ast`, without parsing it with libcst)."""
        if module not in self._imports:
            self._imports[module] = list(astscan.all_imports(self.index.syntax(module), module,
                                                             self.index.package_of(module)))
        return self._imports[module]

    def effect_imports(self, module: str) -> list[ImportBinding]:
        """:func:`packager.astscan.effect_imports` of ``module``, cached."""
        if module not in self._effect_imports:
            self._effect_imports[module] = astscan.effect_imports(self.index.syntax(module), module,
                                                                  self.index.package_of(module))
        return self._effect_imports[module]

    def at_import(self, module: str) -> set[astscan.Use]:
        """What ``module`` uses when it is imported (:func:`packager.astscan.import_time_uses`), cached."""
        if module not in self._at_import:
            self._at_import[module] = astscan.import_time_uses(self.index.syntax(module))
        return self._at_import[module]

    def references(self, node: cst.CSTNode, lenient: bool = False) -> list[Ref]:
        """:func:`packager.uses.references`, cached per node (every caller of a value type needs them)."""
        key = (id(node), lenient)
        if key not in self._refs:
            self._refs[key] = (node, references(node, lenient))
        return self._refs[key][1]

    def live_bindings(self, module: str, name: str) -> list[Definition]:
        """The top-level bindings of ``name`` a copy needs: from its last unconditional binding that does not read
        the name itself (``x = 2`` after ``x = 1``; not ``x = x``, which needs the import before it) to the end."""
        bindings = self(module).bindings.get(name, [])
        for start in range(len(bindings) - 1, -1, -1):
            binding = bindings[start]
            if binding.statement is None and (binding.kind == "import" or all(
                    ref.name != name for ref in self.references(binding.node))):
                return bindings[start:]
        return bindings

    def calls_at_import(self, node: cst.CSTNode, whole: bool) -> list[Ref]:
        """:func:`packager.uses.calls_at_import`, cached per node."""
        key = (id(node), whole)
        if key not in self._calls:
            self._calls[key] = (node, calls_at_import(node, whole))
        return self._calls[key][1]

    def nested_imports(self, node: cst.CSTNode) -> list[cst.Import | cst.ImportFrom]:
        """:func:`packager.uses.nested_imports`, cached per node."""
        if id(node) not in self._nested:
            self._nested[id(node)] = (node, list(nested_imports(node)))
        return self._nested[id(node)][1]

    def chains(self, module: str, roots: frozenset[str]) -> list[astscan.Use]:
        """Distinct attribute chains in ``module`` rooted at ``roots`` (cached: every service scans shared code)."""
        key = (module, roots)
        if key not in self._chains:
            self._chains[key] = list(dict.fromkeys(astscan.attribute_chains(self.index.syntax(module), set(roots))))
        return self._chains[key]
