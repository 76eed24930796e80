"""What Flask, Django, FastAPI/Starlette and SQLAlchemy code means beyond names: routes, ORM tables and their
references, framework strings as imports, environment reads, module roles, entry candidates.

The walker records the calls that matter as sites (:mod:`analyzer.sites`); :func:`apply` reads them once all
files' facts are known, adding to the graph builder: ``env``: :mod:`.env`; string imports: :mod:`.settings`;
tables: :mod:`.orm`; routes: :mod:`.web` (Flask, Starlette) and :mod:`.django_urls`; roles: :mod:`.roles`;
entries: :mod:`.entry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from analyzer.frameworks import django_urls, entry, env, orm, roles, settings, web
from analyzer.frameworks import routes as R
from analyzer.frameworks.common import Builder, Context
from cleave.formats.graph import Diagnostic

_FRAMEWORK_PACKAGES = (("django", "django"), ("fastapi", "fastapi"), ("flask", "flask"), ("quart", "flask"),
                       ("starlette", "starlette"))


def apply(builder: Builder, models: Mapping[str, orm.ModelTable], root: Path | None) -> None:
    """Add every framework reading to ``builder`` (nodes, edges, ``meta``, diagnostics)."""
    ctx = Context(builder)
    settings.apply(ctx)
    env.apply(ctx)
    orm.references(ctx, dict(models))
    found = web.routes(ctx) + django_urls.routes(ctx)
    R.emit(ctx, found)
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
