"""Step 7 of the partition (splitter/partition.py): held-out pure modules become ``shared`` or join the one
service that uses them, with the pure dependencies a shared module needs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from splitter.units import ModuleGraph

Place = int | str
"""Where a module is during the shared step: a group's index (``int``) or a pinned service's name (``str``).
Kept apart by type, never encoded in one string: a service may be called anything (``gateway``, ``g1``)."""


def resolve_shared(mg: ModuleGraph, held: set[str], groups: list[set[str]],
                    pinned: Mapping[str, frozenset[str]], placed: dict[str, str]) -> tuple[set[str], dict[str, int]]:
    """Held-out pure modules: ``shared`` when two or more services use them, else in the one group that does;
    then the pure dependencies shared modules need, and each shared module's home group."""
    where: dict[str, Place] = {m: i for i, g in enumerate(groups) for m in g}
    where.update({m: name for name, g in pinned.items() for m in g})
    shared: set[str] = set()
    home: dict[str, int] = {}
    pending = _settle_held(mg, held, groups, where, (shared, home, placed))
    shared.update(pending)
    _pull_dependencies(mg, groups, where, (shared, home, placed))
    for module in shared:
        if module not in home:
            counts = Counter(p for u in mg.fan_in.get(module, ()) if isinstance(p := where.get(u), int))
            if counts:
                home[module] = max(counts, key=lambda i: (counts[i], -i))
    return shared, home


def _best_group(votes: Counter[int]) -> int | None:
    """The group with most votes (the higher index on a tie, as before ids and names were kept apart)."""
    return max(votes, key=lambda i: (votes[i], i)) if votes else None


def _settle_held(mg: ModuleGraph, held: set[str], groups: list[set[str]], where: dict[str, Place],
                 out: tuple[set[str], dict[str, int], dict[str, str]]) -> list[str]:
    """Settle held modules in rounds (their users may be held modules too); returns those left unsettled.
    ``out``: the shared set, the home groups and the placement notes, filled in."""
    shared, home, placed = out
    pending = sorted(held)
    for _ in range(len(pending) + 1):
        progress = False
        for module in list(pending):
            users = sorted(u for u in mg.fan_in.get(module, ()) if u != module)
            services = Counter(where[u] for u in users if u in where)
            unsettled = [u for u in users if u not in where and u in held and u not in shared]
            if unsettled and len(services) < 2:
                continue
            best = _best_group(Counter({s: c for s, c in services.items() if isinstance(s, int)}))
            if len(services) >= 2 or any(u in shared for u in users) or best is None:
                shared.add(module)
                if best is not None:
                    home[module] = best
            else:
                groups[best].add(module)
                where[module] = best
                placed[module] = "pure module used by one service only"
            pending.remove(module)
            progress = True
        if not progress:
            break
    return pending


def _pull_dependencies(mg: ModuleGraph, groups: list[set[str]], where: dict[str, Place],
                       out: tuple[set[str], dict[str, int], dict[str, str]]) -> None:
    """A shared module is copied into services: everything it needs must be shared too. Small pure dependencies
    are pulled in; a module whose dependencies would pull in more than a few modules stays in a service."""
    shared, home, placed = out
    deps: dict[str, set[str]] = defaultdict(set)
    for target, importers in mg.fan_in.items():
        for user in importers:
            deps[user].add(target)
    budget = max(3, len(mg.modules) // 20)
    for module in sorted(shared):
        needed = _needed(module, deps, shared, budget)
        if len(needed) <= budget and all(dep in mg.pure for dep in needed):
            for dep in needed:
                for g in groups:
                    g.discard(dep)
            shared |= needed
            continue
        shared.discard(module)
        votes = Counter(p for u in mg.fan_in.get(module, ()) if isinstance(p := where.get(u), int))
        best = _best_group(votes)
        goal = home.get(module, 0) if best is None else best
        if groups:
            groups[goal].add(module)
            where[module] = goal
            placed[module] = "pure module used by several services, but it needs too much to be copied"
        home.pop(module, None)


def _needed(module: str, deps: Mapping[str, set[str]], shared: set[str], budget: int) -> set[str]:
    """What ``module`` needs that is not shared yet (the search stops past ``budget`` modules)."""
    needed: set[str] = set()
    stack = [module]
    while stack and len(needed) <= budget:
        for dep in deps.get(stack.pop(), ()):
            if dep not in shared and dep not in needed:
                needed.add(dep)
                stack.append(dep)
    return needed
