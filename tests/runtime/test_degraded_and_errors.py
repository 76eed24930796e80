"""Degraded mode (no namespaces, no cgroups: said out loud) and bad input (one clear line, exit 1)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime.conftest import http_get, needs_root
from tests.runtime.images import edit_topology
from tests.runtime.project import Project, make_project


@pytest.fixture
def plain(tmp_path: Path, base_layer: bytes) -> Iterator[Project]:
    project = make_project(tmp_path, base_layer, {"web": {"replicas": 2, "calls": ("api",)}, "api": {}})
    project.env["CLEAVE_RUNTIME_ISOLATION"] = "none"
    try:
        yield project
    finally:
        project.teardown()


def test_degraded_mode_runs_plain_processes_and_says_what_is_missing(plain: Project) -> None:
    result = plain.cli("up", "build")
    assert "isolation missing: namespaces" in result.stderr
    assert "isolation missing: cgroups" in result.stderr
    assert "isolation missing: per-replica health checks" in result.stderr
    answer = plain.ps()
    assert answer["isolation"]["namespaces"] is False and answer["isolation"]["cgroups"] == "none"
    assert len(answer["isolation"]["missing"]) == 3
    assert {r["health_checked"] for r in answer["replicas"]} == {"service"}  # no namespace of their own to enter
    assert "isolation missing" in plain.cli("ps").stderr
    gateway = plain.gateway()
    who = json.loads(http_get(gateway, "/whoami")[1])
    assert who["hostname"] == socket.gethostname()  # plain processes share the host's hostname
    called = json.loads(http_get(gateway, "/call?service=api")[1])
    assert called["reached"] is True
    plain.cli("scale", "web=3", "--wait")
    before = {r["replica"]: r["pid"] for r in plain.ps()["replicas"]}
    edit_topology(plain.build, {"api": {"env": {"CLEAVE_SERVICE": "api", "FLAVOUR": "new"}}})
    assert "api: restarted" in plain.cli("up", "build").stderr  # applying a build works without isolation too
    after = {r["replica"]: r["pid"] for r in plain.ps()["replicas"]}
    assert after["api-0"] != before["api-0"] and {k: after[k] for k in before if k != "api-0"} == \
        {k: v for k, v in before.items() if k != "api-0"}
    assert json.loads(http_get(gateway, "/call?service=api&path=/env")[1])["body"]["FLAVOUR"] == "new"
    pids = [*before.values(), after["api-0"]]
    plain.cli("down")
    time.sleep(0.1)
    assert all(not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
               for pid in pids)


def _cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = Project(tmp_path).cli(*args, check=False, timeout=60)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr


def test_up_without_a_build_says_so(tmp_path: Path) -> None:
    code, err = _cli(tmp_path, "up", "nowhere")
    assert code == 1 and "no topology.json here" in err and "cleave build" in err


def test_a_malformed_topology_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "topology.json").write_text('{"format": "cleave.topology/1", "services": [}')
    code, err = _cli(tmp_path, "up", "build")
    assert code == 1 and "invalid JSON" in err


@needs_root
def test_a_service_calling_the_gateway_is_refused_with_namespaces_and_served_without(tmp_path: Path,
                                                                                    base_layer: bytes) -> None:
    project = make_project(tmp_path, base_layer, {"web": {"calls": ("api",)}, "api": {"calls": ("web",)}})
    try:
        result = project.cli("up", "build", check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "api call(s) the gateway 'web', which replicas in network namespaces cannot reach" in result.stderr
        assert "topology.json" in result.stderr and "move what api calls out of 'web'" in result.stderr
        project.env["CLEAVE_RUNTIME_ISOLATION"] = "none"  # plain processes share the host's loopback: it works
        project.cli("up", "build")
        called = json.loads(http_get(project.gateway(), "/call?service=api&path=/env")[1])
        assert called["body"]["CLEAVE_SERVICE_WEB_URL"] == f"http://127.0.0.1:{project.gateway()[1]}"
    finally:
        project.teardown()


def test_ps_scale_logs_and_down_without_a_project(tmp_path: Path) -> None:
    for args in (("ps",), ("scale", "web=2"), ("logs", "web")):
        code, err = _cli(tmp_path, *args)
        assert code == 1 and "no running cleave project" in err
    code, _ = _cli(tmp_path, "scale", "web=two")
    assert code == 2  # a usage error


def test_scale_refuses_unknown_services_and_bad_counts(plain: Project) -> None:
    plain.cli("up", "build")
    code, err = _cli(plain.root, "scale", "nosuch=2")
    assert code == 1 and "no such service: nosuch" in err
    code, err = _cli(plain.root, "scale", "web=-1")
    assert code == 2 and "SERVICE=N" in err
    code, err = _cli(plain.root, "logs", "nosuch")
    assert code == 1 and "no logs for service 'nosuch'" in err
