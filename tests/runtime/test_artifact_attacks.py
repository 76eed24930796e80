"""Attacks through the build's own files: topology.json entries that name host paths, layouts outside the build,
an emptied manifest digest, and `cleave down` in a project that does not run. Each is refused with one line that
names the file and the entry, and nothing outside ``.cleave`` is created, changed or stopped."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cleave.formats.errors import FormatError
from cleave.formats.topology import FORMAT, from_json
from runtime.errors import LaunchError, RuntimeEngineError
from runtime.paths import artifact_path, find_project
from runtime.rootfs import make_dir_in_root
from runtime.store import Store
from tests.runtime.images import write_layout
from tests.runtime.project import CLEAVE

DIGEST = "sha256:" + "a" * 64


def _document(**service: Any) -> dict[str, Any]:
    item = {"name": "orders", "image": "orders", "manifest_digest": DIGEST, "source_dir": "services/orders",
            "command": ["python3", "-m", "cleave_kit"], "env": {}, "workdir": "/app", "user": "65532:65532",
            "replicas": 1, "resources": {}, "calls": [], "health_path": "/healthz", "data_dir": "/data", **service}
    return {"format": FORMAT, "project": "shop", "gateway": None, "oci_layout": "oci", "services": [item]}


@pytest.mark.parametrize(("field", "value", "entry"), [
    ("name", "/tmp/x/victim", "services[0].name"),
    ("name", "..", "services[0].name"),
    ("data_dir", "/" + "../" * 7 + "tmp/escape", "services[0].data_dir"),
    ("data_dir", "/proc/sys", "services[0].data_dir"),
    ("workdir", "/app/../../etc", "services[0].workdir"),
    ("source_dir", "/etc", "services[0].source_dir"),
    ("manifest_digest", "sha256:../../x", "services[0].manifest_digest"),
    ("calls", ["../../engine"], "services[0].calls"),
    ("env", {"A B": "x"}, "services[0].env"),
    ("replicas", -1, "services[0].replicas"),
    ("resources", {"memory_bytes": "1e99"}, "services[0].resources"),
    ("user", "0:0;rm", "services[0].user"),
    ("health_path", "/h\r\nX: y", "services[0].health_path"),
    ("sneaky", 1, "services[0].sneaky"),
])
def test_a_topology_entry_outside_its_grammar_is_refused_naming_it(field: str, value: Any, entry: str) -> None:
    with pytest.raises(FormatError) as caught:
        from_json(_document(**{field: value}), origin="build/topology.json")
    message = caught.value.render()
    assert entry in message and "build/topology.json" in message
    assert "\n" not in message


@pytest.mark.parametrize("layout", ["../other/oci", "/srv/other/oci", "oci/../../x", ""])
def test_an_oci_layout_outside_the_build_is_refused(layout: str) -> None:
    document = {**_document(), "oci_layout": layout}
    with pytest.raises(FormatError, match="oci_layout"):
        from_json(document, origin="topology.json")


def test_a_layout_symlinked_out_of_the_build_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other" / "oci").mkdir(parents=True)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "oci").symlink_to(tmp_path / "other" / "oci")
    with pytest.raises(RuntimeEngineError, match=r"topology\.json oci_layout 'oci' leaves the build folder"):
        artifact_path(tmp_path / "build", "oci", "topology.json oci_layout")
    (tmp_path / "build" / "own").mkdir()
    assert artifact_path(tmp_path / "build", "own", "x") == tmp_path / "build" / "own"


def test_an_emptied_manifest_digest_never_runs_whatever_image_has_the_tag(tmp_path: Path) -> None:
    write_layout(tmp_path / "oci", ["orders"], b"\0" * 1024)
    with pytest.raises(FormatError, match="names no manifest digest"):
        Store(tmp_path / "store", overlay=False).unpack(tmp_path / "oci", "orders", "")
    assert not (tmp_path / "store").exists()


def test_up_with_a_service_named_like_a_host_path_touches_nothing_on_the_host(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    build = tmp_path / "project" / "build"
    build.mkdir(parents=True)
    (build / "topology.json").write_text(json.dumps(_document(name=str(victim))))
    result = subprocess.run([CLEAVE, "up", str(build)], capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "CLEAVE_RUNTIME_ISOLATION": "none"})
    assert result.returncode != 0
    assert "services[0].name" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert victim.stat().st_uid == os.getuid() and (victim.stat().st_mode & 0o777) == 0o700
    assert list(victim.iterdir()) == []


def test_down_in_a_project_that_does_not_run_never_stops_the_enclosing_one(tmp_path: Path) -> None:
    outer = tmp_path / ".cleave"
    outer.mkdir()
    (outer / "runtime-state.json").write_text("{}")  # the enclosing project runs
    inner = tmp_path / "sub" / "inner"
    (inner / ".cleave").mkdir(parents=True)          # this one was built but is not running
    assert find_project(inner).state_dir == inner / ".cleave"
    assert find_project(tmp_path / "sub").state_dir == outer
    result = subprocess.run([CLEAVE, "down"], cwd=inner, capture_output=True, text=True, timeout=60, check=False)
    assert "outer" not in result.stdout + result.stderr and str(outer) not in result.stdout + result.stderr
    assert (outer / "runtime-state.json").read_text() == "{}"


def test_an_image_symlink_on_the_way_to_a_mount_point_never_leads_to_the_host(tmp_path: Path) -> None:
    host = tmp_path / "host"
    host.mkdir()
    image = tmp_path / "image"
    image.mkdir()
    (image / "app").symlink_to(host)  # the image's /app leads to a host folder before the replica pivots
    with pytest.raises(LaunchError, match="symlink or a file at /app"):
        make_dir_in_root(str(image), "app/sub")
    assert list(host.iterdir()) == []
    make_dir_in_root(str(image), "data/deeper")
    assert (image / "data" / "deeper").is_dir()
