"""Partition robustness: pinned services keep their patterns verbatim (globs included), any service name works,
every module is placed exactly once, ``--services N`` holds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import splitter
from cleave.formats.plan import Plan, ServicePlan, parse_plan
from splitter.errors import SplitterError
from tests.splitter.handmade import DOMAINS, domain_graph

MODULES = domain_graph().nodes_of_kind("module")


def _pinned(name: str, *patterns: str, line: int = 5) -> ServicePlan:
    return ServicePlan(name=name, modules=patterns, pinned=True, line=line)


@pytest.mark.parametrize("name", ["gateway", "gallery", "g0", "g1", "web", "shared"])
def test_any_pinned_name_splits(name: str) -> None:
    """Group ids and service names used to share a dict ("g<i>"): a pin named gallery crashed with ValueError."""
    graph = domain_graph()
    previous = Plan(services=(_pinned(name, "shop.orders", "shop.orders.*"),))
    plan = splitter.split(graph, services=3, previous=previous)
    owners = plan.assign(graph.nodes_of_kind("module"))
    assert {m for m, s in owners.items() if s == name} == {m for m in MODULES if m.startswith("shop.orders")}
    assert len(plan.services) == 3


def test_a_pinned_glob_beats_an_unpinned_exact_name() -> None:
    text = """format: cleave.plan/1
services:
  orders:
    modules: [shop.orders, shop.orders.*]
    pinned: true
  catalog:
    modules: [shop.catalog, shop.catalog.*, shop.orders.models]
"""
    graph = domain_graph()
    plan = splitter.split(graph, previous=parse_plan(text, "cleave.yaml"))
    owners = plan.assign(graph.nodes_of_kind("module"))
    assert owners["shop.orders.models"] == "orders"
    assert plan.service("orders").modules == ("shop.orders", "shop.orders.*")


def test_a_pinned_exact_name_beats_a_pinned_glob() -> None:
    previous = Plan(services=(_pinned("orders", "shop.orders", "shop.orders.*"),
                              _pinned("models", "shop.orders.models")), origin="cleave.yaml")
    graph = domain_graph()
    owners = splitter.split(graph, previous=previous).assign(graph.nodes_of_kind("module"))
    assert owners["shop.orders.models"] == "models" and owners["shop.orders.db"] == "orders"


def test_two_pinned_globs_on_one_module_is_an_error_with_the_line() -> None:
    previous = Plan(services=(_pinned("orders", "shop.orders.*", line=4), _pinned("data", "shop.*.db", line=9)),
                    origin="cleave.yaml")
    with pytest.raises(SplitterError) as caught:
        splitter.split(domain_graph(), previous=previous)
    assert caught.value.line == 9 and "pinned to two services" in caught.value.message
    assert "shop.orders.db" in caught.value.message


NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=3, unique=True),
       domains=st.permutations(DOMAINS), extra=st.integers(min_value=1, max_value=3))
def test_every_module_once_pins_kept_count_held(names: list[str], domains: list[str], extra: int) -> None:
    graph = domain_graph()
    pins = tuple(_pinned(name, f"shop.{domain}", f"shop.{domain}.*") for name, domain in zip(names, domains,
                                                                                              strict=False))
    count = len(pins) + extra
    plan = splitter.split(graph, services=count, previous=Plan(services=pins))
    owners = plan.assign(MODULES)
    assert set(owners) == set(MODULES)  # every module placed (a dict: exactly once)
    assert len(plan.services) == count
    for pin in pins:
        domain = pin.modules[0]
        assert {m for m, s in owners.items() if s == pin.name} == {m for m in MODULES
                                                                    if m == domain or m.startswith(domain + ".")}
