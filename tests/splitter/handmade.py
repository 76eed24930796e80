"""Hand-built code graphs in the graph.json format, for tests that do not need the analyzer."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx

from cleave.formats.graph import CodeGraph


class GraphBuilder:
    """Add modules, functions, classes, variables, tables and edges with the attributes the analyzer writes."""

    def __init__(self) -> None:
        self.graph = nx.MultiDiGraph()

    def _file(self, module: str) -> str:
        return module.replace(".", "/") + ".py"

    def module(self, name: str, **attrs: Any) -> str:
        self.graph.add_node(name, kind="module", file=self._file(name), line=1, **attrs)
        return name

    def member(self, module: str, name: str, kind: str = "function", line: int = 1, **attrs: Any) -> str:
        node = f"{module}.{name}"
        self.graph.add_node(node, kind=kind, file=self._file(module), line=line, **attrs)
        self.edge(module, node, "contains")
        return node

    def table(self, name: str) -> str:
        node = f"table:{name}"
        self.graph.add_node(node, kind="table")
        return node

    def edge(self, u: str, v: str, kind: str, weight: int = 1, lines: tuple[int, ...] = (3,), **attrs: Any) -> None:
        self.graph.add_edge(u, v, key=kind, kind=kind, weight=weight, lines=list(lines), **attrs)

    def build(self) -> CodeGraph:
        return CodeGraph(graph=self.graph, source="src", analyzer="handmade")


DOMAINS = ("orders", "catalog", "customers", "billing")


def domain_graph(domains: tuple[str, ...] = DOMAINS, *, with_web: bool = True, with_util: bool = True) -> CodeGraph:
    """A shop-like monolith: per domain a models/db/service/views module with a table, a pure ``shop.util``
    used everywhere, a ``shop.web`` app calling each domain's service, one cross-domain call chain."""
    b = GraphBuilder()
    b.module("shop", is_package=True)
    if with_util:
        b.module("shop.util")
        fmt = b.member("shop.util", "fmt")
    for d in domains:
        pkg = b.module(f"shop.{d}", is_package=True)
        models = b.module(f"shop.{d}.models")
        db = b.module(f"shop.{d}.db")
        service = b.module(f"shop.{d}.service")
        views = b.module(f"shop.{d}.views")
        record = b.member(models, "Record", kind="class")
        save = b.member(db, "save")
        load = b.member(db, "load")
        table = b.table(d)
        b.edge(save, table, "uses_table", ops=["insert"])
        b.edge(load, table, "uses_table", ops=["select"])
        handle = b.member(service, "handle")
        b.edge(handle, save, "calls", weight=3)
        b.edge(handle, load, "calls", weight=2)
        b.edge(handle, record, "calls")
        b.edge(service, db, "imports")
        b.edge(service, models, "imports")
        b.edge(db, models, "imports")
        show = b.member(views, "show")
        b.edge(show, handle, "calls", weight=2)
        b.edge(views, service, "imports")
        b.edge(pkg, service, "imports")
        if with_util:
            for m in (service, views, db):
                b.edge(m, "shop.util", "imports")
            b.edge(handle, fmt, "calls")
    for a, c in itertools.pairwise(domains):
        b.edge(f"shop.{a}.service.handle", f"shop.{c}.service.handle", "calls")
        b.edge(f"shop.{a}.service", f"shop.{c}.service", "imports")
    if with_web:
        b.module("shop.web")
        app = b.member("shop.web", "application", kind="variable")
        route = b.member("shop.web", "route")
        b.edge(route, app, "reads")
        for d in domains:
            b.edge(route, f"shop.{d}.views.show", "calls")
            b.edge("shop.web", f"shop.{d}.views", "imports")
    return b.build()
