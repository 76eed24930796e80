"""``cleave build`` on the mini monolith: service trees, topology.json, JSON output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from cleave.formats.topology import Volume, load_topology

MINI = Path(__file__).resolve().parent.parent / "assets" / "packager" / "mini"
CLEAVE = str(Path(sys.executable).parent / "cleave")


def test_build_writes_trees_and_topology(tmp_path: Path) -> None:
    out = tmp_path / "build"
    run = subprocess.run([CLEAVE, "build", str(MINI), "--plan", str(MINI / "cleave.yaml"), "-o", str(out),
                          "--no-images", "--json"], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert document["gateway"] == "web"
    assert [s["name"] for s in document["services"]] == ["web", "orders", "catalog"]
    topology = load_topology(out / "topology.json")
    assert topology.gateway == "web" and topology.project == "mini"
    orders = topology.service("orders")
    assert orders.command == ("python3", "-m", "cleave_kit")
    assert orders.env == {"CLEAVE_SERVICE": "orders"}
    assert orders.calls == ("catalog",) and orders.source_dir == "services/orders"
    assert orders.health_path == "/healthz" and topology.service("web").health_path == "/_cleave/healthz"
    assert (out / "services" / "orders" / "service.json").is_file()
    assert not (out / "oci").exists()
    # one data folder, as the monolith had: every interior service mounts the same volume at its DATA_DIR
    assert {(s.name, s.volumes) for s in topology.services} == {
        (s.name, (Volume("data", s.data_dir),)) for s in topology.services}


def test_missing_plan_is_one_clear_line(tmp_path: Path) -> None:
    run = subprocess.run([CLEAVE, "build", str(MINI), "--plan", str(tmp_path / "nope.yaml"), "-o",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1
    assert "plan not found" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_stub_errors_are_listed_and_nothing_is_written(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(MINI, src)
    web = src / "mini" / "web.py"
    web.write_text(web.read_text().replace("import mini.orders.service\n",
                                            "import mini.orders.service\nfrom mini.catalog.api import _PRICES\n"))
    run = subprocess.run([CLEAVE, "build", str(src), "--plan", str(src / "cleave.yaml"), "-o",
                          str(tmp_path / "out"), "--no-images"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 1, run.stdout
    # the crossing rule (cleave/crossing) refuses it before any stub is made: one line, file:line, what, why
    assert "mini/web.py:10: mini.web -> mini.catalog.api._PRICES: mini.catalog.api._PRICES of service catalog is " \
        "an object (yaml.safe_load), not plain data" in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
