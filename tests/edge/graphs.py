"""Small framework-app graphs, as the analyzer writes them (route, handles, uses_table, reads_env), for the
edge-seam tests: a Flask market with four blueprints and a Django site with two apps."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from cleave.formats.graph import CodeGraph


def _route(graph: nx.MultiDiGraph, framework: str, methods: Iterable[str], path: str, view: str,
           name: str | None, regex: str, line: int) -> None:
    ms = sorted(methods)
    node = f"route:{framework}:{','.join(ms)} {path}"
    prefix = path.split("<", 1)[0]
    graph.add_node(node, kind="route", framework=framework, methods=ms, path=path, regex=regex, prefix=prefix,
                   name=name, file="x.py", line=line, source="static")
    graph.add_edge(node, view, key="handles", kind="handles", weight=1, lines=[line])


def _table(graph: nx.MultiDiGraph, user: str, table: str, access: list[str]) -> None:
    graph.add_node(f"table:{table}", kind="table")
    graph.add_edge(user, f"table:{table}", key="uses_table", kind="uses_table", weight=1, lines=[1], access=access,
                   ops=[])


def flask_market(source: str = "market-src") -> CodeGraph:
    """auth (users), catalog (products), orders (orders, writes products stock), reviews (reviews), index ``/``."""
    graph = nx.MultiDiGraph()
    modules = ["market", "market.auth", "market.auth.routes", "market.catalog", "market.catalog.routes",
               "market.orders", "market.orders.routes", "market.reviews", "market.reviews.routes",
               "market.extensions"]
    for module in modules:
        graph.add_node(module, kind="module", file=module.replace(".", "/") + ".py")
    views = {"auth": ["login", "register"], "catalog": ["list_products", "get_product", "create_product"],
             "orders": ["list_orders", "place_order"], "reviews": ["list_reviews", "add_review"]}
    for bp, names in views.items():
        for view in names:
            graph.add_node(f"market.{bp}.routes.{view}", kind="function")
    graph.add_node("market.index", kind="function")
    line = 10
    for methods, path, view, name, regex in [
        (["POST"], "/api/auth/login", "market.auth.routes.login", "auth.login", r"^/api/auth/login$"),
        (["POST"], "/api/auth/register", "market.auth.routes.register", "auth.register", r"^/api/auth/register$"),
        (["GET"], "/api/catalog/products", "market.catalog.routes.list_products", "catalog.list_products",
         r"^/api/catalog/products$"),
        (["POST"], "/api/catalog/products", "market.catalog.routes.create_product", "catalog.create_product",
         r"^/api/catalog/products$"),
        (["GET"], "/api/catalog/products/<int:pid>", "market.catalog.routes.get_product", "catalog.get_product",
         r"^/api/catalog/products/(?P<pid>\d+)$"),
        (["GET"], "/api/orders/", "market.orders.routes.list_orders", "orders.list_orders", r"^/api/orders/$"),
        (["POST"], "/api/orders/", "market.orders.routes.place_order", "orders.place_order", r"^/api/orders/$"),
        (["GET"], "/api/reviews/<int:pid>", "market.reviews.routes.list_reviews", "reviews.list_reviews",
         r"^/api/reviews/(?P<pid>\d+)$"),
        (["POST"], "/api/reviews/<int:pid>", "market.reviews.routes.add_review", "reviews.add_review",
         r"^/api/reviews/(?P<pid>\d+)$"),
        (["GET"], "/", "market.index", "index", r"^/$"),
    ]:
        _route(graph, "flask", methods, path, view, name, regex, line)
        line += 1
    _table(graph, "market.auth.routes.register", "users", ["write"])
    _table(graph, "market.auth.routes.login", "users", ["read"])
    for view in views["catalog"]:
        _table(graph, f"market.catalog.routes.{view}", "products", ["read", "write"] if "create" in view
               else ["read"])
    _table(graph, "market.orders.routes.place_order", "orders", ["write"])
    _table(graph, "market.orders.routes.place_order", "products", ["write"])
    _table(graph, "market.orders.routes.list_orders", "orders", ["read"])
    for view in views["reviews"]:
        _table(graph, f"market.reviews.routes.{view}", "reviews", ["read", "write"])
    graph.add_node("env:DATABASE_URL", kind="env")
    graph.add_edge("market.extensions", "env:DATABASE_URL", key="reads_env", kind="reads_env",
                   default="sqlite:///market.db", lines=[3])
    return CodeGraph(graph=graph, source=source, meta={"framework": "flask",
                                                       "entry_candidates": [{"target": "market:create_app()",
                                                                             "kind": "wsgi"}]})


def django_site(source: str = "site-src") -> CodeGraph:
    """Two Django apps, ``blog`` and ``polls``, and the site's settings."""
    graph = nx.MultiDiGraph()
    for module in ["mysite", "mysite.settings", "mysite.urls", "mysite.wsgi", "blog", "blog.views", "polls",
                   "polls.views"]:
        graph.add_node(module, kind="module", file=module.replace(".", "/") + ".py")
    graph.add_node("mysite.wsgi.application", kind="variable")
    for view in ["blog.views.post_list", "blog.views.post_detail", "polls.views.index", "polls.views.vote"]:
        graph.add_node(view, kind="function")
    _route(graph, "django", [], "blog/", "blog.views.post_list", "post_list", r"^/blog/$", 1)
    _route(graph, "django", [], "blog/<int:pk>/", "blog.views.post_detail", "post_detail", r"^/blog/(?P<pk>\d+)/$",
           2)
    _route(graph, "django", [], "polls/", "polls.views.index", "index", r"^/polls/$", 3)
    _route(graph, "django", [], "polls/<int:pk>/vote/", "polls.views.vote", "vote", r"^/polls/(?P<pk>\d+)/vote/$",
           4)
    _table(graph, "blog.views.post_list", "blog_post", ["read"])
    _table(graph, "polls.views.vote", "polls_choice", ["write"])
    return CodeGraph(graph=graph, source=source, meta={"framework": "django", "settings_module": "mysite.settings"})


def notes_app(source: str) -> CodeGraph:
    """The graph of tests/edge/assets/notes, as the analyzer would write it for a framework app."""
    graph = nx.MultiDiGraph()
    for module in ["notes", "notes.initdb", "notes.wordcount"]:
        path = "notes/__init__.py" if module == "notes" else module.replace(".", "/") + ".py"
        graph.add_node(module, kind="module", file=path)
    graph.add_node("notes.create_app", kind="function")
    graph.add_node("notes.route", kind="function")
    for methods, path, regex, line in [(["GET", "POST"], "/notes", r"^/notes$", 1),
                                       (["GET"], "/notes/<int:id>", r"^/notes/(?P<id>\d+)$", 2),
                                       (["GET"], "/notes/<int:id>/words", r"^/notes/(?P<id>\d+)/words$", 6),
                                       (["GET", "POST"], "/tags", r"^/tags$", 3), (["GET"], "/", r"^/$", 4),
                                       (["GET"], "/whoami", r"^/whoami$", 5)]:
        _route(graph, "flask", methods, path, "notes.route", None, regex, line)
    graph.add_node("env:DATABASE_URL", kind="env")
    graph.add_edge("notes", "env:DATABASE_URL", key="reads_env", kind="reads_env", default="sqlite:///notes.db",
                   lines=[20])
    return CodeGraph(graph=graph, source=source, meta={"framework": "flask"})
