"""The workload side of the Kubernetes manifests: Deployment or StatefulSet, Service, HPA, PodDisruptionBudget.

A service that owns data (it uses tables, so its ``DATA_DIR`` holds a database) is a StatefulSet with one replica
and a PersistentVolumeClaim at ``DATA_DIR``, and gets no HPA: more replicas would each hold their own copy of the
data. The refusal is written on the manifest (annotation ``cleave.dev/scaling``) and said by ``cleave build``.
"""

from __future__ import annotations

from typing import Any, Final

from cleave.formats.topology import ServiceSpec, Topology, service_url_variable
from packager.deploy.common import DeployOptions, dns_label, mebibytes
from packager.deploy.k8s_edge import database_env, waits_for

PORT_NAME: Final = "http"
DEFAULT_CPU_REQUEST: Final = "100m"
DEFAULT_MEMORY_REQUEST: Final = "128Mi"
CPU_TARGET_PERCENT: Final = 70
SCALING_ANNOTATION: Final = "cleave.dev/scaling"


def selector_labels(topology: Topology, name: str) -> dict[str, str]:
    """The labels a workload selects its pods by (never changes between builds)."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": f"{topology.project}-{name}"[:63]}


def labels(topology: Topology, spec: ServiceSpec) -> dict[str, str]:
    """The recommended ``app.kubernetes.io/*`` labels."""
    version = spec.manifest_digest.removeprefix("sha256:")[:12] or "unknown"
    return {**selector_labels(topology, spec.name),
            "app.kubernetes.io/component": "gateway" if spec.name == topology.gateway else "service",
            "app.kubernetes.io/part-of": topology.project[:63],
            "app.kubernetes.io/managed-by": "cleave",
            "app.kubernetes.io/version": version}


def metadata(topology: Topology, spec: ServiceSpec, options: DeployOptions, name: str | None = None
             ) -> dict[str, Any]:
    """``name``, ``namespace`` and labels of one of ``spec``'s objects."""
    return {"name": name or spec.name, "namespace": options.namespace_for(topology), "labels": labels(topology, spec)}


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


def _container(spec: ServiceSpec, callees: list[str], image: str, port: int, *, secret_name: str,
               database: list[dict[str, Any]]) -> dict[str, Any]:
    variables = {"CLEAVE_SERVICE": spec.name, "CLEAVE_LISTEN": f"0.0.0.0:{port}", "DATA_DIR": spec.data_dir,
                 **spec.env, **{service_url_variable(callee): f"http://{callee}:{port}" for callee in callees}}
    probe = {"httpGet": {"path": spec.health_path, "port": PORT_NAME}, "timeoutSeconds": 2}
    uid = int(spec.user.partition(":")[0])
    secrets = [{"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": name}}}
               for name in sorted(spec.secret_env)]
    return {
        "name": spec.name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": PORT_NAME, "containerPort": port, "protocol": "TCP"}],
        "env": [*({"name": key, "value": value} for key, value in variables.items()), *database, *secrets],
        "resources": quantities(spec),
        "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {**probe, "periodSeconds": 5, "failureThreshold": 2},
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        "securityContext": {"runAsNonRoot": True, "runAsUser": uid, "readOnlyRootFilesystem": True,
                            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                         *([] if shares_data_dir(spec) else [{"name": "data", "mountPath": spec.data_dir}]),
                         *({"name": volume_name(v.name), "mountPath": v.target} for v in spec.volumes)],
    }


def shares_data_dir(spec: ServiceSpec) -> bool:
    """Whether a shared volume is the service's ``DATA_DIR`` (an edge split's SQLite database): no emptyDir there."""
    return any(v.target == spec.data_dir for v in spec.volumes)


def volume_name(name: str) -> str:
    """The pod volume (and claim) of a topology volume shared by services."""
    return dns_label(f"shared-{name}")


def pod_template(topology: Topology, spec: ServiceSpec, callees: list[str], image: str, port: int, *,
                 stateful: bool) -> dict[str, Any]:
    """The pod: non-root, read-only root, no service account token, spread over nodes and zones."""
    uid, _, gid = spec.user.partition(":")
    selector = {"matchLabels": selector_labels(topology, spec.name)}
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    if not stateful and not shares_data_dir(spec):
        volumes.append({"name": "data", "emptyDir": {}})  # scratch space: this service owns no data
    volumes += [{"name": volume_name(v.name), "persistentVolumeClaim": {"claimName": volume_name(v.name)}}
                for v in spec.volumes]
    return {
        "metadata": {"labels": labels(topology, spec)},
        "spec": {
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 30,
            "securityContext": {"runAsNonRoot": True, "runAsUser": int(uid), "runAsGroup": int(gid or uid),
                                "fsGroup": int(gid or uid), "seccompProfile": {"type": "RuntimeDefault"}},
            "topologySpreadConstraints": [
                {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": selector}
                for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")],
            "containers": [_container(spec, callees, image, port, secret_name=secret_name(topology),
                                      database=database_env(topology, spec))],
            "volumes": volumes,
        },
    }


def secret_name(topology: Topology) -> str:
    """The Secret holding every service's ``secret_env`` values (created by the operator, never by cleave)."""
    return f"{topology.project}-secrets".lower()[:63]


def claim_size(sizes: list[int | None], options: DeployOptions) -> str:
    """What a claim asks for: the plan's ``resources.disk`` of the services that mount it (the largest), else
    ``options.storage``."""
    known = [size for size in sizes if size is not None]
    if not known:
        return options.storage
    count, unit = mebibytes(max(known))
    return f"{count}{unit}"


def shared_claims(topology: Topology, options: DeployOptions) -> list[dict[str, Any]]:
    """One ReadWriteMany claim per volume that services share (an edge split's SQLite database, uploads)."""
    names = sorted({v.name for s in topology.services for v in s.volumes})
    return [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
             "metadata": {"name": volume_name(name), "namespace": options.namespace_for(topology),
                          "labels": {"app.kubernetes.io/part-of": topology.project[:63],
                                     "app.kubernetes.io/managed-by": "cleave"}},
             "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": claim_size(
                 [s.resources.disk for s in topology.services if any(v.name == name for v in s.volumes)],
                 options)}}}}
            for name in names]


def workload(topology: Topology, spec: ServiceSpec, callees: list[str], options: DeployOptions, port: int
             ) -> dict[str, Any]:
    """A Deployment, or for a service that owns data a one-replica StatefulSet with a claim at ``DATA_DIR``."""
    image = options.image(topology, spec)
    tables = options.stateful.get(spec.name)
    template = pod_template(topology, spec, callees, image, port, stateful=tables is not None)
    selector = {"matchLabels": selector_labels(topology, spec.name)}
    if tables is None:
        meta = metadata(topology, spec, options)
        if waits_for(topology, spec):
            meta["annotations"] = waits_for(topology, spec)
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
                "spec": {"replicas": spec.replicas, "selector": selector, "template": template}}
    meta = metadata(topology, spec, options)
    meta["annotations"] = {SCALING_ANNOTATION: scaling_refusal(spec, tables)}
    claim = {"metadata": {"name": "data", "labels": selector_labels(topology, spec.name)},
             "spec": {"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": claim_size([spec.resources.disk], options)}}}}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta,
            "spec": {"replicas": 1, "serviceName": spec.name, "selector": selector, "template": template,
                     "volumeClaimTemplates": [claim],
                     "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}}


def scaling_refusal(spec: ServiceSpec, tables: tuple[str, ...]) -> str:
    """Why a service that owns data runs one replica (the manifest's annotation, the build's warning)."""
    owned = ", ".join(tables[:5]) + (" ..." if len(tables) > 5 else "") or "its data"
    asked = f" (the plan asks for {spec.replicas})" if spec.replicas > 1 else ""
    return (f"one replica{asked}: it keeps {owned} in {spec.data_dir}; more replicas would each hold their own "
            "copy. Move the data to a shared database (plan `database:`) to scale it.")


def service(topology: Topology, spec: ServiceSpec, options: DeployOptions, port: int) -> dict[str, Any]:
    """The ClusterIP Service callers reach it by (``http://<name>:<port>``)."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(topology, spec, options),
        "spec": {"selector": selector_labels(topology, spec.name),
                 "ports": [{"name": PORT_NAME, "port": port, "targetPort": PORT_NAME, "protocol": "TCP"}]},
    }


def autoscaler(topology: Topology, spec: ServiceSpec, options: DeployOptions) -> dict[str, Any]:
    """CPU-based autoscaling between the planned replicas and twice that."""
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(topology, spec, options),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": spec.name},
            "minReplicas": spec.replicas,
            "maxReplicas": max(2 * spec.replicas, spec.replicas + 2),
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": CPU_TARGET_PERCENT}}}],
        },
    }


def disruption_budget(topology: Topology, spec: ServiceSpec, options: DeployOptions) -> dict[str, Any]:
    """At most one pod of the service evicted at a time (a node drain never takes a whole service down when it
    has two replicas or more, and never blocks on a single one)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(topology, spec, options),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(topology, spec.name)}},
    }
