"""Module roles (``migration``, ``test``, ``settings``, ``urls``, ``wsgi``, ``asgi``, ``manage``; ``code`` is
left unsaid): migrations stay with the app they migrate and are never a service of their own."""

from __future__ import annotations

from typing import Final

from analyzer import facts as F
from analyzer.frameworks.common import Context

_TEST_NAMES: Final = ("tests", "test", "conftest")


def _is_migration(parts: list[str], file: F.FileFacts) -> bool:
    """Django ``migrations/`` (and the package itself), Alembic/Flask-Migrate ``versions/`` and ``env.py``."""
    last = parts[-1]
    if "migrations" in parts[:-1] or (last == "migrations" and file.is_package):
        return True
    variables = {name for name, _, _ in file.variables}
    return ("versions" in parts[:-1] and "down_revision" in variables) or (
        last == "env" and len(parts) > 1 and parts[-2] in ("migrations", "alembic"))


def role(ctx: Context, module: str, settings_modules: set[str], urlconfs: set[str]) -> str:
    """The role of one module."""
    parts = module.split(".")
    last = parts[-1]
    file = ctx.files[module]
    checks = (
        ("migration", _is_migration(parts, file)),
        ("test", last in _TEST_NAMES or last.startswith("test_") or last.endswith("_test") or "tests" in parts[:-1]),
        ("settings", module in settings_modules or (
            (last == "settings" or "settings" in parts[:-1]) and bool(file.settings))),
        ("urls", module in urlconfs or last == "urls"),
        ("wsgi", last == "wsgi"), ("asgi", last == "asgi"), ("manage", module == "manage"),
    )
    return next((name for name, matched in checks if matched), "code")


def apply(ctx: Context) -> None:
    """Set ``role`` on every analyzed module node whose role is not ``code``."""
    settings_modules = {str(ctx.meta["settings_module"])} if ctx.meta.get("settings_module") else set()
    urlconfs = {m for file in ctx.files.values() for s in file.settings if s.name == "ROOT_URLCONF"
                for m in s.values}
    for module in ctx.files:
        found = role(ctx, module, settings_modules, urlconfs)
        if found != "code":
            ctx.builder.nodes[module]["role"] = found
