"""End to end: the shop migrated by cleave into isolated, scaled services answers exactly like the monolith.

Every test drives the real `cleave` command line, as a user would, on samples/shop; the scenario's output must equal
samples/shop/expected.txt line for line, also while services are scaled and while the engine is killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "samples" / "shop"
EXPECTED = (SHOP / "expected.txt").read_text()
CLEAVE = str(Path(sys.executable).parent / "cleave")
DOMAINS_PLAN = ROOT / "tests" / "assets" / "packager" / "shop-domains.yaml"

pytestmark = [pytest.mark.root, pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, cgroups, mounts)")]


def cleave(*args: str, cwd: Path, timeout: float = 300) -> str:
    result = subprocess.run([CLEAVE, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"cleave {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result.stdout


@dataclass
class Deployment:
    """A running build: its folder and the gateway URL."""

    folder: Path
    gateway: str

    def ps(self) -> dict[str, object]:
        answer = json.loads(cleave("ps", "--json", cwd=self.folder))
        assert isinstance(answer, dict)
        return answer

    def replicas(self, service: str) -> list[dict[str, object]]:
        rows = self.ps()["replicas"]
        assert isinstance(rows, list)
        return [row for row in rows if row["service"] == service]

    def start_scenario(self) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, str(SHOP / "scenario.py"), self.gateway], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def scenario(self, process: subprocess.Popen[str] | None = None) -> str:
        process = process or self.start_scenario()
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        return out


@contextmanager
def _bring_up(folder: Path) -> Iterator[Deployment]:
    try:
        gateway = cleave("up", ".cleave/build", cwd=folder).strip().splitlines()[-1]
        assert gateway.startswith("http://127.0.0.1:"), gateway
        yield Deployment(folder, gateway)
    finally:
        subprocess.run([CLEAVE, "down", "--volumes"], cwd=folder, capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """samples/shop analyzed, split and built by `cleave migrate` (not yet running), catalog and orders at 3."""
    folder = tmp_path_factory.mktemp("migrated")
    cleave("migrate", str(SHOP), "--no-up", "--replicas", "catalog=3", "--replicas", "orders=3", cwd=folder)
    return folder


@pytest.fixture
def shop(migrated: Path) -> Iterator[Deployment]:
    with _bring_up(migrated) as deployment:
        yield deployment


def test_migrate_runs_the_shop_like_the_monolith(tmp_path: Path) -> None:
    output = cleave("migrate", str(SHOP), "--replicas", "catalog=3", "--replicas", "orders=3", cwd=tmp_path)
    deployment = Deployment(tmp_path, output.strip().splitlines()[-1])
    try:
        assert deployment.gateway.startswith("http://127.0.0.1:")
        for service in ("catalog", "orders"):
            rows = deployment.replicas(service)
            assert len(rows) == 3 and all(row["state"] == "running" for row in rows), rows
            # each replica is isolated: its own pid namespace
            for row in rows:
                assert os.readlink(f"/proc/{row['pid']}/ns/pid") != os.readlink("/proc/self/ns/pid")
        assert deployment.scenario() == EXPECTED
        table = cleave("ps", cwd=tmp_path).splitlines()  # piped, as in `cleave ps | grep`: no column is cut
        assert table[0].split() == ["SERVICE", "READY", "DESIRED", "PLAN", "HEALTH", "DRIFT"]
        assert any(line.split()[:2] == ["catalog", "3/3"] for line in table), table
        header = next(line for line in table if line.startswith("NAME "))
        assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "CPU", "MEMORY", "PID"]
        for row in deployment.ps()["replicas"]:
            line = next(line for line in table if line.startswith(f"{row['replica']} "))
            cells = line.split()  # no cell holds a space: awk-friendly
            assert len(cells) == 8 and cells[7] == str(row["pid"]) and cells[6].endswith("Mi"), line
        plan = (tmp_path / "cleave.yaml").read_text()
        assert "replicas: 3" in plan
    finally:
        subprocess.run([CLEAVE, "down", "--volumes"], cwd=tmp_path, capture_output=True, timeout=120, check=False)


def test_scaling_while_the_scenario_runs_changes_no_answer(shop: Deployment) -> None:
    running = shop.start_scenario()
    time.sleep(1.0)
    cleave("scale", "catalog=1", "orders=4", "--wait", cwd=shop.folder)
    time.sleep(0.5)
    cleave("scale", "catalog=4", "orders=2", "--wait", cwd=shop.folder)
    assert shop.scenario(running) == EXPECTED
    assert len(shop.replicas("catalog")) == 4 and len(shop.replicas("orders")) == 2


def test_engine_killed_and_restarted_mid_scenario_changes_no_answer(shop: Deployment) -> None:
    before = {row["replica"]: row["pid"] for row in shop.ps()["replicas"]}  # type: ignore[attr-defined]
    engine = shop.ps()["pid"]
    assert isinstance(engine, int)
    running = shop.start_scenario()
    time.sleep(1.0)
    os.kill(engine, signal.SIGKILL)
    time.sleep(0.5)
    cleave("up", ".cleave/build", cwd=shop.folder)
    assert shop.scenario(running) == EXPECTED
    after = {row["replica"]: row["pid"] for row in shop.ps()["replicas"]}  # type: ignore[attr-defined]
    assert after == before, "a replica was restarted"


def test_every_domain_as_its_own_service(tmp_path: Path) -> None:
    shutil.copy(DOMAINS_PLAN, tmp_path / "cleave.yaml")
    cleave("build", str(SHOP), "--plan", "cleave.yaml", "-o", ".cleave/build", cwd=tmp_path)
    with _bring_up(tmp_path) as deployment:
        services = {row["service"] for row in deployment.ps()["replicas"]}  # type: ignore[attr-defined]
        assert len(services) == 11
        assert deployment.scenario() == EXPECTED
        deadline = time.monotonic() + 15  # every replica also answers its own health checks (the kit, in its netns)
        while {r["health_checked"] for r in deployment.ps()["replicas"]} != {"replica"}:  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, deployment.ps()["replicas"]
            time.sleep(0.2)


def test_a_second_migrate_after_a_one_line_change_restarts_only_that_service(tmp_path: Path) -> None:
    source = tmp_path / "shop"
    shutil.copytree(SHOP, source, ignore=shutil.ignore_patterns("__pycache__", "data"))
    work = tmp_path / "work"
    work.mkdir()
    first = json.loads(cleave("migrate", str(source), "--json", cwd=work))
    deployment = Deployment(work, first["gateway_url"])
    try:
        before = {row["replica"]: row["pid"] for row in deployment.ps()["replicas"]}  # type: ignore[attr-defined]
        discounts = source / "shop" / "pricing" / "discounts.py"
        discounts.write_text(discounts.read_text() + "\nMAX_STACKED_DISCOUNTS = 1  # one line changed\n")
        second = json.loads(cleave("migrate", str(source), "--json", cwd=work))
        changed = [name for name in first["images"] if first["images"][name] != second["images"][name]]
        assert changed == ["pricing"]
        after = {row["replica"]: row["pid"] for row in deployment.ps()["replicas"]}  # type: ignore[attr-defined]
        restarted = sorted({replica.rsplit("-", 1)[0] for replica in before if after.get(replica) != before[replica]})
        assert restarted == ["pricing"], (before, after)
        assert deployment.scenario() == EXPECTED
    finally:
        subprocess.run([CLEAVE, "down", "--volumes"], cwd=work, capture_output=True, timeout=120, check=False)
