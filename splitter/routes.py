"""The edge seam: group a framework app's URL routes into services (``services.<name>.routes`` in the plan).

Each route (the analyzer's ``route`` nodes, with a ``handles`` edge to its view) starts in the domain a person would
name: its Flask blueprint (the endpoint's ``bp.`` prefix), else the package of its view module (``orders`` for
``shop.orders.views``: a Django app); the app's own routes (``/``, a framework's admin) join the largest. An app
with one such domain (or none) whose views live in several modules is split by those modules instead
(:func:`view_module_keys`: django-helpdesk's ``views/staff.py``, ``kb.py``, ``api.py``, ``public.py``), a module with
a single route joining the most alike. Domains
that write the same tables then merge, the pair sharing the most written tables first (splitting them would put one
table's writers in two services), never below two services unless asked; ``services=N`` merges the most alike
(tables and code reached) down to N. Every service runs the whole app, so nothing is refused: the grouping only
decides which replicas answer which paths. The service holding ``/`` (else the largest) is the ``fallback``: the
gateway sends it every path no route claims, so 404s, 405s and trailing-slash redirects are the monolith's own.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cleave.formats.graph import CodeGraph
from cleave.formats.plan_edge import RouteRef, assign_routes, normalize_path
from splitter.naming import sanitize

ROUTE_KIND = "route"
_SKIPPED_SEGMENTS = frozenset({"api", "views", "view", "urls", "routes", "endpoints", "viewsets", "handlers", "web",
                            "blueprints", "apps"})
_GENERIC_SEGMENTS = _SKIPPED_SEGMENTS - {"api"}
"""Module names that say nothing of a domain; ``api`` does once the app is known (a single app's REST views)."""
MIN_VIEW_MODULE_ROUTES = 2
REACH_DEPTH = 4
MAX_SERVICES = 12
_WRITE_OPS = frozenset({"insert", "update", "delete", "create", "write"})


@dataclass(frozen=True)
class Route:
    """A route node as the splitter uses it."""

    id: str
    path: str
    methods: tuple[str, ...]
    name: str | None
    view: str | None
    framework: str
    line: int

    @property
    def ref(self) -> RouteRef:
        return RouteRef(self.id, self.path, self.methods)


@dataclass(frozen=True)
class RouteGroup:
    """One proposed edge service: its name, routes, the tables they write and read, and why."""

    name: str
    routes: tuple[Route, ...]
    writes: frozenset[str]
    reads: frozenset[str]
    why: str


def routes_of(code_graph: CodeGraph) -> list[Route]:
    """Every route node, with the view its ``handles`` edge names, in source order."""
    graph = code_graph.graph
    views: dict[str, str] = {}
    for route, view, _ in code_graph.edges_of_kind("handles"):
        views.setdefault(route, view)
    found = []
    for node in code_graph.nodes_of_kind(ROUTE_KIND):
        data = graph.nodes[node]
        found.append(Route(id=node, path=normalize_path(str(data.get("path") or "/")),
                           methods=tuple(sorted(str(m).upper() for m in data.get("methods") or ())),
                           name=data.get("name"), view=views.get(node), framework=str(data.get("framework") or ""),
                           line=int(data.get("line") or 0)))
    return sorted(found, key=lambda r: (r.path, r.methods, r.id))


def _module_of(node: str, modules: frozenset[str]) -> str | None:
    parts = node.split(".")
    for cut in range(len(parts), 0, -1):
        candidate = ".".join(parts[:cut])
        if candidate in modules:
            return candidate
    return None


APP_LEVEL = "@app"
"""The key of routes registered on the app itself (no blueprint, a view in the project's root module): they join
the largest domain, which then usually holds ``/`` and becomes the fallback."""


PROJECT_MODULES = ("settings", "wsgi", "asgi")


def _package(module: str) -> str:
    return module.rpartition(".")[0]


def project_packages(modules: frozenset[str]) -> frozenset[str]:
    """Packages that hold the project's wiring (``settings``, ``wsgi``, ``asgi``), not a domain: Django's
    ``mysite``."""
    return frozenset(_package(m) for m in modules if m.rpartition(".")[2] in PROJECT_MODULES and "." in m)


def domain_key(route: Route, modules: frozenset[str], root: tuple[str, ...]) -> str:
    """The domain a person would name for ``route``: its blueprint, else its view's package (a Django app); routes
    of the app itself and views outside the project are the app's own (``APP_LEVEL``)."""
    if route.framework == "flask" and route.name:
        return route.name.split(".", 1)[0] if "." in route.name else APP_LEVEL
    module = _module_of(route.view, modules) if route.view else None
    if module is not None and _package(module) in project_packages(modules):
        return APP_LEVEL  # the project's own views (Django's settings package, a Flask app module)
    if module is not None:
        parts = [p for p in module.split(".")[len(root):] if p not in _SKIPPED_SEGMENTS]
        if not parts or (len(module.split(".")) <= len(root) + 1 and route.framework != "django"):
            return APP_LEVEL
        return parts[0]
    return APP_LEVEL  # no view in the project (a framework's admin, docs), or one the reading could not link


def view_module_keys(routes: Sequence[Route], keys: Mapping[str, str], modules: frozenset[str],
                     root: tuple[str, ...]) -> dict[str, str] | None:
    """When the app has one domain (or none) but its views live in several modules (django-helpdesk's single app:
    ``views/staff.py``, ``views/public.py``, ``views/kb.py``, ``views/api.py``; a Flask app's ``@app`` routes over
    ``users.py`` and ``posts.py``), those modules are the domains a person would name: route id -> the view
    module's name (its last segment that says more than ``views``). None when that gives fewer than two."""
    if len(set(keys.values()) - {APP_LEVEL}) > 1:
        return None
    project = project_packages(modules)
    refined = dict(keys)
    for route in routes:
        module = _module_of(route.view, modules) if route.view else None
        if module is None or _package(module) in project or len(module.split(".")) <= len(root):
            continue  # the framework's own routes, the project's wiring, the root package: the app's own
        named = [part for part in module.split(".")[len(root):] if part not in _GENERIC_SEGMENTS]
        if named:
            refined[route.id] = named[-1]
    return refined if len(set(refined.values()) - {APP_LEVEL}) > 1 else None


def _fold_single_routes(drafts: dict[str, _Draft]) -> None:
    """A view module with a single route (a login view) is no service of its own: it joins the most alike."""
    for key in sorted(k for k, d in drafts.items() if k != APP_LEVEL and len(d.routes) < MIN_VIEW_MODULE_ROUTES):
        others = [d for k, d in drafts.items() if k not in {key, APP_LEVEL}]
        if len(others) < 2:  # two domains stay
            return
        single = drafts.pop(key)
        max(others, key=lambda d: (_similarity(d, single), len(d.routes), d.keys[0])).absorb(single)


def _reach(code_graph: CodeGraph, start: str) -> set[str]:
    """Project nodes a view reaches through calls (and a class's methods), ``REACH_DEPTH`` steps deep."""
    graph = code_graph.graph
    seen = {start}
    frontier = [start]
    for _ in range(REACH_DEPTH):
        step = []
        for node in frontier:
            if node not in graph:
                continue
            for _, target, key in graph.out_edges(node, keys=True):
                if key in ("calls", "contains") and target not in seen:
                    seen.add(target)
                    step.append(target)
        frontier = step
    return seen


def tables_of(code_graph: CodeGraph, nodes: Iterable[str]) -> tuple[set[str], set[str]]:
    """(tables written, tables read) by ``nodes``."""
    graph = code_graph.graph
    writes: set[str] = set()
    reads: set[str] = set()
    for node in nodes:
        if node not in graph:
            continue
        for _, table, key, data in graph.out_edges(node, keys=True, data=True):
            if key != "uses_table":
                continue
            access = set(data.get("access") or ())
            ops = set(data.get("ops") or ())
            if "declare" in ops and not access:
                continue
            name = str(table).removeprefix("table:")
            if "write" in access or ops & _WRITE_OPS:
                writes.add(name)
            if "read" in access or "select" in ops or not (access or ops):
                reads.add(name)
    return writes, reads


@dataclass
class _Draft:
    keys: list[str]
    routes: list[Route]
    writes: set[str]
    reads: set[str]
    code: set[str]

    def absorb(self, other: _Draft) -> None:
        self.keys += other.keys
        self.routes += other.routes
        self.writes |= other.writes
        self.reads |= other.reads
        self.code |= other.code


def _similarity(a: _Draft, b: _Draft) -> float:
    tables_a, tables_b = a.writes | a.reads, b.writes | b.reads
    tables = len(tables_a & tables_b) / max(1, len(tables_a | tables_b))
    code = len(a.code & b.code) / max(1, len(a.code | b.code))
    return 2 * len(a.writes & b.writes) + tables + code


def group_routes(code_graph: CodeGraph, routes: Sequence[Route], services: int | None = None) -> list[RouteGroup]:
    """Group ``routes`` into edge services (see the module docstring); largest first, deterministic."""
    modules = frozenset(code_graph.nodes_of_kind("module"))
    from splitter.naming import common_root

    root = common_root(m for m in modules if "." in m) if len({m.split(".")[0] for m in modules}) == 1 else ()
    keys = {route.id: domain_key(route, modules, root) for route in routes}
    refined = view_module_keys(routes, keys, modules, root)
    drafts: dict[str, _Draft] = {}
    for route in routes:
        key = (refined or keys)[route.id]
        reached = _reach(code_graph, route.view) if route.view else set()
        writes, reads = tables_of(code_graph, reached)
        draft = drafts.setdefault(key, _Draft([key], [], set(), set(), set()))
        draft.routes.append(route)
        draft.writes |= writes
        draft.reads |= reads
        draft.code |= {n for n in reached if n != route.view}
    if refined:
        _fold_single_routes(drafts)
    app_level = drafts.pop(APP_LEVEL, None)
    if app_level is not None and drafts:
        max(drafts.values(), key=lambda d: (len(d.routes), d.keys[0])).absorb(app_level)
    elif app_level is not None:
        drafts["web"] = dataclasses.replace(app_level, keys=["web"])
    groups = sorted(drafts.values(), key=lambda d: d.keys[0])
    floor = services if services is not None else min(2, len(groups))
    while len(groups) > max(1, floor):
        pairs = [(_similarity(a, b), -i, -j, i, j) for i, a in enumerate(groups) for j, b in enumerate(groups)
                 if i < j]
        best = max(pairs)
        must = services is not None and len(groups) > services
        if not must and not groups[best[3]].writes & groups[best[4]].writes:
            break
        keep, gone = groups[best[3]], groups[best[4]]
        if len(gone.routes) > len(keep.routes):
            keep, gone = gone, keep
        keep.absorb(gone)
        groups.remove(gone)
    while services is None and len(groups) > MAX_SERVICES:
        smallest = min(groups, key=lambda d: (len(d.routes), d.keys[0]))
        groups.remove(smallest)
        max(groups, key=lambda d: (_similarity(d, smallest), -len(d.routes))).absorb(smallest)
    return _finish(groups)


def _finish(groups: list[_Draft]) -> list[RouteGroup]:
    out: list[RouteGroup] = []
    taken: set[str] = set()
    for draft in sorted(groups, key=lambda d: (-len(d.routes), d.keys[0])):
        name = sanitize(draft.keys[0])
        while name in taken:
            name = sanitize(f"{name}-{len(taken)}")
        taken.add(name)
        others = list(draft.keys[1:])
        why = f"{len(draft.routes)} route(s) of {', '.join([draft.keys[0], *others])}"
        if draft.writes:
            why += f"; writes tables {', '.join(sorted(draft.writes)[:6])}" + (" ..." if len(draft.writes) > 6
                                                                               else "")
        out.append(RouteGroup(name=name, routes=tuple(sorted(draft.routes, key=lambda r: (r.path, r.methods))),
                              writes=frozenset(draft.writes), reads=frozenset(draft.reads), why=why))
    return out


def fallback_of(groups: Sequence[RouteGroup]) -> str | None:
    """The group that answers paths nobody claims: the one holding ``/``, else the largest."""
    for group in groups:
        if any(route.path == "/" for route in group.routes):
            return group.name
    return groups[0].name if groups else None


def claims_for(group: RouteGroup, all_routes: Sequence[Route], owner: Mapping[str, str]) -> list[str]:
    """The plan's ``routes`` strings for ``group``: ``/prefix/*`` where the group owns every route under a prefix
    (two or more), else exact paths (with methods only where another service answers the same path)."""
    mine = {r.id for r in group.routes}
    claims: list[str] = []
    covered: set[str] = set()
    prefixes: dict[str, list[Route]] = defaultdict(list)
    for route in group.routes:
        segments = route.path.split("/")
        for cut in range(2, len(segments)):
            literal = "/".join(segments[:cut])
            if "<" in literal or "(" in literal or "{" in literal or not segments[cut - 1]:
                break
            prefixes[literal + "/"].append(route)
    for prefix in sorted(prefixes, key=lambda p: (len(p), p)):
        under = [r for r in all_routes if r.path.startswith(prefix) or r.path == prefix[:-1]]
        if len(under) >= 2 and all(r.id in mine for r in under) and not any(r.id in covered for r in under):
            claims.append(prefix + "*")
            covered |= {r.id for r in under}
    for route in group.routes:
        if route.id in covered:
            continue
        if "*" in route.path:  # a regex route (Django ``re_path``): a plan pattern may only end with '*'
            text = _literal_prefix(route.path) + "*"
            if text not in claims:
                claims.append(text)
            continue
        same_path = [r for r in all_routes if r.path == route.path]
        if all(owner.get(r.id) == group.name for r in same_path):
            text = route.path
        else:
            text = f"{','.join(route.methods)} {route.path}" if route.methods else route.path
        if text not in claims:
            claims.append(text)
    return claims


def _literal_prefix(path: str) -> str:
    """The part of a route path before its first variable, regex group or repetition, cut after its last '/'."""
    cut = min((i for i, char in enumerate(path) if char in "<{([*?+\\$"), default=len(path))
    return path[:cut].rpartition("/")[0] + "/"


def assign(code_graph: CodeGraph, claims: Sequence[tuple[str, Sequence[str], int | None]],
           origin: str) -> dict[str, str]:
    """Route id -> service from the plan's claims (errors name the plan line)."""
    return assign_routes(claims, [route.ref for route in routes_of(code_graph)], origin)
