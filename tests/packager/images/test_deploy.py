"""compose.yaml and k8s/ against their schemas (check-jsonschema, kubernetes-validate --strict), and what schemas
cannot see: selectors match pod labels, Service ports exist on the containers, HPA targets and policy peers exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cleave.formats.topology import Limits, RouteRule, ServiceSpec, Topology
from packager.deploy import DeployOptions, write_compose, write_k8s

BIN = Path(sys.executable).parent


def spec(name: str, calls: tuple[str, ...] = (), replicas: int = 1, resources: Limits | None = None) -> ServiceSpec:
    return ServiceSpec(name=name, image=name, manifest_digest="sha256:" + "ab" * 32, source_dir=f"services/{name}",
                       command=("python3", "-m", "cleave_kit"), replicas=replicas, calls=calls,
                       resources=resources or Limits(), env={"CLEAVE_SERVICE": name})


@pytest.fixture
def topology() -> Topology:
    """A gateway calling two services, with a call cycle between them (compose must not get a depends_on cycle)."""
    return Topology(project="shop", gateway="web", services=(
        spec("web", calls=("orders", "catalog"), replicas=2),
        spec("orders", calls=("catalog",), replicas=2, resources=Limits(cpu=0.5, memory_bytes=256 * 2**20, pids=128)),
        spec("catalog", calls=("orders",), resources=Limits(cpu=0.25, memory_bytes=100_000_000)),
        spec("audit"),
    ))


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed")
        return found
    return str(path)


def test_compose_is_valid_under_the_compose_spec(topology: Topology, tmp_path: Path) -> None:
    path = write_compose(topology, tmp_path / "compose.yaml")
    done = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    document = yaml.safe_load(path.read_text())
    assert "version" not in document
    services = document["services"]
    assert services["orders"]["deploy"] == {"replicas": 2, "resources": {"limits": {
        "cpus": "0.5", "memory": "256m", "pids": 128}}}
    assert services["web"]["depends_on"] == {"catalog": {"condition": "service_healthy"},
                                             "orders": {"condition": "service_healthy"}}
    assert services["web"]["environment"]["CLEAVE_SERVICE_ORDERS_URL"] == "http://orders:8000"
    assert services["web"]["ports"] == [{"target": 8000, "published": "8000-8001", "protocol": "tcp"}]
    assert services["orders"]["volumes"] == ["orders-data:/data"]
    assert services["orders"]["image"] == "localhost/shop/orders:latest"
    assert services["orders"]["healthcheck"]["test"][:2] == ["CMD", "python3"]
    # the orders <-> catalog cycle is broken: exactly one of them waits for the other
    waits = [name for name in ("orders", "catalog") if services[name].get("depends_on")]
    assert len(waits) == 1


def load_manifests(out: Path) -> list[dict[str, Any]]:
    """Every Kubernetes object in ``out`` (not the kustomization, not the Gateway API routes)."""
    documents: list[dict[str, Any]] = []
    for path in sorted(out.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def validate(paths: list[Path]) -> None:
    """kubernetes-validate --strict on the core objects (it has no schema for kustomizations or Gateway API CRDs)."""
    core = [p for p in paths if p.name != "kustomization.yaml" and p.parent.name != "gateway-api"]
    done = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", "1.37.0", *map(str, core)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_k8s_is_valid_for_a_current_kubernetes(topology: Topology, tmp_path: Path) -> None:
    paths = write_k8s(topology, tmp_path / "k8s", image_prefix="registry.example/shop")
    assert "&id" not in paths[0].read_text(), "no YAML anchors: people read these files"
    validate(paths)


def test_k8s_manifests_agree_with_each_other(topology: Topology, tmp_path: Path) -> None:
    write_k8s(topology, tmp_path / "k8s")
    docs = load_manifests(tmp_path / "k8s")
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    deployments = by_kind["Deployment"]
    assert set(deployments) == {"web", "orders", "catalog", "audit"}
    for name, deployment in deployments.items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        for key in ("name", "instance", "component", "part-of", "managed-by", "version"):
            assert f"app.kubernetes.io/{key}" in pod_labels
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        port_names = {p["name"] for p in container["ports"]} | {p["containerPort"] for p in container["ports"]}
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
        assert security["runAsUser"] == 65532 and security["capabilities"] == {"drop": ["ALL"]}
        assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp", "/data"}
        env_names = [e["name"] for e in container["env"]]
        assert len(env_names) == len(set(env_names))
        assert container["livenessProbe"]["httpGet"]["port"] in port_names
        service = by_kind["Service"][name]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names
        target = by_kind["HorizontalPodAutoscaler"][name]["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["name"] in deployments
        assert "cpu" in container["resources"]["requests"]
        policy = by_kind["NetworkPolicy"][name]
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
        for rule in policy["spec"]["ingress"]:
            for peer in rule.get("from", []):
                selected = [d for d in deployments.values() if peer["podSelector"]["matchLabels"].items()
                            <= d["spec"]["template"]["metadata"]["labels"].items()]
                assert len(selected) == 1, f"policy {name}: peer {peer} selects {len(selected)} deployments"


def test_network_policies_follow_the_call_graph(topology: Topology, tmp_path: Path) -> None:
    write_k8s(topology, tmp_path / "k8s")
    policies = {d["metadata"]["name"]: d for d in load_manifests(tmp_path / "k8s") if d["kind"] == "NetworkPolicy"}

    def callers(name: str) -> set[str]:
        return {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                for rule in policies[name]["spec"]["ingress"] for peer in rule.get("from", [])}

    assert policies["web"]["spec"]["ingress"] == [{"ports": [{"port": "http", "protocol": "TCP"}]}]
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert callers("orders") == {"web", "catalog"}
    assert callers("catalog") == {"web", "orders"}
    assert policies["audit"]["spec"]["ingress"] == []


def test_an_explicit_call_graph_overrides_the_topology(topology: Topology, tmp_path: Path) -> None:
    write_k8s(topology, tmp_path / "k8s", {"web": ["orders"], "orders": []})
    policies = {d["metadata"]["name"]: d for d in load_manifests(tmp_path / "k8s") if d["kind"] == "NetworkPolicy"}
    assert policies["catalog"]["spec"]["ingress"] == []


def by_kind_and_name(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in load_manifests(out)}


def test_egress_goes_only_to_callees_and_dns(topology: Topology, tmp_path: Path) -> None:
    write_k8s(topology, tmp_path / "k8s")
    policy = by_kind_and_name(tmp_path / "k8s")[("NetworkPolicy", "orders")]["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    dns, callees = policy["egress"]
    assert dns["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
    assert [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for peer in callees["to"]] == ["catalog"]
    audit = by_kind_and_name(tmp_path / "k8s")[("NetworkPolicy", "audit")]["spec"]
    assert len(audit["egress"]) == 1  # calls nobody: DNS only


def test_every_object_is_namespaced_spread_and_budgeted(topology: Topology, tmp_path: Path) -> None:
    write_k8s(topology, tmp_path / "k8s")
    objects = by_kind_and_name(tmp_path / "k8s")
    namespace = objects[("Namespace", "shop")]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {doc["metadata"].get("namespace") for key, doc in objects.items() if key[0] != "Namespace"} == {"shop"}
    for name in ("web", "orders", "catalog", "audit"):
        budget = objects[("PodDisruptionBudget", name)]["spec"]
        assert budget["maxUnavailable"] == 1
        assert budget["selector"]["matchLabels"]["app.kubernetes.io/name"] == name
        pod = objects[("Deployment", name)]["spec"]["template"]["spec"]
        keys = [c["topologyKey"] for c in pod["topologySpreadConstraints"]]
        assert keys == ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]


def test_the_kustomization_lists_every_file_namespace_first(topology: Topology, tmp_path: Path) -> None:
    paths = write_k8s(topology, tmp_path / "k8s")
    kustomization = yaml.safe_load((tmp_path / "k8s" / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization" and kustomization["namespace"] == "shop"
    resources = kustomization["resources"]
    assert resources[0] == "namespace.yaml"
    assert all((tmp_path / "k8s" / name).is_file() for name in resources)
    assert set(resources) == {p.relative_to(tmp_path / "k8s").as_posix() for p in paths} - {
        "kustomization.yaml", "gateway-api/route.yaml"}


def test_a_service_that_owns_data_is_a_statefulset_that_does_not_scale(topology: Topology, tmp_path: Path) -> None:
    options = DeployOptions(stateful={"orders": ("orders", "order_lines")}, storage="2Gi")
    paths = write_k8s(topology, tmp_path / "k8s", options=options)
    validate(paths)
    objects = by_kind_and_name(tmp_path / "k8s")
    assert ("Deployment", "orders") not in objects and ("HorizontalPodAutoscaler", "orders") not in objects
    stateful = objects[("StatefulSet", "orders")]
    assert stateful["spec"]["replicas"] == 1  # the plan asks for 2: refused, and said why
    assert "the plan asks for 2" in stateful["metadata"]["annotations"]["cleave.dev/scaling"]
    claim = stateful["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data" and claim["spec"]["resources"]["requests"]["storage"] == "2Gi"
    from dataclasses import replace

    from cleave.formats.topology import Limits

    sized = replace(topology, services=tuple(replace(s, resources=Limits(disk=512 << 20)) if s.name == "orders"
                                             else s for s in topology.services))
    write_k8s(sized, tmp_path / "sized", options=options)  # the plan's resources.disk is the claim's size
    claim = by_kind_and_name(tmp_path / "sized")[("StatefulSet", "orders")]["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["resources"]["requests"]["storage"] == "512Mi"
    pod = stateful["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp"]  # data comes from the claim, not an emptyDir
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["data"] == "/data"


def test_ingress_and_httproute_follow_the_plans_routes(tmp_path: Path) -> None:
    topology = Topology(project="notes", gateway="web", fallback="web", services=(
        spec("web"), spec("api"), spec("admin")), gateway_routes=(
        RouteRule(methods=("GET", "POST"), regex="^/api/notes/(?P<id>[0-9]+)$", prefix="/api/notes/", service="api"),
        RouteRule(methods=(), regex="^/admin/.*$", prefix="/admin/", service="admin")))
    paths = write_k8s(topology, tmp_path / "k8s", options=DeployOptions(host="notes.example.com"))
    validate(paths)
    ingress = by_kind_and_name(tmp_path / "k8s")[("Ingress", "notes")]["spec"]["rules"][0]
    assert ingress["host"] == "notes.example.com"
    assert [(p["path"], p["backend"]["service"]["name"]) for p in ingress["http"]["paths"]] == [
        ("/api/notes/", "api"), ("/admin/", "admin"), ("/", "web")]
    (route,) = list(yaml.safe_load_all((tmp_path / "k8s" / "gateway-api" / "route.yaml").read_text()))[:1]
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1" and route["kind"] == "HTTPRoute"
    assert route["spec"]["parentRefs"] == [{"name": "gateway"}]
    first, second, fallback = route["spec"]["rules"]
    assert first["matches"] == [
        {"path": {"type": "RegularExpression", "value": "/api/notes/(?P<id>[0-9]+)"}, "method": "GET"},
        {"path": {"type": "RegularExpression", "value": "/api/notes/(?P<id>[0-9]+)"}, "method": "POST"}]
    assert first["backendRefs"] == [{"name": "api", "port": 8000}]
    assert second["matches"] == [{"path": {"type": "RegularExpression", "value": "/admin/.*"}}]
    assert fallback["backendRefs"] == [{"name": "web", "port": 8000}]
    services = {name for kind, name in by_kind_and_name(tmp_path / "k8s") if kind == "Service"}
    assert {ref["name"] for rule in route["spec"]["rules"] for ref in rule["backendRefs"]} <= services


def test_shared_volumes_and_secrets_reach_every_pod_that_needs_them(tmp_path: Path) -> None:
    """An edge split shares its SQLite database through a volume and reads a secret from the environment: in k8s a
    ReadWriteMany claim and a Secret reference, in compose a named volume and an interpolated variable."""
    from dataclasses import replace

    from cleave.formats.topology import Volume

    db = Volume(name="app_db", target="/var/lib/app")
    services = tuple(replace(spec(name), volumes=(db,), secret_env={"SECRET_KEY": "env:SHOP_SECRET"})
                     for name in ("web", "api"))
    topology = Topology(project="notes", gateway="web", services=(*services, spec("worker")))
    paths = write_k8s(topology, tmp_path / "k8s")
    validate(paths)
    objects = by_kind_and_name(tmp_path / "k8s")
    claim = objects[("PersistentVolumeClaim", "shared-app-db")]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"] and claim["spec"]["resources"]["requests"] == {
        "storage": "1Gi"}  # DeployOptions.storage: no service sets resources.disk
    for name in ("web", "api"):
        pod = objects[("Deployment", name)]["spec"]["template"]["spec"]
        assert {"name": "shared-app-db", "persistentVolumeClaim": {"claimName": "shared-app-db"}} in pod["volumes"]
        container = pod["containers"][0]
        assert {"name": "shared-app-db", "mountPath": "/var/lib/app"} in container["volumeMounts"]
        assert {"name": "SECRET_KEY", "valueFrom": {"secretKeyRef": {"name": "notes-secrets", "key": "SECRET_KEY"}}
                } in container["env"]
    worker = objects[("Deployment", "worker")]["spec"]["template"]["spec"]
    assert all(v["name"] != "shared-app-db" for v in worker["volumes"])
    compose = write_compose(topology, tmp_path / "compose.yaml")
    done = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(compose)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    document = yaml.safe_load(compose.read_text())
    assert "shared-app_db:/var/lib/app" in document["services"]["api"]["volumes"]
    assert document["services"]["api"]["environment"]["SECRET_KEY"] == "${SHOP_SECRET:?set SHOP_SECRET}"
    assert "shared-app_db" in document["volumes"]
