"""The solution -> graph edges: ``calls`` found through flows, ``passes_callable`` and ``returns_callable``.

:func:`solution_of` reads what the graph needs out of a solved :class:`~analyzer.flow.program.Program` into a
:class:`Solution`, plain data that can cross from the process that solved it (:mod:`analyzer.flow.apart`);
:class:`FlowCalls` answers the graph builder from it.

A call the name resolver also resolved keeps one edge (same source, target and line: not counted twice). Where
the flows give an answer for a call, the name resolver's answer at the same place gives way
(:meth:`FlowCalls.agrees`): ``self.m()`` in a base class reached from a subclass instance calls the subclass's ``m``.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from analyzer.edges import Edges
from analyzer.flow.exprs import DECORATOR
from analyzer.flow.program import Program, solve
from analyzer.flow.rules import CALLABLE_KINDS
from analyzer.resolve import Index, segments

FLOW_KINDS: Final = frozenset({"calls", "passes_callable", "returns_callable"})
"""The edge kinds the flows add to or change (the graph builder's resolver calls wait for them too)."""
_PASSED: Final = frozenset({"f", "bm"})  # callbacks: functions and bound methods (a class passed is mostly a type)
_RETURNED: Final = frozenset({"f", "bm", "c"})

Answers = Mapping[tuple[str, int, str], frozenset[str]]
"""(calling node, line, callee name as written; ``*`` for the one call answered on its line) -> its callees."""


@dataclass(frozen=True, slots=True)
class CallAnswer:
    """One call the flows say something about: what it calls, and the callables passed to it."""

    module: str
    node: str  # the graph node making the call
    line: int
    targets: tuple[str, ...]  # the project functions and classes it calls
    passes: tuple[str, ...]  # what its arguments pass besides data: "callable", "generator"
    passed: tuple[tuple[str, bool], ...]  # (function passed to it, as a bound method)
    to: tuple[str, ...]  # everything it calls, outside the project too (where a passed callable goes)
    decorator: bool


@dataclass(frozen=True, slots=True)
class Solution:
    """What the value flows add to the graph."""

    answers: Answers
    calls: tuple[CallAnswer, ...]
    returned: tuple[tuple[str, str, int, bool], ...]  # (function, callable it returns, line, as a bound method)


def solution_of(program: Program) -> Solution:
    """The edges' worth of a solved program."""
    found: dict[tuple[str, int, str], set[str]] = {}
    lines: dict[tuple[str, int], set[str]] = {}
    calls: list[CallAnswer] = []
    values = program.values
    for site in program.sites:
        targets = site.targets
        passed: list[tuple[str, bool]] = []
        passes: set[str] = set()
        for slot in (*site.args, *(slot for _, slot in site.kwargs)) if site.kwargs else site.args:
            for value in values(slot):
                kind = value[0]
                if kind in CALLABLE_KINDS:
                    passes.add("callable")
                    if kind in _PASSED:
                        passed.append((value[1], kind == "bm"))
                elif kind == "g":
                    passes.add("generator")
        if not targets and not passed:
            continue
        node = site.node()
        if targets:
            found.setdefault((node, site.line, site.name), set()).update(targets)
            lines.setdefault((node, site.line), set()).add(site.name)
        calls.append(CallAnswer(site.module, node, site.line, tuple(sorted(targets)), tuple(sorted(passes)),
                                tuple(passed), tuple(sorted(targets | site.external)), bool(site.flags & DECORATOR)))
    answers = {key: frozenset(targets) for key, targets in found.items()}
    for (node, line), names in lines.items():
        if len(names) == 1:  # the one call answered on its line, whatever the resolver names it (a local alias)
            answers[(node, line, "*")] = answers[(node, line, next(iter(names)))]
    returned = tuple((fid, value[1], line, value[0] == "bm")
                     for fid, slot, line in program.returns
                     if fid not in program.passthrough and ":" not in fid  # a passthrough gives back its argument
                     for value in values(slot) if value[0] in _RETURNED)
    return Solution(answers, tuple(calls), returned)


def pack(solution: Solution) -> bytes:
    """``solution`` as one ``marshal`` blob of plain tuples, to cross from the process that solved it: several
    times cheaper to write and to read than pickling the dataclasses."""
    calls = tuple((c.module, c.node, c.line, c.targets, c.passes, c.passed, c.to, c.decorator)
                  for c in solution.calls)
    return marshal.dumps((dict(solution.answers), calls, solution.returned))


def unpack_solution(data: bytes) -> Solution:
    """The solution :func:`pack` packed; ValueError when ``data`` is not one (torn, or of another shape)."""
    try:
        answers, calls, returned = marshal.loads(data)
        return Solution(answers, tuple(CallAnswer(*call) for call in calls), returned)
    except (EOFError, TypeError, ValueError) as error:
        raise ValueError(f"not a packed solution: {error}") from None


class FlowCalls:
    """What the flows say each call calls, and the edges they add."""

    def __init__(self, solution: Solution) -> None:
        self.solution = solution

    def agrees(self, source: str, line: int, expr: tuple[str, str, str], target: str) -> bool:
        """False when the flows answered the call written ``expr`` at ``source``:``line`` without ``target``."""
        answers = self.solution.answers
        rest = segments(expr[2])
        name = rest[-1] if rest else expr[1]
        found = answers.get((source, line, "" if name == "()" else name))
        if found is None:
            found = answers.get((source, line, "*"))
        return found is None or target in found

    def emit(self, edges: Edges, modules: Iterable[str] | None = None) -> None:
        """Add the flow edges made in ``modules`` (None: all)."""
        wanted = None if modules is None else set(modules)
        for call in self.solution.calls:
            if wanted is None or call.module in wanted:
                _call_edges(edges, call)
        for fid, value, line, bound in self.solution.returned:
            if wanted is None or _in(fid, wanted):
                edges.add(fid, value, "returns_callable", line, bound=bound)


def _call_edges(edges: Edges, call: CallAnswer) -> None:
    passes = set(call.passes)
    inferred = len(call.targets) > 1
    for target in call.targets:
        entry = edges.data.get((call.node, target, "calls"))
        if entry is not None and call.line in entry["lines"]:  # the name resolver's edge: one occurrence
            entry.setdefault("passes", set()).update(passes)
            continue
        edges.add(call.node, target, "calls", call.line, passes=passes, inferred=inferred)
    for value, bound in call.passed:
        edges.add(call.node, value, "passes_callable", call.line, bound=bound, to=call.to, decorator=call.decorator)


def _in(fid: str, modules: set[str]) -> bool:
    return any(fid.startswith(m + ".") for m in modules)


def flow_calls(index: Index, flows: Mapping[str, bytes]) -> FlowCalls:
    """Solve the program's flows here and keep what the graph needs; the solved program is let go at once (see
    :meth:`~analyzer.flow.solver.Solver.close`)."""
    program = solve(index, flows)
    try:
        return FlowCalls(solution_of(program))
    finally:
        program.close()
