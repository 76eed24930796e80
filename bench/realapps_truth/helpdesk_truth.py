import json, sys
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sites", "account", "pinax.invitations", "pinax.teams", "reversion", "helpdesk"], SITE_ID=1,
                   DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
                   USE_TZ=True)
django.setup(set_prefix=False) if False else None
from django.apps import apps
apps.populate(settings.INSTALLED_APPS)
from django.db.migrations.loader import MigrationLoader
loader = MigrationLoader(None, ignore_no_migrations=True)
state = loader.project_state()
tables = set()
for (label, name), model in state.models.items():
    if label != "helpdesk": continue
    opts = model.options
    table = opts.get("db_table") or f"{label}_{name}"
    tables.add(table)
    for fname, field in model.fields.items():
        if field.get_internal_type() == "ManyToManyField" and not getattr(field, "remote_field", None).through:
            tables.add(f"{table}_{fname}")
print(json.dumps(sorted(tables)))
from django.urls import get_resolver, URLPattern, URLResolver
settings.ROOT_URLCONF = "helpdesk.urls"
def walk(patterns, prefix=""):
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += walk(p.url_patterns, prefix + str(p.pattern))
        else:
            out.append(prefix + str(p.pattern))
    return out
try:
    print(json.dumps(sorted(walk(get_resolver("helpdesk.urls").url_patterns))))
except Exception as e:
    print("urls failed", type(e).__name__, e)
