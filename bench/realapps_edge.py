"""Real apps from PyPI migrated at the edge by `cleave migrate` with defaults, compared with their monolith.

    .venv/bin/python bench/realapps_edge.py [--app ihatemoney|django-helpdesk] [--database sqlite|postgresql]

Needs root (the runtime's namespaces). Per app:

1. its source tree: the package from its PyPI wheel plus the deployment files in bench/realapps_projects/ (the
   settings, WSGI entry and Procfile a team adds; for django-helpdesk, a small Django project around the app), and
   its own virtualenv with its dependencies (bench/.cache/realapps_edge/, reused);
2. **before**: the monolith, served by the same WSGI server the split uses (the service kit, ``python -m
   cleave_kit`` with a service.json that routes everything to the app), after the same init the plan holds
   (migrations), on its own SQLite database;
3. **after**: ``cleave migrate SRC --python PY`` (defaults: the routes split as proposed, SQLite shared by every
   service; ``--database postgresql``: PostgreSQL started by cleave's runtime, while the monolith keeps its own
   SQLite), then every service scaled to 2 replicas;
4. the scripted session (bench/realapps_sessions.py) against both; each answer's status, content type, location
   and body (without CSRF tokens, signed tokens, random keys and times of day) compared; and, as a control of that
   normalization, against a second fresh monolith (``control_monolith_twice_identical``).

Results: bench/results/realapps_edge.json (requests, identical answers, each difference with its explanation).
ihatemoney 7.2.1 (Flask, Flask-SQLAlchemy, Flask-Migrate, Flask-RESTful) and django-helpdesk 2.6.1 (Django, DRF).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from realapps import fetch  # noqa: E402
from realapps_sessions import SESSIONS, Client, Exchange, normalize  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "realapps_edge"
PROJECTS = ROOT / "bench" / "realapps_projects"
RESULTS = ROOT / "bench" / "results" / "realapps_edge.json"
CLEAVE = str(Path(sys.executable).parent / "cleave")
KIT = ROOT / "packager" / "kit"


@dataclass(frozen=True)
class RealApp:
    """A PyPI app: its wheel, the package folder in it, what its virtualenv installs, its deployment folder."""

    name: str
    spec: str
    wheel_folder: str
    package: str
    extras: tuple[str, ...]
    project: str


APPS = {
    "ihatemoney": RealApp("ihatemoney", "ihatemoney==7.2.1", "ihatemoney", "ihatemoney",
                          ("psycopg2-binary",), "ihatemoney"),
    "django-helpdesk": RealApp("django-helpdesk", "django-helpdesk==2.6.1", "django_helpdesk", "helpdesk",
                               ("pinax-teams", "psycopg[binary]"), "helpdesk"),
}

EXPLAINED: dict[str, dict[str, str]] = {}
"""Per app, per session step: why the split's answer differs from the monolith's (filled from what was seen)."""


def source_tree(app: RealApp) -> Path:
    """The package from its wheel plus the deployment files (rebuilt each run: the analysis may write into it)."""
    unpacked = fetch(app.spec, app.wheel_folder)
    src = CACHE / app.name / "src"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(unpacked / app.package, src / app.package)
    shutil.copytree(PROJECTS / app.project, src, dirs_exist_ok=True)
    return src


def app_python(app: RealApp) -> Path:
    """A virtualenv with the app's dependencies (the app itself uninstalled: the source tree holds its code)."""
    venv = CACHE / app.name / "venv"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        shutil.rmtree(venv, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", app.spec, *app.extras], check=True)
        subprocess.run([str(python), "-m", "pip", "uninstall", "-q", "-y", app.spec.split("==")[0]], check=True)
        (venv / ".installed").write_text(app.spec + "\n")
    return python


def cleave(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([CLEAVE, *args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False,
                          env={**os.environ, "CLEAVE_START_TIMEOUT": "120"})
    if check and done.returncode != 0:
        raise RuntimeError(f"cleave {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, timeout: float = 120) -> None:
    """Until ``url`` answers anything over HTTP."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
            connection.request("GET", "/_cleave/healthz")
            connection.getresponse().read()
            connection.close()
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def init_argv(command: str, python: Path) -> list[str]:
    """The plan's init command run with the app's interpreter."""
    argv = shlex.split(command)
    if argv[0] in ("python", "python3"):
        return [str(python), *argv[1:]]
    return [str(python), "-m", argv[0], *argv[1:]]


@contextlib.contextmanager
def monolith(src: Path, python: Path, plan: dict[str, Any], work: Path) -> Iterator[str]:
    """The monolith served by the kit's server on 127.0.0.1 (its own database, the plan's init run first)."""
    work.mkdir(parents=True, exist_ok=True)
    tree = work / "monolith"
    shutil.copytree(src, tree, ignore=shutil.ignore_patterns("*.sqlite3", "*.db", "__pycache__"))
    shutil.copytree(KIT, tree / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "service.json").write_text(json.dumps({
        "name": "monolith", "interface": [], "calls": [], "entry": plan["entry"], "health_path": "/_cleave/healthz",
        "seam": "edge", "route_mode": "except", "routes": [], "database": None, "requirements": []}))
    variable = (plan.get("database") or {}).get("variable")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if variable:
        env[variable] = f"sqlite:///{tree / 'app.sqlite3'}"
    if plan.get("init"):
        subprocess.run(init_argv(plan["init"], python), cwd=tree, env=env, check=True, capture_output=True,
                       timeout=600)
    port = free_port()
    log = (work / "monolith.log").open("w")
    server = subprocess.Popen([str(python), "-m", "cleave_kit"], cwd=tree, stdout=log, stderr=subprocess.STDOUT,
                              env={**env, "CLEAVE_LISTEN": f"127.0.0.1:{port}"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@contextlib.contextmanager
def split_system(src: Path, python: Path, project: Path, database: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``cleave migrate SRC --python PY`` with defaults, every service scaled to 2 replicas: (gateway URL, plan)."""
    import yaml

    try:
        cleave("migrate", str(src), "--python", str(python), "--database", database, cwd=project)
        plan = yaml.safe_load((project / "cleave.yaml").read_text())
        for name in plan["services"]:
            cleave("scale", f"{name}=2", cwd=project)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            rows = json.loads(cleave("ps", "--json", cwd=project).stdout)["replicas"]
            running = [r for r in rows if r["state"] == "running" and r["service"] in plan["services"]]
            if len(running) >= 2 * len(plan["services"]):
                break
            time.sleep(1)
        else:
            raise RuntimeError(f"not every service reached 2 running replicas: {rows}")
        url = json.loads(cleave("ps", "--json", cwd=project).stdout)["gateway_url"]
        wait_http(url)
        yield url, plan
    finally:
        cleave("down", "--volumes", cwd=project, check=False)


def run_session(session: Callable[[Client], None], url: str) -> list[Exchange]:
    client = Client(url)
    session(client)
    return client.exchanges


def compare(app: str, before: list[Exchange], after: list[Exchange]) -> dict[str, Any]:
    """Figures and the differences, each with its explanation (``EXPLAINED``) or ``unexplained``."""
    differences = []
    for one, two in zip(before, after, strict=True):
        if one.key() == two.key():
            continue
        fields = [name for name, a, b in zip(("method", "path", "status", "content_type", "location", "body"),
                                             one.key(), two.key(), strict=True) if a != b]
        differences.append({
            "step": one.label, "request": f"{one.method} {one.path}", "fields": fields,
            "before": {"status": one.status, "location": one.location},
            "after": {"status": two.status, "location": two.location},
            "body_diff": list(difflib.unified_diff(normalize(one.body).splitlines(), normalize(two.body).splitlines(),
                                                   "before", "after", n=0, lineterm=""))[2:40],
            "why": EXPLAINED.get(app, {}).get(one.label, "unexplained")})
    statuses: dict[str, int] = {}
    for exchange in before:
        statuses[str(exchange.status)] = statuses.get(str(exchange.status), 0) + 1
    return {"requests": len(before), "identical": len(before) - len(differences),
            "statuses_before": dict(sorted(statuses.items())), "differences": differences}


def measure(app: RealApp, database: str) -> dict[str, Any]:
    src = source_tree(app)
    python = app_python(app)
    with tempfile.TemporaryDirectory(prefix=f"cleave-real-{app.name}-") as scratch:
        work = Path(scratch)
        (work / "project").mkdir()
        started = time.perf_counter()
        with split_system(src, python, work / "project", database) as (url, plan):
            migrate_s = time.perf_counter() - started
            after = run_session(SESSIONS[app.name], url)
            topology = json.loads((work / "project" / ".cleave" / "build" / "topology.json").read_text())
        entry = {"entry": plan["entry"], "init": plan.get("init"), "database": plan.get("database")}
        with monolith(src, python, entry, work / "one") as url:
            before = run_session(SESSIONS[app.name], url)
        with monolith(src, python, entry, work / "two") as url:
            control = run_session(SESSIONS[app.name], url)
        result = compare(app.name, before, after)
        steady = compare(app.name, before, control)
        graph = json.loads((work / "project" / ".cleave" / "graph.json").read_text())
    return {
        "spec": app.spec, "database": database, "entry": plan["entry"], "init": plan.get("init"),
        "services": {name: {"routes": len(s.get("routes") or []), "replicas": 2}
                     for name, s in plan["services"].items()},
        "fallback": topology.get("fallback"), "routes_in_graph": sum(
            1 for n in graph["graph"]["nodes"] if n.get("kind") == "route"),
        "migrate_and_scale_s": round(migrate_s, 1), **result,
        "control_monolith_twice_identical": steady["identical"],
        "control_differences": [d["step"] for d in steady["differences"]],
        "answers": [f"{e.label}: {e.method} {e.path} -> {e.status}" for e in before],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=sorted(APPS), action="append")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    out = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in args.app or sorted(APPS):
        print(f"==> {name} ({args.database})", flush=True)
        figures = measure(APPS[name], args.database)
        out[f"{name}/{args.database}"] = figures
        print(f"    {figures['identical']} of {figures['requests']} answers identical; "
              f"services {figures['services']}", flush=True)
        for difference in figures["differences"]:
            print(f"    differs: {difference['step']} ({difference['request']}): {difference['fields']}; "
                  f"{difference['why']}", flush=True)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
