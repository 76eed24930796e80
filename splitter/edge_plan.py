"""The plan of an edge split: route groups as services, plus the shared database, the environment and the init.

A framework app (graph ``meta.framework`` set, with route nodes) is split at the edge by default
(:func:`wants_edge`). Each service runs the whole app, so the plan says so in ``notes``: pruning the source tree per
service is not proven safe (views reach models, settings, templates and extensions by strings and registrations).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan, Resources, Rules, ServicePlan
from cleave.formats.plan_edge import Database
from splitter import routes as route_groups
from splitter.errors import SplitterError
from splitter.gateway import find_entry

DB_VARIABLES: Final = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "DATABASE_URI", "DB_URL", "SQLALCHEMY_URL")
WHOLE_TREE_NOTE: Final = ("edge services hold the whole source tree: pruning it per service is not proven safe "
                          "(views reach models, settings and templates through registrations and strings)")


def wants_edge(code_graph: CodeGraph, previous: Plan | None, seam: str | None = None) -> bool:
    """Edge split when asked, when the previous plan has edge services, or for a framework app with routes."""
    if seam is not None:
        return seam == "edge"
    if previous is not None:
        return any(s.is_edge for s in previous.services)
    return bool(code_graph.meta.get("framework")) and bool(code_graph.nodes_of_kind(route_groups.ROUTE_KIND))


def database_variable(code_graph: CodeGraph) -> tuple[str | None, str | None]:
    """(the environment variable the app reads its database URL from, its default), when it reads one."""
    found: dict[str, str | None] = {}
    for _, env, data in code_graph.edges_of_kind("reads_env"):
        name = str(env).removeprefix("env:")
        default = data.get("default")
        if name in DB_VARIABLES or (isinstance(default, str) and default.startswith(("sqlite:", "postgres"))):
            found.setdefault(name, default if isinstance(default, str) else None)
    for name in (*DB_VARIABLES, *sorted(found)):
        if name in found:
            return name, found[name]
    return None, None


def detect_init(code_graph: CodeGraph, entry: str | None) -> str | None:
    """Django ``migrate``, Flask-Migrate ``db upgrade`` or ``alembic upgrade head``, when the app has them."""
    framework = code_graph.meta.get("framework")
    source = Path(code_graph.source)
    modules = set(code_graph.nodes_of_kind("module"))
    if framework == "django" and ("manage" in modules or (source / "manage.py").is_file()):
        return "python manage.py migrate --noinput"
    packages = {p.removeprefix("package:") for p in code_graph.nodes_of_kind("package")}
    migrations = _migrations_folder(source, modules)
    if framework == "flask" and "flask-migrate" in packages and entry and migrations is not None:
        directory = "" if migrations == "migrations" else f" --directory {migrations}"
        return f"flask --app {entry} db upgrade{directory}"
    if (source / "alembic.ini").is_file():
        return "alembic upgrade head"
    return None


def _migrations_folder(source: Path, modules: set[str]) -> str | None:
    """The Alembic environment of a Flask-Migrate app, relative to SRC: ``migrations`` (Flask-Migrate's default)
    when it is there, else the shallowest ``<package>/migrations`` holding an ``env.py`` (an app that names its
    own ``directory``)."""
    if (source / "migrations" / "env.py").is_file() or "migrations.env" in modules:
        return "migrations"
    found = sorted((m.count("."), m) for m in modules if m.endswith(".migrations.env"))
    return found[0][1].removesuffix(".env").replace(".", "/") if found else None


def _previous_names(groups: Sequence[route_groups.RouteGroup], previous: Plan | None,
                    owner: dict[str, str]) -> dict[str, str]:
    """New group name -> the previous plan's unpinned service it overlaps most (names survive reruns)."""
    if previous is None:
        return {}
    candidates = {s.name for s in previous.services if not s.pinned}
    votes = sorted((-count, group.name, name) for group in groups
                   for name, count in Counter(owner.get(r.id) for r in group.routes).items() if name in candidates)
    renamed: dict[str, str] = {}
    for _, group_name, name in votes:
        if group_name not in renamed and name not in renamed.values():
            renamed[group_name] = name
    return renamed


def split_edge(code_graph: CodeGraph, *, services: int | None = None, entry: str | None = None,
               previous: Plan | None = None, seed: int = 42) -> Plan:
    """Propose edge services for a framework app (see splitter/routes.py); pinned services are kept as written."""
    all_routes = route_groups.routes_of(code_graph)
    if not all_routes:
        raise SplitterError("the app has no routes to split at the edge", path=code_graph.source,
                            hint="check `cleave analyze` found the framework, or split with --seam interior")
    origin = previous.origin if previous else "<plan>"
    entry_ref = _entry(code_graph, entry if entry is not None else (previous.entry if previous else None))
    # pinned services, and interior ones (a mixed plan: the edge split never proposes them), stay as written
    pinned = [s for s in previous.services if s.pinned or not s.is_edge] if previous else []
    claims = [s.route_claims for s in previous.services if s.is_edge] if previous else []
    owner = route_groups.assign(code_graph, claims, origin) if claims else {}
    pinned_names = {s.name for s in pinned}
    free = [r for r in all_routes if owner.get(r.id) not in pinned_names]
    wanted = None if services is None else max(1, services - len(pinned))
    groups = route_groups.group_routes(code_graph, free, wanted) if free else []
    renamed = _previous_names(groups, previous, owner)
    groups = [route_groups.RouteGroup(renamed.get(g.name, g.name), g.routes, g.writes, g.reads, g.why)
              for g in groups]
    new_owner = {r.id: g.name for g in groups for r in g.routes}
    new_owner.update({rid: name for rid, name in owner.items() if name in pinned_names})
    fallback = route_groups.fallback_of(groups)
    before = {s.name: s for s in previous.services} if previous else {}
    plans: list[ServicePlan] = []
    for group in groups:
        old = before.get(group.name)
        plans.append(ServicePlan(
            name=group.name, modules=(), seam="edge",
            routes=tuple(route_groups.claims_for(group, all_routes, new_owner)),
            replicas=old.replicas if old else 1, resources=old.resources if old else Resources(),
            requirements=old.requirements if old else (), env=old.env if old else {},
            why=group.why + ("; answers every path no route claims (the app's 404/405)"
                             if group.name == fallback else "")))
    plans += pinned
    plans.sort(key=lambda s: (s.name != fallback, -len(s.routes), s.name))
    edge_names = tuple(s.name for s in plans if s.is_edge)
    return Plan(services=tuple(plans), source=code_graph.source, entry=entry_ref, seed=seed,
                rules=previous.rules if previous else Rules(),
                database=_database(code_graph, previous, edge_names),
                env=previous.env if previous else {},
                init=previous.init if previous and previous.init else detect_init(code_graph, entry_ref),
                notes=(WHOLE_TREE_NOTE,), metrics=_metrics(groups), origin=origin)


def _entry(code_graph: CodeGraph, entry: str | None) -> str | None:
    if entry is not None:
        return entry if entry.endswith("()") else find_entry(code_graph, entry)
    candidates = [c.get("target") for c in code_graph.meta.get("entry_candidates") or () if isinstance(c, dict)
                  and c.get("kind", "wsgi") == "wsgi"] or [c.get("target") for c in
                                                            code_graph.meta.get("entry_candidates") or ()
                                                            if isinstance(c, dict)]
    targets = [t for t in candidates if isinstance(t, str) and ":" in t]
    for target in targets:  # one the graph defines (``market:app`` from ``flask --app market`` may not exist)
        module, _, attr = target.partition(":")
        if f"{module}.{attr.removesuffix('()').split('.')[0]}" in code_graph.graph:
            return target
    if targets:
        return targets[0]
    found = find_entry(code_graph, None)
    if found is not None and found.partition(":")[0].endswith(".asgi"):
        wsgi = found.partition(":")[0].removesuffix(".asgi") + ".wsgi"
        if wsgi in code_graph.nodes_of_kind("module"):
            return f"{wsgi}:application"  # the kit serves WSGI natively; Django has both
    return found


def _database(code_graph: CodeGraph, previous: Plan | None, edge_names: tuple[str, ...]) -> Database | None:
    variable, _default = database_variable(code_graph)
    old = previous.database if previous else None
    if old is not None:
        kept = tuple(s for s in old.services if s in edge_names) or edge_names
        return Database(engine=old.engine, url=old.url, services=kept, variable=old.variable or variable)
    if variable is None and code_graph.meta.get("framework") != "django" and not code_graph.nodes_of_kind("table"):
        return None
    return Database(engine="sqlite", services=edge_names, variable=variable)


def _metrics(groups: Sequence[route_groups.RouteGroup]) -> dict[str, object]:
    writers: dict[str, list[str]] = {}
    for group in groups:
        for table in group.writes:
            writers.setdefault(table, []).append(group.name)
    return {"seam": "edge", "routes": sum(len(g.routes) for g in groups),
            "per_service": {g.name: {"routes": len(g.routes), "writes": sorted(g.writes), "reads": sorted(g.reads)}
                            for g in groups},
            "tables_written_by_several": {t: sorted(s) for t, s in sorted(writers.items()) if len(s) > 1}}
