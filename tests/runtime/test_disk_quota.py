"""``resources.disk`` (issue 16): a service's ``/data`` is its own size-limited ext4 filesystem (a loop-mounted
image under ``.cleave/volumes``): writes past it fail with ENOSPC inside the service, the data survives ``down`` and
``up``, grows at the next ``up``, never shrinks, and where it cannot be enforced it is refused, never run unbounded."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from cleave.formats import FormatError
from cleave.formats import topology as topo
from cleave.formats.plan import dump_plan, parse_plan
from runtime import quota
from runtime.errors import RuntimeEngineError
from tests.runtime.conftest import http_get, needs_root
from tests.runtime.project import make_project

MiB = 1 << 20


def _spec(name: str, disk: int | None, volumes: tuple[topo.Volume, ...] = ()) -> topo.ServiceSpec:
    return topo.ServiceSpec(name=name, image=name, manifest_digest="", source_dir=f"services/{name}",
                            command=("python3",), env={}, volumes=volumes, resources=topo.Limits(disk=disk))


SPEC = _spec("orders", 16 * MiB)


def _fill(folder: Path, name: str = "big") -> int:
    """Write MiBs into ``folder`` until ENOSPC; how many fitted."""
    written = 0
    with open(folder / name, "wb") as handle:
        try:
            for _ in range(64):
                handle.write(b"\0" * MiB)
                handle.flush()
                os.fsync(handle.fileno())
                written += 1
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return written


@needs_root
def test_a_volume_with_a_quota_is_bounded_survives_unmount_grows_and_never_shrinks(tmp_path: Path) -> None:
    volume = tmp_path / "volumes" / "orders"
    quota.ensure(volume, 16 * MiB, SPEC)
    try:
        assert os.path.ismount(volume)
        assert 8 <= _fill(volume) < 16  # the host's filesystem has gigabytes free: only the quota stops it
        (volume / "big").unlink()
        (volume / "keep").write_text("orders data")
        quota.ensure(volume, 16 * MiB, SPEC)  # again (another generation, a shared volume): nothing changes
        quota.unmount_all(tmp_path / "volumes")
        assert not os.path.ismount(volume) and not (volume / "keep").exists()
        assert quota.image_of(volume).stat().st_size == 16 * MiB
        quota.ensure(volume, 32 * MiB, SPEC)  # grown at the next up
        assert (volume / "keep").read_text() == "orders data"
        assert 24 <= _fill(volume) < 32
        quota.unmount_all(tmp_path / "volumes")
        with pytest.raises(RuntimeEngineError, match="shrinking could lose data"):
            quota.ensure(volume, 16 * MiB, SPEC)
        assert not os.path.ismount(volume) and quota.image_of(volume).stat().st_size == 32 * MiB
    finally:
        quota.unmount_all(tmp_path / "volumes")


@needs_root
def test_data_already_there_moves_in_or_nothing_changes_when_it_does_not_fit(tmp_path: Path) -> None:
    volume = tmp_path / "volumes" / "orders"
    volume.mkdir(parents=True)
    (volume / "db").mkdir()
    (volume / "db" / "app.sqlite3").write_bytes(b"x" * 1000)
    try:
        quota.ensure(volume, 16 * MiB, SPEC)
        assert os.path.ismount(volume) and (volume / "db" / "app.sqlite3").read_bytes() == b"x" * 1000
        quota.unmount_all(tmp_path / "volumes")
        assert list(volume.iterdir()) == []  # the copy under the mount point is gone: no hidden double
        other = tmp_path / "volumes" / "big"
        other.mkdir()
        (other / "blob").write_bytes(os.urandom(20 * MiB))
        with pytest.raises(RuntimeEngineError, match=r"does not fit in resources\.disk"):
            quota.ensure(other, 16 * MiB, SPEC)
        assert not os.path.ismount(other) and not quota.image_of(other).exists()
        assert (other / "blob").stat().st_size == 20 * MiB
    finally:
        quota.unmount_all(tmp_path / "volumes")


def test_without_root_the_quota_is_refused_not_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeEngineError, match=r"resources\.disk of 'orders' cannot be enforced.*needs root"):
        quota.ensure(tmp_path / "orders", 16 * MiB, SPEC)
    assert list(tmp_path.iterdir()) == []


def test_services_sharing_a_volume_must_agree_on_its_size() -> None:
    shared = (topo.Volume("database", "/data"),)
    services = tuple(_spec(n, size, shared) for n, size in (("a", 16 * MiB), ("b", None), ("c", 16 * MiB)))
    topology = topo.Topology(project="p", services=services)
    assert quota.wanted_size(topology, "database") == 16 * MiB
    assert quota.wanted_size(topology, "a") is None  # each mounts the shared volume, not one of its own
    clash = topo.Topology(project="p", services=(*services, _spec("d", 32 * MiB, shared)))
    with pytest.raises(RuntimeEngineError, match=r"volume 'database' ask for different resources.disk \(a 16777216"):
        quota.wanted_size(clash, "database")


PLAN = """format: cleave.plan/1
entry: shop.web:app
services:
  orders:
    modules: [shop.orders]
    resources: {disk: DISK}
"""


def test_the_plan_takes_disk_as_a_quantity_and_names_the_line_of_a_bad_one() -> None:
    plan = parse_plan(PLAN.replace("DISK", "1Gi"), "cleave.yaml")
    assert plan.services[0].resources.disk_bytes == 1 << 30
    assert parse_plan(dump_plan(plan), "again").services[0].resources.to_dict() == {"disk": "1Gi"}
    for bad in ("1Mi", "lots", "true", "2Pi"):
        with pytest.raises(FormatError, match=r"cleave.yaml:6: disk of 'orders' must be a size from 16Mi"):
            parse_plan(PLAN.replace("DISK", bad), "cleave.yaml")


@needs_root
def test_a_replica_writing_past_its_disk_gets_enospc_and_its_data_survives_down_and_up(
        tmp_path: Path, base_layer: bytes) -> None:
    project = make_project(tmp_path, base_layer, {"web": {"resources": {"disk": 16 * MiB}}})
    try:
        gateway = ("127.0.0.1", int(project.up().rsplit(":", 1)[1]))
        status, body = http_get(gateway, "/fill?path=/data/big&mb=40", timeout=60)
        filled = json.loads(body)
        assert status == 200 and filled["error"] == "No space left on device" and filled["written_mb"] < 16
        assert json.loads(http_get(gateway, "/write?path=/data/keep")[1]) == {"written": True}
        image = quota.image_of(project.paths.volumes / "web")
        project.cli("down")
        assert image.stat().st_size == 16 * MiB and not os.path.ismount(project.paths.volumes / "web")
        gateway = ("127.0.0.1", int(project.up().rsplit(":", 1)[1]))
        assert "keep" in json.loads(http_get(gateway, "/ls?path=/data")[1])
        project.cli("down", "--volumes")
        assert not image.exists()
    finally:
        project.teardown()
