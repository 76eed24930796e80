"""The build's check of every crossing, with the rule ``cleave split`` uses (:mod:`cleave.crossing`).

A plan written by hand gets the same check as one ``cleave split`` proposed: every use across its services is
classified again from the graph, and each blocker nobody accepted stops the build, one line per crossing, before
anything is written. :class:`GraphRule` gives the stub generator the same rule's verdict on single names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from cleave import crossing
from cleave.crossing import kinds
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, Plan
from packager.errors import UnsafeCrossingError
from packager.values import ValueKind


def unsafe_crossings(code_graph: CodeGraph, plan: Plan, owners: Mapping[str, str]) -> tuple[Boundary, ...]:
    """The blockers of ``plan`` (module -> service ``owners``) that are not marked ``accepted: true``."""
    found = crossing.classify(code_graph, owners, plan.boundaries,
                              infrastructure=plan.infrastructure_modules(owners))
    return tuple(b for b in found if b.how == "blocker" and not b.accepted)


def refuse_unsafe_crossings(code_graph: CodeGraph, plan: Plan, owners: Mapping[str, str]) -> None:
    """Raise :class:`UnsafeCrossingError` listing every unaccepted blocker of ``plan``, one line each."""
    blockers = unsafe_crossings(code_graph, plan, owners)
    if blockers:
        raise UnsafeCrossingError(blockers, path=plan.origin)


class GraphRule:
    """The crossing rule's verdicts on single names of the graph, for :class:`packager.resolve.Resolver`."""

    def __init__(self, code_graph: CodeGraph, owners: Mapping[str, str]) -> None:
        self.view = crossing.View(code_graph, owners)

    def knows(self, node: str, kind: str) -> bool:
        """Whether the graph has ``node`` as a ``kind`` node (class, function, variable)."""
        return self.view.node(node).get("kind") == kind

    def value_kind(self, node: str) -> ValueKind | None:
        """The value kind of a class the rule copies across services, ``None`` for any other class."""
        kind = self.view.value_kind(node)
        return cast(ValueKind, kind) if kind in kinds.VALUE_KINDS else None

    def variable_problem(self, node: str) -> str | None:
        """Why a module global cannot be copied into another service, ``None`` when it can."""
        return crossing.variable_problem(self.view, node)
