"""End to end: framework monoliths migrated by cleave at the HTTP edge (URL routes to services, each running the
app's own code, one shared database) answer their scenario exactly like the monolith, with one service scaled to 3
replicas, on the embedded SQLite and on PostgreSQL started by cleave's runtime.

Driven through the `cleave` command line on samples/flaskmarket, with the sample's own environment (`--python`).
Until the analyzer's graph has route nodes, tests/edge/urlmap.py adds them from the app's real URL map (and the
test runs `split` + `build` instead of `migrate`, which would analyze again)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer import analyze
from cleave.formats.graph import save_graph
from cleave.formats.plan import load_plan, save_plan
from tests import pg
from tests.edge.urlmap import with_url_map
from tests.sample_env import sample_python

ROOT = Path(__file__).resolve().parents[2]
MARKET = ROOT / "samples" / "flaskmarket"
CLEAVE = str(Path(sys.executable).parent / "cleave")

pytestmark = [pytest.mark.root, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, cgroups, mounts)")]


def cleave(*args: str, cwd: Path, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CLEAVE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                            env={**os.environ, "CLEAVE_START_TIMEOUT": "60"})
    if check:
        assert result.returncode == 0, f"cleave {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def market_python() -> Path:
    return sample_python(MARKET)


@pytest.fixture(scope="module")
def market_graph(market_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """graph.json of the market, with its routes (from the analyzer, else from its URL map)."""
    folder = tmp_path_factory.mktemp("market-graph")
    graph = with_url_map(analyze(MARKET), market_python, MARKET, "flask", "market:create_app()",
                         {"DATA_DIR": str(folder)})
    save_graph(graph, folder / "graph.json")
    return folder / "graph.json"


def running(project: Path, service: str, count: int, timeout: float = 60) -> bool:
    """Whether ``count`` replicas of ``service`` run within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = json.loads(cleave("ps", "--json", cwd=project).stdout)["replicas"]
        if len([r for r in rows if r["service"] == service and r["state"] == "running"]) == count:
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    try:
        yield tmp_path
    finally:
        cleave("down", "--volumes", cwd=tmp_path, timeout=120, check=False)


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not pg.available(), reason="PostgreSQL is not installed (setup.sh --dev installs it)"))])
def test_market_at_the_edge_answers_like_the_monolith(engine: str, market_python: Path, market_graph: Path,
                                                      project: Path) -> None:
    cleave("split", "-g", str(market_graph), "-o", "cleave.yaml", cwd=project)
    plan = load_plan(project / "cleave.yaml")
    names = [s.name for s in plan.services]
    assert sorted(names) == ["auth", "catalog", "orders", "reviews"] and all(s.is_edge for s in plan.services)
    assert plan.database is not None and plan.init == "flask --app market:create_app() db upgrade"
    if engine == "postgresql":
        import dataclasses

        save_plan(dataclasses.replace(plan, database=dataclasses.replace(plan.database, engine="postgresql")),
                  project / "cleave.yaml")
    cleave("build", str(MARKET), "-p", "cleave.yaml", "-g", str(market_graph), "-o", "build", "--python",
           str(market_python), cwd=project)
    topology = json.loads((project / "build" / "topology.json").read_text())
    assert topology["fallback"] == "catalog" and topology["database"]["engine"] == engine
    url = cleave("up", "build", cwd=project).stdout.strip().splitlines()[-1]
    cleave("scale", "orders=3", cwd=project)
    assert running(project, "orders", 3)
    result = subprocess.run([sys.executable, str(MARKET / "scenario.py"), url], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.stdout == (MARKET / "expected.txt").read_text(), result.stderr
