"""Every dependency that crosses services, classified ``rpc``, ``shared`` or ``blocker``, with why and where.

The rule itself is :func:`cleave.crossing.classify`, the one the packager applies at build too, so a plan's
blockers are the same whoever wrote it (see cleave/crossing/rule.py for the kinds of crossing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cleave import crossing
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary


def classify(code_graph: CodeGraph, owner: Mapping[str, str], service_of: Mapping[str, str],
             previous: Iterable[Boundary] = (), *, infrastructure: frozenset[str] = frozenset(),
             ) -> tuple[Boundary, ...]:
    """Boundaries for the assignment ``service_of`` (module -> service, ``""`` = shared); blockers first.

    ``owner`` maps code nodes to their module (splitter/units.py); ``accepted`` flags of ``previous`` boundaries
    with the same from/to/how are kept; ``infrastructure`` modules may hold per-process state.
    """
    return crossing.classify(code_graph, service_of, previous, owner=owner, infrastructure=infrastructure)
