"""k8s/ for an edge split (packager/deploy/k8s_edge.py): the init as a Job, the shared database (SQLite: the
claim is DATA_DIR; PostgreSQL: a Secret reference and an ExternalName Service), valid for kubernetes-validate."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from cleave.formats.plan import parse_plan
from cleave.formats.topology import Topology
from packager.build import build_services
from packager.deploy import DeployOptions, write_k8s
from packager.topology import build_topology
from tests.edge.graphs import notes_app
from tests.packager.images.test_deploy import by_kind_and_name, validate

ASSET = Path(__file__).parent / "assets" / "notes"
PLAN = textwrap.dedent("""\
    format: cleave.plan/1
    entry: notes:create_app()
    services:
      web: {routes: ["/", "/whoami"]}
      notes: {routes: ["/notes/*"], replicas: 3}
      tags: {routes: ["/tags"]}
    database: {engine: ENGINE, variable: DATABASE_URL, services: [web, notes]}
    init: python -m notes.initdb
    """)


def edge_topology(tmp_path: Path, engine: str) -> Topology:
    src = tmp_path / "src"
    shutil.copytree(ASSET, src)
    plan = parse_plan(PLAN.replace("ENGINE", engine), str(tmp_path / "cleave.yaml"))
    return build_topology(build_services(src, plan, notes_app(str(src)), tmp_path / "build"), plan, "notes")


def _pod(objects: dict[tuple[str, str], dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = objects[(kind, name)]["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_init_is_a_job_the_database_services_wait_for(tmp_path: Path, engine: str) -> None:
    topology = edge_topology(tmp_path, engine)
    write_k8s(topology, tmp_path / "k8s", options=DeployOptions(database_host="db.internal.example"))
    objects = by_kind_and_name(tmp_path / "k8s")  # validated by the two tests below
    job = objects[("Job", "web-init")]
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["python3", "-m", "cleave_kit", "init", "python3", "-m", "notes.initdb"]
    assert pod["restartPolicy"] == "Never" and "readinessProbe" not in container and "ports" not in container
    assert container["image"] == _pod(objects, "Deployment", "web")["containers"][0]["image"]
    # its own labels: the web Service never sends it requests; its own policy: DNS and the database only
    labels = job["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "web-init"
    assert objects[("Service", "web")]["spec"]["selector"]["app.kubernetes.io/name"] == "web"
    policy = objects[("NetworkPolicy", "web-init")]["spec"]
    assert policy["ingress"] == [] and policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "web-init"
    for name in ("web", "notes"):
        annotations = objects[("Deployment", name)]["metadata"]["annotations"]
        assert annotations["cleave.dev/waits-for"].startswith("job/web-init: kubectl wait --for=condition=complete")
    assert "annotations" not in objects[("Deployment", "tags")]["metadata"], "tags does not use the database"
    kustomization = yaml.safe_load((tmp_path / "k8s" / "kustomization.yaml").read_text())
    assert "web-init.yaml" in kustomization["resources"]


def test_sqlite_the_shared_claim_is_data_dir_mounted_once(tmp_path: Path) -> None:
    topology = edge_topology(tmp_path, "sqlite")
    validate(write_k8s(topology, tmp_path / "k8s"))
    objects = by_kind_and_name(tmp_path / "k8s")
    for kind, name in (("Deployment", "web"), ("Deployment", "notes"), ("Job", "web-init")):
        pod = _pod(objects, kind, name)
        mounts = [m["mountPath"] for m in pod["containers"][0]["volumeMounts"]]
        assert sorted(mounts) == ["/data", "/tmp"], f"{name}: /data once, from the claim"
        assert {"name": "shared-database", "persistentVolumeClaim": {"claimName": "shared-database"}} in pod["volumes"]
        assert all("emptyDir" not in v for v in pod["volumes"] if v["name"] != "tmp"), "no emptyDir for the data"
        env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        assert env["CLEAVE_DB_ENGINE"] == "sqlite" and env["CLEAVE_DB_PATH"] == "/data/app.sqlite3"
    tags = _pod(objects, "Deployment", "tags")
    assert [v["name"] for v in tags["volumes"]] == ["tmp", "data"] and "CLEAVE_DB_PATH" not in str(tags)
    assert ("Service", "notes-database") not in objects


def test_postgresql_the_url_is_a_secret_and_the_host_an_external_service(tmp_path: Path) -> None:
    topology = edge_topology(tmp_path, "postgresql")
    paths = write_k8s(topology, tmp_path / "k8s", options=DeployOptions(database_host="db.internal.example"))
    validate(paths)
    objects = by_kind_and_name(tmp_path / "k8s")
    database = objects[("Service", "notes-database")]["spec"]
    assert database["type"] == "ExternalName" and database["externalName"] == "db.internal.example"
    for kind, name in (("Deployment", "web"), ("Deployment", "notes"), ("Job", "web-init")):
        container = _pod(objects, kind, name)["containers"][0]
        assert {"name": "CLEAVE_DATABASE_URL", "valueFrom": {"secretKeyRef": {
            "name": "notes-database", "key": "url"}}} in container["env"]
    for name in ("notes", "web-init"):
        egress = objects[("NetworkPolicy", name)]["spec"]["egress"]
        assert {"ports": [{"port": 5432, "protocol": "TCP"}]} in egress
    assert "CLEAVE_DATABASE_URL" not in str(_pod(objects, "Deployment", "tags"))
    secret = objects[("Secret", "notes-database")]
    assert "PASSWORD" in secret["metadata"]["annotations"]["cleave.dev/make-it-with"]
    assert ":" not in secret["stringData"]["url"].split("@")[0].removeprefix("postgresql://"), "no password"
    kustomization = yaml.safe_load((tmp_path / "k8s" / "kustomization.yaml").read_text())
    assert "database.yaml" in kustomization["resources"]
    assert "database-secret.example.yaml" not in kustomization["resources"], "cleave never applies a secret"
