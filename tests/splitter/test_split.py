"""split() on hand-built graphs: domains found, exact counts, shared modules, placement, determinism, rules."""

from __future__ import annotations

from collections import Counter

import pytest

import splitter
from cleave.formats.plan import SERVICE_NAME, Plan, Rules, dump_plan, parse_plan
from splitter.errors import SplitterError
from tests.splitter.handmade import DOMAINS, GraphBuilder, domain_graph


def _services(plan: Plan, modules: list[str]) -> dict[str, str]:
    return plan.assign(modules)


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


def test_each_domain_becomes_one_service() -> None:
    graph = domain_graph()
    plan = splitter.split(graph, services=len(DOMAINS) + 1)  # the domains and the web edge
    assignment = _services(plan, graph.nodes_of_kind("module"))
    for domain in DOMAINS:
        owners = {assignment[m] for m in assignment if _domain_of(m) == domain}
        assert owners == {domain}, (domain, owners)
    assert next(s.name for s in plan.services) == assignment["shop.web"]  # the gateway's service comes first
    assert [m for m, s in assignment.items() if s == assignment["shop.web"]] == ["shop.web"]
    assert plan.entry == "shop.web:application"
    assert plan.shared == ("shop.util",)
    assert all(SERVICE_NAME.match(s.name) for s in plan.services)


def test_the_gateway_is_the_web_edge_only_at_any_count() -> None:
    graph = domain_graph()
    for count in range(2, len(DOMAINS) + 2):
        assignment = _services(splitter.split(graph, services=count), graph.nodes_of_kind("module"))
        assert [m for m, s in assignment.items() if s == assignment["shop.web"]] == ["shop.web"], count


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6])
def test_exactly_n_services(count: int) -> None:
    plan = splitter.split(domain_graph(), services=count)
    assert len(plan.services) == count
    assert len({s.name for s in plan.services}) == count


def test_same_seed_same_plan_and_plan_round_trips() -> None:
    first = dump_plan(splitter.split(domain_graph(), seed=7))
    second = dump_plan(splitter.split(domain_graph(), seed=7))
    assert first == second
    parsed = parse_plan(first)
    modules = domain_graph().nodes_of_kind("module")
    assert set(parsed.assign(modules)) == set(modules)  # every module placed exactly once


def test_metrics_are_present_per_plan_and_service() -> None:
    plan = splitter.split(domain_graph(), services=4)
    for key in ("modularity", "sm", "icp", "ifn", "ned", "cross_edges", "shared_tables", "shared_globals"):
        assert key in plan.metrics
    assert plan.metrics["modularity"] > 0.3
    assert set(plan.metrics["per_service"]) == {s.name for s in plan.services}


def test_modules_without_edges_are_placed_by_package_not_alone() -> None:
    b = GraphBuilder()
    for d in ("alpha", "beta"):
        b.module(f"app.{d}.core")
        b.module(f"app.{d}.more")
        b.edge(f"app.{d}.core", f"app.{d}.more", "imports", weight=3)
        b.module(f"app.{d}.migrations.m0001")  # no edges at all
    plan = splitter.split(b.build())
    assert len(plan.services) == 2
    assignment = plan.assign(b.build().nodes_of_kind("module"))
    assert assignment["app.alpha.migrations.m0001"] == assignment["app.alpha.core"]
    assert assignment["app.beta.migrations.m0001"] == assignment["app.beta.core"]


def test_pure_high_fan_in_module_is_shared_but_stateful_one_is_not() -> None:
    graph = domain_graph()
    b = GraphBuilder()
    b.graph = graph.graph.copy()
    b.module("shop.registry")
    store = b.member("shop.registry", "STORE", kind="variable")
    for d in DOMAINS:
        b.edge(f"shop.{d}.service.handle", store, "writes")
    plan = splitter.split(b.build(), services=4)
    assert "shop.util" in plan.shared
    assert "shop.registry" not in plan.shared
    blockers = [x for x in plan.blockers() if x.target == store]
    assert blockers and all("written" in (x.why or "") for x in blockers)


def test_pinned_renamed_and_moved_services_survive_a_rerun() -> None:
    graph = domain_graph()
    modules = graph.nodes_of_kind("module")
    first = splitter.split(graph, services=4)
    text = dump_plan(first)
    text = text.replace("\n  catalog:\n", "\n  products:\n", 1)  # rename
    edited = parse_plan(text, origin="cleave.yaml")
    orders = edited.service("orders")
    pinned = [s if s.name != "orders" else type(s)(name="orders", modules=(*orders.modules, "shop.billing.views"),
                                                  pinned=True, replicas=3) for s in edited.services]
    billing = next(s for s in pinned if s.name == "billing")
    pinned = [s if s.name != "billing" else type(s)(name="billing", modules=("shop.billing", "shop.billing.db",
              "shop.billing.models", "shop.billing.service")) for s in pinned]
    edited = Plan(services=tuple(pinned), entry=edited.entry, seed=edited.seed, shared=edited.shared,
                  boundaries=edited.boundaries, origin="cleave.yaml")
    second = splitter.split(graph, services=4, previous=edited, seed=edited.seed)
    names = [s.name for s in second.services]
    assert "products" in names and "catalog" not in names
    kept = second.service("orders")
    assert kept.pinned and kept.replicas == 3 and kept.modules == (*orders.modules, "shop.billing.views")
    assignment = second.assign(modules)
    assert assignment["shop.billing.views"] == "orders"
    assert assignment["shop.catalog.service"] == "products"
    assert assignment["shop.billing.service"] == "billing" and billing.name == "billing"
    assert second.metrics["per_service"]["orders"]["modules"] == sum(1 for s in assignment.values() if s == "orders")


def test_keep_together_and_keep_apart() -> None:
    graph = domain_graph()
    rules = Rules(keep_together=(("shop.orders.*", "shop.catalog.*"),),
                  keep_apart=(("shop.billing.service", "shop.billing.db"),))
    previous = Plan(services=(), rules=rules)
    plan = splitter.split(graph, services=4, previous=previous)
    a = plan.assign(graph.nodes_of_kind("module"))
    assert a["shop.orders.service"] == a["shop.catalog.service"] == a["shop.catalog.db"]
    assert a["shop.billing.service"] != a["shop.billing.db"]
    assert plan.rules == rules


def test_bad_requests_are_clear_errors() -> None:
    graph = domain_graph()
    with pytest.raises(SplitterError, match="no module"):
        splitter.split(graph, previous=Plan(services=(), rules=Rules(keep_together=(("nope.*",),))))
    with pytest.raises(SplitterError, match="module:attribute"):
        splitter.split(graph, entry="shop.web")
    with pytest.raises(SplitterError, match="defines no module-level"):
        splitter.split(graph, entry="shop.web:nothing")
    with pytest.raises(SplitterError, match="no modules"):
        splitter.split(GraphBuilder().build())


def test_service_names_are_unique_and_readable_when_domains_mix() -> None:
    plan = splitter.split(domain_graph(), services=2)
    names = [s.name for s in plan.services]
    assert len(set(names)) == 2
    assert all(n in {*DOMAINS, "web", "gateway"} for n in names), names
    assert Counter(names).most_common(1)[0][1] == 1


def test_modules_without_any_edge_still_make_the_services_asked_for() -> None:
    b = GraphBuilder()
    for name in ("p.a", "p.b", "q.c", "q.d", "r.e"):
        b.module(name)
    graph = b.build()
    assert len(splitter.split(graph).services) == 1
    plan = splitter.split(graph, services=3)
    assert len(plan.services) == 3
    assert set(plan.assign(graph.nodes_of_kind("module"))) == set(graph.nodes_of_kind("module"))
    with pytest.raises(SplitterError, match="more than the 5 modules"):
        splitter.split(graph, services=6)


def test_walktrap_variant_gives_exactly_k_deterministically() -> None:
    from splitter.partition import Options

    graph = domain_graph()
    plans = [splitter.split(graph, services=4, seed=s, options=Options(exact_k="walktrap")) for s in (1, 2)]
    assert all(len(p.services) == 4 for p in plans)
    assert plans[0].assign(graph.nodes_of_kind("module")) == plans[1].assign(graph.nodes_of_kind("module"))


def test_a_module_only_a_hub_uses_follows_the_hub_instead_of_becoming_a_service() -> None:
    """``shop.web`` calls every domain (a hub: set aside during the walk); ``shop.clock`` and its table are tied to
    the rest only through it. Without the hub, clock would be a component of its own, hence a service."""
    b = GraphBuilder()
    b.graph = domain_graph().graph.copy()
    b.module("shop.clock")
    tick = b.member("shop.clock", "tick")
    b.edge(tick, b.table("clock"), "uses_table", ops=["update"])
    for d in DOMAINS:  # the web front calls into every layer of every domain: a hub (strength > 8x the median)
        for layer in ("views", "service", "db", "models"):
            b.edge("shop.web.route", b.member(f"shop.{d}.{layer}", "entry"), "calls", weight=1000)
    b.edge("shop.web.route", tick, "calls", weight=2)
    graph = b.build()
    plan = splitter.split(graph, services=len(DOMAINS) + 1)  # the domains and the web edge
    where = plan.assign(graph.nodes_of_kind("module"))
    assert where["shop.clock"] == where["shop.web"]  # not a service of its own, taking one domain's place
    for domain in DOMAINS:
        assert where[f"shop.{domain}.service"] == where[f"shop.{domain}.db"] == domain


def test_leiden_returns_on_a_graph_where_igraph_until_stable_loops() -> None:
    """igraph 1.0's community_leiden(n_iterations=-1) never returned on this 8-node consensus graph (Wagtail)."""
    import networkx as nx

    from splitter import detect

    graph = nx.Graph()
    w = 4.169925001442312
    for a, b, weight in [(0, 3, w), (0, 5, 1.0), (0, 6, w), (0, 7, 8.0), (1, 3, 3.0), (2, 5, 1.0), (3, 4, w),
                         (3, 6, 1.0), (3, 7, 8.0)]:
        graph.add_edge(f"n{a}", f"n{b}", weight=weight)
    parts = detect.leiden(graph, seed=903170603)
    assert sorted(n for p in parts for n in p) == sorted(graph.nodes)
    assert detect.leiden(graph, seed=903170603) == parts
