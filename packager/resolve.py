"""Which code one service needs: its own modules, the shared modules they use, and the stubs of other services'
modules with exactly the names used across the boundary (RPC functions, copied value types and constants)."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from packager.crossings import GraphRule
from packager.sources import SourceIndex, parents
from packager.symbols import (
    Definition,
    ImportBinding,
    ModuleSymbols,
    Ref,
    all_imports,
    attribute_chains,
    is_generator,
    module_symbols,
    references,
)
from packager.values import ValueKind, base_names, builtin_base_kind, decorator_kind, immutable_value

Mode = Literal["strict", "attr", "lenient"]
"""strict: a missing or unsafe name is an error; attr: only an unsafe one is; lenient: neither (annotations)."""


@dataclass
class StubItem:
    """One name a stub module provides: an RPC function, or a copy of the owner's statement."""

    name: str
    kind: Literal["rpc", "copy"]
    node: cst.CSTNode
    line: int
    qualname: str


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


class Symbols:
    """Module symbol tables, computed once and shared by every service's resolution."""

    def __init__(self, index: SourceIndex) -> None:
        self.index = index
        self._cache: dict[str, ModuleSymbols] = {}
        self._imports: dict[str, list[ImportBinding]] = {}
        self._refs: dict[tuple[int, bool], tuple[cst.CSTNode, list[Ref]]] = {}
        self._chains: dict[tuple[str, frozenset[str]], list[tuple[str, tuple[str, ...]]]] = {}

    def __call__(self, module: str) -> ModuleSymbols:
        if module not in self._cache:
            self._cache[module] = module_symbols(self.index.tree(module), self.index.syntax(module), module,
                                                 self.index.package_of(module))
        return self._cache[module]

    def imports(self, module: str) -> list[ImportBinding]:
        """Every import of ``module`` at any depth (from :mod:`ast`, without parsing it with libcst)."""
        if module in self._cache:
            return self._cache[module].imports
        if module not in self._imports:
            self._imports[module] = list(all_imports(self.index.syntax(module), module,
                                                     self.index.package_of(module)))
        return self._imports[module]

    def references(self, node: cst.CSTNode, lenient: bool = False) -> list[Ref]:
        """:func:`packager.symbols.references`, cached per node (every caller of a value type needs them)."""
        key = (id(node), lenient)
        if key not in self._refs:
            self._refs[key] = (node, references(node, lenient))
        return self._refs[key][1]

    def chains(self, module: str, roots: frozenset[str]) -> list[tuple[str, tuple[str, ...]]]:
        """Distinct attribute chains in ``module`` rooted at ``roots`` (cached: every service scans shared code)."""
        key = (module, roots)
        if key not in self._chains:
            self._chains[key] = list(dict.fromkeys(attribute_chains(self.index.syntax(module), set(roots))))
        return self._chains[key]


class Resolver:
    """Walks one service's code and collects every name it needs from other services."""

    def __init__(self, index: SourceIndex, symbols: Symbols, owners: Mapping[str, str], service: str,
                 accepted: frozenset[str]) -> None:
        self.index = index
        self.symbols = symbols
        self.owners = owners
        self.service = service
        self.accepted = accepted
        self.code = ServiceCode(service, sorted(m for m, s in owners.items() if s == service))
        self._queue: deque[str] = deque()
        self._whole: set[str] = set()
        self._copy_too: set[str] = set()
        self.rule: GraphRule | None = None
        """The crossing rule's verdicts from the graph (cleave/crossing), when the build has a graph."""

    # ------------------------------------------------------------------------------------------ driver

    def run(self) -> ServiceCode:
        for module in self.code.own:
            self._include_whole(module)
        while self._queue:
            self._scan(self._queue.popleft())
        return self.code

    def add_wire_types(self, modules: Iterable[str]) -> None:
        """Also provide the value classes of ``modules`` that can reach this service over the wire.

        A function this service calls may return or raise a value class the caller never names (an exception
        caught by its base class, a dataclass only read through attributes); the codec rebuilds it by its
        qualified name, so its module must exist here. Best effort: a class that cannot be copied without an
        error or a new RPC is left out, and its value then arrives as a ``RemoteError`` or a codec error.
        """
        for module in sorted(modules):
            owner = self.owners.get(module)
            if module not in self.index or owner is None or owner == self.service:
                continue
            if owner == "":
                self._tentative(lambda module=module: self._include_whole(module))  # type: ignore[misc]
                continue
            for name, definition in self.symbols(module).definitions.items():
                if definition.kind == "class" and not definition.conditional \
                        and self.value_kind(module, name) is not None:
                    self._tentative(lambda module=module, name=name:  # type: ignore[misc]
                                    self.require_name(module, name, f"{module}.{name}", "strict"))

    def _tentative(self, action: Callable[[], None]) -> None:
        code = self.code
        errors, warnings, rpc = len(code.errors), len(code.warnings), dict(code.rpc)
        sets = (set(code.shared), set(code.empty_packages), set(code.external), set(self._whole))
        stubs = {m: (stub, dict(stub.items), dict(stub.imports), set(stub.submodules))
                 for m, stub in code.stubs.items()}
        action()
        while self._queue:
            self._scan(self._queue.popleft())
        if len(code.errors) == errors and code.rpc == rpc:
            return
        del code.errors[errors:], code.warnings[warnings:]
        code.rpc = rpc
        code.shared, code.empty_packages, code.external, self._whole = sets
        code.stubs = {}
        for module, (stub, items, imports, submodules) in stubs.items():
            stub.items, stub.imports, stub.submodules = items, imports, submodules
            code.stubs[module] = stub

    def _include_whole(self, module: str) -> None:
        if module in self._whole:
            return
        self._whole.add(module)
        if self.owners.get(module) == "":
            self.code.shared.add(module)
        self._queue.append(module)
        for parent in parents(module):
            self.require_module(parent, f"{self._where(module, 1)}", "parent")

    def _where(self, module: str, line: int) -> str:
        source = self.index.get(module)
        return f"{source.relpath if source else module}:{line}"

    def _scan(self, module: str) -> None:
        """A module copied whole: everything it imports (outside ``if TYPE_CHECKING``) must be in the tree."""
        module_locals: dict[str, tuple[str, int]] = {}
        for binding in self.symbols.imports(module):
            if binding.type_checking:
                continue
            where = self._where(module, binding.line)
            self._note_external(binding.module)
            if binding.name is None:
                self.require_module(binding.module, where, "strict")
                module_locals[binding.local] = (binding.bound, binding.line)
            elif binding.name == "*":
                self._star(binding, where)
            else:
                self.require_module(binding.module, where, "strict")
                full = f"{binding.module}.{binding.name}"
                if full in self.index:
                    self.require_module(full, where, "strict")
                    module_locals[binding.local] = (full, binding.line)
                else:
                    self.require_name(binding.module, binding.name, where, "strict")
        if not module_locals:
            return
        for name, chain in self.symbols.chains(module, frozenset(module_locals)):
            base, line = module_locals[name]
            self._require_chain(base, chain, self._where(module, line), "attr")

    def _star(self, binding: ImportBinding, where: str) -> None:
        owner = self.owners.get(binding.module)
        if binding.module not in self.index or owner == self.service:
            return
        if owner == "":
            self._include_whole(binding.module)
        else:
            self.code.errors.append(f"{where}: `from {binding.module} import *` takes every name of a module in "
                                    f"another service ({owner or 'none'}); import the names it uses one by one")

    def _note_external(self, module: str) -> None:
        top = module.split(".", 1)[0]
        if top and not self.index.is_project(module) and top not in sys.stdlib_module_names:
            self.code.external.add(top)

    def _require_chain(self, base: str, chain: tuple[str, ...], where: str, mode: Mode) -> None:
        """``base.chain[0].chain[1]...``: descend through submodules, then the first attribute is a name."""
        for attr in chain:
            if f"{base}.{attr}" not in self.index:
                self.require_name(base, attr, where, mode)
                return
            if base in self.code.stubs or self.owners.get(base) not in {None, "", self.service}:
                self.require_module(base, where, "parent")
                self.code.stubs[base].submodules.add(attr)
            base = f"{base}.{attr}"
            self.require_module(base, where, mode)

    # ------------------------------------------------------------------------------------------ modules

    def require_module(self, module: str, where: str, mode: Mode | Literal["parent"]) -> None:
        """``module`` must be importable in this service's tree."""
        if module not in self.index:
            return
        owner = self.owners.get(module)
        if owner == self.service:
            return
        if owner == "":
            self._include_whole(module)
        elif owner is None:
            if mode == "strict" and not self.index.modules[module].is_package:
                self.code.warnings.append(f"{where}: imports {module}, which is in no service and not shared: "
                                          "an empty module stands in for it")
            self._empty_package(module)
        elif module not in self.code.stubs:
            self.code.stubs[module] = StubModule(module, owner)
            for parent in parents(module):
                self.require_module(parent, where, "parent")

    def _empty_package(self, module: str) -> None:
        if module not in self.code.empty_packages:
            self.code.empty_packages.add(module)
            for parent in parents(module):
                self.require_module(parent, module, "parent")

    # ------------------------------------------------------------------------------------------ names

    def require_name(self, module: str, name: str, where: str, mode: Mode) -> None:
        """Name ``name`` of ``module`` must exist in this service's tree (a stub provides it if needed)."""
        if module not in self.index:
            return
        owner = self.owners.get(module)
        if owner == self.service:
            return
        if owner == "":
            self._include_whole(module)
            return
        if owner is None:
            if mode != "lenient":
                self.code.errors.append(f"{where}: uses {module}.{name}, but module {module} is in no service and "
                                        "not shared (add it to a service or to `shared` in the plan)")
            return
        self.require_module(module, where, "parent")
        stub = self.code.stubs[module]
        if name in stub.items or name in stub.imports:
            return
        definition = self.symbols(module).definitions.get(name)
        if definition is None:
            if f"{module}.{name}" in self.index:
                self.require_module(f"{module}.{name}", where, mode)
            elif mode == "strict":
                self.code.errors.append(f"{where}: {module} has no top-level name {name!r}")
            return
        problem = self.problem(module, name, frozenset())
        if problem is not None:
            if mode != "lenient":
                self.code.errors.append(f"{where}: {module}.{name} ({self._where(module, definition.line)}) "
                                        f"{problem}")
            return
        self._provide(stub, definition, where)

    def _provide(self, stub: StubModule, definition: Definition, where: str) -> None:
        module, name = stub.module, definition.name
        qualname = f"{module}.{name}"
        here = self._where(module, definition.line)
        if definition.kind == "import":
            binding = definition.binding
            assert binding is not None
            stub.imports[name] = binding
            self._note_external(binding.module)
            if binding.name is None:
                self.require_module(binding.module, here, "strict")
            elif f"{binding.module}.{binding.name}" in self.index:
                self.require_module(f"{binding.module}.{binding.name}", here, "strict")
            else:
                self.require_name(binding.module, binding.name, here, "strict")
            return
        copy = definition.kind != "function" or self._accepted(module, name)
        stub.items[name] = StubItem(name, "copy" if copy else "rpc", definition.node, definition.line, qualname)
        if copy:
            if self._accepted(module, name):
                self.code.warnings.append(f"{where}: {qualname} is copied into service {self.service!r} "
                                          "(accepted blocker): each service has its own copy")
            refs = self.symbols.references(definition.node)
            if self._accepted(module, name):  # a local copy calls its module's helpers locally too
                definitions = self.symbols(module).definitions
                self._copy_too.update(f"{module}.{ref.name}" for ref in refs
                                      if ref.name in definitions and definitions[ref.name].kind == "function")
        else:
            self.code.rpc[qualname] = stub.owner
            node = definition.node
            assert isinstance(node, cst.FunctionDef)
            refs = self.symbols.references(node.params) + \
                (self.symbols.references(node.returns, True) if node.returns else [])
            for ref in refs:
                crossing = self._object_class(module, ref) if ref.lenient else None
                if crossing is not None:
                    self.code.errors.append(
                        f"{where}: {qualname} ({here}) takes or returns {crossing}, a class that is not a dataclass, "
                        "enum or exception: its instances carry methods and state that cannot cross services")
        self._resolve_refs(module, refs, here)

    def _object_class(self, module: str, ref: Ref) -> str | None:
        """The qualified name of the monolith's non-value class an annotation names, if it names one."""
        name, chain = ref.name, ref.chain
        for _ in range(8):  # follows re-exports and ``module.Class``
            definition = self.symbols(module).definitions.get(name) if module in self.index else None
            if definition is None:
                return None
            if definition.kind == "class":
                if self._accepted(module, name) or self.value_kind(module, name) is not None or chain:
                    return None
                return f"{module}.{name}"
            binding = definition.binding
            if binding is None:
                return None
            if binding.name is None or f"{binding.module}.{binding.name}" in self.index:
                target = binding.bound if binding.name is None else f"{binding.module}.{binding.name}"
                while chain and f"{target}.{chain[0]}" in self.index:
                    target, chain = f"{target}.{chain[0]}", chain[1:]
                if not chain:
                    return None
                module, name, chain = target, chain[0], chain[1:]
            else:
                module, name = binding.module, binding.name
        return None

    def _resolve_refs(self, module: str, refs: list[Ref], where: str) -> None:
        definitions = self.symbols(module).definitions
        for ref in refs:
            definition = definitions.get(ref.name)
            if definition is None:
                continue
            mode: Mode = "lenient" if ref.lenient else "strict"
            self.require_name(module, ref.name, where, mode)
            binding = definition.binding
            if ref.chain and binding is not None:
                base = binding.bound if binding.name is None else f"{binding.module}.{binding.name}"
                if base in self.index:
                    self._require_chain(base, ref.chain, where, "lenient" if ref.lenient else "attr")

    def _accepted(self, module: str, name: str) -> bool:
        qualname = f"{module}.{name}"
        return module in self.accepted or qualname in self.accepted or qualname in self._copy_too

    # ------------------------------------------------------------------------------------------ safety

    def problem(self, module: str, name: str, seen: frozenset[tuple[str, str]]) -> str | None:
        """Why ``module.name`` cannot cross services as a stub or a copy, or ``None`` when it can."""
        if (module, name) in seen:
            return None
        definition = self.symbols(module).definitions.get(name)
        if definition is None:
            return None
        node = definition.node
        accepted = self._accepted(module, name)
        if definition.kind == "function":
            assert isinstance(node, cst.FunctionDef)
            if accepted:
                return None
            if is_generator(node):
                kind = "an async generator" if node.asynchronous is not None else "a generator function"
                return f"is {kind}: its values are produced lazily and cannot cross services"
            return None
        if definition.kind == "class":
            if accepted or self.value_kind(module, name, seen) is not None:
                return None
            return ("is a class that is not a dataclass, enum or exception: its instances carry methods and "
                    "state that cannot cross services")
        if definition.kind == "variable":
            return None if accepted else self._variable_problem(f"{module}.{name}", node)
        binding = definition.binding
        if binding is None or binding.name is None or binding.module not in self.index:
            return None
        owner = self.owners.get(binding.module)
        if owner in (self.service, "") or f"{binding.module}.{binding.name}" in self.index:
            return None
        return self.problem(binding.module, binding.name, seen | {(module, name)})

    def _variable_problem(self, qualname: str, node: cst.CSTNode) -> str | None:
        """Why a module global cannot be copied: the crossing rule's verdict when the graph knows it."""
        if self.rule is not None and self.rule.knows(qualname, "variable"):
            return self.rule.variable_problem(qualname)
        value = node.value if isinstance(node, cst.Assign | cst.AnnAssign) else None
        if value is not None and immutable_value(value):
            return None
        return "is a mutable module global: each service would get its own copy and writes would diverge"

    def value_kind(self, module: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> ValueKind | None:
        """``dataclass``/``enum``/``exception``/``typeddict`` for a value class of the monolith, else ``None``."""
        if (module, name) in seen:
            return None
        seen = seen | {(module, name)}
        if self.rule is not None and self.rule.knows(f"{module}.{name}", "class"):
            return self.rule.value_kind(f"{module}.{name}")
        definition = self.symbols(module).definitions.get(name)
        if definition is None:
            return None
        if definition.kind == "import" and definition.binding is not None:
            binding = definition.binding
            if binding.name is None:
                return None
            if binding.module in self.index:
                return self.value_kind(binding.module, binding.name, seen)
            return builtin_base_kind(f"{binding.module}.{binding.name}")
        node = definition.node
        if not isinstance(node, cst.ClassDef):
            return None
        return decorator_kind(node) or self._bases_kind(module, node, seen)

    def _bases_kind(self, module: str, node: cst.ClassDef, seen: frozenset[tuple[str, str]]) -> ValueKind | None:
        """The value kind the first value-class base of ``node`` gives."""
        for base in base_names(node):
            kind = builtin_base_kind(base)
            if kind is None:
                head, _, rest = base.partition(".")
                inner = self.symbols(module).definitions.get(head)
                if inner is not None and not rest:
                    kind = self.value_kind(module, head, seen)
                elif inner is not None and inner.binding is not None:
                    target = inner.binding.module if inner.binding.name is None else \
                        f"{inner.binding.module}.{inner.binding.name}"
                    owner_module, _, attr = f"{target}.{rest}".rpartition(".")
                    kind = self.value_kind(owner_module, attr, seen) if owner_module in self.index else \
                        builtin_base_kind(base)
            if kind is not None:
                return kind
        return None
