"""Ground truth for bench/realapps.py, run in django-helpdesk's own virtualenv: the tables its migrations
create (Django's migration loader) and its URL map (``get_resolver``). Prints two JSON lines."""

from __future__ import annotations

import json
from typing import Any

import django.apps
from django.conf import settings

APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sites", "account",
        "pinax.invitations", "pinax.teams", "reversion", "helpdesk"]


def tables() -> list[str]:
    """helpdesk's tables in the state its migrations leave (M2M through tables included)."""
    from django.db.migrations.loader import MigrationLoader
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    found: set[str] = set()
    for (label, name), model in state.models.items():
        if label != "helpdesk":
            continue
        table = model.options.get("db_table") or f"{label}_{name}"
        found.add(table)
        for field_name, field in model.fields.items():
            if field.get_internal_type() == "ManyToManyField" and not field.remote_field.through:
                found.add(f"{table}_{field_name}")
    return sorted(found)


def urls() -> list[str]:
    """Every pattern of helpdesk.urls, includes expanded."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns: Any, prefix: str = "") -> list[str]:
        out: list[str] = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                out += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                out.append(prefix + str(pattern.pattern))
        return out
    return sorted(walk(get_resolver("helpdesk.urls").url_patterns))


if __name__ == "__main__":
    settings.configure(INSTALLED_APPS=APPS, SITE_ID=1, USE_TZ=True, ROOT_URLCONF="helpdesk.urls",
                       DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    django.apps.apps.populate(settings.INSTALLED_APPS)
    print(json.dumps(tables()))
    print(json.dumps(urls()))
