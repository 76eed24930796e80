"""An edge split under the engine: services "web" (the fallback) and "orders", each the kit serving the same WSGI app
(tests/kit/assets/gateway/gwapp.py), and the router the runtime puts in front of them (runtime/gateway.py), from a
topology.json with ``gateway_routes`` written by hand: HAProxy from the host by default, the kit's router with
``CLEAVE_RUNTIME_GATEWAY=kit``."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cleave.formats import topology as topo
from runtime.gateway import error_response, haproxy_config, load_runtime_topology, routing_table
from tests.runtime.conftest import http_get, needs_root
from tests.runtime.images import write_layout
from tests.runtime.project import Project

KIT = Path(__file__).resolve().parents[2] / "packager" / "kit"
APP = Path(__file__).resolve().parents[1] / "kit" / "assets" / "gateway" / "gwapp.py"
ROUTES = (topo.RouteRule(methods=("GET", "POST"), regex=r"^/items/(?P<item>[^/]+)$", prefix="/items/",
                         service="orders"),)


def _files(name: str) -> dict[str, bytes]:
    files = {f"app/cleave_kit/{p.name}": p.read_bytes() for p in KIT.glob("*.py")}
    files["app/service.json"] = json.dumps({"name": name, "entry": "gwapp:application",
                                            "health_path": "/_cleave/healthz"}).encode()
    files["app/gwapp.py"] = APP.read_bytes()
    return files


def write_edge_build(build: Path, base_layer: bytes) -> None:
    """Two edge services and a routing table, as the packager writes an edge split (gateway = the fallback)."""
    specs = []
    index: dict[str, Any] = {"schemaVersion": 2, "manifests": []}
    for name in ("web", "orders"):
        digest = write_layout(build / "oci", [name], base_layer, _files(name))[name]
        index["manifests"].append(json.loads((build / "oci" / "index.json").read_text())["manifests"][0])
        specs.append(topo.ServiceSpec(name=name, image=name, manifest_digest=digest, source_dir=f"services/{name}",
                                      command=("python3", "-m", "cleave_kit"), env={},
                                      health_path="/_cleave/healthz", seam="edge"))
    (build / "oci" / "index.json").write_text(json.dumps(index))
    topology = topo.Topology(project="edge", services=tuple(specs), gateway="web", gateway_routes=ROUTES,
                             fallback="web")
    topo.save_topology(topology, build / "topology.json")


def test_an_edge_topology_gets_a_router_that_calls_every_routed_service(tmp_path: Path, base_layer: bytes) -> None:
    write_edge_build(tmp_path, base_layer)
    topology = load_runtime_topology(tmp_path / "topology.json")
    router = topology.service("gateway")
    assert topology.gateway == "gateway" and router.calls == ("web", "orders")
    assert router.health_path == "/_cleave/healthz" and router.command == ("python3", "-m", "cleave_kit.gateway")
    assert json.loads(router.env["CLEAVE_GATEWAY_ROUTES"]) == routing_table(topology)
    assert routing_table(topo.Topology(project="p", services=())) is None


def test_the_generated_haproxy_configuration_is_valid(tmp_path: Path) -> None:
    if shutil.which("haproxy") is None:
        pytest.skip("HAProxy is not installed (./setup.sh installs it)")
    table = {"fallback": "web", "routes": [{"methods": ["GET"], "regex": r"^/it's/(?P<id>\d+)$", "service": "orders"},
                                           {"methods": [], "regex": r"^/any$", "service": "web"}]}
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(table, {"web": "/run/w.sock", "orders": "/run/o.sock"}, tmp_path))
    for name in ("web", "orders"):
        for status in (503, 504):
            (tmp_path / f"{status}-{name}.http").write_text(error_response(status, "service unavailable", name))
    with socket.create_server(("127.0.0.1", 0)) as listener:  # the engine's socket, fd 3
        fd = listener.fileno()
        checked = subprocess.run([sys.executable, "-S", "-c", f"import os; os.dup2({fd}, 3); os.execvp("
                                  f"'haproxy', ['haproxy', '-c', '-f', {str(config)!r}])"], pass_fds=(fd,),
                                 capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert r"path,url_dec -m reg '^/it\x27s/(?P<id>\d+)$'" in config.read_text()


@pytest.fixture(params=["haproxy", "kit"])
def edge(request: pytest.FixtureRequest, tmp_path: Path, base_layer: bytes) -> Iterator[Project]:
    if request.param == "haproxy" and shutil.which("haproxy") is None:
        pytest.skip("HAProxy is not installed (./setup.sh installs it)")
    write_edge_build(tmp_path / "build", base_layer)
    project = Project(tmp_path, env={"CLEAVE_RUNTIME_GATEWAY": request.param})
    try:
        yield project
    finally:
        project.teardown()


@needs_root
def test_up_routes_by_path_through_the_gateway_and_503_names_a_service_scaled_to_zero(edge: Project) -> None:
    url = edge.up()
    port = int(url.rsplit(":", 1)[1])
    status, body = http_get(("127.0.0.1", port), "/items/7")
    assert (status, json.loads(body)["service"]) == (200, "orders")
    assert http_get(("127.0.0.1", port), "/nowhere") == (404, b"404 from web\n")  # the fallback's own 404
    rows = {r["replica"]: r for r in edge.ps()["replicas"]}
    assert sorted(rows) == ["gateway-0", "orders-0", "web-0"] and rows["gateway-0"]["state"] == "running"
    edge.cli("scale", "orders=0")
    edge.wait_rows("orders", 0)
    status, body = http_get(("127.0.0.1", port), "/items/7")
    assert status == 503 and b"orders" in body
    edge.cli("scale", "orders=1", "--wait")
    assert http_get(("127.0.0.1", port), "/items/8")[0] == 200


def _in_flight(address: tuple[str, int], pool: ThreadPoolExecutor) -> Future[tuple[int, bytes]]:
    """A 2.5 s request sent now; returns once it has had half a second to reach the app (if it has not, the test
    below is weaker, never wrong)."""
    slow = pool.submit(http_get, address, "/slow?2.5", 30.0)
    time.sleep(0.5)
    return slow


@pytest.fixture
def haproxy_edge(tmp_path: Path, base_layer: bytes) -> Iterator[Project]:
    if shutil.which("haproxy") is None:
        pytest.skip("HAProxy is not installed (./setup.sh installs it)")
    write_edge_build(tmp_path / "build", base_layer)
    project = Project(tmp_path, env={"CLEAVE_RUNTIME_GATEWAY": "haproxy"})
    try:
        yield project
    finally:
        project.teardown()


@needs_root
def test_a_request_in_flight_completes_across_a_gateway_restart_and_down(haproxy_edge: Project) -> None:
    """HAProxy is stopped with SIGUSR1 (soft stop: no new connections, requests in flight finish), not SIGTERM, which
    cut them (the kit's router drains on SIGTERM, tests/kit): a slow request answers 200 through a rolling restart of
    the gateway and through `cleave down`."""
    edge = haproxy_edge
    address = ("127.0.0.1", int(edge.up().rsplit(":", 1)[1]))
    old = edge.rows("gateway")[0]["pid"]
    with ThreadPoolExecutor(1) as pool:
        slow = _in_flight(address, pool)
        edge.cli("restart", "gateway")
        assert slow.result() == (200, b"slow done by web\n")
        assert edge.wait_rows("gateway", 1, state="running")[0]["pid"] != old
        assert http_get(address, "/items/3")[0] == 200  # the new gateway answers on the same socket
        slow = _in_flight(address, pool)
        edge.cli("down")
        assert slow.result() == (200, b"slow done by web\n")
