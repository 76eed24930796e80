"""Class-level units for large modules, and folding them back to whole modules.

A large module often holds classes that belong to different domains (a ``models.py`` with the order and the invoice
models, a ``views.py`` serving two features). Seen as one node, the module's edges are blurred into an average; seen
as one unit per top-level class plus a remainder (its functions, globals and module-level code), the detection sees
where each class is pulled. A module is *large* when it is not pure (a pure module is copied, never placed), spans at
least ``Granularity.large_lines`` lines and has at least ``Granularity.min_classes`` top-level classes of at least
``Granularity.class_lines`` lines each; smaller classes stay in the remainder.

The packager places whole modules (a stub module stands in for a module of another service, cleave.yaml lists
modules), so a class cannot run apart from its module. ``fold`` therefore puts each large module where most of its
code wants to go (the vote of its units, weighted by their lines) and returns an ``Advice`` for each class that
was drawn to another service: moving it there means splitting the module by hand first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from cleave.formats.graph import CodeGraph
from splitter import detect, partition
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

    @property
    def split_modules(self) -> frozenset[str]:
        """The modules that were split into units."""
        return frozenset(self.module_of.values())

    def units(self, module: str) -> list[str]:
        """The units of ``module`` (the remainder, named like the module, first)."""
        return sorted((u for u, m in self.module_of.items() if m == module), key=lambda u: (u != module, u))


NO_UNITS = Units(unit_of={}, module_of={}, lines={})


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
    return Units(unit_of=unit_of, module_of=module_of, lines=lines)


def expand(constraints: Constraints, units: Units) -> Constraints:
    """The user's module-level constraints over units: a pinned or ruled module brings all its units."""
    if not units.module_of:
        return constraints

    def grow(group: frozenset[str]) -> frozenset[str]:
        return frozenset(u for m in group for u in (units.units(m) if m in units.split_modules else (m,)))

    return Constraints(pinned={name: grow(g) for name, g in constraints.pinned.items()},
                       keep_together=tuple(grow(g) for g in constraints.keep_together),
                       keep_apart=tuple(tuple(grow(g) for g in rule) for rule in constraints.keep_apart))


@dataclass(frozen=True)
class Advice:
    """A class drawn to another service than the one its module was placed in."""

    cls: str
    """The class's unit, ``pkg.mod:Class``."""
    module: str
    lines: int
    group: int
    """Index, in the folded proposal's groups, of the service the class is drawn to."""


def fold(proposal: Proposal, units: Units, module_graph: ModuleGraph, *, pinned: Mapping[str, frozenset[str]],
         target: int | None, seed: int, balance: float = 0.5) -> tuple[Proposal, tuple[Advice, ...]]:
    """Whole modules again: each large module joins the group most of its lines were put in (ties: the lower
    group index). Returns the module-level proposal and the classes that wanted another group."""
    if not units.module_of:
        return proposal, ()
    groups = [set(g) for g in proposal.groups]
    index = {u: i for i, g in enumerate(groups) for u in g}
    drawn: list[tuple[str, str, int, frozenset[str]]] = []
    for module in sorted(units.split_modules):
        members = units.units(module)
        votes: Counter[int] = Counter()
        for unit in members:
            if unit in index:
                votes[index[unit]] += units.lines.get(unit, 1)
        if not votes:  # pinned (all units in one pinned service) or never placed
            continue
        best = max(votes, key=lambda i: (votes[i], -i))
        for unit in members:
            if unit in index and index[unit] != best and unit != module:
                others = frozenset(x for x in groups[index[unit]] if units.module_of.get(x) != module)
                drawn.append((unit, module, units.lines.get(unit, 1), others))
            if unit in index:
                groups[index[unit]].discard(unit)
        groups[best].add(module)
    kept = [g for g in groups if g]
    if target is not None and 0 < len(kept) < target:  # a group made only of drawn classes emptied: back to k
        sub = module_graph.graph.subgraph([m for g in kept for m in g]).copy()
        kept = detect.to_count(sub, kept, target, seed=seed, balance=balance)
    final = tuple(frozenset(g) for g in detect.canonical(kept))
    where = {m: i for i, g in enumerate(final) for m in g}
    home: dict[str, int] = {}
    for module, i in proposal.home.items():  # a shared module's home: where most of its old group went
        if i < len(proposal.groups):
            went = Counter(where[x] for u in proposal.groups[i] if (x := units.module_of.get(u, u)) in where)
            if went:
                home[module] = max(went, key=lambda j: (went[j], -j))
    advice: list[Advice] = []
    for unit, module, size, others in drawn:
        overlap = Counter(where[y] for x in others if (y := units.module_of.get(x, x)) in where)
        if not overlap:
            continue
        wanted = max(overlap, key=lambda i: (overlap[i], -i))
        if wanted != where.get(module):
            advice.append(Advice(cls=unit, module=module, lines=size, group=wanted))
    placed = {m: why for m, why in proposal.placed.items() if m not in units.module_of or m == units.module_of[m]}
    return replace(proposal, groups=final, pinned=dict(pinned), home=home, placed=placed), tuple(advice)



def propose(code_graph: CodeGraph, module_graph: ModuleGraph, *, k: int | None, seed: int,
            constraints: Constraints | None = None, options: Options | None = None,
            weights: Weights | None = None, granularity: Granularity | None = None,
            ) -> tuple[Proposal, tuple[Advice, ...]]:
    """``partition.propose`` on class units where modules are large, folded back to whole modules."""
    constraints = constraints or Constraints()
    units = choose(code_graph, module_graph, granularity)
    if not units.module_of:
        return partition.propose(module_graph, k=k, seed=seed, constraints=constraints, options=options), ()
    unit_graph = build(code_graph, weights, unit_of=units.unit_of, module_of=units.module_of)
    proposal = partition.propose(unit_graph, k=k, seed=seed, constraints=expand(constraints, units),
                                 options=options)
    target = None if k is None else k - len(constraints.pinned)
    return fold(proposal, units, module_graph, pinned=constraints.pinned, target=target, seed=seed,
                balance=(options or Options()).balance)
