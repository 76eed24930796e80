"""Which top-level statements of a copied module a stub keeps for their effect (the copy rule, packager/resolve.py):
those that name something the stub copies and use only what this service can hold itself."""

from __future__ import annotations

import libcst as cst

from packager.modulescan import ModuleScan
from packager.symbols import Ref


class EffectKeeping(ModuleScan):
    """The effect half of :class:`packager.resolve.Resolver`."""

    def _accepted(self, module: str, name: str) -> bool:
        raise NotImplementedError

    def problem(self, module: str, name: str, seen: frozenset[tuple[str, str]]) -> str | None:
        raise NotImplementedError

    def _require_statement(self, module: str, node: cst.CSTNode, where: str, *, whole: bool) -> None:
        raise NotImplementedError

    def _keep_effects(self) -> bool:
        """Keep each stub's effect statements that act on what it copies (module docstring); whether any was."""
        added = False
        for stub in list(self.code.stubs.values()):
            copies = {item.name for item in stub.items.values() if item.kind == "copy"}
            if not copies:
                continue
            for effect in self.symbols(stub.module).effects:
                refs = self.symbols.references(effect.node)
                if id(effect.node) in stub.kept or not {ref.name for ref in refs} & copies \
                        or not all(self._holdable_ref(stub.module, ref) for ref in refs):
                    continue
                stub.kept.add(id(effect.node))
                stub.effects.append((effect.line, effect.node))
                self._require_statement(stub.module, effect.node, self._where(stub.module, effect.line), whole=True)
                added = True
        return added

    def _holdable_ref(self, module: str, ref: Ref) -> bool:
        """:meth:`_holdable` for ``name.attr...``: through a module's attributes to the name they reach."""
        definition = self.symbols(module).definitions.get(ref.name)
        binding = definition.binding if definition is not None else None
        if binding is None or not ref.chain:
            return self._holdable(module, ref.name, frozenset())
        base = binding.bound if binding.name is None else f"{binding.module}.{binding.name}"
        chain = ref.chain
        while chain and f"{base}.{chain[0]}" in self.index:
            base, chain = f"{base}.{chain[0]}", chain[1:]
        if base not in self.index or not chain or self.owners.get(base) in {self.service, ""}:
            return self._holdable(module, ref.name, frozenset())
        return self._holdable(base, chain[0], frozenset())

    def _holdable(self, module: str, name: str, seen: frozenset[tuple[str, str]]) -> bool:
        """Whether this service can hold ``module.name`` itself (a copy or an import, not an RPC nor state)."""
        definition = self.symbols(module).definitions.get(name)
        if definition is None or (module, name) in seen:
            return True  # a builtin, or a name the statement binds itself
        if definition.kind == "function":
            return self._accepted(module, name)
        binding = definition.binding
        if binding is None or binding.name is None or binding.module not in self.index \
                or f"{binding.module}.{binding.name}" in self.index:
            return self.problem(module, name, frozenset()) is None
        if self.owners.get(binding.module) in {self.service, ""}:
            return True
        return self._holdable(binding.module, binding.name, seen | {(module, name)})
