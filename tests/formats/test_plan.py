"""The plan format: round trips, module assignment, and errors that name the line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleave.formats import FormatError
from cleave.formats.plan import (
    Boundary,
    Plan,
    Resources,
    Rules,
    ServicePlan,
    dump_plan,
    load_plan,
    parse_memory,
    parse_plan,
    save_plan,
)

PLAN = textwrap.dedent("""\
    format: cleave.plan/1
    source: .
    entry: shop.web:application
    services:
      orders:
        modules: [shop.orders, shop.orders.*]
        pinned: true
        replicas: 2
        resources: {cpu: 0.5, memory: 256Mi, pids: 128}
      web:
        modules: shop.web
    shared: [shop.util.*]
    rules:
      keep_together: [[shop.cart, shop.pricing]]
    boundaries:
      - {from: shop.web, to: shop.orders.service.place_order, how: rpc, where: "shop/web.py:12"}
      - {from: shop.orders, to: shop.cache.STORE, how: blocker, why: written twice, accepted: true}
    metrics: {modularity: 0.5}
    """)

MODULES = ["shop.orders", "shop.orders.service", "shop.orders.models", "shop.web", "shop.util.money",
           "shop.util.slug", "shop.cart"]


def test_parses_every_field() -> None:
    plan = parse_plan(PLAN, "cleave.yaml")
    orders = plan.service("orders")
    assert orders == ServicePlan("orders", ("shop.orders", "shop.orders.*"), pinned=True, replicas=2,
                                 resources=Resources(cpu=0.5, memory="256Mi", pids=128), line=5)
    assert orders.resources.memory_bytes == 256 * 1024 * 1024
    assert plan.service("web").modules == ("shop.web",)
    assert plan.entry == "shop.web:application"
    assert plan.rules == Rules(keep_together=(("shop.cart", "shop.pricing"),))
    assert plan.boundaries[0] == Boundary("shop.web", "shop.orders.service.place_order", "rpc",
                                          where="shop/web.py:12")
    assert plan.blockers() == [plan.boundaries[1]]
    assert plan.blockers(unaccepted_only=True) == []
    assert plan.metrics == {"modularity": 0.5}


def test_dump_then_parse_is_identity(tmp_path: Path) -> None:
    plan = parse_plan(PLAN, "x")
    path = tmp_path / "cleave.yaml"
    save_plan(plan, path)
    again = load_plan(path)
    assert dump_plan(again) == dump_plan(plan)
    assert again.services[0].modules == plan.services[0].modules
    assert path.read_text().startswith("# cleave plan")


def test_assign_prefers_exact_then_longest_prefix() -> None:
    plan = Plan(services=(ServicePlan("a", ("shop.*",)), ServicePlan("b", ("shop.orders.*", "shop.web"))),
                shared=("shop.util.*",))
    assert plan.assign(MODULES) == {
        "shop.cart": "a", "shop.orders": "a", "shop.orders.models": "b", "shop.orders.service": "b",
        "shop.util.money": "", "shop.util.slug": "", "shop.web": "b"}


def test_module_claimed_twice_names_both_and_the_line() -> None:
    plan = parse_plan(PLAN.replace("modules: shop.web", "modules: [shop.web, shop.orders]"), "cleave.yaml")
    with pytest.raises(FormatError) as caught:
        plan.assign(MODULES)
    message = str(caught.value)
    assert message.startswith("cleave.yaml:10:")
    assert "'shop.orders' is in two services: 'orders'" in message and "'web'" in message


def test_pattern_matching_nothing_is_an_error_naming_the_line() -> None:
    plan = parse_plan(PLAN.replace("modules: shop.web", "modules: shop.wbe"), "cleave.yaml")
    with pytest.raises(FormatError, match=r"^cleave.yaml:10: module pattern 'shop.wbe' of service 'web' matches no"):
        plan.assign(MODULES)


@pytest.mark.parametrize(("edit", "line", "fragment"), [
    (("replicas: 2", "replicas: two"), 8, "replicas of 'orders' must be a whole number"),
    (("cpu: 0.5", "cpu: -1"), 9, "cpu of 'orders' must be a number of cores"),
    (("memory: 256Mi", "memory: lots"), 9, "'lots' is not a memory size"),
    (("  web:\n", "  Web Service:\n"), 10, "service name 'Web Service' must be lower-case"),
    (("how: rpc", "how: teleport"), 16, "boundary kind 'teleport' is not one of"),
    (("pinned: true", "pinned: true\n    colour: blue"), 8, "unknown field 'colour'"),
    (("entry: shop.web:application", "entry: shop.web"), 3, "entry must look like module:attribute"),
    (("format: cleave.plan/1", "format: cleave.plan/9"), 1, "not a cleave plan"),
    (("modules: [shop.orders, shop.orders.*]", "modules: [shop.orders, shop.orders.*"), 7, "YAML does not parse"),
    (("  web:\n", "  orders:\n"), 10, "key 'orders' appears twice"),
])
def test_bad_plans_name_the_line(edit: tuple[str, str], line: int, fragment: str) -> None:
    text = PLAN.replace(*edit)
    assert text != PLAN
    with pytest.raises(FormatError) as caught:
        parse_plan(text, "cleave.yaml")
    assert str(caught.value).startswith(f"cleave.yaml:{line}:"), str(caught.value)
    assert fragment in str(caught.value)


def test_missing_plan_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"plan not found.*cleave split"):
        load_plan(tmp_path / "cleave.yaml")


@pytest.mark.parametrize(("text", "expected"), [("256Mi", 268435456), ("1Gi", 1 << 30), ("500M", 500_000_000),
                                                ("1024", 1024), (2048, 2048), ("1.5Gi", 1610612736)])
def test_memory_quantities(text: str | int, expected: int) -> None:
    assert parse_memory(text) == expected


# Built from small alphabets rather than ``st.from_regex``: regex strategies cost most of the generation time, which
# made this test fail Hypothesis' too_slow health check on a loaded 2-core machine.
_LOWER = "abcdefghijklmnopqrstuvwxyz"
names = st.builds(lambda head, rest: head + rest, st.sampled_from(_LOWER),
                  st.text(_LOWER + "0123456789-", max_size=8))
_WORD = st.text(_LOWER, min_size=1, max_size=6)
patterns = st.builds(lambda words, star: ".".join(words) + (".*" if star else ""),
                     st.lists(_WORD, min_size=1, max_size=3), st.booleans())


# too_slow only: generation is cheap now, but on a machine shared by several test runs the wall-clock health check
# still trips; the examples stay bounded (100) and each is a pure round trip.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(names, st.tuples(st.lists(patterns, min_size=1, max_size=3), st.integers(0, 9),
                                        st.booleans()), min_size=1, max_size=4),
       st.lists(patterns, max_size=3), st.none() | st.lists(patterns, max_size=3))
def test_any_plan_round_trips(services: dict[str, tuple[list[str], int, bool]], shared: list[str],
                              infrastructure: list[str] | None) -> None:
    plan = Plan(services=tuple(ServicePlan(n, tuple(m), pinned=p, replicas=r) for n, (m, r, p) in services.items()),
                shared=tuple(shared), entry="a.b:app",
                infrastructure=None if infrastructure is None else tuple(infrastructure))
    again = parse_plan(dump_plan(plan), "x")
    assert again.infrastructure == plan.infrastructure
    assert [(s.name, s.modules, s.replicas, s.pinned) for s in again.services] == \
        [(s.name, s.modules, s.replicas, s.pinned) for s in plan.services]
    assert again.shared == plan.shared


def test_infrastructure_must_be_a_list_of_names_with_its_line() -> None:
    text = "format: cleave.plan/1\nservices:\n  a:\n    modules: [m]\ninfrastructure: {db: 1}\n"
    with pytest.raises(FormatError) as caught:
        parse_plan(text, "cleave.yaml")
    assert caught.value.line == 5 and "infrastructure" in caught.value.message
    plan = parse_plan(text.replace("{db: 1}", "[m.db]"), "cleave.yaml")
    assert plan.infrastructure == ("m.db",)
    with pytest.raises(FormatError) as caught:
        plan.assign(["m", "m.x"])
    assert caught.value.line == 5 and "infrastructure" in caught.value.message
