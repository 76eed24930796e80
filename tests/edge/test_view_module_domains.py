"""One app, several view modules: the modules are the domains (django-helpdesk's shape), on programs written to disk
and analyzed for real; an app with several domains keeps them as they are."""

from __future__ import annotations

from pathlib import Path

from analyzer import analyze
from splitter import split

DJANGO_SETTINGS = '''SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes", "desk"]
ROOT_URLCONF = "site.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
'''
DJANGO_MODELS = '''from django.db import models


class Ticket(models.Model):
    title = models.CharField(max_length=100)


class Article(models.Model):
    body = models.TextField()
'''
STAFF = '''from django.http import JsonResponse
from desk.models import Ticket


def dashboard(request):
    return JsonResponse({"open": Ticket.objects.count()})


def ticket(request, pk):
    return JsonResponse({"title": Ticket.objects.get(pk=pk).title})


def create(request):
    return JsonResponse({"id": Ticket.objects.create(title=request.POST["title"]).pk})
'''
KB = '''from django.http import JsonResponse
from desk.models import Article


def index(request):
    return JsonResponse({"articles": list(Article.objects.values_list("pk", flat=True))})


def article(request, pk):
    return JsonResponse({"body": Article.objects.get(pk=pk).body})
'''
API_READS = '''from django.http import JsonResponse
from desk.models import Ticket


def tickets(request):
    return JsonResponse({"tickets": list(Ticket.objects.values("pk", "title"))})


def ticket(request, pk):
    return JsonResponse({"title": Ticket.objects.get(pk=pk).title})
'''
API_WRITES = API_READS.replace('return JsonResponse({"title": Ticket.objects.get(pk=pk).title})',
                               'Ticket.objects.filter(pk=pk).update(title=request.POST.get("title", ""))\n'
                               '    return JsonResponse({"ok": True})')
AUTH = '''from django.http import JsonResponse


def login(request):
    return JsonResponse({"user": request.POST.get("user")})
'''
URLS = '''from django.urls import path
from desk.views import api, auth, kb, staff

urlpatterns = [
    path("staff/", staff.dashboard),
    path("staff/tickets/<int:pk>/", staff.ticket),
    path("staff/tickets/new/", staff.create),
    path("kb/", kb.index),
    path("kb/<int:pk>/", kb.article),
    path("api/tickets/", api.tickets),
    path("api/tickets/<int:pk>/", api.ticket),
    path("login/", auth.login),
]
'''


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _django_desk(root: Path, api: str) -> Path:
    """One Django app, ``desk``, whose views are four modules (staff, kb, api, auth)."""
    return _write(root, {
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")\n',
        "site/__init__.py": "", "site/settings.py": DJANGO_SETTINGS,
        "site/urls.py": 'from django.urls import include, path\nurlpatterns = [path("", include("desk.urls"))]\n',
        "desk/__init__.py": "", "desk/models.py": DJANGO_MODELS, "desk/urls.py": URLS,
        "desk/views/__init__.py": "", "desk/views/staff.py": STAFF, "desk/views/kb.py": KB,
        "desk/views/api.py": api, "desk/views/auth.py": AUTH,
    })


def _services(root: Path) -> dict[str, set[str]]:
    plan = split(analyze(root))
    assert all(service.is_edge for service in plan.services)
    return {service.name: set(service.routes) for service in plan.services}


def test_a_single_django_app_splits_by_view_module(tmp_path: Path) -> None:
    """staff, kb and api become services; the one-route auth module joins the most alike (staff, the fallback)."""
    services = _services(_django_desk(tmp_path, API_READS))
    assert services == {"staff": {"/staff/*", "/login/"}, "kb": {"/kb/*"}, "api": {"/api/*"}}


def test_view_modules_writing_one_table_still_go_together(tmp_path: Path) -> None:
    """The refinement only names the domains; the merge by written tables is the same rule as for apps."""
    services = _services(_django_desk(tmp_path, API_WRITES))
    assert services == {"staff": {"/staff/*", "/login/", "/api/*"}, "kb": {"/kb/*"}}


FLASK_INIT = '''from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
db = SQLAlchemy(app)

from blog import posts, users  # noqa: E402


@app.route("/")
def index():
    return "home"
'''
FLASK_MODELS = '''from blog import db


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)


class Post(db.Model):
    id = db.Column(db.Integer, primary_key=True)
'''
FLASK_VIEWS = '''from blog import app, db
from blog.models import {model}


@app.route("/{name}")
def list_{name}():
    return {{"{name}": [item.id for item in {model}.query.all()]}}


@app.route("/{name}", methods=["POST"])
def add_{name}():
    db.session.add({model}())
    db.session.commit()
    return {{"ok": True}}
'''


def test_a_flask_app_without_blueprints_splits_by_view_module(tmp_path: Path) -> None:
    """Routes on the app object itself, in two modules: each module a service; ``/`` (the package's own) joins
    the largest and makes it the fallback."""
    root = _write(tmp_path, {"blog/__init__.py": FLASK_INIT, "blog/models.py": FLASK_MODELS,
                             "blog/users.py": FLASK_VIEWS.format(name="users", model="User"),
                             "blog/posts.py": FLASK_VIEWS.format(name="posts", model="Post")})
    plan = split(analyze(root))
    services = {service.name: set(service.routes) for service in plan.services}
    assert set(services) == {"users", "posts"}
    assert "/" in services[plan.services[0].name], "the service holding / is the fallback, listed first"


def test_one_view_module_stays_one_service(tmp_path: Path) -> None:
    root = _write(tmp_path, {"blog/__init__.py": FLASK_INIT.replace("from blog import posts, users", "from blog "
                                                                     "import users"),
                             "blog/models.py": FLASK_MODELS,
                             "blog/users.py": FLASK_VIEWS.format(name="users", model="User")})
    assert len(split(analyze(root)).services) == 1


def test_apps_that_are_domains_already_are_not_refined(tmp_path: Path) -> None:
    """Two Django apps, one with two view modules: the apps stay the domains (no ``staff``/``kb`` service)."""
    root = _django_desk(tmp_path, API_READS)
    _write(root, {"wiki/__init__.py": "", "wiki/views.py": KB.replace("desk.models", "desk.models"),
                  "wiki/urls.py": 'from django.urls import path\nfrom wiki import views\n\nurlpatterns = '
                                  '[path("wiki/", views.index), path("wiki/<int:pk>/", views.article)]\n',
                  "site/urls.py": 'from django.urls import include, path\nurlpatterns = [path("", include('
                                  '"desk.urls")), path("", include("wiki.urls"))]\n'})
    services = _services(root)
    assert set(services) == {"desk", "wiki"}
