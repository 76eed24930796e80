"""The graph as the crossing rule sees it: which module owns each node, where a use happens, who writes what."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cleave.crossing.kinds import base_kind
from cleave.formats.graph import CodeGraph


def module_owners(code_graph: CodeGraph) -> dict[str, str]:
    """Map every module, class, function and variable node to the module that defines it."""
    graph = code_graph.graph
    modules = set(code_graph.nodes_of_kind("module"))
    owner: dict[str, str] = {m: m for m in modules}
    parent = {v: u for u, v, _ in code_graph.edges_of_kind("contains")}
    for node, data in graph.nodes(data=True):
        if node in owner or data.get("kind") in ("table", "package"):
            continue
        found = _enclosing_module(node, parent, modules)
        if found is not None:
            owner[node] = found
    return owner


def _enclosing_module(node: str, parent: Mapping[str, str], modules: set[str]) -> str | None:
    seen: set[str] = set()
    current = node
    while current in parent and current not in modules and current not in seen:
        seen.add(current)
        current = parent[current]
    if current in modules:
        return current
    prefix = node  # fall back to the longest module prefix of the dotted id
    while "." in prefix:
        prefix = prefix.rsplit(".", 1)[0]
        if prefix in modules:
            return prefix
    return None


@dataclass
class View:
    """One graph and one assignment (module -> service, ``""`` = shared, absent = in no service)."""

    code_graph: CodeGraph
    service_of: Mapping[str, str]
    owner: Mapping[str, str] = field(default_factory=dict)
    _kinds: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if not self.owner:
            self.owner = module_owners(self.code_graph)

    @property
    def graph(self) -> Any:
        return self.code_graph.graph

    def node(self, node: str) -> Mapping[str, Any]:
        """The node's attributes (empty for an unknown node)."""
        return self.graph.nodes[node] if node in self.graph else {}

    def service(self, node: str) -> str | None:
        """The service of the module that defines ``node`` (``""`` shared, ``None`` in no service)."""
        module = self.owner.get(node)
        return None if module is None else self.service_of.get(module)

    def where(self, node: str, lines: Iterable[int] | None = None) -> str | None:
        """``file:line`` of a use made by ``node`` at ``lines`` (its definition line when none)."""
        data = self.node(node)
        file = data.get("file")
        module = self.owner.get(node)
        if file is None and module is not None:
            file = self.node(module).get("file")
        if file is None:
            return None
        first = min(lines, default=None) if lines else None
        if first is None:
            first = data.get("line")
        return f"{file}:{first}" if first is not None else str(file)

    def value_kind(self, cls: str) -> str:
        """A class's ``value_kind`` (analyzer/kinds.py); for a graph without it, from its decorators and written
        bases through ``inherits`` edges."""
        if self._kinds is None:
            self._kinds = {}
        known = self._kinds.get(cls)
        if known is None:
            self._kinds[cls] = "plain"
            known = self.node(cls).get("value_kind") or self._written_kind(cls)
            self._kinds[cls] = known
        return known

    def _written_kind(self, cls: str) -> str:
        data = self.node(cls)
        if any(str(d).rsplit(".", 1)[-1] == "dataclass" for d in data.get("decorators") or ()):
            return "dataclass"
        for base in data.get("bases") or ():
            kind = base_kind(str(base).split("[", 1)[0])
            if kind is not None:
                return kind
        for _, base, key in self.graph.out_edges(cls, keys=True) if cls in self.graph else ():
            if key == "inherits" and self.value_kind(base) != "plain":
                return self.value_kind(base)
        return "plain"

    @cached_property
    def parent(self) -> dict[str, str]:
        return {v: u for u, v, _ in self.code_graph.edges_of_kind("contains")}

    @cached_property
    def writers(self) -> dict[str, list[tuple[str, list[int]]]]:
        """variable -> ``(writer node, lines)`` of every write."""
        out: dict[str, list[tuple[str, list[int]]]] = defaultdict(list)
        for u, v, data in self.code_graph.edges_of_kind("writes"):
            out[v].append((u, list(data.get("lines") or ())))
        return out

    @cached_property
    def readers(self) -> dict[str, set[str]]:
        """variable -> the nodes that read it."""
        out: dict[str, set[str]] = defaultdict(set)
        for u, v, _ in self.code_graph.edges_of_kind("reads"):
            out[v].add(u)
        return out

    @cached_property
    def callers(self) -> dict[str, set[str]]:
        """function -> the nodes that call it."""
        out: dict[str, set[str]] = defaultdict(set)
        for u, v, _ in self.code_graph.edges_of_kind("calls"):
            out[v].add(u)
        return out

    @cached_property
    def returns_callable(self) -> dict[str, list[str]]:
        """function -> the functions it returns as values (valueflow's ``returns_callable`` edges)."""
        out: dict[str, list[str]] = defaultdict(list)
        for u, v, _ in self.code_graph.edges_of_kind("returns_callable"):
            out[u].append(v)
        return out

    def reached_by(self, node: str) -> dict[str, str]:
        """The services whose code runs ``node`` (a function of a shared module): service -> one caller, through
        callers in shared modules."""
        found: dict[str, str] = {}
        seen: set[str] = set()
        todo = [node]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            service = self.service(current)
            if service:
                found.setdefault(service, current)
            elif service == "":
                todo.extend(sorted(self.callers.get(current, ())))
        return found
