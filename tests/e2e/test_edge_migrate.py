"""End to end: framework monoliths migrated by cleave at the HTTP edge (URL routes to services, each running the
app's own code, one shared database) answer their scenario exactly like the monolith, with one service scaled to 3
replicas, on the embedded SQLite and on PostgreSQL started by cleave's runtime.

Driven through the `cleave` command line (`cleave migrate` with defaults) on samples/flaskmarket and
samples/djangoblog, with each sample's own environment (`--python`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cleave.formats.plan import load_plan
from tests import pg
from tests.sample_env import sample_python

ROOT = Path(__file__).resolve().parents[2]
CLEAVE = str(Path(sys.executable).parent / "cleave")


@dataclass(frozen=True)
class Sample:
    """A framework sample: its folder, framework, and the plan's fallback service and init cleave should find."""

    name: str
    framework: str
    fallback: str
    init: str

    @property
    def folder(self) -> Path:
        return ROOT / "samples" / self.name


SAMPLES = {
    "flaskmarket": Sample("flaskmarket", "flask", "catalog", "flask --app market:create_app() db upgrade"),
    "djangoblog": Sample("djangoblog", "django", "accounts", "python manage.py migrate --noinput"),
}
ENGINES = ["sqlite", "postgresql"] if pg.available() else ["sqlite"]
"""PostgreSQL when it is installed (setup.sh --dev installs it from Debian)."""

pytestmark = [pytest.mark.root, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, cgroups, mounts)")]


def cleave(*args: str, cwd: Path, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CLEAVE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                            env={**os.environ, "CLEAVE_START_TIMEOUT": "60"})
    if check:
        assert result.returncode == 0, f"cleave {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result


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


@pytest.mark.parametrize("name", list(SAMPLES))
def test_framework_app_at_the_edge_answers_like_the_monolith(name: str, project: Path) -> None:
    """`cleave migrate SRC --python PY` with defaults (SQLite), one service scaled to 3, the scenario; then the same
    with `--database postgresql` after `down --volumes`: one test per sample."""
    sample = SAMPLES[name]
    python = sample_python(sample.folder)
    for engine in ENGINES:
        cleave("migrate", str(sample.folder), "--python", str(python), "--database", engine, cwd=project)
        plan = load_plan(project / "cleave.yaml")
        graph = json.loads((project / ".cleave" / "graph.json").read_text())
        assert graph["meta"]["python"] == str(python), "the analysis ran in the app's own environment"
        assert len(plan.services) >= 3 and all(s.is_edge for s in plan.services)
        assert plan.services[0].name == sample.fallback and plan.init == sample.init
        topology = json.loads((project / ".cleave" / "build" / "topology.json").read_text())
        assert topology["fallback"] == sample.fallback and topology["database"]["engine"] == engine
        url = json.loads(cleave("ps", "--json", cwd=project).stdout)["gateway_url"]
        scaled = plan.services[1].name
        cleave("scale", f"{scaled}=3", cwd=project)
        assert running(project, scaled, 3)
        result = subprocess.run([sys.executable, str(sample.folder / "scenario.py"), url], capture_output=True,
                                text=True, timeout=300, check=False)
        assert result.stdout == (sample.folder / "expected.txt").read_text(), f"{engine}: {result.stderr}"
        cleave("down", "--volumes", cwd=project)
