"""Which modules depend on which: the edge kinds that make one module's code need another's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Final

from cleave.formats.graph import CodeGraph

DEPENDENCY_KINDS: Final = ("imports", "calls", "reads", "writes", "inherits")


def dependents(code_graph: CodeGraph, owner: Mapping[str, str]) -> dict[str, set[str]]:
    """module -> the other modules whose code depends on it (``owner`` maps each graph node to its module)."""
    found: dict[str, set[str]] = defaultdict(set)
    for kind in DEPENDENCY_KINDS:
        for u, v, _ in code_graph.edges_of_kind(kind):
            user, used = owner.get(u), owner.get(v)
            if user and used and user != used:
                found[used].add(user)
    return found
