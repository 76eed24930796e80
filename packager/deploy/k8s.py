"""Kubernetes manifests in ``k8s/``, applied with ``kubectl apply -k BUILD/k8s``.

::

    k8s/kustomization.yaml     the namespace and every file below
    k8s/namespace.yaml         the namespace (Pod Security "restricted" enforced: every pod here meets it)
    k8s/<service>.yaml         Deployment (or StatefulSet + claim for a service that owns data), Service,
                               HorizontalPodAutoscaler (not for a StatefulSet), PodDisruptionBudget, NetworkPolicy
    k8s/network.yaml           the namespace's default-deny NetworkPolicy
    k8s/volumes.yaml           a ReadWriteMany claim per volume services share (an edge split's SQLite database)
                               secret_env values come from the Secret <project>-secrets (made by the operator)
    k8s/<owner>-init.yaml      an edge split's one-time init: a Job and its NetworkPolicy (packager/deploy/k8s_edge.py)
    k8s/database.yaml          an edge split on PostgreSQL: the ExternalName Service its URL's host names
    k8s/database-secret.example.yaml  the Secret <project>-database (key url) to make, with no password (not applied)
    k8s/ingress.yaml           an Ingress for the entry service and the plan's routes
    k8s/gateway-api/route.yaml HTTPRoute(s) for clusters with the Gateway API (`kubectl apply -f`, not in the
                               kustomization: it needs the Gateway API's CRDs and a Gateway named in DeployOptions)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cleave.formats.atomic import staged_directory
from cleave.formats.topology import Topology
from packager.deploy.common import PORT, CallGraph, DeployOptions, callers_of, calls_of, dump_yaml
from packager.deploy.k8s_edge import SECRET_EXAMPLE, database_documents, init_documents, init_job_name, secret_example
from packager.deploy.k8s_network import DNS_PEER, DNS_PORTS, default_deny, http_routes, ingress, network_policy
from packager.deploy.k8s_workloads import (
    autoscaler,
    disruption_budget,
    labels,
    quantities,
    selector_labels,
    service,
    shared_claims,
    workload,
)

GATEWAY_API_DIR = "gateway-api"


def namespace(topology: Topology, options: DeployOptions) -> dict[str, Any]:
    """The namespace, with Pod Security Admission at ``restricted``."""
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": options.namespace_for(topology),
                         "labels": {"app.kubernetes.io/part-of": topology.project[:63],
                                    "app.kubernetes.io/managed-by": "cleave",
                                    "pod-security.kubernetes.io/enforce": "restricted"}}}


def k8s_documents(topology: Topology, *, calls_graph: CallGraph | None = None, image_prefix: str | None = None,
                  tag: str = "latest", pin_digest: bool = False, port: int = PORT,
                  options: DeployOptions | None = None) -> dict[str, list[dict[str, Any]]]:
    """Manifests per service name (workload, Service, HPA, PDB, NetworkPolicy)."""
    naming = options or DeployOptions(image_prefix=image_prefix, tag=tag, pin_digest=pin_digest)
    calls = calls_of(topology, calls_graph)
    callers = callers_of(calls)
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in topology.services:
        documents = [workload(topology, spec, calls[spec.name], naming, port), service(topology, spec, naming, port)]
        if spec.name not in naming.stateful:
            documents.append(autoscaler(topology, spec, naming))
        documents += [disruption_budget(topology, spec, naming),
                      network_policy(topology, spec.name, callers[spec.name], calls[spec.name], naming)]
        out[spec.name] = documents
    if topology.init is not None and topology.init.service in out:
        owner_pod = out[topology.init.service][0]["spec"]["template"]
        out[f"{init_job_name(topology)}"] = init_documents(topology, owner_pod, naming,
                                                           {"to": [DNS_PEER], "ports": DNS_PORTS})
    return out


def cluster_documents(topology: Topology, options: DeployOptions, port: int = PORT) -> dict[str, list[dict[str, Any]]]:
    """The files beside the per-service ones: namespace, default-deny, Ingress, HTTPRoutes (by file name)."""
    files = {"namespace.yaml": [namespace(topology, options)], "network.yaml": [default_deny(topology, options)]}
    claims = shared_claims(topology, options)
    if claims:
        files["volumes.yaml"] = claims
    database = database_documents(topology, options)
    if database:
        files["database.yaml"] = database
    example = secret_example(topology, options)
    if example:
        files[SECRET_EXAMPLE] = example
    entry = ingress(topology, options, port)
    if entry is not None:
        files["ingress.yaml"] = [entry]
    routes = http_routes(topology, options, port)
    if routes:
        files[f"{GATEWAY_API_DIR}/route.yaml"] = routes
    return files


def kustomization(topology: Topology, options: DeployOptions, files: list[str]) -> dict[str, Any]:
    """``kubectl apply -k``: the namespace first, then everything else but the Gateway API routes."""
    resources = sorted((f for f in files if not f.startswith(GATEWAY_API_DIR) and f != SECRET_EXAMPLE),
                       key=lambda f: f != "namespace.yaml")
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "namespace": options.namespace_for(topology), "resources": resources}


def write_k8s(topology: Topology, out_dir: Path, calls_graph: CallGraph | None = None, *,
              image_prefix: str | None = None, tag: str = "latest", pin_digest: bool = False,
              options: DeployOptions | None = None) -> list[Path]:
    """Write ``out_dir`` (replaced as a whole, atomically); the files written, kustomization.yaml last."""
    naming = options or DeployOptions(image_prefix=image_prefix, tag=tag, pin_digest=pin_digest)
    files = {f"{name}.yaml": docs for name, docs in k8s_documents(topology, calls_graph=calls_graph,
                                                                  options=naming).items()}
    files.update(cluster_documents(topology, naming))
    with staged_directory(out_dir) as staging:
        staging.chmod(0o755)
        for name, docs in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(dump_yaml(docs), encoding="utf-8")
        (staging / "kustomization.yaml").write_text(dump_yaml([kustomization(topology, naming, list(files))]),
                                                    encoding="utf-8")
    return [out_dir / name for name in [*files, "kustomization.yaml"]]


__all__ = ["k8s_documents", "labels", "quantities", "selector_labels", "write_k8s"]
