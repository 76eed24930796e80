"""The edge build: whole-tree service trees, the kit's route filter and database settings, topology.json."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from cleave.formats.plan import parse_plan
from cleave.formats.topology import from_json, to_json
from packager.build import build_services
from packager.deploy import write_compose
from packager.edge import path_regex
from packager.kit.edge import database_url, django_database, prepare_environment, wsgi_route_filter
from packager.topology import build_topology
from tests.edge.graphs import notes_app

ASSET = Path(__file__).parent / "assets" / "notes"
PLAN = textwrap.dedent("""\
    format: cleave.plan/1
    entry: notes:create_app()
    services:
      web: {routes: ["/", "/whoami"]}
      notes: {routes: ["/notes/*"], replicas: 3}
      tags: {routes: ["/tags"], env: {TAGS_LIMIT: 5}}
    database: {engine: sqlite, variable: DATABASE_URL}
    env: {SECRET_KEY: {from_env: NOTES_SECRET}, MODE: test}
    init: python -m notes.initdb
    """)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    shutil.copytree(ASSET, folder)
    (folder / "notes.db").write_bytes(b"a developer's local database")
    (folder / ".venv" / "lib").mkdir(parents=True)
    (folder / ".venv" / "lib" / "x.py").write_text("")
    return folder


def test_edge_trees_topology_and_routing(src: Path, tmp_path: Path) -> None:
    plan = parse_plan(PLAN, str(tmp_path / "cleave.yaml"))
    result = build_services(src, plan, notes_app(str(src)), tmp_path / "build")
    assert result.gateway == "web" and [s.name for s in result.services] == ["web", "notes", "tags"]
    tree = tmp_path / "build" / "services" / "notes"
    assert (tree / "notes" / "__init__.py").read_bytes() == (src / "notes" / "__init__.py").read_bytes()
    assert (tree / "notes" / "initdb.py").is_file() and (tree / "cleave_kit" / "edge.py").is_file()
    assert not (tree / "notes.db").exists() and not (tree / ".venv").exists()
    spec = json.loads((tree / "service.json").read_text())
    assert spec["seam"] == "edge" and spec["route_mode"] == "only" and spec["entry"] == "notes:create_app()"
    assert sorted(r["regex"] for r in spec["routes"]) == [r"^/notes$", r"^/notes/(?P<id>\d+)$",
                                                          r"^/notes/(?P<id>\d+)/words$"]
    assert spec["database"] == {"engine": "sqlite", "variable": "DATABASE_URL", "style": "sqlalchemy"}
    web = json.loads((tmp_path / "build" / "services" / "web" / "service.json").read_text())
    assert web["route_mode"] == "except" and len(web["routes"]) == 4  # everything the others own

    topology = build_topology(result, plan, "notes")
    assert topology.fallback == "web" and topology.gateway == "web"
    assert [(r.service, r.regex) for r in topology.gateway_routes] == [
        ("notes", r"^/notes/(?P<id>\d+)$"), ("notes", r"^/notes/(?P<id>\d+)/words$"), ("notes", r"^/notes$"),
        ("tags", r"^/tags$")]
    assert topology.database is not None and topology.database.engine == "sqlite"
    assert topology.database.services == ("web", "notes", "tags")
    assert topology.init is not None and topology.init.service == "web"
    assert topology.init.command == ("python3", "-m", "cleave_kit", "init", "python3", "-m", "notes.initdb")
    notes, tags = topology.service("notes"), topology.service("tags")
    assert notes.replicas == 3 and notes.seam == "edge" and notes.resources_needed == ("database",)
    assert [(v.name, v.target) for v in notes.volumes] == [("database", "/data")]
    assert tags.env["TAGS_LIMIT"] == "5" and tags.env["MODE"] == "test" and "SECRET_KEY" not in tags.env
    assert tags.secret_env == {"SECRET_KEY": "env:NOTES_SECRET"}
    assert from_json(json.loads(json.dumps(to_json(topology)))) == topology
    assert "NOTES_SECRET" not in (tmp_path / "build" / "services" / "tags" / "service.json").read_text()

    compose = tmp_path / "compose.yaml"
    write_compose(topology, compose)
    services = yaml.safe_load(compose.read_text())["services"]
    assert services["web-init"]["command"] == list(topology.init.command)
    assert services["notes"]["depends_on"]["web-init"] == {"condition": "service_completed_successfully"}
    assert services["tags"]["environment"]["CLEAVE_DB_PATH"] == "/data/app.sqlite3"
    assert services["tags"]["volumes"] == ["shared-database:/data"]  # the shared volume is its DATA_DIR
    done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                           "vendor.compose-spec", str(compose)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _call(app: Any, method: str, path: str) -> str:
    seen: list[str] = []
    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO()},
                        lambda status, headers, exc_info=None: seen.append(status)))
    return f"{seen[0]} {body.decode()}"


def test_route_filter_only_and_except() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"app"]

    rules = [{"methods": ["GET"], "regex": r"^/notes/(?P<id>\d+)$"}, {"methods": [], "regex": r"^/tags$"}]
    only = wsgi_route_filter(app, {"route_mode": "only", "routes": rules})
    fallback = wsgi_route_filter(app, {"route_mode": "except", "routes": rules})
    assert _call(only, "GET", "/notes/7") == "200 OK app" and _call(only, "DELETE", "/tags") == "200 OK app"
    assert _call(only, "POST", "/notes/7").startswith("404") and _call(only, "GET", "/").startswith("404")
    assert _call(fallback, "GET", "/notes/7").startswith("404") and _call(fallback, "GET", "/x") == "200 OK app"
    assert _call(fallback, "POST", "/notes/7") == "200 OK app"  # the app's own 405 answers it


def test_database_urls_per_framework() -> None:
    sqlite = {"CLEAVE_DB_ENGINE": "sqlite", "CLEAVE_DB_PATH": "/data/app.sqlite3"}
    assert database_url(dict(sqlite), "sqlalchemy") == "sqlite:////data/app.sqlite3?timeout=30"
    assert database_url(dict(sqlite), "django") == "sqlite:////data/app.sqlite3"
    pg = {"CLEAVE_DB_ENGINE": "postgresql", "CLEAVE_DB_SOCKET_DIR": "/run/cleave", "CLEAVE_DB_NAME": "app",
          "CLEAVE_DB_USER": "app"}
    assert database_url(dict(pg), "django") == "postgres://app@%2Frun%2Fcleave/app"
    assert database_url(dict(pg), "sqlalchemy").endswith("://app@/app?host=/run/cleave")
    assert django_database(dict(pg), {"ENGINE": "x", "ATOMIC_REQUESTS": True}) == {
        "ENGINE": "django.db.backends.postgresql", "NAME": "app", "USER": "app", "PASSWORD": "",
        "HOST": "/run/cleave", "PORT": "", "OPTIONS": {}, "ATOMIC_REQUESTS": True}
    environ = dict(sqlite)
    prepare_environment({"database": {"style": "django", "variable": "DATABASE_URL", "settings": "site.settings"}},
                        environ)
    assert environ["DATABASE_URL"] == "sqlite:////data/app.sqlite3"
    assert environ["DJANGO_SETTINGS_MODULE"] == "packager.kit.django_settings"
    assert environ["CLEAVE_DJANGO_SETTINGS"] == "site.settings"


@pytest.mark.parametrize(("path", "regex"), [
    ("/api/users/<int:user_id>", r"^/api/users/(?:\d+)$"),
    ("/files/<path:rest>", r"^/files/(?:.+)$"),
    ("/items/{item_id}", r"^/items/(?:[^/]+)$"),
    ("^articles/(?P<year>[0-9]{4})/$", r"^articles/(?P<year>[0-9]{4})/$"),
])
def test_path_regex(path: str, regex: str) -> None:
    assert path_regex(path) == regex


def test_an_unreachable_database_is_one_line_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from cleave.formats.topology import ServiceSpec, Topology
    from runtime.errors import RuntimeEngineError
    from runtime.resources import check_external

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://shop:s3cret@127.0.0.1:{port}/shop"
    spec = ServiceSpec(name="web", image="web", manifest_digest="", source_dir="services/web", command=("x",),
                       secret_env={"CLEAVE_DATABASE_URL": "env:SHOP_DB"})
    monkeypatch.setenv("SHOP_DB", url)
    with pytest.raises(RuntimeEngineError) as caught:
        check_external(Topology(project="shop", services=(spec,)))
    message = str(caught.value)
    assert f"the database postgresql://shop@127.0.0.1:{port}/shop is unreachable: " in message
    assert "s3cret" not in message and "\n" not in message


MIXED = PLAN.replace('  tags: {routes: ["/tags"], env: {TAGS_LIMIT: 5}}\n',
                     '  tags: {routes: ["/tags"], env: {TAGS_LIMIT: 5}}\n  words: {modules: [notes.wordcount]}\n')


def test_a_mixed_plan_stubs_the_interior_module_in_every_edge_tree(src: Path, tmp_path: Path) -> None:
    """Both seams in one plan (packager/edge_mixed.py): the pure-domain module notes.wordcount is the interior
    service ``words``; every edge tree holds an RPC stub in its place and calls ``words``."""
    plan = parse_plan(MIXED, str(tmp_path / "cleave.yaml"))
    result = build_services(src, plan, notes_app(str(src)), tmp_path / "build")
    assert [s.name for s in result.services] == ["web", "notes", "tags", "words"]
    words = result.service("words")
    assert words.modules == ("notes.wordcount",) and words.interface == ("notes.wordcount.count_words",)
    for name in ("web", "notes", "tags"):
        tree = tmp_path / "build" / "services" / name
        stub = (tree / "notes" / "wordcount.py").read_text()
        assert "def count_words" in stub and "os.environ" not in stub, "a stub, not the module"
        assert (tree / "notes" / "__init__.py").read_bytes() == (src / "notes" / "__init__.py").read_bytes()
        assert json.loads((tree / "service.json").read_text())["calls"] == ["words"]
        assert result.service(name).calls == ("words",)
    tree = tmp_path / "build" / "services" / "words"
    assert (tree / "notes" / "wordcount.py").read_bytes() == (src / "notes" / "wordcount.py").read_bytes()
    topology = build_topology(result, plan, "notes")
    assert topology.service("words").seam != "edge" and topology.service("words").volumes == ()
    assert topology.service("notes").calls == ("words",) and topology.database is not None
    assert "words" not in topology.database.services
    assert all(rule.service != "words" for rule in topology.gateway_routes)
