"""The edge build: each edge service's tree is the monolith's whole source tree, the kit, and a ``service.json``
that makes the kit serve the monolith's own app and answer only the service's routes.

Pruning the tree per service is not done: what a view reaches through registrations and strings (models,
settings, templates, extensions, signal handlers) cannot be proven from the graph, so every edge service holds it
all (the plan's ``notes`` say so). What differs per service is the routing: ``routes`` (the regexes of the routes
it owns; ``route_mode: only``), or for the fallback service every route but those the others own
(``route_mode: except``), so the monolith's own 404, 405 and redirects answer what nobody claims.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan, ServicePlan
from cleave.formats.plan_edge import RouteRef, assign_routes, normalize_path
from cleave.formats.topology import RouteRule
from packager.errors import PackagerError

ROUTE_KIND: Final = "route"
EDGE_HEALTH_PATH: Final = "/_cleave/healthz"
_SKIPPED_DIRS: Final = frozenset({"__pycache__", "node_modules", "venv", ".venv", "site-packages", "env"})
_SKIPPED_SUFFIXES: Final = (".pyc", ".pyo", ".sqlite3", ".sqlite", ".db", ".db-journal", ".sqlite3-journal",
                            "-wal", "-shm")
_CONVERTERS: Final = {"int": r"\d+", "path": r".+", "uuid": r"[0-9a-fA-F-]{36}", "slug": r"[-a-zA-Z0-9_]+",
                      "float": r"\d+(?:\.\d+)?", "str": r"[^/]+", "string": r"[^/]+", "any": r"[^/]+"}
_VARIABLE: Final = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>|\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class EdgeRouting:
    """Which service answers which route: per service its rules, the gateway's table and the fallback."""

    rules: Mapping[str, tuple[RouteRule, ...]]
    table: tuple[RouteRule, ...]
    fallback: str


def path_regex(path: str) -> str:
    """An anchored regex for a Flask/Django/Starlette path pattern (used when a route node carries none)."""
    if path.startswith("^"):
        return path if path.endswith("$") else path + "$"
    out = ["^"]
    last = 0
    for match in _VARIABLE.finditer(path):
        out.append(re.escape(path[last:match.start()]))
        converter = match.group(1) or match.group(4) or "str"
        out.append(f"(?:{_CONVERTERS.get(converter, '[^/]+')})")
        last = match.end()
    out.append(re.escape(path[last:]) + "$")
    return "".join(out)


def _route_refs(code_graph: CodeGraph) -> list[tuple[RouteRef, str, str, int]]:
    graph = code_graph.graph
    found = []
    for node in code_graph.nodes_of_kind(ROUTE_KIND):
        data = graph.nodes[node]
        raw = str(data.get("path") or "/")
        path = normalize_path(raw)
        methods = tuple(sorted(str(m).upper() for m in data.get("methods") or ()))
        regex = str(data.get("regex") or path_regex(path))
        prefix = normalize_path(str(data.get("prefix") or path.split("<", 1)[0].split("{", 1)[0]))
        found.append((RouteRef(node, path, methods), regex, prefix, int(data.get("line") or 0)))
    return found


def edge_routing(plan: Plan, code_graph: CodeGraph) -> EdgeRouting:
    """Assign every route of the graph to an edge service (unclaimed ones to the fallback, the plan's first edge
    service); the gateway's table is ordered longest literal prefix first, as frameworks prefer static parts."""
    edge = [s for s in plan.services if s.is_edge]
    if not edge:
        raise PackagerError("the plan has no edge service", path=plan.origin)
    refs = _route_refs(code_graph)
    owners = assign_routes([s.route_claims for s in edge], [r[0] for r in refs], plan.origin)
    fallback = edge[0].name
    rules: dict[str, list[RouteRule]] = {s.name: [] for s in edge}
    table: list[tuple[tuple[int, int, str], RouteRule]] = []
    for ref, regex, prefix, line in refs:
        service = owners.get(ref.id, fallback)
        rule = RouteRule(methods=ref.methods, regex=regex, prefix=prefix, service=service)
        rules[service].append(rule)
        if service != fallback:
            table.append(((-len(prefix), line, ref.path), rule))
    return EdgeRouting(rules={name: tuple(found) for name, found in rules.items()},
                       table=tuple(rule for _, rule in sorted(table, key=lambda item: item[0])), fallback=fallback)


def copy_source_tree(src: Path, dest: Path) -> None:
    """Everything under ``src`` but VCS and virtualenv folders, caches and local database files."""
    root = src.resolve()
    for path in sorted(src.rglob("*")):
        relative = path.relative_to(src)
        if any(part.startswith(".") or part in _SKIPPED_DIRS for part in relative.parts[:-1]):
            continue
        if path.is_dir() or relative.name.startswith(".") or path.name.endswith(_SKIPPED_SUFFIXES):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise PackagerError(f"symlink points outside the source folder, to {path.resolve()}",
                                path=relative.as_posix(),
                                hint="copy the file into SRC or remove the link; a build holds only SRC's code")
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def settings_module(code_graph: CodeGraph, src: Path) -> str | None:
    """Django's settings module: the graph's ``meta.settings_module``, else ``DJANGO_SETTINGS_MODULE`` in
    manage.py / wsgi.py."""
    found = code_graph.meta.get("settings_module")
    if isinstance(found, str) and found:
        return found
    pattern = re.compile(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]")
    for path in [src / "manage.py", *sorted(src.glob("*/wsgi.py")), *sorted(src.glob("*/asgi.py"))]:
        if path.is_file():
            match = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                return match.group(1)
    return None


def database_json(plan: Plan, service: ServicePlan, code_graph: CodeGraph, src: Path) -> dict[str, Any] | None:
    """What the kit needs to point the app at the shared database (``service.json`` ``database``)."""
    database = plan.database
    if database is None or (database.services and service.name not in database.services):
        return None
    framework = code_graph.meta.get("framework")
    out: dict[str, Any] = {"engine": database.engine, "variable": database.variable,
                           "style": "django" if framework == "django" else "sqlalchemy"}
    if framework == "django":
        out["settings"] = settings_module(code_graph, src)
    return out


def service_json(name: str, plan: Plan, routing: EdgeRouting, database: Mapping[str, Any] | None,
                 requirements: Sequence[str]) -> dict[str, Any]:
    """The kit's ``service.json`` for edge service ``name``."""
    if name == routing.fallback:
        others = [rule for service, rules in routing.rules.items() if service != name for rule in rules]
        mode, rules = "except", others
    else:
        mode, rules = "only", list(routing.rules[name])
    return {"name": name, "interface": [], "calls": [], "entry": plan.entry, "health_path": EDGE_HEALTH_PATH,
            "seam": "edge", "route_mode": mode,
            "routes": [{"methods": list(rule.methods), "regex": rule.regex} for rule in rules],
            "database": dict(database) if database else None, "requirements": list(requirements)}


def write_edge_tree(root: Path, src: Path, document: Mapping[str, Any], kit: Path, kit_package: str) -> None:
    """The whole source tree, the kit and ``service.json`` (``requirements.txt`` from the document)."""
    root.mkdir(parents=True)
    copy_source_tree(src, root)
    if not kit.is_dir():
        raise PackagerError("the service kit is missing", path=kit, hint="reinstall cleave")
    shutil.copytree(kit, root / kit_package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "service.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    (root / "requirements.txt").write_text("".join(f"{line}\n" for line in document["requirements"]))
