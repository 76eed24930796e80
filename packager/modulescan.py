"""The module half of one service's resolution: which modules its tree holds (its own, the shared modules they
import, stubs of other services' modules, empty packages) and what each module imported whole requires."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Mapping
from typing import Literal

from packager.servicecode import ServiceCode, StubModule, Symbols
from packager.sources import SourceIndex, parents
from packager.symbols import ImportBinding

Mode = Literal["strict", "attr", "lenient", "import"]
"""strict: a missing or unsafe name is an error; attr: only an unsafe one is; lenient: neither (annotations);
import: strict, and the name is used when the module is imported, so it must be a copy, never an RPC."""


class ModuleScan:
    """Walks one service's modules; :class:`packager.resolve.Resolver` adds the names they use across services."""

    def __init__(self, index: SourceIndex, symbols: Symbols, owners: Mapping[str, str], service: str) -> None:
        self.index = index
        self.symbols = symbols
        self.owners = owners
        self.service = service
        self.code = ServiceCode(service, sorted(m for m, s in owners.items() if s == service))
        self._queue: deque[str] = deque()

    def require_name(self, module: str, name: str, where: str, mode: Mode) -> None:
        """Name ``name`` of ``module`` must exist in this service's tree (the resolver provides it)."""
        raise NotImplementedError

    def _include_whole(self, module: str) -> None:
        if module in self.code.whole:
            return
        self.code.whole.add(module)
        if self.owners.get(module) == "":
            self.code.shared.add(module)
        self._queue.append(module)
        for parent in parents(module):
            self.require_module(parent, f"{self._where(module, 1)}", "parent")

    def _where(self, module: str, line: int) -> str:
        source = self.index.get(module)
        return f"{source.relpath if source else module}:{line}"

    def _scan(self, module: str) -> None:
        """A module copied whole: everything it imports (outside ``if TYPE_CHECKING``) must be in the tree, and
        what it uses at import time must be a copy."""
        module_locals: dict[str, tuple[str, int]] = {}
        at_import = self.symbols.at_import(module)
        names_at_import = {name for name, _ in at_import}
        for binding in self.symbols.imports(module):
            if binding.type_checking:
                continue
            mode: Mode = "import" if binding.local in names_at_import else "strict"
            local = self.require_binding(binding, self._where(module, binding.line), mode)
            if local is not None:
                module_locals[binding.local] = (local, binding.line)
        if not module_locals:
            return
        for name, chain in sorted(use for use in at_import if use[0] in module_locals and use[1]):
            base, line = module_locals[name]
            self._require_chain(base, chain, self._where(module, line), "import")
        for name, chain in self.symbols.chains(module, frozenset(module_locals)):
            base, line = module_locals[name]
            self._require_chain(base, chain, self._where(module, line), "attr")

    def require_binding(self, binding: ImportBinding, where: str, mode: Mode) -> str | None:
        """What an import needs in the tree; the module its local name stands for, when it names a module."""
        self._note_external(binding.module)
        if binding.name is None:
            self.require_module(binding.module, where, "strict")
            return binding.bound
        if binding.name == "*":
            self._star(binding, where)
            return None
        self.require_module(binding.module, where, "strict")
        full = f"{binding.module}.{binding.name}"
        if full in self.index:
            self.require_module(full, where, "strict")
            return full
        self.require_name(binding.module, binding.name, where, mode)
        return None

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
            self.require_module(base, where, "strict" if mode == "import" else mode)

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
            self._effect_imports(self.code.stubs[module])

    def _effect_imports(self, stub: StubModule) -> None:
        """A stub keeps the original's imports of modules made for their effect (``from app import models``)
        when those modules run in this service (its own or shared); another service's run in their owner."""
        for binding in self.symbols.effect_imports(stub.module):
            target = binding.module if binding.name is None else f"{binding.module}.{binding.name}"
            if target in self.index and self.owners.get(target) in {self.service, ""}:
                stub.effects.append((binding.line, binding.render()))
                self.require_module(target, self._where(stub.module, binding.line), "strict")

    def _empty_package(self, module: str) -> None:
        if module not in self.code.empty_packages:
            self.code.empty_packages.add(module)
            for parent in parents(module):
                self.require_module(parent, module, "parent")
