"""Kubernetes manifests: per service a Deployment, a Service, an autoscaling/v2 HorizontalPodAutoscaler and a
NetworkPolicy that admits only the services that call it (the gateway: anyone). One file per service in ``k8s/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from cleave.formats.atomic import staged_directory
from cleave.formats.topology import ServiceSpec, Topology, service_url_variable
from packager.deploy.common import (
    PORT,
    CallGraph,
    DeployOptions,
    callers_of,
    calls_of,
    dump_yaml,
    mebibytes,
)

PORT_NAME: Final = "http"
DEFAULT_CPU_REQUEST: Final = "100m"
DEFAULT_MEMORY_REQUEST: Final = "128Mi"
CPU_TARGET_PERCENT: Final = 70


def selector_labels(topology: Topology, name: str) -> dict[str, str]:
    """The labels a Deployment selects its pods by (never changes between builds)."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": f"{topology.project}-{name}"[:63]}


def labels(topology: Topology, spec: ServiceSpec) -> dict[str, str]:
    """The recommended ``app.kubernetes.io/*`` labels."""
    version = spec.manifest_digest.removeprefix("sha256:")[:12] or "unknown"
    return {**selector_labels(topology, spec.name),
            "app.kubernetes.io/component": "gateway" if spec.name == topology.gateway else "service",
            "app.kubernetes.io/part-of": topology.project[:63],
            "app.kubernetes.io/managed-by": "cleave",
            "app.kubernetes.io/version": version}


def quantities(spec: ServiceSpec) -> dict[str, dict[str, str]]:
    """Requests (needed by the HPA) and limits from the plan's resources."""
    limits: dict[str, str] = {}
    if spec.resources.cpu is not None:
        limits["cpu"] = f"{max(1, round(spec.resources.cpu * 1000))}m"
    if spec.resources.memory_bytes is not None:
        amount, unit = mebibytes(spec.resources.memory_bytes)
        limits["memory"] = f"{amount}{unit}"
    requests = {"cpu": limits.get("cpu", DEFAULT_CPU_REQUEST), "memory": limits.get("memory", DEFAULT_MEMORY_REQUEST)}
    return {"requests": requests, "limits": limits} if limits else {"requests": requests}


def deployment(topology: Topology, spec: ServiceSpec, callees: list[str], image: str, port: int) -> dict[str, Any]:
    variables = {"CLEAVE_SERVICE": spec.name, "CLEAVE_LISTEN": f"0.0.0.0:{port}", "DATA_DIR": spec.data_dir,
                 **spec.env, **{service_url_variable(callee): f"http://{callee}:{port}" for callee in callees}}
    env = [{"name": key, "value": value} for key, value in variables.items()]
    probe = {"httpGet": {"path": spec.health_path, "port": PORT_NAME}, "timeoutSeconds": 2}
    uid, _, gid = spec.user.partition(":")
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": spec.name, "labels": labels(topology, spec)},
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": selector_labels(topology, spec.name)},
            "template": {
                "metadata": {"labels": labels(topology, spec)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": int(uid), "runAsGroup": int(gid or uid),
                                        "fsGroup": int(gid or uid), "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": spec.name,
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"name": PORT_NAME, "containerPort": port, "protocol": "TCP"}],
                        "env": env,
                        "resources": quantities(spec),
                        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
                        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
                        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
                        "securityContext": {"runAsNonRoot": True, "runAsUser": int(uid),
                                            "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                                            "capabilities": {"drop": ["ALL"]}},
                        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                                         {"name": "data", "mountPath": spec.data_dir}],
                    }],
                    "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "data", "emptyDir": {}}],
                },
            },
        },
    }


def service(topology: Topology, spec: ServiceSpec, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": spec.name, "labels": labels(topology, spec)},
        "spec": {"selector": selector_labels(topology, spec.name),
                 "ports": [{"name": PORT_NAME, "port": port, "targetPort": PORT_NAME, "protocol": "TCP"}]},
    }


def autoscaler(topology: Topology, spec: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": spec.name, "labels": labels(topology, spec)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "minReplicas": spec.replicas,
            "maxReplicas": max(2 * spec.replicas, spec.replicas + 2),
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": CPU_TARGET_PERCENT}}}],
        },
    }


def network_policy(topology: Topology, spec: ServiceSpec, callers: list[str], port: int) -> dict[str, Any]:
    """Ingress only from the callers' pods on the service port; the gateway takes traffic from anywhere."""
    ports = [{"port": PORT_NAME, "protocol": "TCP"}]
    if spec.name == topology.gateway:
        ingress: list[dict[str, Any]] = [{"ports": ports}]
    elif callers:
        ingress = [{"from": [{"podSelector": {"matchLabels": selector_labels(topology, caller)}}
                             for caller in callers], "ports": ports}]
    else:
        ingress = []  # nobody calls it: deny all ingress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": spec.name, "labels": labels(topology, spec)},
        "spec": {"podSelector": {"matchLabels": selector_labels(topology, spec.name)}, "policyTypes": ["Ingress"],
                 "ingress": ingress},
    }


def k8s_documents(topology: Topology, *, calls_graph: CallGraph | None = None, image_prefix: str | None = None,
                  tag: str = "latest", pin_digest: bool = False, port: int = PORT,
                  options: DeployOptions | None = None) -> dict[str, list[dict[str, Any]]]:
    """Manifests per service name: Deployment, Service, HorizontalPodAutoscaler, NetworkPolicy."""
    naming = options or DeployOptions(image_prefix=image_prefix, tag=tag, pin_digest=pin_digest)
    calls = calls_of(topology, calls_graph)
    callers = callers_of(calls)
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in topology.services:
        image = naming.image(topology, spec)
        out[spec.name] = [deployment(topology, spec, calls[spec.name], image, port), service(topology, spec, port),
                          autoscaler(topology, spec), network_policy(topology, spec, callers[spec.name], port)]
    return out


def write_k8s(topology: Topology, out_dir: Path, calls_graph: CallGraph | None = None, *,
              image_prefix: str | None = None, tag: str = "latest", pin_digest: bool = False,
              options: DeployOptions | None = None) -> list[Path]:
    """Write ``<service>.yaml`` per service into ``out_dir`` (replaced as a whole, atomically)."""
    documents = k8s_documents(topology, calls_graph=calls_graph, image_prefix=image_prefix, tag=tag,
                              pin_digest=pin_digest, options=options)
    with staged_directory(out_dir) as staging:
        staging.chmod(0o755)
        for name, docs in documents.items():
            (staging / f"{name}.yaml").write_text(dump_yaml(docs), encoding="utf-8")
    return [out_dir / f"{name}.yaml" for name in documents]
