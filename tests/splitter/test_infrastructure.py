"""Infrastructure is not a domain (splitter/infrastructure.py): recognised from the graph, copied into every service
that uses it, never a service of its own, never what pulls domains together or into the gateway."""

from __future__ import annotations

from pathlib import Path

import pytest

import splitter
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import dump_plan, parse_plan
from splitter import infrastructure, units
from tests.samples.corpus import CORPUS, Sample
from tests.splitter.handmade import GraphBuilder

analyzer = pytest.importorskip("analyzer")
BY_NAME = {s.name: s for s in CORPUS}


@pytest.fixture(scope="module")
def graphs() -> dict[str, CodeGraph]:
    return {s.name: analyzer.analyze(s.folder) for s in CORPUS}


def _ari(truth: dict[str, str], found: dict[str, str]) -> float:
    from collections import Counter

    keys = sorted(truth)
    pairs = Counter((truth[k], found[k]) for k in keys)
    a, b = Counter(truth[k] for k in keys), Counter(found[k] for k in keys)

    def c2(x: int) -> float:
        return x * (x - 1) / 2

    index = sum(c2(v) for v in pairs.values())
    sa, sb = sum(c2(v) for v in a.values()), sum(c2(v) for v in b.values())
    expected = sa * sb / c2(len(keys))
    return (index - expected) / ((sa + sb) / 2 - expected)


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_the_corpus_infrastructure_is_found(sample: Sample, graphs: dict[str, CodeGraph]) -> None:
    graph = graphs[sample.name]
    found = infrastructure.detect(graph, units.module_owners(graph), pure=units.build(graph).pure)
    declared = set(sample.spec()["infrastructure"]) - {sample.package}
    assert set(found.modules) == declared, found.why


def test_a_registry_others_fill_at_import_is_not_infrastructure(graphs: dict[str, CodeGraph]) -> None:
    graph = graphs["boxoffice"]
    found = infrastructure.detect(graph, units.module_owners(graph), pure=units.build(graph).pure)
    assert "boxoffice.bus" not in found.modules  # bus.subscribe(topic, callback) at import in three domains


def test_a_helper_only_one_module_uses_goes_with_it() -> None:
    shop = analyzer.analyze(Path(__file__).resolve().parents[2] / "samples" / "shop")
    found = infrastructure.detect(shop, units.module_owners(shop), pure=units.build(shop).pure)
    assert not [m for m in found.modules if m.endswith(".db")]  # each domain's own connection factory


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_infrastructure_is_never_a_service_nor_in_the_gateway(sample: Sample, graphs: dict[str, CodeGraph]) -> None:
    """The issue's failures: the db() helper as a service of its own ("everything" + "common"), and the gateway
    holding every domain's logic (ARI 0.11 at --services = the number of domains)."""
    graph = graphs[sample.name]
    truth = sample.domains()
    plan = splitter.split(graph, services=len(sample.spec()["domains"]))
    owners = plan.assign(graph.nodes_of_kind("module"))
    for module in set(sample.spec()["infrastructure"]) - {sample.package}:
        assert owners[module] == "", module
    assert set(plan.infrastructure_modules(owners)) >= set(sample.spec()["infrastructure"]) - {sample.package}
    gateway = owners[plan.entry.partition(":")[0]] if plan.entry else None
    assert {m for m, s in owners.items() if s == gateway} <= {m for m, d in truth.items() if d == "web"}
    scored = {m: d for m, d in truth.items() if owners.get(m)}
    assert _ari(scored, {m: owners[m] for m in scored}) >= 0.75


def test_the_plan_lists_infrastructure_and_keeps_the_users_edit(graphs: dict[str, CodeGraph]) -> None:
    graph = graphs["library"]
    plan = splitter.split(graph)
    assert plan.infrastructure == ("library.config", "library.db", "library.errors")
    text = dump_plan(plan)
    assert "\ninfrastructure: [library.config, library.db, library.errors]\n" in text
    edited = parse_plan(text.replace("infrastructure: [library.config, library.db, library.errors]",
                                     "infrastructure: [library.config, library.errors]"), "cleave.yaml")
    again = splitter.split(graph, previous=edited)
    assert again.infrastructure == ("library.config", "library.errors")
    assert again.assign(graph.nodes_of_kind("module"))["library.db"] != ""  # the user took it back


def test_state_written_from_outside_or_table_use_is_never_infrastructure() -> None:
    b = GraphBuilder()
    b.module("app", is_package=True)
    for name in ("app.conn", "app.holder"):
        b.module(name)
        b.member(name, "get", returns_kind="connection")
        for user in ("app.a", "app.b"):
            b.module(user)
            b.edge(b.member(user, "run"), f"{name}.get", "calls")
    b.edge("app.a.run", b.member("app.holder", "STATE", kind="variable"), "writes")  # state others write
    b.edge("app.conn.get", b.table("t"), "uses_table", ops=["create"])  # DDL only: still infrastructure
    graph = b.build()
    found = infrastructure.detect(graph, units.module_owners(graph))
    assert found.modules == {"app.conn"}
    b.edge("app.conn.get", "table:t", "uses_table", ops=["select"], access=["read"])
    graph = b.build()
    assert not infrastructure.detect(graph, units.module_owners(graph)).modules
