"""Which code one service needs: its own modules, the shared modules they use, and the stubs of other services'
modules with exactly the names used across the boundary (RPC functions, copied value types and constants).

The copy rule. A stub stands in for a module of another service; what it copies must behave as the original did in
the monolith's process:

- a copied name gets every top-level statement that binds it, in source order: ``x = x`` after ``from m import x``
  keeps its import; a binding inside an ``if``/``try``/``with`` brings that whole statement, so the branch that
  runs is the one that binds (``basestring = basestring`` under a Python-2 guard stays under it);
- what a copy uses is resolved like any other use, imports inside its functions and blocks included;
- what runs when a module is imported (module-level code, class bodies, decorators, defaults) runs in this
  service, in its own modules and in copies alike: a function called there (``total = money_column("total")``
  in a class body, a decorator) is copied with what it calls, transitively, never served over RPC: code that
  runs while a service imports cannot wait on another one, nor return it objects that cannot cross. A function
  only named there (a route table) is called later and may stay remote; a class or state it needs keeps its own
  rule (a value type is copied; anything else is an error naming both places);
- a top-level statement that binds nothing (``codecs.register(Order, ...)``, ``Order.kind = "o"``,
  ``Order.FIRST = Order(first_id())``) is kept when it names something the stub copies and can run here whole:
  what it calls is copied as at import time, and the try is undone if that needs an RPC or another service's
  state. It then acts on this service's copy as it acted on the original. One that needs the owner's functions
  or state (``bus.subscribe(topic, on_paid)``, ``jobs.schedule(Order)`` writing the owner's queue) is the
  owner's registration and runs once, in the owner;
- an import made only for its effect (``from app import models``) is kept when that module runs in this service.

packager/importcheck.py then imports every built tree, so a copy that still misses something stops the build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libcst as cst

from packager.crossings import GraphRule
from packager.effects import EffectKeeping
from packager.modulescan import Mode
from packager.servicecode import Piece, ServiceCode, StubItem, StubModule, Symbols
from packager.sources import SourceIndex
from packager.symbols import Definition, ImportBinding, Ref, import_bindings, is_generator
from packager.values import ValueKind, base_names, builtin_base_kind, decorator_kind, immutable_value

CLASS_PROBLEM = ("is a class that is not a dataclass, enum or exception: its instances carry methods and state that "
                 "cannot cross services")


def _generator_problem(node: cst.CSTNode) -> str | None:
    """Why a function cannot be served over RPC: a generator's values are produced lazily."""
    if not isinstance(node, cst.FunctionDef) or not is_generator(node):
        return None
    kind = "an async generator" if node.asynchronous is not None else "a generator function"
    return f"is {kind}: its values are produced lazily and cannot cross services"


class Resolver(EffectKeeping):
    """Walks one service's code and collects every name it needs from other services."""

    def __init__(self, index: SourceIndex, symbols: Symbols, owners: Mapping[str, str], service: str,
                 accepted: frozenset[str]) -> None:
        super().__init__(index, symbols, owners, service)
        self.accepted = accepted
        self._copy_too: set[str] = set()
        self._import_time: set[str] = set()
        """Functions (and imports of them) a copy or an own module calls at import time: copied, never RPC."""
        self._tried: set[int] = set()
        """``id()`` of the effect statements already tried (kept or not)."""
        self.rule: GraphRule | None = None
        """The crossing rule's verdicts from the graph (cleave/crossing), when the build has a graph."""

    # ------------------------------------------------------------------------------------------ driver

    def run(self) -> ServiceCode:
        for module in self.code.own:
            self._include_whole(module)
        self._drain()
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

    # ------------------------------------------------------------------------------------------ names

    def require_name(self, module: str, name: str, where: str, mode: Mode) -> None:
        """Name ``name`` of ``module`` must exist in this service's tree (a stub provides it if needed)."""
        owner = self.owners.get(module)
        if module not in self.index or owner == self.service:
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
        definition = self.symbols(module).definitions.get(name)
        if mode == "import" and definition is not None:
            self._needed_at_import(stub, definition)
        if name in stub.items or name in stub.imports:
            return
        if definition is None:
            if f"{module}.{name}" in self.index:
                self.require_module(f"{module}.{name}", where, mode)
            elif mode in {"strict", "import"}:
                self.code.errors.append(f"{where}: {module} has no top-level name {name!r}")
            return
        problem = self.problem(module, name, frozenset())
        if problem is not None:
            if mode != "lenient":
                self.code.errors.append(f"{where}: {module}.{name} ({self._where(module, definition.line)}) "
                                        f"{problem}")
            return
        self._provide(stub, definition, where)

    def _needed_at_import(self, stub: StubModule, definition: Definition) -> None:
        """A function (or an import of one) called at import time is copied: what was provided before (an RPC, a
        copy whose calls were resolved for run time) is dropped and provided again."""
        qualname = f"{stub.module}.{definition.name}"
        if definition.kind not in {"function", "import"} or qualname in self._import_time:
            return
        self._import_time.add(qualname)
        if stub.items.pop(definition.name, None) is not None:  # provided again: a copy whose calls run at import
            self.code.rpc.pop(qualname, None)
        stub.imports.pop(definition.name, None)

    def _provide(self, stub: StubModule, definition: Definition, where: str) -> None:
        module, name = stub.module, definition.name
        bindings = self.symbols.live_bindings(module, name) or [definition]
        if definition.kind == "import" and len(bindings) == 1 and definition.statement is None:
            binding = definition.binding
            assert binding is not None
            stub.imports[name] = binding
            mode: Mode = "import" if f"{module}.{name}" in self._import_time else "strict"
            self.require_binding(binding, self._where(module, definition.line), mode)
        elif definition.kind != "function" or self._accepted(module, name):
            self._provide_copy(stub, definition, bindings, where)
        else:
            self._provide_rpc(stub, definition, where)

    def _provide_copy(self, stub: StubModule, definition: Definition, bindings: list[Definition],
                      where: str) -> None:
        module, name = stub.module, definition.name
        qualname, here = f"{module}.{name}", self._where(module, definition.line)
        pieces: list[Piece] = []
        for binding in bindings:
            if binding.statement is None and binding.binding is not None:
                pieces.append((binding.line, binding.binding.render()))
                self.require_binding(binding.binding, here, "import" if qualname in self._import_time else "strict")
            else:
                pieces.append((binding.line, binding.statement or binding.node))
        stub.items[name] = StubItem(name, "copy", definition.node, definition.line, qualname, tuple(pieces))
        if qualname in self._import_time:
            self.code.warnings.append(f"{where}: {qualname} ({here}) is copied into service {self.service!r}: it "
                                      "runs at import time, when its owner cannot be called")
        elif self._accepted(module, name):
            self.code.warnings.append(f"{where}: {qualname} is copied into service {self.service!r} "
                                      "(accepted blocker): each service has its own copy")
            definitions = self.symbols(module).definitions
            self._copy_too.update(f"{module}.{ref.name}" for ref in self.symbols.references(definition.node)
                                  if ref.name in definitions and definitions[ref.name].kind == "function")
        for _, node in pieces:
            if isinstance(node, cst.CSTNode):
                self._require_statement(module, node, here, whole=qualname in self._import_time)

    def _require_statement(self, module: str, node: cst.CSTNode, where: str, *, whole: bool) -> None:
        """What a copied statement uses: what it calls at import time (its body too when ``whole``: a function
        called while importing) as ``import``, the rest as ``strict``; the imports inside it too."""
        self._resolve_refs(module, self.symbols.calls_at_import(node, whole), where, "import")
        self._resolve_refs(module, self.symbols.references(node), where, "strict")
        package = self.index.package_of(module)
        local_modules: dict[str, str] = {}
        for statement in self.symbols.nested_imports(node):
            for binding in import_bindings(statement, module, package, 0, type_checking=False):
                bound = self.require_binding(binding, where, "strict")
                if bound is not None:
                    local_modules[binding.local] = bound
        for ref in self.symbols.references(node):
            if ref.name in local_modules and ref.chain:
                self._require_chain(local_modules[ref.name], ref.chain, where, "lenient" if ref.lenient else "attr")

    def _provide_rpc(self, stub: StubModule, definition: Definition, where: str) -> None:
        module, name = stub.module, definition.name
        qualname, here = f"{module}.{name}", self._where(module, definition.line)
        stub.items[name] = StubItem(name, "rpc", definition.node, definition.line, qualname)
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

    def _resolve_refs(self, module: str, refs: list[Ref], where: str, mode: Mode = "strict") -> None:
        definitions = self.symbols(module).definitions
        for ref in refs:
            definition = definitions.get(ref.name)
            if definition is None:
                continue
            self.require_name(module, ref.name, where, "lenient" if ref.lenient else mode)
            binding = definition.binding
            if ref.chain and binding is not None:
                base = binding.bound if binding.name is None else f"{binding.module}.{binding.name}"
                if base in self.index:
                    chain_mode: Mode = "lenient" if ref.lenient else "import" if mode == "import" else "attr"
                    self._require_chain(base, ref.chain, where, chain_mode)

    def _accepted(self, module: str, name: str) -> bool:
        qualname = f"{module}.{name}"
        return module in self.accepted or qualname in self.accepted or qualname in self._copy_too \
            or qualname in self._import_time

    # ------------------------------------------------------------------------------------------ safety

    def problem(self, module: str, name: str, seen: frozenset[tuple[str, str]]) -> str | None:
        """Why ``module.name`` cannot cross services as a stub or a copy, or ``None`` when it can."""
        definition = self.symbols(module).definitions.get(name)
        if definition is None or (module, name) in seen:
            return None
        if definition.kind == "import":
            return self._import_problem(module, definition, seen)
        if self._accepted(module, name):
            return None
        if definition.kind == "function":
            return _generator_problem(definition.node)
        if definition.kind == "class":
            return None if self.value_kind(module, name, seen) is not None else CLASS_PROBLEM
        return self._variable_problem(f"{module}.{name}", definition.node)

    def _import_problem(self, module: str, definition: Definition, seen: frozenset[tuple[str, str]]) -> str | None:
        """An imported name crosses as what it names, unless it is a module or runs here anyway."""
        binding = definition.binding
        if binding is None or binding.name is None or binding.module not in self.index \
                or self.owners.get(binding.module) in (self.service, "") \
                or f"{binding.module}.{binding.name}" in self.index:
            return None
        return self.problem(binding.module, binding.name, seen | {(module, definition.name)})

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
        if definition is not None and definition.kind == "import" and definition.binding is not None:
            return self._imported_kind(definition.binding, seen)
        node = definition.node if definition is not None else None
        if not isinstance(node, cst.ClassDef):
            return None
        return decorator_kind(node) or self._bases_kind(module, node, seen)

    def _imported_kind(self, binding: ImportBinding, seen: frozenset[tuple[str, str]]) -> ValueKind | None:
        if binding.name is None:
            return None
        if binding.module in self.index:
            return self.value_kind(binding.module, binding.name, seen)
        return builtin_base_kind(f"{binding.module}.{binding.name}")

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
