"""Modules -> groups of modules: detection, shared modules, unconnected modules, and the user's constraints.

The order of work:

1. Pure modules (no module state written, no table, no I/O library, and depending only on pure modules) with
   a fan-in of at least ``shared_fan_in`` modules, whose users fall in ``shared_spread`` or more communities of the
   detection (step 4), are taken out of it: they would glue services together.
2. Pinned services are held out as written.
3. ``keep_together`` groups are contracted to one node, so detection cannot cut them.
4. Walktrap's dendrogram (up to 5,000 nodes; deterministic; measured closest to real app boundaries,
   docs/splitter.md) is cut at ``k`` when exactly ``k`` groups are asked, else where modularity is highest (then
   tiny groups are absorbed by their best neighbour). Above 5,000 nodes, or with ``Options(exact_k="leiden")`` /
   ``Options(auto="leiden")``, consensus Leiden instead, merged / split to ``k`` with the least modularity lost.
   The first such pass also decides which pure modules are hubs (step 1). Tables only one module uses are left
   out of the detection (they tie nothing together and trap the walk).
5. ``keep_apart`` conflicts are repaired by moving the least-attached side to its next best group.
6. Modules without any edge are placed by package proximity: the group holding most of the modules that share
   the longest dotted prefix with it (the package nesting is read from the node ids, never from files). Test
   modules (by name) are kept out of the detection and join the group they are most tied to.
7. Held-out pure modules used by two or more services become ``shared`` (with every pure module they depend on);
   the others join the one service that uses them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from splitter import detect, sharing
from splitter.errors import SplitterError
from splitter.units import ModuleGraph, is_table


@dataclass(frozen=True)
class Constraints:
    """Resolved constraints: module sets, not patterns."""

    pinned: Mapping[str, frozenset[str]] = field(default_factory=dict)
    keep_together: tuple[frozenset[str], ...] = ()
    keep_apart: tuple[tuple[frozenset[str], ...], ...] = ()


@dataclass(frozen=True)
class Proposal:
    """Proposed groups (unnamed), the pinned services, shared modules, and why some modules sit where they do."""

    groups: tuple[frozenset[str], ...]
    pinned: Mapping[str, frozenset[str]]
    shared: frozenset[str]
    home: Mapping[str, int]
    placed: Mapping[str, str]

    def labels(self) -> dict[str, str]:
        """module -> group label (``#<i>`` for a proposed group, the name for a pinned service: a service name never
        starts with ``#``); shared modules get the label of their home group."""
        out = {m: f"#{i}" for i, group in enumerate(self.groups) for m in group}
        out.update({m: name for name, group in self.pinned.items() for m in group})
        out.update({m: f"#{i}" for m, i in self.home.items() if m not in out})
        return out


@dataclass(frozen=True)
class Options:
    """Tuning knobs of the partition step."""

    shared_fan_in: int = 3
    shared_spread: int = 3
    max_shared_share: float = 0.1
    walktrap_floor: int = 1  # >1: smaller groups join a neighbour, then Leiden splits back to k
    exact_k: str = "walktrap"  # or "leiden": the consensus Leiden result merged / split to k
    auto: str = "walktrap"  # without k: Walktrap cut at the best modularity (deterministic), or "leiden" (consensus)
    min_size: int = 2
    max_services: int = 12
    balance: float = 0.5
    runs: int | None = None


def _contract(graph: nx.Graph, together: Sequence[frozenset[str]]) -> tuple[nx.Graph, dict[str, str]]:
    rep: dict[str, str] = {}
    for group in together:
        members = sorted(m for m in group if m in graph)
        if not members:
            continue
        head = rep.get(members[0], members[0])
        for m in members:
            old = rep.get(m)
            if old is not None and old != head:
                for k, v in list(rep.items()):
                    if v == old:
                        rep[k] = head
            rep[m] = head
    if not rep:
        return graph, {}
    out = nx.Graph()
    out.add_nodes_from(rep.get(n, n) for n in graph.nodes)
    for u, v, d in graph.edges(data=True):
        a, b = rep.get(u, u), rep.get(v, v)
        if a == b:
            continue
        w = float(d.get("weight", 1.0)) + (out[a][b]["weight"] if out.has_edge(a, b) else 0.0)
        out.add_edge(a, b, weight=w)
    return out, rep


def is_test_module(module: str) -> bool:
    """``tests``/``test`` packages, ``test_*``/``*_test`` modules and ``conftest`` (by name: real runs only)."""
    parts = module.split(".")
    return any(p in ("tests", "test", "conftest") or p.startswith("test_") or p.endswith("_test") for p in parts)


def _working_graph(mg: ModuleGraph, pinned: set[str], held: set[str],
                   constraints: Constraints) -> tuple[nx.Graph, set[str], dict[str, str]]:
    """The graph detection runs on: free modules and tables, keep_together groups contracted, no isolated module."""
    free = [m for m in mg.modules if m not in pinned and m not in held]
    tables = [t for t in mg.graph.nodes if is_table(t)]
    tests = {m for m in free if is_test_module(m)}  # test code follows the services, it does not shape them
    work = mg.graph.subgraph([*(m for m in free if m not in tests), *tables]).copy()
    isolated = tests | {m for m in free if m not in tests and work.degree(m, weight="weight") == 0}
    work.remove_nodes_from(isolated)
    # a table only one module uses ties nothing together; in the walk it is a trap (the walk bounces between the
    # module and its table), which leaves the module a group of its own: detection runs without such tables
    work.remove_nodes_from([t for t in tables if work.degree(t) <= 1])
    contracted, rep = _contract(work, constraints.keep_together)
    return contracted, isolated, rep


def _first_pass(graph: nx.Graph, target: int | None, *, seed: int, options: Options) -> tuple[list[set[str]], str]:
    """The communities that decide which pure modules are hubs, and how they were found: Walktrap's cut when
    exactly ``target`` services are asked (deterministic, so the whole exact-N path is seed-free), else consensus
    Leiden."""
    if graph.number_of_nodes() == 0:
        return [], "none"
    if (target is not None and target >= 1 and options.exact_k == "walktrap") or (target is None
                                                                                 and options.auto == "walktrap"):
        cut = detect.walktrap_cut(graph, target)
        if cut is not None:
            return cut, "walktrap"
    return detect.leiden_consensus(graph, seed=seed, runs=options.runs), "leiden"


def _spread_hubs(mg: ModuleGraph, candidates: set[str], first: list[set[str]], rep: Mapping[str, str], *,
                 options: Options) -> set[str]:
    """Pure candidates whose users fall in three or more communities of the detection: these would glue services
    together. Pure modules used inside one or two communities stay where the detection put them."""
    where = {n: i for i, c in enumerate(first) for n in c}
    spread: dict[str, int] = {}
    for module in candidates:
        users = {where.get(rep.get(u, u)) for u in mg.fan_in.get(module, ()) if u != module}
        users.discard(None)
        if len(users) >= options.shared_spread:
            spread[module] = len(users)
    cap = max(1, int(options.max_shared_share * len(mg.modules)))  # hubs are the exception, never the rule
    return set(sorted(spread, key=lambda m: (-spread[m], -len(mg.fan_in.get(m, ())), m))[:cap])


@dataclass(frozen=True)
class _Detection:
    """The graph detection runs on, what was left out of it, and the first pass's communities."""

    graph: nx.Graph
    isolated: set[str]
    rep: dict[str, str]
    first: list[set[str]]
    how: str
    held: set[str]

    def walktrap(self, target: int | None) -> list[set[str]] | None:
        """Walktrap's cut at ``target`` (the first pass's when it was Walktrap's on this same graph)."""
        if not self.held and self.how == "walktrap":
            return self.first
        return detect.walktrap_cut(self.graph, target)

    def leiden(self, *, seed: int, options: Options) -> list[set[str]]:
        """Consensus Leiden (the first pass's result when it was Leiden's on this same graph)."""
        if not self.held and self.how == "leiden":
            return self.first
        return detect.leiden_consensus(self.graph, seed=seed, runs=options.runs)


def _detection(mg: ModuleGraph, pinned_modules: set[str], constraints: Constraints, target: int | None, *,
               seed: int, options: Options) -> _Detection:
    """Steps 1-3: the first pass, the hubs it shows, and the graph without them."""
    ruled = {m for group in constraints.keep_together for m in group}
    ruled |= {m for groups in constraints.keep_apart for g in groups for m in g}
    candidates = {m for m in mg.pure if len(mg.fan_in.get(m, ())) >= options.shared_fan_in
                  and m not in pinned_modules and m not in ruled}
    contracted, isolated, rep = _working_graph(mg, pinned_modules, set(), constraints)
    first, how = _first_pass(contracted, target, seed=seed, options=options)
    held = _spread_hubs(mg, candidates, first, rep, options=options)
    if held:  # detect again without the hubs; modules only linked to hubs are placed like isolated ones
        contracted, isolated, rep = _working_graph(mg, pinned_modules, held, constraints)
    return _Detection(contracted, isolated, rep, first, how, held)


def _detect_groups(found: _Detection, target: int | None, *, seed: int, options: Options) -> list[set[str]]:
    """Step 4: communities of the detection graph, exactly ``target`` of them when it is given."""
    graph = found.graph
    if not graph.number_of_nodes():
        return []
    if target is None:
        cut = found.walktrap(None) if options.auto == "walktrap" else None
        return _absorb_small(graph, cut if cut is not None else found.leiden(seed=seed, options=options), options)
    cut = found.walktrap(target) if options.exact_k == "walktrap" else None
    if cut is not None and options.walktrap_floor > 1:  # tiny groups join a neighbour, then back to k
        cut = _absorb_small(graph, cut, Options(min_size=options.walktrap_floor, max_services=10**6), share=0.0)
    if cut is None:  # Walktrap could not say (too large), or Leiden was asked: the consensus Leiden result
        cut = found.leiden(seed=seed, options=options)
    return detect.to_count(graph, cut, target, seed=seed, balance=options.balance)


def _expand(groups: list[set[str]], rep: Mapping[str, str]) -> list[set[str]]:
    """Contracted keep_together heads back to their members; table nodes dropped; empty groups dropped."""
    members: dict[str, set[str]] = defaultdict(set)
    for m, head in rep.items():
        members[head].add(m)
    expanded = [{x for n in g for x in (members.get(n) or {n}) if not is_table(x)} for g in groups]
    return [g for g in expanded if g]


def propose(mg: ModuleGraph, *, k: int | None, seed: int, constraints: Constraints | None = None,
            options: Options | None = None) -> Proposal:
    """Group the modules of ``mg`` (see the module docstring for the steps)."""
    constraints = constraints or Constraints()
    options = options or Options()
    pinned_modules = {m for group in constraints.pinned.values() for m in group}
    target = None if k is None else k - len(constraints.pinned)
    free = [m for m in mg.modules if m not in pinned_modules]
    if target is not None and target < 1 and free:
        raise SplitterError(f"--services {k} leaves no service for the {len(free)} modules outside the "
                            f"{len(constraints.pinned)} pinned services", hint="ask for more services or unpin one")
    found = _detection(mg, pinned_modules, constraints, target, seed=seed, options=options)
    groups = _expand(_detect_groups(found, target, seed=seed, options=options), found.rep)
    groups = _keep_apart(mg.graph, groups, constraints.keep_apart)
    placed: dict[str, str] = {}
    if not groups and (found.isolated or found.held) and (target is None or target >= 1):
        groups = [set()]
    for module in sorted(found.isolated):
        index, why = _tied(mg.graph, module, groups) or _nearest(module, groups)
        groups[index].add(module)
        placed[module] = why
    shared, home = sharing.resolve_shared(mg, found.held, groups, constraints.pinned, placed)
    anchors = {m: min(groups[i]) for m, i in home.items() if groups[i]}
    if target is not None and len(groups) < target:
        groups = detect.to_count(mg.graph.subgraph([m for g in groups for m in g]).copy(), groups, target,
                                 seed=seed, balance=options.balance)
    final = tuple(frozenset(g) for g in detect.canonical(groups))
    index_of = {m: i for i, g in enumerate(final) for m in g}
    home_final = {m: index_of[a] for m, a in anchors.items() if a in index_of}
    return Proposal(groups=final, pinned=dict(constraints.pinned), shared=frozenset(shared), home=home_final,
                    placed=placed)


def _absorb_small(graph: nx.Graph, groups: list[set[str]], options: Options, *, share: float = 0.02) -> list[set[str]]:
    """Tiny groups join their best neighbour; more than ``max_services`` groups are merged down."""
    groups = detect.canonical(groups)
    n_modules = sum(1 for g in groups for m in g if not is_table(m))
    floor = max(options.min_size, round(share * n_modules))
    while len(groups) > 1:
        sizes = [sum(1 for m in g if not is_table(m)) for g in groups]
        small = [i for i, s in enumerate(sizes) if s < floor]
        if not small:
            break
        i = small[-1]
        where = {n: j for j, g in enumerate(groups) for n in g}
        link: dict[int, float] = defaultdict(float)
        for _u, v, d in graph.edges(groups[i], data=True):
            j = where[v]
            if j != i:
                link[j] += float(d.get("weight", 1.0))
        j = max(link, key=lambda x: (link[x], -x)) if link else (0 if i != 0 else 1)
        groups[j] |= groups[i]
        del groups[i]
        groups = detect.canonical(groups)
    if len(groups) > options.max_services:
        groups = detect.canonical(detect.merge_to(graph, groups, options.max_services, balance=options.balance))
    return groups


def _keep_apart(graph: nx.Graph, groups: list[set[str]],
                rules: Sequence[Sequence[frozenset[str]]]) -> list[set[str]]:
    for rule in rules:
        for _ in range(len(rule) * len(rule)):
            where = {m: i for i, g in enumerate(groups) for m in g}
            seen: dict[int, frozenset[str]] = {}
            clash: frozenset[str] | None = None
            for part in rule:
                homes = {where[m] for m in part if m in where}
                for h in homes:
                    if h in seen and seen[h] != part:
                        clash = part
                    seen.setdefault(h, part)
            if clash is None:
                break
            taken = {where[m] for part in rule if part != clash for m in part if m in where}
            options = [i for i in range(len(groups)) if i not in taken]
            weight: dict[int, float] = dict.fromkeys(options, 0.0)
            for _u, v, d in graph.edges(clash, data=True):
                if v in where and where[v] in weight and v not in clash:
                    weight[where[v]] += float(d.get("weight", 1.0))
            if options:
                target = max(options, key=lambda i: (weight[i], -i))
            else:
                groups.append(set())
                target = len(groups) - 1
            for group in groups:
                group.difference_update(clash)
            groups[target] |= {m for m in clash if m in where}
            groups = [g for g in groups if g]
    return groups


def _tied(graph: nx.Graph, module: str, groups: Sequence[set[str]]) -> tuple[int, str] | None:
    """The group ``module`` has the heaviest edges to (for test modules kept out of the detection)."""
    where = {m: i for i, g in enumerate(groups) for m in g}
    ties: dict[int, float] = defaultdict(float)
    for _, other, d in graph.edges(module, data=True):
        if other in where:
            ties[where[other]] += float(d.get("weight", 1.0))
    if not ties:
        return None
    index = max(ties, key=lambda i: (ties[i], -i))
    return index, "test code: placed with the service it exercises most"


def _nearest(module: str, groups: Sequence[set[str]]) -> tuple[int, str]:
    """The group holding most modules of the closest enclosing package of ``module``."""
    parts = module.split(".")
    for depth in range(len(parts), 0, -1):  # its own submodules first (a package), then its siblings, ...
        prefix = ".".join(parts[:depth])
        votes = Counter(i for i, g in enumerate(groups) for m in g
                        if m != module and (m == prefix or m.startswith(prefix + ".")))
        if votes:
            index = max(votes, key=lambda i: (votes[i], -i))
            return index, f"no dependency edges; placed with the other modules of package {prefix}"
    index = max(range(len(groups)), key=lambda i: (len(groups[i]), -i))
    return index, "no dependency edges and no related package; placed in the largest service"
