"""End to end: framework monoliths migrated by cleave at the HTTP edge (URL routes to services, each running the
app's own code, one shared database) answer their scenario exactly like the monolith, with one service scaled to 3
replicas, on the embedded SQLite and on PostgreSQL started by cleave's runtime.

Driven through the `cleave` command line on samples/flaskmarket and samples/djangoblog, with each sample's own
environment (`--python`).
Until the analyzer's graph has route nodes, tests/edge/urlmap.py adds them from the app's real URL map (and the
test runs `split` + `build` instead of `migrate`, which would analyze again)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from analyzer import analyze
from cleave.formats.graph import save_graph
from cleave.formats.plan import load_plan, save_plan
from tests import pg
from tests.edge.urlmap import with_url_map
from tests.sample_env import sample_python

ROOT = Path(__file__).resolve().parents[2]
CLEAVE = str(Path(sys.executable).parent / "cleave")


@dataclass(frozen=True)
class Sample:
    """A framework sample: its folder, framework, entry, the environment its URL map is read in, what to expect."""

    name: str
    framework: str
    entry: str | None
    env: dict[str, str]
    fallback: str
    init: str

    @property
    def folder(self) -> Path:
        return ROOT / "samples" / self.name


SAMPLES = {
    "flaskmarket": Sample("flaskmarket", "flask", "market:create_app()", {}, "catalog",
                          "flask --app market:create_app() db upgrade"),
    "djangoblog": Sample("djangoblog", "django", None, {"DJANGO_SETTINGS_MODULE": "blogsite.settings"},
                         "accounts", "python manage.py migrate --noinput"),
}
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not pg.available(), reason="PostgreSQL is not installed (setup.sh --dev installs it)"))]

pytestmark = [pytest.mark.root, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, cgroups, mounts)")]


def cleave(*args: str, cwd: Path, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CLEAVE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                            env={**os.environ, "CLEAVE_START_TIMEOUT": "60"})
    if check:
        assert result.returncode == 0, f"cleave {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def sample_graph(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, Path, Path]:
    """(the sample, its environment's python, its graph.json with routes: the analyzer's, else its URL map's)."""
    sample = SAMPLES[request.param]
    python = sample_python(sample.folder)
    folder = tmp_path_factory.mktemp(f"{sample.name}-graph")
    graph = with_url_map(analyze(sample.folder), python, sample.folder, sample.framework, sample.entry,
                         {"DATA_DIR": str(folder), **sample.env})
    save_graph(graph, folder / "graph.json")
    return sample, python, folder / "graph.json"


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


@pytest.mark.parametrize("sample_graph", list(SAMPLES), indirect=True)
@pytest.mark.parametrize("engine", ENGINES)
def test_framework_app_at_the_edge_answers_like_the_monolith(engine: str, sample_graph: tuple[Sample, Path, Path],
                                                             project: Path) -> None:
    sample, python, graph = sample_graph
    cleave("split", "-g", str(graph), "-o", "cleave.yaml", cwd=project)
    plan = load_plan(project / "cleave.yaml")
    assert len(plan.services) >= 3 and all(s.is_edge for s in plan.services)
    assert plan.services[0].name == sample.fallback
    scaled = plan.services[1].name
    assert plan.database is not None and plan.init == sample.init
    if engine == "postgresql":
        save_plan(dataclasses.replace(plan, database=dataclasses.replace(plan.database, engine="postgresql")),
                  project / "cleave.yaml")
    cleave("build", str(sample.folder), "-p", "cleave.yaml", "-g", str(graph), "-o", "build", "--python",
           str(python), cwd=project)
    topology = json.loads((project / "build" / "topology.json").read_text())
    assert topology["fallback"] == sample.fallback and topology["database"]["engine"] == engine
    url = cleave("up", "build", cwd=project).stdout.strip().splitlines()[-1]
    cleave("scale", f"{scaled}=3", cwd=project)
    assert running(project, scaled, 3)
    result = subprocess.run([sys.executable, str(sample.folder / "scenario.py"), url], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.stdout == (sample.folder / "expected.txt").read_text(), result.stderr
