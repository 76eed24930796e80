"""``cleave build`` end to end with images: the layout, topology.json, compose.yaml and k8s/ agree with each other,
and a second build in another folder gives the same digests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cleave.formats.oci import ImageLayout
from cleave.formats.topology import load_topology
from packager.oci import verify_layout

ROOT = Path(__file__).resolve().parents[3]
MINI = ROOT / "tests" / "assets" / "packager" / "mini"
BIN = Path(sys.executable).parent


def cleave_build(src: Path, out: Path) -> None:
    done = subprocess.run([str(BIN / "cleave"), "build", str(src), "--plan", str(src / "cleave.yaml"), "-o", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not MINI.is_dir():
        pytest.skip("the mini monolith is not there")
    out = tmp_path_factory.mktemp("mini") / "build"
    cleave_build(MINI, out)
    return out


def test_layout_topology_compose_and_k8s_agree(build: Path) -> None:
    topology = load_topology(build / "topology.json")
    assert sorted(verify_layout(build / "oci")) == sorted(s.name for s in topology.services)
    layout = ImageLayout(build / "oci")
    for spec in topology.services:
        descriptor, manifest = layout.manifest_for(spec.image)
        assert descriptor.digest == spec.manifest_digest
        config = json.loads(layout.read_blob(manifest["config"]["digest"]))
        assert config["config"]["Labels"]["dev.cleave.health-path"] == spec.health_path
    compose = yaml.safe_load((build / "compose.yaml").read_text())
    assert set(compose["services"]) == {s.name for s in topology.services}
    for spec in topology.services:
        assert compose["services"][spec.name]["image"].endswith(f"/{spec.image}:latest")
        assert spec.health_path in compose["services"][spec.name]["healthcheck"]["test"][-1]
    services = {s.name for s in topology.services}
    files = {p.stem for p in (build / "k8s").glob("*.yaml")}
    shared = {"volumes"} if any(s.volumes for s in topology.services) else set()  # the interior's one data volume
    assert files == services | {"namespace", "network", "ingress", "kustomization"} | shared
    assert (build / "k8s" / "gateway-api" / "route.yaml").is_file()


def test_generated_manifests_validate(build: Path) -> None:
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                           str(build / "compose.yaml")], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    objects = [p for p in sorted((build / "k8s").glob("*.yaml")) if p.name != "kustomization.yaml"]
    done = subprocess.run([str(BIN / "kubernetes-validate"), "--strict", *map(str, objects)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_another_folder_builds_the_same_images(build: Path, tmp_path: Path) -> None:
    src = tmp_path / "elsewhere" / "mini"
    shutil.copytree(MINI, src)
    cleave_build(src, tmp_path / "again")
    first, second = load_topology(build / "topology.json"), load_topology(tmp_path / "again" / "topology.json")
    assert {s.name: s.manifest_digest for s in first.services} == {s.name: s.manifest_digest for s in second.services}
