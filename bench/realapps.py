"""Real framework apps from PyPI through `cleave analyze`, checked against the apps themselves.

    .venv/bin/python bench/realapps.py

django-helpdesk 2.6.1 (Django): the tables found against the tables its migrations create (Django's own
migration loader, run in a virtualenv with the app and its dependencies under bench/.cache/realapps/venv), and
the routes found against its real URL map (``get_resolver("helpdesk.urls")``).
FlaskBB 2.0.2 (Flask + Flask-SQLAlchemy; its wheel ships no migrations): the tables found against the
``__tablename__`` and ``db.Table(...)`` declarations in its code, and the routes found against the rules its
blueprints declare (read from the source: FlaskBB registers views through its own ``register_view`` helper).
Results: bench/results/realapps.json.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache" / "realapps"
RESULTS = ROOT / "bench" / "results" / "realapps.json"
TRUTH = ROOT / "bench" / "realapps_truth" / "helpdesk_truth.py"
sys.path.insert(0, str(ROOT))


def fetch(spec: str, folder: str) -> Path:
    """The unpacked wheel of ``spec``."""
    target = CACHE / folder
    if not target.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", spec, "-d", str(CACHE)],
                       check=True)
        wheel = sorted(CACHE.glob(f"{folder}-*.whl"))[-1]
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    return target


def helpdesk_truth() -> tuple[list[str], list[str]]:
    venv = CACHE / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = sorted(CACHE.glob("django_helpdesk-*.whl"))[-1]
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel), "pinax-teams"], check=True)
    done = subprocess.run([str(venv / "bin" / "python"), str(TRUTH)], capture_output=True, text=True, check=True)
    tables, urls = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    return tables, urls


def main() -> None:
    from analyzer import analyze
    out: dict[str, object] = {}
    helpdesk = fetch("django-helpdesk==2.6.1", "django_helpdesk")
    start = time.perf_counter()
    graph = analyze(helpdesk, jobs=2)
    seconds = time.perf_counter() - start
    tables, urls = helpdesk_truth()
    found = sorted(t.removeprefix("table:") for t in graph.nodes_of_kind("table") if t.startswith("table:helpdesk"))
    static = sorted(graph.graph.nodes[r]["path"].lstrip("/") for r in graph.nodes_of_kind("route"))
    plain = sorted(u.lstrip("^").rstrip("$") if u.startswith("^") else u for u in urls if not u.startswith("api/"))
    out["django-helpdesk"] = {
        "analyze_s": round(seconds, 2), "files": graph.meta["files"],
        "tables_in_migrations": len(tables), "tables_found": len(found),
        "tables_missed": sorted(set(tables) - set(found)), "tables_extra": sorted(set(found) - set(tables)),
        "url_map": len(urls), "url_map_outside_drf_router": len(plain), "routes_found": len(static),
        "routes_missed": sorted(set(plain) - {s.replace("(?P", "(?P") for s in static}),
        "routes_extra": sorted(set(static) - set(plain)),
        "references": len(list(graph.edges_of_kind("references"))),
    }
    flaskbb = fetch("flaskbb==2.0.2", "FlaskBB")
    start = time.perf_counter()
    graph = analyze(flaskbb, jobs=2)
    seconds = time.perf_counter() - start
    code = "\n".join(p.read_text(errors="replace") for p in (flaskbb / "flaskbb").rglob("*.py"))
    declared = set(re.findall(r"__tablename__\s*=\s*[\"'](\w+)", code)) | set(
        re.findall(r"db\.Table\(\s*[\"'](\w+)", code))
    rules = re.findall(r"routes=\[([^\]]*)\]", code) + re.findall(r"\.route\(\s*[\"']([^\"']+)", code)
    count = sum(len(re.findall(r"[\"'](/[^\"']*)[\"']", r)) or 1 for r in rules)
    found = sorted(t.removeprefix("table:") for t in graph.nodes_of_kind("table"))
    out["flaskbb"] = {
        "analyze_s": round(seconds, 2), "files": graph.meta["files"],
        "tables_declared": len(declared), "tables_found": len(found),
        "tables_missed": sorted(declared - set(found)), "tables_extra": sorted(set(found) - declared),
        "route_rules_in_code": count, "routes_found": len(graph.nodes_of_kind("route")),
        "entry_candidates": graph.meta.get("entry_candidates"),
    }
    RESULTS.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
