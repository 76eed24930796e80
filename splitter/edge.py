"""The gateway is the edge: no other service calls into it.

The gateway serves the monolith's entry (its WSGI/ASGI app) to the outside. A module of its group that code in
another service depends on would make that service call the gateway: a cycle through the edge that the local
runtime cannot route (the gateway listens on TCP outside the replicas' network namespaces) and that a migration
team would not draw. Detection can leave such modules there: a domain the web layer uses most, or, at an exact
service count, a whole domain merged with the gateway to make the count.

So after detection, the gateway's group keeps the entry's package and what only the gateway uses (unless it is tied
more to what leaves, as a domain's views are); the rest of it (*the others' part*) leaves:

1. each module of the others' part tied more to another (non-gateway) group than to the rest of that part joins
   that group (``shop.orders.api`` left in the gateway goes back to ``orders``);
2. what remains becomes a group of its own. At an exact count that needs a free slot: a group no other service
   depends on trades places with it and joins the gateway (at four services for four domains and a web layer,
   the web layer goes with the domain nobody else calls); without such a group, each remaining module joins the
   group it is tied to most.

The entry module and its package never move: if other services depend on those, the plan says so in its
boundaries, and ``cleave up`` refuses it with the callers' names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Set

import networkx as nx

from cleave.formats.graph import CodeGraph
from splitter.dependencies import dependents
from splitter.partition import Proposal
from splitter.units import ModuleGraph


def _tie(graph: nx.Graph, module: str, group: Set[str]) -> float:
    """The weight of ``module``'s edges into ``group``."""
    if module not in graph:
        return 0.0
    return sum(float(data.get("weight", 1.0)) for other, data in graph.adj[module].items() if other in group)


def keep_gateway_at_the_edge(proposal: Proposal, code_graph: CodeGraph, module_graph: ModuleGraph,
                             entry_module: str, fixed: frozenset[str], *, exact: bool) -> Proposal:
    """``proposal`` with nothing outside the entry module's group depending on that group (see the module
    docstring); ``fixed``: the entry's package, which never moves; ``exact``: keep the number of groups."""
    groups = [set(group) for group in proposal.groups]
    gateway = next((i for i, group in enumerate(groups) if entry_module in group), None)
    if gateway is None:  # the entry is pinned or shared: the user's choice
        return proposal
    users = dependents(code_graph, module_graph.owner)
    kept, rest = _gateway_parts(groups[gateway], fixed, users)
    if not rest or not any(users.get(m, set()) - groups[gateway] for m in groups[gateway]):
        return proposal
    graph = module_graph.graph
    _let_go_of_tied(graph, kept, rest, fixed)
    others = [i for i in range(len(groups)) if i != gateway]
    if exact and not others:  # one service: nothing to call across
        return proposal
    placed = dict(proposal.placed)
    _place_leaving(groups, gateway, others, rest, placed, graph=graph, users=users, kept=kept, exact=exact)
    return _replaced(proposal, groups, placed)


def _gateway_parts(members: set[str], fixed: frozenset[str], users: Mapping[str, set[str]]
                   ) -> tuple[set[str], set[str]]:
    """The gateway's group split into what stays (the entry's package and what only it uses) and the rest."""
    kept = set(members & fixed)
    rest = members - kept
    changed = True
    while changed:  # what only the gateway's kept part uses stays with it
        changed = False
        for module in sorted(rest):
            if users.get(module) and users[module] <= kept:
                kept.add(module)
                rest.discard(module)
                changed = True
    return kept, rest


def _let_go_of_tied(graph: nx.Graph, kept: set[str], rest: set[str], fixed: frozenset[str]) -> None:
    """What only the gateway uses but belongs with what leaves (a domain's views) leaves too."""
    for module in sorted(kept - fixed):
        if _tie(graph, module, rest) > _tie(graph, module, kept - {module}):
            kept.discard(module)
            rest.add(module)


def _place_leaving(groups: list[set[str]], gateway: int, others: list[int], rest: set[str], placed: dict[str, str],
                   *, graph: nx.Graph, users: Mapping[str, set[str]], kept: set[str], exact: bool) -> None:
    """Move ``rest`` out of the gateway's group (``groups`` and ``placed`` updated): 1. each module back to the
    group it is tied to more than to the rest; then 2. the rest a group of its own, or at an exact count 3. trading
    places with a group nobody else depends on, else 4. each to the group it is tied to most."""

    def move(module: str, target: int, why: str) -> None:
        rest.discard(module)
        groups[gateway].discard(module)
        groups[target].add(module)
        placed[module] = why

    for module in sorted(rest):  # 1. back to the group it belongs to
        best = max(others, key=lambda i: (_tie(graph, module, groups[i]), -i), default=None)
        if best is not None and _tie(graph, module, groups[best]) > _tie(graph, module, rest - {module}):
            move(module, best, "moved out of the gateway to the service it is tied to most")
    if not rest:
        return
    groups[gateway] -= rest
    if not exact:  # 2. a group of its own
        groups.append(set(rest))
        placed.update(dict.fromkeys(rest, "moved out of the gateway: other services use it"))
        return
    slot = _free_slot(groups, others, users, graph, kept)
    if slot is not None:  # 3. trade places with a group nobody else depends on
        groups[gateway] |= groups[slot]
        placed.update(dict.fromkeys(groups[slot], "with the gateway: no other service uses it"))
        groups[slot] = set(rest)
        placed.update(dict.fromkeys(rest, "moved out of the gateway: other services use it"))
        return
    for module in sorted(rest, key=lambda m: -len(users.get(m, ()))):  # 4. where each is tied most
        best = max(others, key=lambda i: (_tie(graph, module, groups[i]), -i))
        move(module, best, "moved out of the gateway to the service it is tied to most")


def _free_slot(groups: list[set[str]], candidates: list[int], users: Mapping[str, set[str]], graph: nx.Graph,
               gateway_part: set[str]) -> int | None:
    """A group that nothing but itself and the gateway's part depends on (so not the leaving modules either);
    the one tied most to the gateway's part."""
    free = []
    for index in candidates:
        members = groups[index]
        outside = {u for m in members for u in users.get(m, ())} - members - gateway_part
        if members and not outside:
            free.append(index)
    if not free:
        return None
    return max(free, key=lambda i: (sum(_tie(graph, m, gateway_part) for m in groups[i]), -i))


def _replaced(proposal: Proposal, groups: list[set[str]], placed: dict[str, str]) -> Proposal:
    return dataclasses.replace(proposal, groups=tuple(frozenset(g) for g in groups if g), placed=placed)
