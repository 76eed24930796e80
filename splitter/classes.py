"""Class-level units for large modules: where each class of a large module is drawn, and what that means for the
module.

A large module often holds classes that belong to different domains (a ``models.py`` with the order and the invoice
models, a ``views.py`` serving two features). Seen as one node, the module's edges are blurred into an average; seen
as one unit per top-level class plus a remainder (its functions, globals and module-level code), each class's own
ties show. A module is *large* when it is not pure (a pure module is copied, never placed), spans at least
``Granularity.large_lines`` lines and has at least ``Granularity.min_classes`` top-level classes of at least
``Granularity.class_lines`` lines each; smaller classes stay in the remainder.

The packager places whole modules (a stub module stands in for a module of another service, cleave.yaml lists
modules), so a class cannot run apart from its module. The services are therefore detected on the module graph,
then ``refine`` looks at the large modules unit by unit: each unit is drawn to the service it is tied to beyond
chance (modularity gain: its edge weight into the service minus its strength times the service's share of all edge
weight), the module goes to the service most of its lines are drawn to, and each class drawn elsewhere (and not
tied beyond chance to its module's service) comes back as an ``Advice``: moving it there means splitting the module
by hand first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from cleave.formats.graph import TABLE_PREFIX, CodeGraph
from splitter import partition
from splitter.partition import Constraints, Options, Proposal
from splitter.units import ModuleGraph, Weights, build

SEPARATOR = ":"


@dataclass(frozen=True)
class Granularity:
    """When a module is split into class units (``large_lines=0`` turns class units off)."""

    large_lines: int = 300
    min_classes: int = 2
    class_lines: int = 20


@dataclass(frozen=True)
class Units:
    """The units of the large modules: code node -> unit, unit -> module, and each unit's size in lines."""

    unit_of: Mapping[str, str]
    module_of: Mapping[str, str]
    lines: Mapping[str, int]
    members: Mapping[str, tuple[str, ...]]
    """module -> its units, the remainder (named like the module) first."""

    @property
    def split_modules(self) -> frozenset[str]:
        """The modules that were split into units."""
        return frozenset(self.members)

    def units(self, module: str) -> list[str]:
        """The units of ``module`` (the remainder, named like the module, first)."""
        return list(self.members.get(module, ()))


NO_UNITS = Units(unit_of={}, module_of={}, lines={}, members={})


def unit_name(module: str, cls: str) -> str:
    """``pkg.mod:Class``: the unit of a top-level class (never a valid module name, so never confused with one)."""
    return f"{module}{SEPARATOR}{cls}"


def _span(data: Mapping[str, object]) -> int:
    line, end = data.get("line"), data.get("end_line")
    return end - line + 1 if isinstance(line, int) and isinstance(end, int) and end >= line else 0


def choose(code_graph: CodeGraph, module_graph: ModuleGraph, granularity: Granularity | None = None) -> Units:
    """The large modules of ``code_graph`` and their units (``NO_UNITS`` when none is large)."""
    rule = granularity or Granularity()
    if rule.large_lines <= 0:
        return NO_UNITS
    graph = code_graph.graph
    children: dict[str, list[str]] = defaultdict(list)
    for u, v, _ in code_graph.edges_of_kind("contains"):
        children[u].append(v)
    unit_of: dict[str, str] = {}
    module_of: dict[str, str] = {}
    lines: dict[str, int] = {}
    for module in sorted(module_graph.modules):
        size = _span(graph.nodes[module])
        if module in module_graph.pure or size < rule.large_lines:
            continue
        classes = sorted(c for c in children.get(module, ()) if graph.nodes[c].get("kind") == "class"
                         and _span(graph.nodes[c]) >= rule.class_lines)
        if len(classes) < rule.min_classes:
            continue
        module_of[module] = module
        taken = 0
        for cls in classes:
            unit = unit_name(module, cls.rsplit(".", 1)[-1])
            module_of[unit] = module
            lines[unit] = _span(graph.nodes[cls])
            taken += lines[unit]
            stack = [cls]
            while stack:  # the class and everything it contains (methods, nested classes)
                node = stack.pop()
                unit_of[node] = unit
                stack.extend(children.get(node, ()))
        lines[module] = max(1, size - taken)
    members: dict[str, list[str]] = defaultdict(list)
    for unit, module in module_of.items():
        members[module].append(unit)
    return Units(unit_of=unit_of, module_of=module_of, lines=lines,
                 members={m: tuple(sorted(us, key=lambda u: (u != m, u))) for m, us in members.items()})


@dataclass(frozen=True)
class Advice:
    """A class drawn to another service than the one its module was placed in."""

    cls: str
    """The class's unit, ``pkg.mod:Class``."""
    module: str
    lines: int
    group: int
    """Index, in the proposal's groups, of the service the class is drawn to."""


def _group_of_tables(module_graph: ModuleGraph, where: Mapping[str, int]) -> dict[str, Counter[int]]:
    """For each table node: how many of its users sit in each group."""
    out: dict[str, Counter[int]] = {}
    for node in module_graph.graph:
        if node.startswith(TABLE_PREFIX):
            out[node] = Counter(where[u] for u in module_graph.graph[node] if u in where)
    return out


def _ties(unit: str, module: str, *, units: Units, unit_graph: ModuleGraph, module_graph: ModuleGraph,
          tables: Mapping[str, Counter[int]], where: Mapping[str, int]) -> dict[int, float]:
    """How strongly ``unit`` (of ``module``) is tied to each group: edge weight to units and modules of other
    modules, a table's weight shared among the groups of its other users."""
    ties: dict[int, float] = defaultdict(float)
    for _, other, data in unit_graph.graph.edges(unit, data=True):
        weight = float(data.get("weight", 1.0))
        if other in tables:  # a table: the groups of its other users
            users = tables[other].copy()
            if module_graph.graph.has_edge(other, module):
                users[where[module]] -= 1
            others = sum(c for c in users.values() if c > 0)
            for index, count in users.items():
                if count > 0:
                    ties[index] += weight * count / others
        elif (target := units.module_of.get(other, other)) != module and target in where:
            ties[where[target]] += weight
    return ties


def refine(proposal: Proposal, units: Units, unit_graph: ModuleGraph,
           module_graph: ModuleGraph) -> tuple[Proposal, tuple[Advice, ...]]:
    """Each large module goes to the group most of its lines are drawn to, and the classes drawn elsewhere are
    returned as advice.

    Every unit of the module (its classes and its remainder) is drawn to the group it has the heaviest edges to
    (edges to other units of the same module do not count; a table counts for the group holding most of its
    other users); the module moves to the group with the most lines drawn to it, unless that would leave its
    group empty. Pinned and shared modules stay as they are.
    """
    if not units.module_of:
        return proposal, ()
    groups = [set(g) for g in proposal.groups]
    where = {m: i for i, g in enumerate(groups) for m in g}
    tables = _group_of_tables(module_graph, where)
    drawn: dict[str, int] = {}
    gains: dict[str, dict[int, float]] = {}
    total = float(module_graph.graph.size(weight="weight")) or 1.0
    volume = [float(sum(w for _, w in module_graph.graph.degree(g, weight="weight"))) for g in groups]
    for module in sorted(units.split_modules):
        if module not in where:
            continue
        votes: Counter[int] = Counter()
        for unit in units.units(module):
            ties = _ties(unit, module, units=units, unit_graph=unit_graph, module_graph=module_graph, tables=tables,
                         where=where)
            strength = float(unit_graph.graph.degree(unit, weight="weight"))
            gain = {i: t - strength * volume[i] / (2.0 * total) for i, t in ties.items()}
            best = max(gain, key=lambda i: (gain[i], i == where[module], -i)) if gain else where[module]
            if gain and gain[best] <= 0:  # drawn nowhere more than chance: it stays with its module
                best = where[module]
            drawn[unit] = best
            gains[unit] = gain
            votes[best] += units.lines.get(unit, 1)
        winner = max(votes, key=lambda i: (votes[i], i == where[module], -i))
        if winner != where[module] and len(groups[where[module]]) > 1:
            degree = float(module_graph.graph.degree(module, weight="weight"))
            volume[where[module]] -= degree
            volume[winner] += degree
            groups[where[module]].discard(module)
            groups[winner].add(module)
            where[module] = winner
    order = sorted(range(len(groups)), key=lambda i: (-len(groups[i]), min(groups[i])))
    new_index = {old: new for new, old in enumerate(order)}
    final = tuple(frozenset(groups[i]) for i in order)
    advice = tuple(Advice(cls=unit, module=units.module_of[unit], lines=units.lines.get(unit, 1),
                          group=new_index[group])
                   for unit, group in sorted(drawn.items())
                   if unit != units.module_of[unit] and group != (home := where[units.module_of[unit]])
                   and gains[unit].get(home, 0.0) <= 0)  # only classes not tied to their module's service at all
    homes = {m: new_index[i] for m, i in proposal.home.items() if i in new_index}
    return replace(proposal, groups=final, home=homes), advice


def propose(code_graph: CodeGraph, module_graph: ModuleGraph, *, k: int | None, seed: int,
            constraints: Constraints | None = None, options: Options | None = None,
            weights: Weights | None = None, granularity: Granularity | None = None,
            ) -> tuple[Proposal, tuple[Advice, ...]]:
    """``partition.propose`` on the module graph, then large modules placed by their class units (``refine``)."""
    proposal = partition.propose(module_graph, k=k, seed=seed, constraints=constraints, options=options)
    units = choose(code_graph, module_graph, granularity)
    if not units.module_of:
        return proposal, ()
    unit_graph = build(code_graph, weights, unit_of=units.unit_of, module_of=units.module_of)
    return refine(proposal, units, unit_graph, module_graph)
