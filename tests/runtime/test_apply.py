"""Applying a new build to a running engine (`cleave up BUILD` again): only what changed restarts, nothing is lost."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from runtime import cgroups, control, linux
from runtime.protocol import ApplyRequest
from runtime.state import load_state
from tests.runtime.conftest import http_get, needs_root
from tests.runtime.images import edit_topology, rebuild_image
from tests.runtime.project import Load, Project, leftover_cgroups

pytestmark = [needs_root]




def _pids(project: Project) -> dict[str, int]:
    return {r["replica"]: r["pid"] for r in project.ps()["replicas"]}


def _apply(project: Project) -> dict[str, object]:
    summary: dict[str, object] = json.loads(project.cli("up", "build", "--json").stdout)
    return summary


def test_a_changed_image_restarts_only_its_service_and_loses_no_request(shop: Project, base_layer: bytes) -> None:
    shop.up()
    before = _pids(shop)
    digest = rebuild_image(shop.build, "web", base_layer, {"app/version.txt": b"2\n"})
    edit_topology(shop.build, {"web": {"manifest_digest": digest}})
    with Load(shop.gateway(), path="/slow?s=0.01") as load:
        time.sleep(0.5)
        summary = _apply(shop)
        time.sleep(0.5)
    assert summary["restarted"] == ["web"] and summary["unchanged"] == ["api", "other"], summary
    assert summary["started"] == [] and summary["stopped"] == [] and summary["scaled"] == {}
    assert load.failures == [], load.failures[:5]
    assert load.ok > 20
    after = _pids(shop)
    assert {k: after[k] for k in ("api-0", "other-0")} == {k: before[k] for k in ("api-0", "other-0")}
    assert sorted(after) == sorted(before)
    assert after["web-0"] != before["web-0"] and after["web-1"] != before["web-1"]
    assert all(linux.process_start_time(before[k]) is None for k in ("web-0", "web-1"))  # the old ones drained
    gateway = shop.gateway()
    assert json.loads(http_get(gateway, "/ls?path=/app")[1]).count("version.txt") == 1  # the new image serves
    assert json.loads(http_get(gateway, "/call?service=api")[1])["reached"] is True  # and still reaches api
    assert all(r["restarts"] == 0 and r["state"] == "running" for r in shop.ps()["replicas"])

    result = shop.cli("up", "build")  # the same build again: nothing restarts
    assert "unchanged: web, api, other" in result.stderr and "restarted" not in result.stderr
    assert result.stdout.strip().startswith("http://127.0.0.1:")
    assert _pids(shop) == after

    os.kill(shop.ps()["pid"], signal.SIGKILL)  # a new engine re-adopts the replaced replicas, then replaces again
    shop.up()
    answer = shop.ps()
    assert answer["adopted"] == 4 and {r["replica"]: r["pid"] for r in answer["replicas"]} == after
    edit_topology(shop.build, {"web": {"env": {"CLEAVE_SERVICE": "web", "FLAVOUR": "3"}}})
    assert _apply(shop)["restarted"] == ["web"]
    state = load_state(shop.paths.state_file)
    assert state is not None
    assert sorted(r.cgroup.rsplit("/", 1)[1] for r in state.replicas if r.service == "web") == ["web-0-g2", "web-1-g2"]
    assert _pids(shop)["api-0"] == before["api-0"]


def test_an_env_change_scale_new_and_removed_services_in_one_apply(shop: Project, base_layer: bytes) -> None:
    shop.up()
    before = _pids(shop)
    other_socket = shop.paths.service_socket("other")
    assert other_socket.exists()

    edit_topology(shop.build, {"web": {"manifest_digest": "sha256:" + "0" * 64}})  # a bad build changes nothing
    result = shop.cli("up", "build", check=False)
    assert result.returncode == 1 and "topology.json expects" in result.stderr and "Traceback" not in result.stderr
    assert _pids(shop) == before

    digest = rebuild_image(shop.build, "extra", base_layer, {})
    edit_topology(shop.build, {"web": {"manifest_digest": digest, "replicas": 3}, "other": None,
                               "api": {"env": {"CLEAVE_SERVICE": "api", "FLAVOUR": "new"}},
                               "extra": {"manifest_digest": digest}})
    with Load(shop.gateway(), path="/call?service=api") as load:
        time.sleep(0.3)
        result = shop.cli("up", "build")
        time.sleep(0.3)
    assert load.failures == []
    lines = result.stderr.strip().splitlines()
    assert lines == ["api: restarted (rolling: new replicas listen, then the old ones drain)", "extra: started",
                     "other: stopped (its volume is kept)", "web: scaled to 3"], lines
    after = _pids(shop)
    assert {k: after[k] for k in ("web-0", "web-1")} == {k: before[k] for k in ("web-0", "web-1")}
    assert "web-2" in after and after["api-0"] != before["api-0"]
    assert "other-0" not in after and linux.process_start_time(before["other-0"]) is None
    assert not other_socket.exists() and (shop.paths.volumes / "other").is_dir()
    found, _ = cgroups.detect()
    parent = shop.paths.cgroup_parent("testproj")
    assert found is None or not any(found.exists(f"{parent}/{g}") for g in ("other-0", "other-zygote", "api-0"))
    assert shop.wait_rows("extra", 1)[0]["health"] == "ok"
    env = json.loads(http_get(shop.gateway(), "/call?service=api&path=/env")[1])["body"]
    assert env["FLAVOUR"] == "new"
    again = control.request(shop.paths.control_socket,
                            ApplyRequest(str(shop.build.resolve())))  # re-reads the build it runs
    assert again["unchanged"] == ["web", "api", "extra"] and not again["restarted"] and not again["scaled"]
    state_dir = str(shop.paths.state_dir)
    shop.cli("down")
    assert leftover_cgroups(shop.paths) == []
    assert state_dir not in Path("/proc/self/mountinfo").read_text()
