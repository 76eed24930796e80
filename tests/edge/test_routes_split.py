"""The splitter's edge seam: routes grouped by blueprint / Django app, merged by the tables they write."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import pytest

from cleave.formats import FormatError
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import ServicePlan, load_plan, parse_plan, save_plan
from splitter import split
from splitter.edge_plan import detect_init
from splitter.routes import group_routes, routes_of
from tests.edge.graphs import django_site, flask_market


def test_flask_blueprints_become_services_merged_by_written_tables() -> None:
    plan = split(flask_market())
    names = [s.name for s in plan.services]
    # orders writes products (stock), which catalog writes too: they go together; auth and reviews stay apart.
    assert sorted(names) == ["auth", "catalog", "reviews"]
    first = plan.services[0]
    assert first.name == "catalog" and "/" in first.routes, "the service holding / is the fallback, listed first"
    assert set(first.routes) == {"/api/catalog/*", "/api/orders/*", "/"}
    assert plan.service("reviews").routes == ("/api/reviews/*",)
    assert all(s.is_edge and s.modules == () for s in plan.services)
    assert plan.entry == "market:create_app()"
    assert plan.database is not None and plan.database.engine == "sqlite"
    assert plan.database.variable == "DATABASE_URL" and set(plan.database.services) == set(names)
    assert any("whole source tree" in note for note in plan.notes)


def test_exact_service_count_merges_the_most_alike() -> None:
    assert len(split(flask_market(), services=2).services) == 2
    assert len(split(flask_market(), services=1).services) == 1


def test_django_apps_become_services() -> None:
    plan = split(django_site())
    assert sorted(s.name for s in plan.services) == ["blog", "polls"]
    assert plan.service("blog").routes == ("/blog/*",)
    assert plan.entry == "mysite.wsgi:application"


def test_pinned_edge_service_is_kept_and_names_survive() -> None:
    first = split(flask_market())
    renamed = [dataclasses.replace(s, name="shop", pinned=True) if s.name == "catalog" else s
               for s in first.services]
    again = split(flask_market(), previous=dataclasses.replace(first, services=tuple(renamed)))
    shop = again.service("shop")
    assert shop.pinned and shop.routes == first.service("catalog").routes
    assert sorted(s.name for s in again.services) == ["auth", "reviews", "shop"]


def test_interior_seam_still_available() -> None:
    plan = split(flask_market(), seam="interior")
    assert not any(s.is_edge for s in plan.services)


def test_a_stale_route_claim_stops_the_split() -> None:
    previous = parse_plan('format: cleave.plan/1\nservices:\n  a:\n    routes: ["/api/gone/*"]\n', "cleave.yaml")
    with pytest.raises(FormatError, match=r"cleave.yaml:4: route pattern '/api/gone/\*' of service 'a' matches no"):
        split(flask_market(), previous=previous)


def test_groups_are_deterministic() -> None:
    graph = flask_market()
    first = group_routes(graph, routes_of(graph))
    assert first == group_routes(graph, routes_of(graph))


def _app_graph(root: Path, framework: str, files: list[str], packages: tuple[str, ...] = ("flask-migrate",)) \
        -> CodeGraph:
    """A graph over real files under ``root``: a module node per ``.py`` file, the given package nodes."""
    graph = nx.MultiDiGraph()
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        if name.endswith(".py"):
            graph.add_node(name.removesuffix(".py").replace("/", "."), kind="module", file=name)
    for package in packages:
        graph.add_node(f"package:{package}", kind="package")
    return CodeGraph(graph=graph, source=str(root), meta={"framework": framework})


@pytest.mark.parametrize(("framework", "files", "packages", "init"), [
    ("flask", ["app.py", "migrations/env.py"], ("flask-migrate",), "flask --app app:create_app() db upgrade"),
    # an app that passes its own directory to Flask-Migrate (ihatemoney: ihatemoney/migrations)
    ("flask", ["money/__init__.py", "money/migrations/__init__.py", "money/migrations/env.py",
               "money/plugins/migrations/env.py"], ("flask-migrate",),
     "flask --app app:create_app() db upgrade --directory money/migrations"),
    ("flask", ["app.py", "migrations/env.py"], (), None),  # Alembic files without Flask-Migrate: no flask db
    ("flask", ["app.py", "alembic.ini", "alembic/env.py"], (), "alembic upgrade head"),
    ("django", ["manage.py", "site/settings.py"], (), "python manage.py migrate --noinput"),
    ("flask", ["app.py"], ("flask-migrate",), None),
])
def test_the_init_is_detected_from_the_app_layout(tmp_path: Path, framework: str, files: list[str],
                                                   packages: tuple[str, ...], init: str | None) -> None:
    assert detect_init(_app_graph(tmp_path, framework, files, packages), "app:create_app()") == init


def test_a_regex_route_with_a_repetition_is_claimed_by_its_literal_prefix(tmp_path: Path) -> None:
    """django-helpdesk's ``re_path(r"^datatables_ticket_list/(?P<query>(?:[A-Za-z0-9+/]{4})*...)$")``: its path
    cannot be a plan pattern (a '*' only ends a glob), so the plan claims ``/datatables/*``; the plan written by
    split parses again, and build's claims give the route to the same service."""
    graph = django_site()
    query = r"(?P<query>(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==)?$)"
    graph.graph.add_node("blog.views.table", kind="function")
    graph.graph.add_node(f"route:django: datatables/{query}", kind="route", framework="django", methods=[],
                         path=f"^datatables/{query}", regex=f"^/datatables/{query}", prefix="/datatables/",
                         name="table", file="blog/urls.py", line=9, source="static")
    graph.graph.add_edge(f"route:django: datatables/{query}", "blog.views.table", key="handles", kind="handles")
    plan = split(graph)
    claims = [claim for service in plan.services for claim in service.routes if "datatables" in claim]
    assert claims == ["/datatables/*"]
    path = tmp_path / "cleave.yaml"
    save_plan(plan, path)
    again = load_plan(path)
    owner = next(s.name for s in again.services if "/datatables/*" in s.routes)
    assert split(graph, previous=again).service(owner).routes == again.service(owner).routes


def test_an_interior_service_of_a_mixed_plan_survives_a_rerun() -> None:
    """A plan edited to use both seams (an interior service beside the edge ones) keeps it when split again."""
    first = split(flask_market())
    interior = ServicePlan(name="pricing", modules=("market.extensions",), replicas=2)
    again = split(flask_market(), previous=dataclasses.replace(first, services=(*first.services, interior)))
    assert again.service("pricing") == interior
    assert [s.name for s in again.services if s.is_edge] == [s.name for s in first.services]
    assert again.database is not None and "pricing" not in again.database.services
