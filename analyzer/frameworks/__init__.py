"""What Flask, Django, FastAPI/Starlette and SQLAlchemy code means beyond names: routes, ORM tables and their
references, framework strings as imports, environment reads, module roles, entry candidates.

The walker records the calls that matter as sites (:mod:`analyzer.sites`); :func:`apply` reads them once all
files' facts are known, adding to the graph builder: ``env``: :mod:`.env`; string imports: :mod:`.settings`;
tables: :mod:`.orm`; routes: :mod:`.web` (Flask, Starlette) and :mod:`.django_urls`; roles: :mod:`.roles`;
entries: :mod:`.entry`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from analyzer.frameworks import django_urls, dynamic, entry, env, orm, roles, settings, web
from analyzer.frameworks import routes as R
from analyzer.frameworks.common import Builder, Context
from cleave.formats.graph import Diagnostic

_FRAMEWORK_PACKAGES = (("django", "django"), ("fastapi", "fastapi"), ("flask", "flask"), ("quart", "flask"),
                       ("starlette", "starlette"))


def apply(builder: Builder, models: Mapping[str, orm.ModelTable], root: Path | None,
          dynamic: bool | None = None) -> None:
    """Add every framework reading to ``builder`` (nodes, edges, ``meta``, diagnostics). ``dynamic``: read the
    routes from the running app too (None: when the monolith's own environment has the framework)."""
    ctx = Context(builder)
    settings.apply(ctx)
    env.apply(ctx)
    orm.references(ctx, dict(models))
    found = web.routes(ctx) + django_urls.routes(ctx)
    used = set(builder.dists.used)
    framework = next((name for package, name in _FRAMEWORK_PACKAGES if package in used), None)
    if ctx.meta.get("settings_module"):
        framework = "django"
    ctx.meta["framework"] = framework
    roles.apply(ctx)
    candidates = entry.candidates(ctx, root)
    ctx.meta["entry_candidates"] = candidates
    if len(candidates) > 1:
        listed = ", ".join(f"{c['target']} ({c['evidence']})" for c in candidates)
        builder.diagnostics.append(Diagnostic(".", 0, "entry-ambiguous",
                                              f"several app entries: {listed}; pass --entry MODULE:ATTR to choose"))
    if root is not None and framework is not None and _wants_dynamic(builder, framework, dynamic):
        found = _dynamic(ctx, found, framework, root, candidates)
    R.emit(ctx, found)


def _wants_dynamic(builder: Builder, framework: str, dynamic: bool | None) -> bool:
    if dynamic is not None:
        return dynamic
    environment = builder.dists.environment
    if environment is None or environment.python == sys.executable:
        return False  # cleave's own environment: not the app's
    return (framework if framework != "starlette" else "starlette") in environment.versions


def _dynamic(ctx: Context, found: list[R.Route], framework: str, root: Path,
             candidates: list[dict[str, object]]) -> list[R.Route]:
    builder = ctx.builder
    python = builder.dists.environment.python if builder.dists.environment is not None else sys.executable
    settings_module = str(ctx.meta.get("settings_module") or "")
    if framework != "django" and len(candidates) != 1:
        builder.diagnostics.append(Diagnostic(".", 0, "routes-dynamic-skipped",
                                              "routes read from the code only: no single app entry to import"))
        return found
    target = str(candidates[0]["target"]) if candidates else ""
    result = dynamic.read(python, root, target, framework, settings_module)
    if isinstance(result, str):
        builder.diagnostics.append(Diagnostic(".", 0, "routes-dynamic-failed",
                                              f"could not import the app to read its URL map ({result}): "
                                              "routes read from the code only"))
        return found
    kept, diagnostics = dynamic.reconcile(found, result, framework, set(builder.nodes))
    builder.diagnostics.extend(diagnostics)
    ctx.meta["routes_dynamic"] = True
    return kept
