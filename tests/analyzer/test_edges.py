"""The builder's edge accumulator: finishing some kinds first (while the flows solve) and the rest later gives the
same edges as finishing all at once."""

from __future__ import annotations

from typing import Any

from analyzer.edges import Edges
from analyzer.flow.emit import FLOW_KINDS


def _fill(edges: Edges) -> None:
    edges.add("m.f", "m.g", "calls", 3, passes={"callable"})
    edges.add("m", "n", "imports", 1, type_checking=False)
    edges.add("m.f", "m.T", "inherits", 7)
    edges.add("m.f", "m.g", "calls", 2)
    edges.add("m", "n", "imports", 1, string=True)


def _later(edges: Edges) -> None:  # what the flows add once solved
    edges.add("m.f", "m.g", "calls", 9, passes={"generator"}, inferred=True)
    edges.add("m.f", "m.h", "passes_callable", 9, bound=False, to=["m.g"], decorator=False)


def _sorted(rows: list[tuple[str, str, str, dict[str, Any]]]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return sorted(rows, key=lambda row: row[:3])


def test_kinds_finished_first_and_the_rest_later_are_the_edges_finished_at_once() -> None:
    once = Edges()
    _fill(once)
    _later(once)
    expected = _sorted(once.finish())

    split = Edges()
    _fill(split)
    first = split.finish(lambda kind: kind not in FLOW_KINDS)
    assert {row[2] for row in first} == {"imports", "inherits"}
    assert {key[2] for key in split.data} == {"calls"}  # left open: the flows still add to it
    _later(split)
    rest = split.finish()
    assert {row[2] for row in rest} == {"calls", "passes_callable"}
    assert _sorted(first + rest) == expected
    assert split.data == {}  # every edge finished once
    calls = next(row[3] for row in rest if row[2] == "calls")
    assert calls["lines"] == [2, 3, 9] and calls["passes"] == ["callable", "generator"] and calls["weight"] == 3
