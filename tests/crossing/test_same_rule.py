"""One rule, two stages: the blockers ``cleave build`` refuses are the ones ``cleave split``/``cleave check`` name,
for hand-written plans and for the plans split proposes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analyzer
import splitter
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan, load_plan, parse_plan, save_plan
from packager.build import build_services
from packager.errors import StubError, UnsafeCrossingError
from splitter.check import check
from tests.crossing.programs import PROGRAMS, Program
from tests.packager.helpers import make_plan, write_tree

PLANTED = Path(__file__).resolve().parents[1] / "assets" / "crossing" / "planted"


def split_blockers(code_graph: CodeGraph, plan: Plan) -> set[tuple[str | None, str]]:
    """What split's rule names for ``plan`` (``cleave check``: the plan's services taken as written)."""
    return {(b.where, b.target) for b in check(code_graph, plan).open_blockers}


def build_blockers(src: Path, code_graph: CodeGraph, plan: Plan, out: Path) -> set[tuple[str | None, str]]:
    """What ``cleave build`` refuses for ``plan`` (empty when it builds); a refusal of another kind fails."""
    try:
        build_services(src, plan, code_graph, out)
    except UnsafeCrossingError as refused:
        assert not out.exists() or not any(out.iterdir()), "a refused build wrote something"
        return {(b.where, b.target) for b in refused.crossings}
    except StubError as error:  # the packager refused something the rule let through: two rules again
        pytest.fail(f"build refused what split allowed: {error}")
    return set()


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_split_and_build_name_the_same_blockers(tmp_path: Path, program: Program) -> None:
    src = write_tree(tmp_path / "src", program.files)
    code_graph = analyzer.analyze(src)
    plan = make_plan(program.services, shared=program.shared)
    named = split_blockers(code_graph, plan)
    assert named == set(program.blockers)
    assert build_blockers(src, code_graph, plan, tmp_path / "build") == named


def test_the_five_planted_blockers(tmp_path: Path) -> None:
    code_graph = analyzer.analyze(PLANTED)
    plan = load_plan(PLANTED / "cleave.yaml")
    expected = {
        ("ledger/tally.py:3", "ledger.tally.HITS"),      # a shared module's global written by orders and billing
        ("ledger/orders.py:16", "ledger.billing.charge"),  # on_done=receipts.append: a bound method
        ("ledger/billing.py:18", "table:orders"),          # UPDATE on the table orders owns
        ("ledger/orders.py:12", "ledger.store.db"),        # -> sqlite3.Connection
        ("ledger/orders.py:17", "ledger.billing.lines"),   # a generator
    }
    assert split_blockers(code_graph, plan) == expected
    assert build_blockers(PLANTED, code_graph, plan, tmp_path / "build") == expected
    whys = {b.target: b.why or "" for b in check(code_graph, plan).open_blockers}
    assert "billing" in whys["ledger.tally.HITS"] and "orders" in whys["ledger.tally.HITS"]  # named, with writers
    assert "connection" in whys["ledger.store.db"]
    assert "owned by service orders" in whys["table:orders"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(program=st.sampled_from(PROGRAMS), services=st.integers(min_value=2, max_value=3), seed=st.integers(0, 9))
def test_plans_split_proposes_build_with_the_same_blockers(tmp_path_factory: pytest.TempPathFactory,
                                                           program: Program, services: int, seed: int) -> None:
    root = tmp_path_factory.mktemp("proposed")
    src = write_tree(root / "src", program.files)
    code_graph = analyzer.analyze(src)
    proposed = splitter.split(code_graph, services=services, seed=seed, seam="interior")
    save_plan(proposed, root / "cleave.yaml")
    plan = load_plan(root / "cleave.yaml")  # what build reads is what split wrote
    written = {(b.where, b.target) for b in plan.blockers(unaccepted_only=True)}
    as_if_by_hand = dataclasses.replace(plan, boundaries=())  # build must find them again from the code
    assert build_blockers(src, code_graph, as_if_by_hand, root / "build") == written


def test_hand_edited_plan_is_checked_at_build(tmp_path: Path) -> None:
    """A plan whose blockers were deleted by hand is refused all the same."""
    src = write_tree(tmp_path / "src", PROGRAMS[0].files)
    code_graph = analyzer.analyze(src)
    text = "format: cleave.plan/1\nservices:\n  main: {modules: [app, app.main]}\n  common: {modules: [app.common]}\n"
    plan = parse_plan(text, "cleave.yaml")
    assert not plan.boundaries
    with pytest.raises(UnsafeCrossingError) as refused:
        build_services(src, plan, code_graph, tmp_path / "build")
    assert [b.where for b in refused.value.crossings] == ["app/main.py:5"]
    assert not (tmp_path / "build").exists()
