"""The plan's edge fields: routes, seam, env, database, init; round trips and one-line errors naming the line."""

from __future__ import annotations

import textwrap

import pytest

from cleave.formats import FormatError
from cleave.formats.plan import dump_plan, parse_plan
from cleave.formats.plan_edge import FromEnv, FromFile, RouteRef, assign_routes, redact_url

PLAN = textwrap.dedent("""\
    format: cleave.plan/1
    entry: market:create_app()
    services:
      catalog:
        seam: edge
        routes: ["/api/catalog/*", "GET /"]
        replicas: 3
        env: {PAGE_SIZE: 20}
      orders:
        routes: ["GET,POST /api/orders/"]
    database: {engine: postgresql, variable: DATABASE_URL, services: [catalog, orders]}
    env:
      SECRET_KEY: {from_env: MARKET_SECRET}
      TOKEN: {from_file: secrets/token}
      MODE: production
    init: flask --app market db upgrade
    """)

ROUTES = [RouteRef("a", "/api/catalog/products", ("GET",)), RouteRef("b", "/api/catalog/products", ("POST",)),
          RouteRef("c", "/api/orders/", ("GET", "POST")), RouteRef("d", "/", ("GET",))]


def test_edge_fields_parse_and_round_trip() -> None:
    plan = parse_plan(PLAN, "cleave.yaml")
    catalog, orders = plan.services
    assert catalog.is_edge and orders.is_edge and catalog.modules == ()
    assert catalog.routes == ("/api/catalog/*", "GET /") and catalog.replicas == 3
    assert catalog.env == {"PAGE_SIZE": "20"}
    assert plan.database is not None and plan.database.engine == "postgresql"
    assert plan.database.services == ("catalog", "orders") and plan.database.variable == "DATABASE_URL"
    assert plan.env == {"SECRET_KEY": FromEnv("MARKET_SECRET"), "TOKEN": FromFile("secrets/token"),
                        "MODE": "production"}
    assert plan.init == "flask --app market db upgrade"
    assert dump_plan(parse_plan(dump_plan(plan), "again.yaml")) == dump_plan(plan)
    assert "from_env: MARKET_SECRET" in dump_plan(plan)


def test_route_claims_assign_exact_over_glob() -> None:
    owners = assign_routes([("catalog", ["/api/catalog/*", "GET /"], 4), ("special", ["POST /api/catalog/products"],
                                                                          9)], ROUTES, "cleave.yaml")
    assert owners == {"a": "catalog", "b": "special", "d": "catalog"}


def test_a_route_pattern_matching_nothing_names_the_line() -> None:
    with pytest.raises(FormatError) as caught:
        assign_routes([("orders", ["/api/ordrs/*"], 7)], ROUTES, "cleave.yaml")
    assert str(caught.value).startswith("cleave.yaml:7: route pattern '/api/ordrs/*' of service 'orders' matches "
                                        "no route of the app")


def test_two_services_claiming_one_route() -> None:
    with pytest.raises(FormatError) as caught:
        assign_routes([("a", ["/api/orders/"], 3), ("b", ["/api/orders/"], 6)], ROUTES, "cleave.yaml")
    assert "cleave.yaml:6: route '/api/orders/' is claimed by two services: 'a' (/api/orders/) and 'b'" in \
        str(caught.value)


@pytest.mark.parametrize(("snippet", "message"), [
    ('  x:\n    routes: ["FETCH /a"]\n', "'FETCH' is not an HTTP method"),
    ('  x:\n    routes: ["api/*"]\n', "must start with '/'"),
    ("  x:\n    seam: outer\n    modules: [a]\n", "seam of 'x' must be one of edge, interior"),
    ("  x:\n    routes: [/a]\ndatabase: {engine: mysql}\n", "database engine 'mysql' is not one of"),
    ("  x:\n    routes: [/a]\ndatabase: {url: 'postgresql://u:pw@h/db'}\n", "database.url holds a password"),
    ("  x:\n    routes: [/a]\ndatabase: {services: [y]}\n", "database.services names no such service: 'y'"),
    ("  x:\n    routes: [/a]\nenv: {A: {from_vault: x}}\n", "env.A must be text, a number"),
])
def test_bad_edge_fields(snippet: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_plan("format: cleave.plan/1\nservices:\n" + snippet, "cleave.yaml")


def test_redact_url() -> None:
    assert redact_url("postgresql://app:s3cret@db.example/shop") == "postgresql://app@db.example/shop"
    assert redact_url("sqlite:////data/app.sqlite3") == "sqlite:////data/app.sqlite3"
