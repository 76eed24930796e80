"""Every kind of crossing is classified: rpc, shared, and each blocker, with why and file:line."""

from __future__ import annotations

from cleave.formats.plan import Boundary
from splitter.boundaries import classify
from splitter.units import module_owners
from tests.splitter.handmade import GraphBuilder


def _graph() -> tuple[GraphBuilder, dict[str, str]]:
    b = GraphBuilder()
    for m in ("a.api", "b.api", "lib.pure"):
        b.module(m)
    b.member("a.api", "caller", line=10)
    b.member("b.api", "plain")
    b.member("b.api", "takes_callback")
    b.member("b.api", "numbers", is_generator=True)
    b.member("b.api", "Base", kind="class")
    b.member("b.api", "Point", kind="class", decorators=["dataclasses.dataclass"])
    b.member("b.api", "Engine", kind="class")
    b.member("b.api.Engine", "run", is_method=True)
    b.member("b.api", "CACHE", kind="variable", value_kind="container")
    b.member("b.api", "LIMIT", kind="variable", value_kind="constant")  # the analyzer's fact (analyzer/kinds.py)
    b.member("a.api", "Child", kind="class")
    b.member("lib.pure", "fmt")
    b.table("orders")
    return b, {"a.api": "alpha", "b.api": "beta", "lib.pure": ""}


def _find(found: tuple[Boundary, ...], target: str) -> Boundary:
    return next(x for x in found if x.target == target)


def test_each_crossing_is_classified() -> None:
    b, service_of = _graph()
    caller = "a.api.caller"
    b.edge(caller, "b.api.plain", "calls", lines=(12,))
    b.edge(caller, "b.api.numbers", "calls", lines=(13,))
    b.edge(caller, "b.api.takes_callback", "calls", lines=(14,), passes=["callable"])
    b.edge(caller, "b.api.Point", "calls", lines=(15,))
    b.edge(caller, "b.api.Engine", "calls", lines=(16,))
    b.edge(caller, "b.api.Engine.run", "calls", lines=(17,))
    b.edge(caller, "b.api.CACHE", "reads", lines=(18,))
    b.edge("b.api.plain", "b.api.CACHE", "writes", lines=(4,))
    b.edge(caller, "b.api.LIMIT", "reads", lines=(19,))
    b.edge("a.api.Child", "b.api.Base", "inherits", lines=(20,))
    b.edge(caller, "lib.pure.fmt", "calls", lines=(21,))
    b.edge(caller, "table:orders", "uses_table", lines=(22,))
    b.edge("b.api.plain", "table:orders", "uses_table", lines=(5,))
    graph = b.build()
    found = classify(graph, module_owners(graph), service_of)
    assert found[0].how == "blocker"  # blockers first
    kinds = {x.target: x.how for x in found}
    assert kinds["b.api.numbers"] == "blocker" and "generator" in (_find(found, "b.api.numbers").why or "")
    assert kinds["b.api.Point"] == "shared"  # a dataclass: the packager copies it
    assert kinds["b.api.Engine"] == "blocker" and kinds["b.api.Engine.run"] == "blocker"
    assert kinds["b.api.CACHE"] == "blocker" and "written" in (_find(found, "b.api.CACHE").why or "")
    assert kinds["b.api.LIMIT"] == "shared"
    assert kinds["b.api.Base"] == "blocker" and "inherits" in (_find(found, "b.api.Base").why or "")
    assert kinds["lib.pure"] == "shared"
    assert kinds["table:orders"] == "blocker"
    assert _find(found, "b.api.Base").where == "a/api.py:20"
    assert _find(found, "b.api.numbers").where == "a/api.py:13"
    assert kinds["b.api.plain"] == "rpc"
    assert kinds["b.api.takes_callback"] == "blocker" and "callable" in (_find(found, "b.api.takes_callback").why or "")


def test_accepted_flags_survive() -> None:
    b, service_of = _graph()
    b.edge("a.api.Child", "b.api.Base", "inherits", lines=(20,))
    graph = b.build()
    previous = (Boundary(source="a.api", target="b.api.Base", how="blocker", accepted=True),)
    found = classify(graph, module_owners(graph), service_of, previous)
    assert found[0].accepted


def test_same_service_and_imports_only() -> None:
    b, service_of = _graph()
    b.edge("a.api", "b.api", "imports", lines=(1,))
    graph = b.build()
    found = classify(graph, module_owners(graph), service_of)
    assert [(x.source, x.target, x.how) for x in found] == [("a.api", "b.api", "rpc")]
