"""The splitter on the real samples, analyzed by the real analyzer: shop's domains are found, every blocker of
samples/blockers is flagged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import splitter
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import parse_plan
from splitter import edge, units
from splitter.partition import Proposal

analyzer = pytest.importorskip("analyzer")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


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


@pytest.fixture(scope="module")
def shop() -> CodeGraph:
    return analyzer.analyze(SAMPLES / "shop")


@pytest.fixture(scope="module")
def clinic() -> CodeGraph:
    return analyzer.analyze(SAMPLES / "blockers")


def test_shop_domains_are_the_services(shop: CodeGraph) -> None:
    text = (SAMPLES / "shop" / "DOMAINS.md").read_text()
    spec = yaml.safe_load(text.split("```yaml", 1)[1].split("```", 1)[0])
    truth = {m: d for d, mods in spec["domains"].items() for m in mods}
    plan = splitter.split(shop, services=len(spec["domains"]))
    assert len(plan.services) == len(spec["domains"])
    assert plan.entry == "shop.web:application"
    found = plan.assign(shop.nodes_of_kind("module"))
    scored = {m: d for m, d in truth.items() if found.get(m)}  # modules the plan shares are copied, not placed
    assert len(scored) >= 0.8 * len(truth)
    assert _ari(scored, {m: found[m] for m in scored}) >= 0.9
    assert found["shop.clock"] == found["shop.web"]  # web's clock: cut off only by setting the web hub aside
    assert min(sum(1 for s in found.values() if s == name) for name in set(found.values()) - {""}) >= 4
    assert len({s.name for s in plan.services} & set(spec["domains"])) >= 9
    assert plan.services[0].name == "web"  # the gateway first
    auto = splitter.split(shop)  # without a count: Walktrap cut at its best modularity
    assert len({s.name for s in auto.services} & set(spec["domains"])) >= 9
    for module in ("shop.config", "shop.common.money"):
        assert found[module] == ""  # pure, used everywhere: shared


@pytest.mark.parametrize("services", [None, 4, 9, 11])
def test_no_service_depends_on_the_gateway(shop: CodeGraph, services: int | None) -> None:
    plan = splitter.split(shop, services=services)
    service_of = plan.assign(shop.nodes_of_kind("module"))
    gateway = service_of["shop.web"]
    users = edge.dependents(shop, units.module_owners(shop))
    for module in (m for m, s in service_of.items() if s == gateway):
        outside = {service_of.get(user) for user in users.get(module, ())} - {gateway, ""}
        assert not outside, f"{module} of the gateway is used by {outside}"


def test_a_module_others_use_moves_out_of_the_gateway_to_its_closest_service(shop: CodeGraph) -> None:
    text = (SAMPLES / "shop" / "DOMAINS.md").read_text()
    domains = yaml.safe_load(text.split("```yaml", 1)[1].split("```", 1)[0])["domains"]
    modules = set(shop.nodes_of_kind("module"))
    groups = {name: frozenset(m for m in mods if m in modules) - {"shop.orders.api"} for name, mods in domains.items()}
    groups["web"] |= {"shop.orders.api"}  # as a poor cut could leave it: the API the other services call
    names = sorted(groups)
    proposal = Proposal(groups=tuple(groups[n] for n in names), pinned={}, shared=frozenset(), home={}, placed={})
    entry_package = frozenset(m for m in groups["web"] if m.startswith("shop.web"))
    moved = edge.keep_gateway_at_the_edge(proposal, shop, units.build(shop), "shop.web", entry_package, exact=True)
    after = dict(zip(names, moved.groups, strict=True))
    assert "shop.orders.api" in after["orders"] and "shop.orders.api" not in after["web"]
    assert moved.placed["shop.orders.api"] == "moved out of the gateway to the service it is tied to most"
    assert after["web"] >= entry_package  # the entry's package never moves
    assert {n: g for n, g in after.items() if n not in ("web", "orders")} == \
        {n: g for n, g in groups.items() if n not in ("web", "orders")}


def test_shop_plan_is_deterministic(shop: CodeGraph) -> None:
    first = splitter.split(shop, seed=3)
    assert splitter.split(shop, seed=3) == first


# where (file:line) each case of samples/blockers/README.md is flagged, and what it points at
CASES = {
    "clinic/billing/models.py:13": "clinic.scheduling.models.Appointment",    # 1 inheritance
    "clinic/scheduling/api.py:25": "clinic.patients.store.LAST_SEEN",         # 2 global written by two
    "clinic/billing/api.py:28": "clinic.scheduling.api.for_each_appointment",  # 3 callback
    "clinic/patients/api.py:40": "clinic.records.api.write_history",          # 4 open file
    "clinic/patients/api.py:32": "clinic.scheduling.api.upcoming",            # 5 generator
    "clinic/billing/api.py:36": "table:appointments",                         # 6 join on others' tables
}


def test_every_blocker_of_the_obvious_split_is_flagged(clinic: CodeGraph) -> None:
    obvious = parse_plan("format: cleave.plan/1\nservices:\n" + "".join(
        f"  {d}: {{modules: [clinic.{d}, clinic.{d}.*], pinned: true}}\n"
        for d in ("patients", "scheduling", "billing", "records")))
    plan = splitter.split(clinic, previous=obvious)
    blockers = {(b.where, b.target): b for b in plan.blockers()}
    for where, target in CASES.items():
        assert (where, target) in blockers, (where, target, sorted(blockers))
        assert blockers[(where, target)].why
    assert ("clinic/billing/api.py:36", "table:patients") in blockers
    assert plan.boundaries[0].how == "blocker"


def test_the_proposed_split_of_the_clinic_avoids_most_blockers(clinic: CodeGraph) -> None:
    obvious = parse_plan("format: cleave.plan/1\nservices:\n" + "".join(
        f"  {d}: {{modules: [clinic.{d}, clinic.{d}.*], pinned: true}}\n"
        for d in ("patients", "scheduling", "billing", "records")))
    proposed = splitter.split(clinic)
    assert len(proposed.blockers()) < len(splitter.split(clinic, previous=obvious).blockers())


def test_entry_given_as_a_re_export_is_accepted(shop: CodeGraph) -> None:
    assert splitter.split(shop, entry="shop.web:application", services=3).entry == "shop.web:application"
    assert splitter.split(shop, entry="shop.web.app:application", services=3).entry == "shop.web.app:application"
