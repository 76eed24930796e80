"""Class-level units for large modules, on a small real program (tests/splitter/assets/firm): firm/legacy.py holds
an InvoiceBook (billing's) and a StaffRoster (hr's). The packager moves whole modules, so the module goes where most
of its lines want to go, and the other class is reported as advice."""

from __future__ import annotations

from pathlib import Path

import pytest

import splitter
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan, ServicePlan, dump_plan, parse_plan
from splitter import classes, report, units
from splitter.partition import Proposal

analyzer = pytest.importorskip("analyzer")
FIRM = Path(__file__).resolve().parent / "assets" / "firm"


@pytest.fixture(scope="module")
def firm() -> CodeGraph:
    graph: CodeGraph = analyzer.analyze(FIRM)
    return graph


def test_only_large_modules_with_several_large_classes_are_split(firm: CodeGraph) -> None:
    found = classes.choose(firm, units.build(firm))
    assert found.split_modules == {"firm.legacy"}
    assert found.units("firm.legacy") == ["firm.legacy", "firm.legacy:InvoiceBook", "firm.legacy:StaffRoster"]
    assert found.unit_of["firm.legacy.StaffRoster.hire_3"] == "firm.legacy:StaffRoster"
    assert "firm.legacy.describe" not in found.unit_of  # the module's functions stay in the remainder
    assert found.lines["firm.legacy:InvoiceBook"] > found.lines["firm.legacy:StaffRoster"] > 100
    assert classes.choose(firm, units.build(firm), classes.Granularity(large_lines=0)) == classes.NO_UNITS
    assert classes.choose(firm, units.build(firm), classes.Granularity(large_lines=1000)) == classes.NO_UNITS


def test_each_class_unit_joins_its_own_domain(firm: CodeGraph) -> None:
    module_graph = units.build(firm)
    found = classes.choose(firm, module_graph)
    unit_graph = units.build(firm, unit_of=found.unit_of, module_of=found.module_of)
    assert "firm.legacy:StaffRoster" in unit_graph.graph and "firm.legacy:StaffRoster" not in unit_graph.pure
    from splitter import partition

    labels = partition.propose(unit_graph, k=2, seed=1).labels()
    assert labels["firm.legacy:InvoiceBook"] == labels["firm.billing.invoices"]
    assert labels["firm.legacy:StaffRoster"] == labels["firm.hr.payroll"]
    assert labels["firm.billing.invoices"] != labels["firm.hr.payroll"]


@pytest.mark.parametrize("count", [None, 2])
def test_the_module_goes_where_most_of_it_belongs_and_the_other_class_is_advised(firm: CodeGraph,
                                                                                 count: int | None) -> None:
    plan = splitter.split(firm, services=count)
    assert sorted(s.name for s in plan.services) == ["billing", "hr"]
    where = plan.assign(firm.nodes_of_kind("module"))
    assert where["firm.legacy"] == "billing"  # InvoiceBook is the larger class
    billing, hr = plan.service("billing"), plan.service("hr")
    assert billing.why is not None and hr.why is not None
    assert "class firm.legacy:StaffRoster (114 lines) is tied more to service hr" in billing.why
    assert "InvoiceBook" not in billing.why and "legacy" not in hr.why
    text = dump_plan(plan)
    assert ":StaffRoster" not in "".join(m for s in parse_plan(text).services for m in s.modules)
    assert parse_plan(text).assign(firm.nodes_of_kind("module")) == where
    assert "class firm.legacy:StaffRoster (114 lines) is tied more to service hr" in report.render(firm, plan)


def test_at_module_level_alone_the_module_follows_its_imports_and_nothing_is_advised(firm: CodeGraph) -> None:
    plan = splitter.split(firm, services=2, granularity=classes.Granularity(large_lines=0))
    assert plan.assign(firm.nodes_of_kind("module"))["firm.legacy"] == "hr"  # the blurred average of both classes
    assert all("tied more" not in (s.why or "") for s in plan.services)


def test_a_pinned_large_module_stays_where_the_user_put_it(firm: CodeGraph) -> None:
    previous = Plan(services=(ServicePlan(name="people", modules=("firm.hr", "firm.hr.*", "firm.legacy"),
                                          pinned=True),))
    plan = splitter.split(firm, services=2, previous=previous)
    where = plan.assign(firm.nodes_of_kind("module"))
    assert where["firm.legacy"] == "people" and where["firm.billing.invoices"] != "people"


def test_refine_never_empties_a_group_and_keeps_shared_homes(firm: CodeGraph) -> None:
    module_graph = units.build(firm)
    found = classes.choose(firm, module_graph)
    unit_graph = units.build(firm, unit_of=found.unit_of, module_of=found.module_of)
    billing = frozenset(m for m in module_graph.modules if m.startswith("firm.billing") or m == "firm")
    hr = frozenset(m for m in module_graph.modules if m.startswith("firm.hr"))
    alone = Proposal(groups=(billing, hr, frozenset({"firm.legacy"})), pinned={}, shared=frozenset(), home={},
                     placed={})
    kept, advice = classes.refine(alone, found, unit_graph, module_graph)
    assert frozenset({"firm.legacy"}) in kept.groups  # its own group: moving it would leave the group empty
    assert {a.cls for a in advice} == {"firm.legacy:InvoiceBook", "firm.legacy:StaffRoster"}
    drawn = {a.cls: kept.groups[a.group] for a in advice}
    assert "firm.billing.invoices" in drawn["firm.legacy:InvoiceBook"]
    assert "firm.hr.payroll" in drawn["firm.legacy:StaffRoster"]
    with_hr = Proposal(groups=(hr | {"firm.legacy"}, billing), pinned={}, shared=frozenset({"firm.billing.tax"}),
                       home={"firm.billing.tax": 1}, placed={})
    moved, advice = classes.refine(with_hr, found, unit_graph, module_graph)
    assert moved.groups == (billing | {"firm.legacy"}, hr)  # the larger group first, as everywhere
    assert moved.home == {"firm.billing.tax": 0}  # a shared module's home follows its group to its new index
    assert [a.cls for a in advice] == ["firm.legacy:StaffRoster"]
