"""From the analyzer's code graph to the weighted module graph the splitter cuts.

Each edge weight says what cutting it would cost. Per module pair, summed over every code edge between them:

==================================  =======  ==============================================================
signal                              weight   why
==================================  =======  ==============================================================
table used by both (per table)      8        splitting it means a distributed transaction
module global written across        8        shared mutable state (both sides see different copies)
inheritance                         4        a class cannot inherit over the wire
global read across                  1.5      reads of a module global
(n edges of one of the kinds above cost weight * log2(1 + n): the cost of a cut grows slower than the count)
calls                               2*log2(1+n)  n calls; log so one chatty pair does not dominate
imports                             1        (0.25 under TYPE_CHECKING, 0.5 lazy)
package nesting (optional prior)    0.5      module <-> its parent package (not a top-level one), from ids
==================================  =======  ==============================================================

Tables are kept as extra nodes (``table:<name>``) linked to each module that uses them, so a table pulls its
users together without a clique. Everything below runs on node ids only; no file names are read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from cleave import crossing
from cleave.formats.graph import TABLE_PREFIX, CodeGraph

IO_PACKAGES = frozenset({
    "requests", "httpx", "urllib3", "aiohttp", "psycopg", "psycopg2", "psycopg2-binary", "pymysql", "mysqlclient",
    "sqlalchemy", "redis", "boto3", "botocore", "pymongo", "kafka-python", "pika", "celery", "paramiko", "grpcio",
})


@dataclass(frozen=True)
class Weights:
    """The cost of cutting each kind of dependency (see the module docstring)."""

    table: float = 8.0
    global_write: float = 8.0
    inherits: float = 4.0
    read: float = 1.5
    call: float = 2.0
    imports: float = 1.0
    package_prior: float = 0.5
    saturate: bool = True


@dataclass(frozen=True)
class ModuleGraph:
    """The weighted, undirected graph of modules (plus table nodes) and what the splitter knows about each."""

    modules: tuple[str, ...]
    graph: nx.Graph
    owner: Mapping[str, str]
    pure: frozenset[str]
    fan_in: Mapping[str, frozenset[str]]
    stateful: frozenset[str] = field(default_factory=frozenset)

    def isolated(self, among: Iterable[str] | None = None) -> set[str]:
        """Modules with no weighted edge to another module or table."""
        nodes = self.modules if among is None else among
        return {m for m in nodes if self.graph.degree(m, weight="weight") == 0}


def module_owners(code_graph: CodeGraph) -> dict[str, str]:
    """Map every module, class, function and variable node to the module that defines it (the crossing rule's
    own map, :func:`cleave.crossing.module_owners`, so split and build agree on who owns what)."""
    return crossing.module_owners(code_graph)


def _call_weight(weights: Weights, count: float) -> float:
    return weights.call * math.log2(1.0 + count)


@dataclass
class _Edges:
    """What one pass over the code graph's edges collects: pair weights, calls, tables, purity facts."""

    weights: Weights
    pair: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    per_kind: dict[tuple[str, str, float], float] = field(default_factory=lambda: defaultdict(float))
    fan_in: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    writers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    impure: set[str] = field(default_factory=set)
    deps: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tables: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, a: str, b: str, w: float) -> None:
        if a == b:
            return
        if self.weights.saturate:  # n edges of one kind cost w * log2(1 + n), not w * n
            self.per_kind[((a, b) if a < b else (b, a)) + (w,)] += 1.0
        else:
            self.pair[(a, b) if a < b else (b, a)] += w

    def side_fact(self, mu: str, v: str, key: str) -> bool:
        """A table or package use (no module on the other side); True when the edge was one."""
        if key == "uses_table":
            self.tables[v].add(mu)
            self.impure.add(mu)
            return True
        if key == "uses_package":
            if str(v).removeprefix("package:") in IO_PACKAGES:
                self.impure.add(mu)
            return True
        return False

    def dependency(self, ends: tuple[str, str], v: str, key: str, data: Mapping[str, Any]) -> None:
        """A dependency edge from module ``mu`` to module ``mv`` (``v``: the code node it reaches)."""
        mu, mv = ends
        weights = self.weights
        if key == "writes":
            self.writers[v].add(mu)
            self.impure.update((mu, mv))
            self.add(mu, mv, weights.global_write)
        elif key == "inherits":
            self.add(mu, mv, weights.inherits)
        elif key == "reads":
            self.add(mu, mv, weights.read)
        elif key == "calls":
            if mu != mv:
                self.calls[(mu, mv) if mu < mv else (mv, mu)] += float(data.get("weight", 1) or 1)
            if "file" in (data.get("passes") or ()):
                self.impure.add(mu)
        elif key == "imports":
            factor = 0.25 if data.get("type_checking") else 0.5 if data.get("lazy") else 1.0
            self.add(mu, mv, weights.imports * factor)
        if mu != mv:
            self.fan_in[mv].add(mu)
            self.deps[mu].add(mv)

    def pair_weights(self) -> dict[tuple[str, str], float]:
        pair = defaultdict(float, self.pair)
        for (a, b, w), n in self.per_kind.items():
            pair[(a, b)] += w * math.log2(1.0 + n)
        for (a, b), count in self.calls.items():
            pair[(a, b)] += _call_weight(self.weights, count)
        return pair


def _collect(code_graph: CodeGraph, owner: Mapping[str, str], weights: Weights) -> _Edges:
    edges = _Edges(weights)
    for u, v, key, data in code_graph.graph.edges(keys=True, data=True):
        mu = owner.get(u)
        if mu is None or edges.side_fact(mu, v, key):
            continue
        mv = owner.get(v)
        if mv is not None and key != "contains":
            edges.dependency((mu, mv), v, key, data)
    return edges


def _weighted_graph(modules: tuple[str, ...], edges: _Edges, weights: Weights) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(modules)
    for (a, b), w in sorted(edges.pair_weights().items()):
        if w > 0:
            graph.add_edge(a, b, weight=w)
    for table, users in sorted(edges.tables.items()):
        for user in sorted(users):
            if weights.table > 0:
                graph.add_edge(table, user, weight=weights.table)
    if weights.package_prior > 0:
        module_set = set(modules)
        for module in modules:
            parent = module.rsplit(".", 1)[0]  # never to a top-level package (a hub); class units float free
            if "." in parent and parent in module_set and ":" not in module:
                w = graph.get_edge_data(module, parent, {"weight": 0.0})["weight"]
                graph.add_edge(module, parent, weight=w + weights.package_prior)
    return graph


def build(code_graph: CodeGraph, weights: Weights | None = None, *, unit_of: Mapping[str, str] | None = None,
          module_of: Mapping[str, str] | None = None) -> ModuleGraph:
    """The weighted module graph of ``code_graph``.

    With ``unit_of`` (code node -> unit) and ``module_of`` (unit -> module), the nodes of those modules are units
    instead (splitter/classes.py: one per large class, the module's id for the rest); units are never pure.
    """
    weights = weights or Weights()
    modules = tuple(code_graph.nodes_of_kind("module"))
    owner = module_owners(code_graph)
    if unit_of and module_of:
        owner = {node: unit_of.get(node, module) for node, module in owner.items()}
        modules += tuple(sorted(u for u in module_of if u not in set(modules)))
    edges = _collect(code_graph, owner, weights)
    graph = _weighted_graph(modules, edges, weights)
    stateful = {m for var, ws in edges.writers.items() if (m := owner.get(var))}
    pure = _pure_closure(set(modules) - edges.impure - stateful - set(module_of or ()), edges.deps)
    return ModuleGraph(modules=modules, graph=graph, owner=owner, pure=frozenset(pure),
                       fan_in={m: frozenset(s) for m, s in edges.fan_in.items()}, stateful=frozenset(stateful))


def _pure_closure(candidates: set[str], deps: Mapping[str, set[str]]) -> set[str]:
    """Candidates whose every internal dependency is also pure (a shared module must not need a service)."""
    pure = set(candidates)
    changed = True
    while changed:
        changed = False
        for module in sorted(pure):
            if any(dep not in pure for dep in deps.get(module, ())):
                pure.discard(module)
                changed = True
    return pure


def is_table(node: str) -> bool:
    """True for the table pseudo-nodes of the module graph."""
    return node.startswith(TABLE_PREFIX)
