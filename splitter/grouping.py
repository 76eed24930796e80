"""Modules -> groups, in the order a migration engineer would draw them:

1. **Infrastructure** (splitter/infrastructure.py) is set aside: each service that uses it gets its own copy, so it
   is in no group, and its edges (every domain calls ``db()``) pull no domains together.
2. **The web edge** (splitter/gateway.py ``edge_modules``) is the gateway's group, drawn before detection: routing,
   request parsing and handlers. Detection runs on the rest, so the handlers' calls into every domain cannot pull
   the domains into the gateway, and a domain's logic stays with its models and its tables. With ``--services N``
   the domains get N - 1 groups.
3. **Detection** (splitter/classes.py, splitter/partition.py) groups what is left, under the user's constraints.

The edge is not drawn first when the user pinned or ruled any of the entry's package (their word), or when one
service is asked; then the older repair applies (splitter/edge.py: whatever other services use leaves the gateway).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from splitter import classes, edge, gateway, infrastructure, ownership, partition, units


@dataclass(frozen=True)
class Grouping:
    """The proposal, the class advice, what is infrastructure, and the whole module graph (for the metrics)."""

    proposal: partition.Proposal
    advice: tuple[classes.Advice, ...]
    infra: infrastructure.Infrastructure
    module_graph: units.ModuleGraph


@dataclass(frozen=True)
class Request:
    """What the user asked: a count, the entry, the previous plan's constraints, the tuning."""

    services: int | None
    entry_ref: str | None
    previous: Plan | None
    constraints: partition.Constraints
    seed: int = 42
    weights: units.Weights | None = None
    options: partition.Options | None = None
    granularity: classes.Granularity | None = None


def group(code_graph: CodeGraph, modules: Sequence[str], request: Request) -> Grouping:
    """Infrastructure aside, the web edge drawn, the rest detected (see the module docstring)."""
    owners = units.module_owners(code_graph)
    full = units.build(code_graph, request.weights)
    infra = _infrastructure(code_graph, modules, request, full.pure)
    entry_module = request.entry_ref.partition(":")[0] if request.entry_ref else None
    constraints = _with_gateway_package(request.constraints, entry_module, [m for m in modules if m not in infra.glue])
    constraints = dataclasses.replace(  # migrations stay with the app they migrate (splitter/ownership.py)
        constraints, keep_together=(*constraints.keep_together, *ownership.migration_groups(code_graph)))
    carved = _edge(code_graph, owners, entry_module, request, (infra, full.pure))
    aside = infra.glue | carved
    detected_on = infrastructure.without(code_graph, aside, owners)
    module_graph = units.build(detected_on, request.weights)
    services = request.services - 1 if carved and request.services is not None else request.services
    proposal, advice = classes.propose(detected_on, module_graph, k=services, seed=request.seed,
                                       constraints=_without(constraints, aside), options=request.options,
                                       weights=request.weights, granularity=request.granularity)
    if carved:
        proposal, shifted = _with_edge_first(proposal, advice, carved)
        advice = tuple(shifted)
    elif entry_module is not None:
        proposal = edge.keep_gateway_at_the_edge(proposal, code_graph, module_graph, entry_module,
                                                 gateway.entry_package(entry_module, modules),
                                                 exact=request.services is not None)
    return Grouping(proposal=_strip(proposal, infra.modules), advice=tuple(advice), infra=infra, module_graph=full)


def _infrastructure(code_graph: CodeGraph, modules: Sequence[str], request: Request,
                    pure: frozenset[str]) -> infrastructure.Infrastructure:
    """The plan's own ``infrastructure:`` list when it has one (the user's word), else what the graph shows,
    never a module the user pinned or ruled, nor the entry module."""
    previous = request.previous
    if previous is not None and previous.infrastructure is not None:
        return infrastructure.from_plan(modules, previous.infrastructure_modules(modules))
    exclude = _ruled(request.constraints)
    if request.entry_ref is not None:
        exclude.add(request.entry_ref.partition(":")[0])
    return infrastructure.detect(code_graph, units.module_owners(code_graph), pure=pure, exclude=frozenset(exclude))


def _ruled(constraints: partition.Constraints) -> set[str]:
    """Modules the user placed: pinned, or named in keep_together / keep_apart."""
    ruled = {m for group in constraints.pinned.values() for m in group}
    ruled |= {m for group in constraints.keep_together for m in group}
    ruled |= {m for groups in constraints.keep_apart for g in groups for m in g}
    return ruled


def _edge(code_graph: CodeGraph, owners: dict[str, str], entry_module: str | None, request: Request,
          copied: tuple[infrastructure.Infrastructure, frozenset[str]]) -> frozenset[str]:
    """The web edge to draw as the gateway's group, or nothing (see the module docstring). ``copied``: the
    infrastructure and the pure modules."""
    infra, pure = copied
    pins = len(request.constraints.pinned)
    if entry_module is None or (request.services is not None and request.services - pins < 2):
        return frozenset()  # no slot left for the edge beside the domains
    ruled = _ruled(request.constraints)
    package = gateway.entry_package(entry_module, code_graph.nodes_of_kind("module"))
    if package & ruled or entry_module in infra.modules:
        return frozenset()
    carved = gateway.edge_modules(code_graph, owners, entry_module, exclude=frozenset(ruled) | infra.modules,
                                  copied=infra.modules | pure)
    return frozenset() if len(carved) >= len(code_graph.nodes_of_kind("module")) else carved


def _with_edge_first(proposal: partition.Proposal, advice: Sequence[classes.Advice],
                     carved: frozenset[str]) -> tuple[partition.Proposal, list[classes.Advice]]:
    """The edge as group 0, the detected groups after it."""
    placed = {**proposal.placed, **dict.fromkeys(carved, "the web edge: routing, request parsing and handlers")}
    shifted = partition.Proposal(groups=(carved, *proposal.groups), pinned=proposal.pinned, shared=proposal.shared,
                                 home={m: i + 1 for m, i in proposal.home.items()}, placed=placed)
    return shifted, [dataclasses.replace(a, group=a.group + 1) for a in advice]


def _with_gateway_package(constraints: partition.Constraints, entry_module: str | None,
                          modules: Sequence[str]) -> partition.Constraints:
    """The web front stays one service: the entry module's package is kept together, unless the user pinned or
    ruled any of it."""
    if entry_module is None:
        return constraints
    members = gateway.entry_package(entry_module, modules) & set(modules)
    if len(members) < 2 or members & _ruled(constraints):
        return constraints
    return dataclasses.replace(constraints, keep_together=(*constraints.keep_together, frozenset(members)))


def _without(constraints: partition.Constraints, modules: frozenset[str]) -> partition.Constraints:
    """The constraints without modules that are in no detected group (infrastructure, the web edge)."""
    if not modules:
        return constraints
    together = tuple(g - modules for g in constraints.keep_together if len(g - modules) > 1)
    apart = tuple(tuple(g - modules for g in groups if g - modules) for groups in constraints.keep_apart)
    return partition.Constraints(pinned=constraints.pinned, keep_together=together,
                                 keep_apart=tuple(groups for groups in apart if len(groups) > 1))


def _strip(proposal: partition.Proposal, modules: frozenset[str]) -> partition.Proposal:
    """``proposal`` without ``modules`` (error types are detected with their domain, then copied as infrastructure)."""
    if not any(g & modules for g in proposal.groups) and not proposal.shared & modules:
        return proposal
    groups = [g - modules for g in proposal.groups]
    kept = [i for i, g in enumerate(groups) if g]
    index = {old: new for new, old in enumerate(kept)}
    return dataclasses.replace(proposal, groups=tuple(groups[i] for i in kept), shared=proposal.shared - modules,
                               home={m: index[i] for m, i in proposal.home.items() if i in index})
