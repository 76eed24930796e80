"""The dynamic reading of routes: import the app in its own environment (a subprocess of the monolith's
interpreter, in SRC) and list its real URL map: Flask ``app.url_map.iter_rules()``, Django
``get_resolver().url_patterns``, Starlette/FastAPI ``app.routes``. Where it and the static reading disagree,
the dynamic one wins and a diagnostic says so.

Run only when asked, or when the monolith's environment has the framework installed and an entry is known; it
imports the app (its module-level code runs), within :data:`TIMEOUT_S`.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Final

from analyzer.frameworks import routes as R
from cleave.formats.graph import Diagnostic

TIMEOUT_S: Final = 60

_SCRIPT: Final = r'''
import importlib, json, os, sys
target, framework, settings = sys.argv[1], sys.argv[2], sys.argv[3]
out = []
def name_of(func):
    func = getattr(func, "view_class", None) or getattr(func, "cls", None) or func
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}"
if framework == "django":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django
    django.setup()
    from django.urls import URLResolver, get_resolver
    from django.urls.resolvers import RegexPattern
    def walk(patterns, prefix, regex):
        for p in patterns:
            is_regex = regex or isinstance(p.pattern, RegexPattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), is_regex)
            else:
                out.append({"path": prefix + str(p.pattern), "methods": [], "name": p.name,
                            "view": name_of(p.callback), "regex": is_regex})
    walk(get_resolver().url_patterns, "", False)
else:
    module, _, attr = target.partition(":")
    app = importlib.import_module(module)
    for part in attr.removesuffix("()").split("."):
        app = getattr(app, part)
    if attr.endswith("()"):
        app = app()
    if framework == "flask":
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            out.append({"path": rule.rule, "methods": sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}),
                        "name": rule.endpoint, "view": name_of(app.view_functions.get(rule.endpoint))})
    else:
        def walk(routes, prefix):
            for route in routes:
                sub = getattr(route, "routes", None)
                if sub is not None and not hasattr(route, "endpoint"):
                    walk(sub, prefix + route.path)
                elif hasattr(route, "endpoint"):
                    methods = sorted(set(getattr(route, "methods", None) or ()) - {"HEAD", "OPTIONS"})
                    out.append({"path": prefix + route.path, "methods": methods, "name": route.name,
                                "view": name_of(route.endpoint)})
        walk(app.routes, "")
print("CLEAVE-ROUTES " + json.dumps(out))
'''


DATABASE_VARIABLES: Final = ("DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "DATABASE_URI", "DB_URL", "SQLALCHEMY_URL")
"""Pointed at a scratch SQLite file for the reading: an app factory may create or migrate its database when it is
called (ihatemoney does), and must touch neither the source tree nor a database the environment names."""


def read(python: str, root: Path, target: str, framework: str, settings: str) -> list[dict[str, Any]] | str:
    """The app's real routes, or why they could not be read (one line)."""
    with tempfile.TemporaryDirectory(prefix="cleave-routes-") as scratch:
        env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1", "DATA_DIR": scratch,
               **dict.fromkeys(DATABASE_VARIABLES, f"sqlite:///{scratch}/routes.sqlite3")}
        try:
            done = subprocess.run([python, "-c", _SCRIPT, target, framework, settings], cwd=root, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{type(error).__name__}: {error}"
    for line in done.stdout.splitlines()[::-1]:
        if line.startswith("CLEAVE-ROUTES "):
            found: list[dict[str, Any]] = json.loads(line.removeprefix("CLEAVE-ROUTES "))
            return found
    return (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]


def _route(framework: str, item: dict[str, Any], nodes: set[str]) -> R.Route:
    path = str(item["path"])
    kind = "starlette" if framework in ("fastapi", "starlette") else framework
    if kind == "django":
        if item.get("regex"):
            path, regex, prefix = R.regex_pattern([path])
            view = item["view"] if item["view"] in nodes else None
            return R.Route("django", (), path, regex, prefix, item.get("name"), "", 0, view, "dynamic")
        path = "/" + path
    methods = tuple(sorted(item.get("methods") or ()))
    view = item["view"] if item["view"] in nodes else None
    regex, prefix = R.pattern(kind, path)
    return R.Route(kind, methods, path, regex, prefix, item.get("name"), "", 0, view, "dynamic")


def reconcile(static: list[R.Route], found: list[dict[str, Any]], framework: str,
              nodes: set[str]) -> tuple[list[R.Route], list[Diagnostic]]:
    """The routes to keep: the dynamic reading's, keeping the static route's file/line/view where both agree,
    and a diagnostic for each route only one reading has."""
    dynamic = {r.node: r for r in (_route(framework, item, nodes) for item in found)}
    by_node = {r.node: r for r in static}
    out: list[R.Route] = []
    diagnostics: list[Diagnostic] = []
    for node, route in dynamic.items():
        known = by_node.get(node)
        if known is not None:
            out.append(known)
        else:
            out.append(route)
            diagnostics.append(Diagnostic(".", 0, "route-dynamic-only",
                                          f"{route.node}: in the app's URL map but not found in the code "
                                          f"(added from the dynamic reading)"))
    for node, route in by_node.items():
        if node not in dynamic:
            diagnostics.append(Diagnostic(route.file, route.line, "route-static-only",
                                          f"{node}: found in the code but not in the app's URL map (dropped)"))
    return out, diagnostics
