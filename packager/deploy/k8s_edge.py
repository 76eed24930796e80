"""An edge split's additions to the Kubernetes manifests: the shared database and the one-time init.

- **SQLite** (the embedded default): the ReadWriteMany claim of the shared volume is each database service's
  ``DATA_DIR`` (no emptyDir there), and ``CLEAVE_DB_ENGINE``/``CLEAVE_DB_PATH`` point the kit at the file.
- **PostgreSQL** (provisioned by cleave's runtime on one machine; in a cluster it is yours): the pods read
  ``CLEAVE_DATABASE_URL`` from the Secret ``<project>-database`` (key ``url``), which cleave never writes with a
  value: ``database-secret.example.yaml`` (not in the kustomization) shows the command that makes it. The URL's
  host is the Service ``<project>-database``, an ExternalName for the database's real host
  (``DeployOptions.database_host``; ``<name>.invalid`` until set), and the database services' NetworkPolicy lets
  them reach port 5432.
- **Init** (Django ``migrate``, ``flask db upgrade``, the plan's ``init:``): a Job ``<owner>-init`` running the
  command in the owner's image with its environment and volumes, under its own labels (the owner's Service never
  sends it traffic) and its own NetworkPolicy (DNS and the database only). Kubernetes has no ordering between a Job
  and Deployments: the Deployments that use the database carry the annotation ``cleave.dev/waits-for`` naming the
  Job; apply the kustomization, then ``kubectl wait --for=condition=complete job/<owner>-init`` (their pods fail
  their readiness probes until the schema exists, then become ready by themselves).
"""

from __future__ import annotations

import copy
from typing import Any, Final

from cleave.formats.topology import ServiceSpec, Topology
from packager.deploy.common import DeployOptions, dns_label

SECRET_KEY: Final = "url"
POSTGRESQL_PORT: Final = 5432
WAITS_FOR: Final = "cleave.dev/waits-for"
SECRET_EXAMPLE: Final = "database-secret.example.yaml"


def uses_database(topology: Topology, spec: ServiceSpec) -> bool:
    """Whether ``spec`` is one of the services of the database cleave provisions."""
    return topology.database is not None and spec.name in topology.database.services


def database_service_name(topology: Topology) -> str:
    return dns_label(f"{topology.project}-database")


def database_secret_name(topology: Topology) -> str:
    return dns_label(f"{topology.project}-database")


def database_env(topology: Topology, spec: ServiceSpec) -> list[dict[str, Any]]:
    """The container's variables for the shared database (cleave_kit.edge turns them into the app's URL)."""
    database = topology.database
    if database is None or not uses_database(topology, spec):
        return []
    if database.engine == "sqlite" and database.file:
        return [{"name": "CLEAVE_DB_ENGINE", "value": "sqlite"},
                {"name": "CLEAVE_DB_PATH", "value": f"{spec.data_dir}/{database.file}"}]
    return [{"name": "CLEAVE_DATABASE_URL",
             "valueFrom": {"secretKeyRef": {"name": database_secret_name(topology), "key": SECRET_KEY}}}]


def database_documents(topology: Topology, options: DeployOptions) -> list[dict[str, Any]]:
    """For PostgreSQL: the ExternalName Service the URL's host names (the Secret is the operator's)."""
    database = topology.database
    if database is None or database.engine != "postgresql":
        return []
    name = database_service_name(topology)
    return [{"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": name, "namespace": options.namespace_for(topology),
                          "labels": {"app.kubernetes.io/part-of": topology.project[:63],
                                     "app.kubernetes.io/managed-by": "cleave"},
                          "annotations": {"cleave.dev/database": "the PostgreSQL database every edge service "
                                          "shares; set its host with DeployOptions.database_host"}},
             "spec": {"type": "ExternalName", "externalName": options.database_host or f"{name}.invalid",
                      "ports": [{"name": "postgresql", "port": POSTGRESQL_PORT, "protocol": "TCP"}]}}]


def secret_example(topology: Topology, options: DeployOptions) -> list[dict[str, Any]] | None:
    """The Secret the database services read their URL from, as an example with no password (not applied)."""
    database = topology.database
    if database is None or database.engine != "postgresql":
        return None
    namespace = options.namespace_for(topology)
    name = database_secret_name(topology)
    host = database_service_name(topology)
    command = (f"kubectl -n {namespace} create secret generic {name} --from-literal={SECRET_KEY}="
               f"postgresql://USER:PASSWORD@{host}:{POSTGRESQL_PORT}/DATABASE")
    return [{"apiVersion": "v1", "kind": "Secret",
             "metadata": {"name": name, "namespace": namespace,
                          "annotations": {"cleave.dev/make-it-with": command}},
             "type": "Opaque",
             "stringData": {SECRET_KEY: f"postgresql://app@{host}:{POSTGRESQL_PORT}/app"}}]


def init_job_name(topology: Topology) -> str | None:
    return dns_label(f"{topology.init.service}-init") if topology.init is not None else None


def init_documents(topology: Topology, owner_pod: dict[str, Any], options: DeployOptions,
                   dns_egress: dict[str, Any]) -> list[dict[str, Any]]:
    """The init Job (from the owner's pod template: image, environment, volumes) and its NetworkPolicy (egress:
    ``dns_egress`` and the database)."""
    name = init_job_name(topology)
    if name is None or topology.init is None:
        return []
    namespace = options.namespace_for(topology)
    own = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": f"{topology.project}-{name}"[:63],
           "app.kubernetes.io/component": "init", "app.kubernetes.io/part-of": topology.project[:63],
           "app.kubernetes.io/managed-by": "cleave"}
    pod = copy.deepcopy(owner_pod)
    pod["metadata"] = {"labels": own}
    pod["spec"]["restartPolicy"] = "Never"
    pod["spec"].pop("topologySpreadConstraints", None)
    container = pod["spec"]["containers"][0]
    container["name"] = "init"
    container["command"] = list(topology.init.command)
    for key in ("ports", "startupProbe", "readinessProbe", "livenessProbe"):
        container.pop(key, None)
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": {"name": name, "namespace": namespace, "labels": own},
           "spec": {"backoffLimit": 1, "template": pod}}
    selector = {key: own[key] for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance")}
    egress: list[dict[str, Any]] = [dns_egress]
    if topology.database is not None and topology.database.engine == "postgresql":
        egress.append({"ports": [{"port": POSTGRESQL_PORT, "protocol": "TCP"}]})
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": name, "namespace": namespace, "labels": own},
              "spec": {"podSelector": {"matchLabels": selector}, "policyTypes": ["Ingress", "Egress"],
                       "ingress": [], "egress": egress}}
    return [job, policy]


def waits_for(topology: Topology, spec: ServiceSpec) -> dict[str, str]:
    """The annotation of a Deployment that must start after the init Job (see the module docstring)."""
    name = init_job_name(topology)
    if name is None or not (uses_database(topology, spec) or topology.database is None):
        return {}
    return {WAITS_FOR: f"job/{name}: kubectl wait --for=condition=complete job/{name} before relying on it"}
