"""Which top-level statements of a copied module a stub keeps for their effect (the copy rule, packager/resolve.py):
those that name something the stub copies and can run here whole, without an RPC or another service's state."""

from __future__ import annotations

import functools
from collections.abc import Callable

import libcst as cst

from packager.modulescan import ModuleScan
from packager.servicecode import StubModule
from packager.symbols import Effect, Ref


class EffectKeeping(ModuleScan):
    """The effect half of :class:`packager.resolve.Resolver`, and what lets a resolution be tried and undone."""

    _import_time: set[str]
    _copy_too: set[str]
    _tried: set[int]

    def _accepted(self, module: str, name: str) -> bool:
        raise NotImplementedError

    def problem(self, module: str, name: str, seen: frozenset[tuple[str, str]]) -> str | None:
        raise NotImplementedError

    def _require_statement(self, module: str, node: cst.CSTNode, where: str, *, whole: bool) -> None:
        raise NotImplementedError

    def _drain(self) -> None:
        """Scan the queued modules, then keep the stubs' effects; again until nothing new is needed."""
        while True:
            while self._queue:
                self._scan(self._queue.popleft())
            if not self._keep_effects():
                return

    def _tentative(self, action: Callable[[], None]) -> bool:
        """Run ``action``; undo it when it adds an error or an RPC. Whether it was kept."""
        restore, errors, rpc = self.code.checkpoint(), len(self.code.errors), set(self.code.rpc)
        import_time, copy_too = set(self._import_time), set(self._copy_too)
        action()
        self._drain()
        if len(self.code.errors) == errors and not set(self.code.rpc) - rpc:
            return True
        restore()
        self._import_time, self._copy_too = import_time, copy_too
        return False

    def _keep_effects(self) -> bool:
        """Try each stub's effect statements that name what it copies and use only what this service can hold; keep
        those that need no RPC and raise no error (module docstring of packager/resolve.py); whether any was."""
        added = False
        for stub in list(self.code.stubs.values()):
            copies = {item.name for item in stub.items.values() if item.kind == "copy"}
            for effect in self.symbols(stub.module).effects if copies else ():
                refs = self.symbols.references(effect.node)
                if id(effect.node) in self._tried or not {ref.name for ref in refs} & copies:
                    continue
                called = set(self.symbols.calls_at_import(effect.node, True))
                if not all(self._holdable_ref(stub.module, ref, ref in called) for ref in refs):
                    continue
                self._tried.add(id(effect.node))
                added = self._tentative(functools.partial(self._keep, stub, effect)) or added
        return added

    def _keep(self, stub: StubModule, effect: Effect) -> None:
        stub.kept.add(id(effect.node))
        stub.effects.append((effect.line, effect.node))
        self._require_statement(stub.module, effect.node, self._where(stub.module, effect.line), whole=True)

    def _holdable_ref(self, module: str, ref: Ref, called: bool) -> bool:
        """:meth:`_holdable` for ``name.attr...``: through a module's attributes to the name they reach."""
        definition = self.symbols(module).definitions.get(ref.name)
        binding = definition.binding if definition is not None else None
        if binding is None or not ref.chain:
            return self._holdable(module, ref.name, called, frozenset())
        base = binding.bound if binding.name is None else f"{binding.module}.{binding.name}"
        chain = ref.chain
        while chain and f"{base}.{chain[0]}" in self.index:
            base, chain = f"{base}.{chain[0]}", chain[1:]
        if base not in self.index or not chain or self.owners.get(base) in {self.service, ""}:
            return self._holdable(module, ref.name, called, frozenset())
        return self._holdable(base, chain[0], called, frozenset())

    def _holdable(self, module: str, name: str, called: bool, seen: frozenset[tuple[str, str]]) -> bool:
        """Whether this service can hold ``module.name`` itself: a copy or an import; a function only when it is
        called right there (it is then copied, and the try fails if that needs state); never state."""
        definition = self.symbols(module).definitions.get(name)
        if definition is None or (module, name) in seen:
            return True  # a builtin, or a name the statement binds itself
        if definition.kind == "function":
            return called or self._accepted(module, name)
        binding = definition.binding
        if binding is None or binding.name is None or binding.module not in self.index \
                or f"{binding.module}.{binding.name}" in self.index:
            return self.problem(module, name, frozenset()) is None
        if self.owners.get(binding.module) in {self.service, ""}:
            return True
        return self._holdable(binding.module, binding.name, called, seen | {(module, name)})
