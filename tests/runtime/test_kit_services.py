"""Real kit services (``python -m cleave_kit``) under the engine: a gateway that calls another service over RPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cleave.formats import topology as topo
from packager.kit import client
from tests.runtime.conftest import needs_root
from tests.runtime.images import write_layout
from tests.runtime.project import Project

pytestmark = [needs_root]
KIT = Path(__file__).resolve().parents[2] / "packager" / "kit"

FRONT = b'''from cleave_kit.client import call


def relay(x):
    return call("back", "back.double", (x,), {})
'''
BACK = b'''import os
import socket


def double(x):
    return {"value": 2 * x, "replica": socket.gethostname(), "pid": os.getpid(), "uid": os.getuid()}
'''


def _files(name: str, interface: list[str], module: bytes) -> dict[str, bytes]:
    files = {f"app/cleave_kit/{p.name}": p.read_bytes() for p in KIT.glob("*.py")}
    files["app/service.json"] = json.dumps({"name": name, "interface": interface, "entry": None,
                                            "health_path": "/healthz"}).encode()
    files[f"app/{name}.py"] = module
    return files


@pytest.fixture
def kit_project(tmp_path: Path, base_layer: bytes) -> Iterator[Project]:
    build = tmp_path / "build"
    specs = []
    for name, interface, module, calls in (("front", ["front.relay"], FRONT, ("back",)),
                                            ("back", ["back.double"], BACK, ())):
        digest = write_layout(build / "oci", [name], base_layer, _files(name, interface, module))[name]
        # one layout per image name: write_layout rewrites index.json, so keep every image's entry
        specs.append(topo.ServiceSpec(name=name, image=name, manifest_digest=digest, source_dir=f"services/{name}",
                                      command=("python3", "-m", "cleave_kit"), env={}, replicas=2 if calls else 1,
                                      calls=calls))
    index: dict[str, Any] = {"schemaVersion": 2, "manifests": []}
    for spec in specs:
        blob = build / "oci" / "blobs" / "sha256" / spec.manifest_digest[7:]
        index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "digest": spec.manifest_digest, "size": blob.stat().st_size,
                                   "annotations": {"org.opencontainers.image.ref.name": spec.image}})
    (build / "oci" / "index.json").write_text(json.dumps(index))
    topo.save_topology(topo.Topology(project="kit", services=tuple(specs), gateway="front"), build / "topology.json")
    project = Project(tmp_path)
    try:
        yield project
    finally:
        project.teardown()


def test_kit_services_call_each_other_through_the_runtime(kit_project: Project,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    url = kit_project.up()
    monkeypatch.setenv(topo.service_url_variable("front"), url)
    answer = client.call("front", "front.relay", (21,), {})
    assert answer["value"] == 42 and answer["replica"] == "back-0" and answer["pid"] == 1
    assert answer["uid"] == 65532
    rows = kit_project.ps()["replicas"]
    assert sorted(r["replica"] for r in rows) == ["back-0", "front-0", "front-1"]
    assert all(r["state"] == "running" and r["restarts"] == 0 for r in rows)


def test_a_service_scaled_to_zero_answers_503_naming_it_then_resumes(kit_project: Project,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    url = kit_project.up()
    monkeypatch.setenv(topo.service_url_variable("front"), url)
    kit_project.cli("scale", "back=0")
    kit_project.wait_rows("back", 0)
    with pytest.raises(client.ServiceUnavailable) as caught:  # at once, not after the 300 s read timeout
        client.call("front", "front.relay", (21,), {})
    assert "back" in str(caught.value) and "scaled to zero" in str(caught.value), str(caught.value)
    kit_project.cli("scale", "back=1", "--wait")
    assert client.call("front", "front.relay", (21,), {})["value"] == 42
