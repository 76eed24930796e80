"""The rule on hand-built graphs: valueflow's callable facts, shared modules' own crossings, table owners,
per-process state, facts missing from an older graph."""

from __future__ import annotations

from cleave.crossing import classify, render
from cleave.formats.plan import Boundary
from tests.splitter.handmade import GraphBuilder

SERVICES = {"a.api": "alpha", "b.api": "beta", "lib.util": ""}


def _builder() -> GraphBuilder:
    b = GraphBuilder()
    for module in SERVICES:
        b.module(module)
    b.member("a.api", "caller", line=10)
    b.member("a.api", "handler", line=20)
    b.member("b.api", "subscribe")
    b.member("b.api", "factory")
    b.member("b.api", "inner")
    b.member("b.api", "plain")
    return b


def _by_target(found: tuple[Boundary, ...]) -> dict[str, Boundary]:
    return {b.target: b for b in found}


def test_valueflow_callables_crossing_are_blockers() -> None:
    b = _builder()
    b.edge("a.api.caller", "b.api.subscribe", "calls", lines=(11,))
    b.edge("a.api.caller", "a.api.handler", "passes_callable", lines=(11,), to=["b.api.subscribe"], bound=False)
    b.edge("a.api.caller", "b.api.factory", "calls", lines=(12,))
    b.edge("b.api.factory", "b.api.inner", "returns_callable", lines=(5,))
    b.edge("a.api.caller", "b.api.plain", "calls", lines=(13,))
    b.edge("b.api.plain", "b.api.inner", "passes_callable", lines=(6,), to=["b.api.subscribe"])  # same service
    found = _by_target(classify(b.build(), SERVICES))
    subscribe = found["b.api.subscribe"]
    assert subscribe.how == "blocker" and "a.api.handler" in (subscribe.why or "")
    assert subscribe.where == "a/api.py:11"
    assert found["b.api.factory"].how == "blocker" and "b.api.inner" in (found["b.api.factory"].why or "")
    assert found["b.api.plain"].how == "rpc"


def test_a_shared_module_crosses_like_the_services_it_is_copied_into() -> None:
    b = _builder()
    b.member("b.api", "LIMIT", kind="variable", value_kind="constant")
    b.member("b.api", "rows", is_generator=True)
    b.member("lib.util", "helper")
    b.edge("lib.util.helper", "b.api.LIMIT", "reads", lines=(4,))
    b.edge("lib.util.helper", "b.api.plain", "calls", lines=(5,))
    b.edge("lib.util.helper", "b.api.rows", "calls", lines=(6,))
    found = _by_target(classify(b.build(), SERVICES))
    assert found["b.api.LIMIT"].how == "shared"
    assert found["b.api.plain"].how == "rpc"
    assert found["b.api.rows"].how == "blocker" and found["b.api.rows"].where == "lib/util.py:6"


def test_per_process_state_of_a_shared_module_is_no_blocker() -> None:
    b = _builder()
    b.member("lib.util", "LOCAL", kind="variable", value_kind="resource", value_type="threading.local")
    b.member("lib.util", "SEEN", kind="variable", value_kind="container")
    b.member("lib.util", "touch")
    b.edge("lib.util.touch", "lib.util.LOCAL", "writes", lines=(7,))
    b.edge("lib.util.touch", "lib.util.SEEN", "writes", lines=(8,))
    b.edge("a.api.caller", "lib.util.touch", "calls", lines=(11,))
    b.edge("b.api.plain", "lib.util.touch", "calls", lines=(3,))
    graph = b.build()
    found = _by_target(classify(graph, SERVICES))
    assert "lib.util.LOCAL" not in found
    seen = found["lib.util.SEEN"]
    assert seen.how == "blocker" and "alpha" in (seen.why or "") and "beta" in (seen.why or "")
    assert "lib.util.SEEN" not in _by_target(classify(graph, SERVICES, infrastructure=frozenset({"lib.util"})))


def test_tables_are_judged_by_their_owner() -> None:
    b = _builder()
    b.table("orders")
    b.edge("b.api.plain", "table:orders", "uses_table", lines=(4,), ops=["create"], access=[])
    b.edge("b.api.plain", "table:orders", "uses_table", lines=(5,), ops=["insert"], access=["write"])
    b.edge("a.api.caller", "table:orders", "uses_table", lines=(12,), ops=["select"], access=["read"])
    b.edge("lib.util", "table:orders", "uses_table", lines=(2,), ops=["update"], access=["write"])
    blockers = [x for x in classify(b.build(), SERVICES) if x.how == "blocker"]
    assert [(x.source, x.where) for x in blockers] == [("a.api", "a/api.py:12")]  # the owner's own use is fine
    assert "reads table orders, owned by service beta" in (blockers[0].why or "")


def test_unknown_values_are_blockers_and_lines_say_what_to_do() -> None:
    b = _builder()
    b.member("b.api", "THING", kind="variable", line=4)  # no value_kind: an older graph, or a value cleave cannot read
    b.member("b.api", "Legacy", kind="class", bases=["object"])  # no value_kind either: from its bases
    b.member("b.api", "Kind", kind="class", bases=["enum.Enum"])
    b.edge("a.api.caller", "b.api.THING", "reads", lines=(14,))
    b.edge("a.api.caller", "b.api.Legacy", "calls", lines=(15,))
    b.edge("a.api.caller", "b.api.Kind", "reads", lines=(16,))
    b.edge("a.api.caller", "b.api.Kind", "calls", lines=(16,))
    found = _by_target(classify(b.build(), SERVICES))
    assert found["b.api.THING"].how == "blocker" and found["b.api.Legacy"].how == "blocker"
    assert found["b.api.Kind"].how == "shared"
    line = render(found["b.api.THING"])
    assert line.startswith("a/api.py:14: a.api -> b.api.THING: ") and line.endswith(")")
