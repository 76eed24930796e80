"""Framework rules on small real programs (Flask + Flask-SQLAlchemy, Django, FastAPI + SQLAlchemy 2.0): routes,
ORM tables and references, framework strings, environment reads, roles and entries, with the exact result."""

from __future__ import annotations

from typing import Any

import pytest

from cleave.formats.graph import CodeGraph
from tests.analyzer._util import edge, edges, run


def _routes(graph: CodeGraph) -> dict[str, tuple[str | None, str, str, str | None]]:
    """route id -> (view, regex, prefix, name)."""
    found = {}
    for node, data in graph.graph.nodes(data=True):
        if data.get("kind") == "route":
            views = [v for _, v, k in graph.graph.out_edges(node, keys=True) if k == "handles"]
            found[node] = (views[0] if views else None, data["regex"], data["prefix"], data["name"])
    return found


def _tables(graph: CodeGraph) -> dict[str, tuple[str, str]]:
    return {n: (d["orm"], d["table"]) for n, d in graph.graph.nodes(data=True) if d.get("orm")}


def _uses(graph: CodeGraph, access: bool = True) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(u, v, tuple(d["access"] if access else d["ops"])) for u, v, d in graph.edges_of_kind("uses_table")
            if d["access"] or not access}


def _env(graph: CodeGraph) -> set[tuple[str, str, Any]]:
    return {(u, v, d["default"]) for u, v, d in graph.edges_of_kind("reads_env")}


@pytest.fixture(scope="module")
def flask() -> CodeGraph:
    return run("fw_flask")


def test_flask_routes_with_blueprint_prefixes(flask: CodeGraph) -> None:
    assert _routes(flask) == {
        "route:flask:GET /health": ("shop.health", "^/health$", "/health", "health"),
        "route:flask:GET,POST /api/users/<int:user_id>": (
            "shop.users.views.show", r"^/api/users/(?P<user_id>\d+)$", "/api/users/", "users.show"),
        "route:flask:GET /api/users/": ("shop.users.views.listing", "^/api/users/$", "/api/users/", "users.listing"),
        "route:flask:GET /api/users/me": ("shop.users.views.Profile", "^/api/users/me$", "/api/users/me",
                                          "users.profile"),
        "route:flask:POST /api/orders/": ("shop.orders.views.place", "^/api/orders/$", "/api/orders/",
                                          "orders.place"),
        "route:flask:GET /api/orders/<int:order_id>": (
            "shop.orders.views.show", r"^/api/orders/(?P<order_id>\d+)$", "/api/orders/", "orders.show"),
        "route:flask:DELETE /api/orders/<int:order_id>": (
            "shop.orders.views.cancel", r"^/api/orders/(?P<order_id>\d+)$", "/api/orders/", "orders.cancel"),
    }
    node = flask.graph.nodes["route:flask:GET,POST /api/users/<int:user_id>"]
    assert (node["framework"], node["methods"], node["file"], node["line"], node["source"]) == (
        "flask", ["GET", "POST"], "shop/users/views.py", 10, "static")


def test_flask_sqlalchemy_models_tables_and_queries(flask: CodeGraph) -> None:
    assert _tables(flask) == {
        "shop.users.models.User": ("sqlalchemy", "user"),  # implicit snake_case name
        "shop.users.models.AdminUser": ("sqlalchemy", "user"),  # single-table inheritance
        "shop.users.models.UserProfile": ("sqlalchemy", "profiles"),
        "shop.orders.models.Order": ("sqlalchemy", "orders"),
        "shop.orders.models.Item": ("sqlalchemy", "item"),
    }
    assert _uses(flask) == {
        ("shop.users.views.show", "table:user", ("read",)),  # User.query.filter_by(...).first_or_404()
        ("shop.users.views.listing", "table:user", ("read",)),  # db.session.execute(db.select(User))
        ("shop.orders.views.place", "table:orders", ("write",)),  # db.session.add(Order())
        ("shop.orders.views.show", "table:orders", ("read",)),  # db.session.query(Order)
        ("shop.orders.views.cancel", "table:orders", ("read", "write")),  # Order.query.filter_by().delete()
    }
    assert edge(flask, "shop.orders.models", "table:order_items", "uses_table")["ops"] == ["declare"]
    assert edges(flask, "references") == {
        ("table:orders", "table:user"), ("table:orders", "table:item"), ("table:order_items", "table:orders"),
        ("table:order_items", "table:item"), ("table:profiles", "table:user")}
    assert edge(flask, "table:orders", "table:user", "references")["lines"] == [13, 15]  # FK + relationship


def test_flask_env_reads_and_entry(flask: CodeGraph) -> None:
    assert _env(flask) == {("shop.create_app", "env:DATABASE_URL", "sqlite:///shop.db"),
                           ("shop.create_app", "env:SECRET_KEY", None),
                           ("shop.orders.views", "env:PAGE_SIZE", "20")}
    assert flask.meta["framework"] == "flask"
    assert flask.meta["entry_candidates"] == [
        {"target": "shop:create_app()", "kind": "wsgi", "framework": "flask", "evidence": "Procfile:1"}]


@pytest.fixture(scope="module")
def django() -> CodeGraph:
    return run("fw_django")


def test_django_routes_through_includes(django: CodeGraph) -> None:
    assert _routes(django) == {
        "route:django:* /": ("blog.views.home", "^/$", "/", "home"),
        "route:django:* /blog/posts/": ("blog.views.post_list", "^/blog/posts/$", "/blog/posts/", "posts"),
        "route:django:* /blog/posts/<int:pk>/": ("blog.views.PostDetail", r"^/blog/posts/(?P<pk>\d+)/$",
                                                 "/blog/posts/", "post"),
        "route:django:* /blog/more/feed/": ("blog.views.post_list", "^/blog/more/feed/$", "/blog/more/feed/",
                                            "feed"),
        "route:django:* /archive/(?P<year>[0-9]{4})/": ("blog.views.archive", "^/archive/(?P<year>[0-9]{4})/$",
                                                        "/archive/", "archive"),
    }


def test_django_models_tables_and_references(django: CodeGraph) -> None:
    assert _tables(django) == {
        "accounts.models.Member": ("django", "accounts_member"),
        "blog.models.Tag": ("django", "blog_tag"),
        "blog.models.Post": ("django", "blog_entries"),  # Meta.db_table; Stamped is abstract
        "blog.models.Comment": ("django", "blog_comment"),
    }
    assert edges(django, "references") == {
        ("table:blog_entries", "table:accounts_member"),  # settings.AUTH_USER_MODEL
        ("table:blog_entries", "table:blog_entries"),  # "self"
        ("table:blog_comment", "table:blog_entries"),  # "blog.Post"
        ("table:blog_entries_tags", "table:blog_entries"),  # implicit M2M through table
        ("table:blog_entries_tags", "table:blog_tag"),
    }
    assert edge(django, "blog.models.Post", "table:blog_entries_tags", "uses_table")["ops"] == ["declare"]
    assert _uses(django, access=False) - {(u, v, o) for u, v, o in _uses(django, access=False) if o == ("declare",)} \
        == {("blog.views.home", "table:blog_entries", ("select",)),
            ("blog.views.post_list", "table:blog_comment", ("insert",)),
            ("blog.views.post_list", "table:accounts_member", ("select",)),  # get_user_model().objects.all()
            ("blog.views.archive", "table:blog_entries", ("select", "update"))}  # a chained .update()


def test_django_strings_are_imports(django: CodeGraph) -> None:
    strings = {(u, v) for u, v, d in django.edges_of_kind("imports") if d.get("string")}
    assert strings == {("manage", "mysite.settings"), ("mysite.wsgi", "mysite.settings"),
                       ("mysite.settings", "mysite.urls"), ("mysite.settings", "mysite.wsgi"),
                       ("mysite.settings", "accounts"), ("mysite.settings", "blog.apps"),
                       ("mysite.settings", "mysite.middleware"), ("mysite.urls", "blog.urls")}
    assert ("mysite.settings", "package:corsheaders") in edges(django, "uses_package")


def test_django_roles_env_and_entry(django: CodeGraph) -> None:
    roles = {n: d["role"] for n, d in django.graph.nodes(data=True) if d.get("role")}
    assert roles == {"blog.migrations": "migration", "blog.migrations.0001_initial": "migration",
                     "blog.urls": "urls", "mysite.urls": "urls", "mysite.settings": "settings",
                     "mysite.wsgi": "wsgi", "manage": "manage"}
    assert django.meta["excluded_tests"] == ["blog/tests.py"]
    assert "blog.tests" not in django.graph
    assert _env(django) == {("mysite.settings", "env:DJANGO_SECRET_KEY", "dev"),
                            ("mysite.settings", "env:DJANGO_DEBUG", "False"),
                            ("manage", "env:DJANGO_SETTINGS_MODULE", "mysite.settings"),
                            ("mysite.wsgi", "env:DJANGO_SETTINGS_MODULE", "mysite.settings")}
    assert (django.meta["framework"], django.meta["settings_module"]) == ("django", "mysite.settings")
    assert django.meta["entry_candidates"] == [{"target": "mysite.wsgi:application", "kind": "wsgi",
                                                "framework": "django", "evidence": "mysite/settings.py:7"}]


@pytest.fixture(scope="module")
def fastapi() -> CodeGraph:
    return run("fw_fastapi")


def test_fastapi_starlette_routes_and_sqlalchemy(fastapi: CodeGraph) -> None:
    assert _routes(fastapi) == {
        "route:starlette:GET /": ("api.main.root", "^/$", "/", "root"),
        "route:starlette:GET /admin/stats": ("api.settings.health", "^/admin/stats$", "/admin/stats", "health"),
        "route:starlette:GET /api/items/{item_id}": ("api.routers.items.read", "^/api/items/(?P<item_id>[^/]+)$",
                                                     "/api/items/", "read"),
        "route:starlette:POST,PUT /api/items/": ("api.routers.items.write", "^/api/items/$", "/api/items/",
                                                 "write"),
    }
    assert _tables(fastapi) == {"api.models.Owner": ("sqlalchemy", "owners"),
                                "api.models.Item": ("sqlalchemy", "items")}
    assert edges(fastapi, "references") == {("table:items", "table:owners"), ("table:item_tags", "table:items")}
    assert _uses(fastapi) == {("api.routers.items.read", "table:items", ("read",)),  # select(Item)
                              ("api.routers.items.write", "table:items", ("write",))}  # session.add(Item())
    assert _env(fastapi) == {("api.settings", "env:DATABASE_URL", "sqlite:///./api.db")}
    assert (fastapi.meta["framework"], fastapi.meta["entry_candidates"]) == ("fastapi", [
        {"target": "api.main:app", "kind": "asgi", "framework": "fastapi", "evidence": "Dockerfile:2"}])


def test_several_entries_ask_for_one(tmp_path: Any) -> None:
    (tmp_path / "a.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "b.py").write_text("from flask import Flask\nweb = Flask(__name__)\n")
    graph = run(tmp_path)
    assert [c["target"] for c in graph.meta["entry_candidates"]] == ["a:app", "b:web"]
    [message] = [d.message for d in graph.diagnostics if d.code == "entry-ambiguous"]
    assert message == ("several app entries: a:app (a.py:2), b:web (b.py:2); pass --entry MODULE:ATTR to choose")
