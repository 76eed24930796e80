"""The solution -> graph edges: ``calls`` found through flows, ``passes_callable`` and ``returns_callable``.

A call the name resolver also resolved keeps one edge (same source, target and line: not counted twice). Where
the flows give an answer for a call, the name resolver's answer at the same place gives way (:meth:`covers`):
``self.m()`` in a base class reached from a subclass instance calls the subclass's ``m``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from analyzer.edges import Edges
from analyzer.flow.exprs import DECORATOR
from analyzer.flow.program import Program, solve
from analyzer.flow.rules import CALLABLE_KINDS, Site
from analyzer.resolve import Index, segments

_PASSED: Final = frozenset({"f", "bm"})  # callbacks: functions and bound methods (a class passed is mostly a type)
_RETURNED: Final = frozenset({"f", "bm", "c"})


class FlowCalls:
    """What the flows say each call calls, by (calling node, line, callee name as written)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.answers: dict[tuple[str, int, str], set[str]] = {}
        lines: dict[tuple[str, int], set[str]] = {}
        for site in program.sites:
            if site.targets:
                self.answers.setdefault((site.node(), site.line, site.name), set()).update(site.targets)
                lines.setdefault((site.node(), site.line), set()).add(site.name)
        for (node, line), names in lines.items():
            if len(names) == 1:  # the one call answered on its line, whatever the resolver names it (a local alias)
                self.answers[(node, line, "*")] = self.answers[(node, line, next(iter(names)))]

    def agrees(self, source: str, line: int, expr: tuple[str, str, str], target: str) -> bool:
        """False when the flows answered the call written ``expr`` at ``source``:``line`` without ``target``."""
        rest = segments(expr[2])
        name = rest[-1] if rest else expr[1]
        found = self.answers.get((source, line, "" if name == "()" else name))
        if found is None:
            found = self.answers.get((source, line, "*"))
        return found is None or target in found

    def emit(self, edges: Edges, modules: Iterable[str] | None = None) -> None:
        """Add the flow edges made in ``modules`` (None: all)."""
        wanted = None if modules is None else set(modules)
        for site in self.program.sites:
            if wanted is None or site.module in wanted:
                self._site(edges, site)
        for fid, slot, line in self.program.returns:
            if (wanted is not None and not _in(fid, wanted)) or fid in self.program.passthrough:
                continue  # a function that returns its parameter as it came gives each caller back its own
            for value in self.program.values(slot):
                if value[0] in _RETURNED and ":" not in fid:
                    edges.add(fid, value[1], "returns_callable", line, bound=value[0] == "bm")

    def close(self) -> None:
        """Let the solved program go (see :meth:`~analyzer.flow.solver.Solver.close`); no answers after this."""
        self.program.close()
        self.answers.clear()

    def _site(self, edges: Edges, site: Site) -> None:
        node = site.node()
        passes = self._passes(site)
        inferred = len(site.targets) > 1
        for target in site.targets:
            entry = edges.data.get((node, target, "calls"))
            if entry is not None and site.line in entry["lines"]:  # the name resolver's edge: one occurrence
                entry.setdefault("passes", set()).update(passes)
                continue
            edges.add(node, target, "calls", site.line, passes=passes, inferred=inferred)
        to = site.targets | site.external
        for slot in (*site.args, *(s for _, s in site.kwargs)):
            for value in self.program.values(slot):
                if value[0] in _PASSED:
                    edges.add(node, value[1], "passes_callable", site.line, bound=value[0] == "bm", to=to,
                              decorator=bool(site.flags & DECORATOR))

    def _passes(self, site: Site) -> set[str]:
        out: set[str] = set()
        for slot in (*site.args, *(s for _, s in site.kwargs)):
            for value in self.program.values(slot):
                if value[0] in CALLABLE_KINDS:
                    out.add("callable")
                elif value[0] == "g":
                    out.add("generator")
        return out


def _in(fid: str, modules: set[str]) -> bool:
    return any(fid.startswith(m + ".") for m in modules)


def flow_calls(index: Index, flows: Mapping[str, bytes]) -> FlowCalls:
    """Solve the program's flows and index the answers."""
    return FlowCalls(solve(index, flows))
