"""``compose.yaml`` per the compose specification (no ``version:``): one service per cleave service, with replicas,
resource limits, health checks, start order through ``depends_on: service_healthy``, and a volume for ``DATA_DIR``.
An edge split's one-time init is a service ``<owner>-init`` every other waits for (``service_completed_successfully``);
the shared SQLite database lives in the shared volume, a PostgreSQL one comes from ``$DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cleave.formats.atomic import write_text_atomic
from cleave.formats.topology import ServiceSpec, Topology, service_url_variable
from packager.deploy.common import PORT, CallGraph, DeployOptions, calls_of, dump_yaml, mebibytes


def health_command(path: str, port: int = PORT) -> list[str]:
    """A check that needs only the image's interpreter (no curl in a distroless image)."""
    code = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=2)"
    return ["CMD", "python3", "-c", code]


def compose_document(topology: Topology, *, calls_graph: CallGraph | None = None, image_prefix: str | None = None,
                     tag: str = "latest", pin_digest: bool = False, port: int = PORT,
                     gateway_port: int = PORT, options: DeployOptions | None = None) -> dict[str, Any]:
    """The compose file as a dict (``options``, when given, replaces ``image_prefix``/``tag``/``pin_digest``)."""
    naming = options or DeployOptions(image_prefix=image_prefix, tag=tag, pin_digest=pin_digest)
    calls = calls_of(topology, calls_graph)
    order = topology.start_order()
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    for name in order:
        spec = topology.service(name)
        volume = f"{name}-data"
        shared_data = any(v.target == spec.data_dir for v in spec.volumes)  # an edge split's shared database
        if not shared_data:
            volumes[volume] = {}
        volumes.update({f"shared-{v.name}": {} for v in spec.volumes})
        service: dict[str, Any] = {
            "image": naming.image(topology, spec),
            "user": spec.user,
            "environment": {**_environment(spec, calls[name], port), **database_env(topology, spec)},
            "read_only": True,
            "tmpfs": ["/tmp"],
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "volumes": [*([] if shared_data else [f"{volume}:{spec.data_dir}"]),
                        *(f"shared-{v.name}:{v.target}" for v in spec.volumes)],
            "healthcheck": {"test": health_command(spec.health_path, port), "interval": "5s", "timeout": "3s",
                            "retries": 5, "start_period": "10s"},
            "deploy": {"replicas": spec.replicas, **_resources(spec)},
            "stop_grace_period": "15s",
        }
        # compose refuses cycles: a service waits only for callees that start before it
        earlier = [callee for callee in calls[name] if order.index(callee) < order.index(name)]
        if earlier:
            service["depends_on"] = {callee: {"condition": "service_healthy"} for callee in earlier}
        if topology.init is not None:  # every service waits for the one-time init (Django migrate, ...)
            service.setdefault("depends_on", {})[f"{topology.init.service}-init"] = {
                "condition": "service_completed_successfully"}
        if name == topology.gateway:
            published = (str(gateway_port) if spec.replicas == 1
                         else f"{gateway_port}-{gateway_port + spec.replicas - 1}")
            service["ports"] = [{"target": port, "published": published, "protocol": "tcp"}]
        else:
            service["expose"] = [str(port)]
        services[name] = service
    if topology.init is not None:
        owner = services[topology.init.service]
        services[f"{topology.init.service}-init"] = {
            key: owner[key] for key in ("image", "user", "environment", "read_only", "tmpfs", "cap_drop",
                                        "security_opt", "volumes")} | {"command": list(topology.init.command),
                                                                       "restart": "no"}
    return {"name": _project_name(topology.project), "services": services, "volumes": volumes}


def database_env(topology: Topology, spec: ServiceSpec) -> dict[str, str]:
    """What the kit needs to reach the shared database (cleave_kit.edge): the SQLite file in the shared volume,
    or, for PostgreSQL, the URL from the shell that runs compose (cleave's runtime starts its own server)."""
    database = topology.database
    if database is None or spec.name not in database.services:
        return {}
    if database.engine == "sqlite" and database.file:
        return {"CLEAVE_DB_ENGINE": "sqlite", "CLEAVE_DB_PATH": f"{spec.data_dir}/{database.file}"}
    return {"CLEAVE_DATABASE_URL": "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database}"}


def _environment(spec: ServiceSpec, callees: list[str], port: int) -> dict[str, str]:
    env = {"CLEAVE_SERVICE": spec.name, "CLEAVE_LISTEN": f"0.0.0.0:{port}", "DATA_DIR": spec.data_dir}
    env.update(spec.env)
    for variable, source in spec.secret_env.items():  # from the shell that runs compose, never written down
        kind, _, value = source.partition(":")
        env[variable] = f"${{{value}:?set {value}}}" if kind == "env" else f"${{{variable}:?set {variable}}}"
    for callee in callees:
        env[service_url_variable(callee)] = f"http://{callee}:{port}"
    return env


def _resources(spec: ServiceSpec) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    if spec.resources.cpu is not None:
        limits["cpus"] = str(spec.resources.cpu)
    if spec.resources.memory_bytes is not None:
        amount, unit = mebibytes(spec.resources.memory_bytes)
        limits["memory"] = f"{amount}m" if unit else f"{amount}b"
    if spec.resources.pids is not None:
        limits["pids"] = spec.resources.pids
    return {"resources": {"limits": limits}} if limits else {}


def _project_name(project: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in project.lower()).strip("-_")
    return cleaned or "cleave"


def write_compose(topology: Topology, out_path: Path, *, calls_graph: CallGraph | None = None,
                  image_prefix: str | None = None, tag: str = "latest", pin_digest: bool = False,
                  options: DeployOptions | None = None) -> Path:
    """Write ``compose.yaml`` atomically; images are ``{image_prefix}/{service}:{tag}`` (default prefix
    ``localhost/<project>``, what `cleave push REGISTRY/<prefix>` makes them)."""
    document = compose_document(topology, calls_graph=calls_graph, image_prefix=image_prefix, tag=tag,
                                pin_digest=pin_digest, options=options)
    write_text_atomic(out_path, dump_yaml([document]))
    return out_path
