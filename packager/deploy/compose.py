"""``compose.yaml`` per the compose specification (no ``version:``): one service per cleave service, with replicas,
resource limits, health checks, start order through ``depends_on: service_healthy``, and a volume for ``DATA_DIR``."""

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
        volumes[volume] = {}
        service: dict[str, Any] = {
            "image": naming.image(topology, spec),
            "user": spec.user,
            "environment": _environment(spec, calls[name], port),
            "read_only": True,
            "tmpfs": ["/tmp"],
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "volumes": [f"{volume}:{spec.data_dir}"],
            "healthcheck": {"test": health_command(spec.health_path, port), "interval": "5s", "timeout": "3s",
                            "retries": 5, "start_period": "10s"},
            "deploy": {"replicas": spec.replicas, **_resources(spec)},
            "stop_grace_period": "15s",
        }
        # compose refuses cycles: a service waits only for callees that start before it
        earlier = [callee for callee in calls[name] if order.index(callee) < order.index(name)]
        if earlier:
            service["depends_on"] = {callee: {"condition": "service_healthy"} for callee in earlier}
        if name == topology.gateway:
            published = (str(gateway_port) if spec.replicas == 1
                         else f"{gateway_port}-{gateway_port + spec.replicas - 1}")
            service["ports"] = [{"target": port, "published": published, "protocol": "tcp"}]
        else:
            service["expose"] = [str(port)]
        services[name] = service
    return {"name": _project_name(topology.project), "services": services, "volumes": volumes}


def _environment(spec: ServiceSpec, callees: list[str], port: int) -> dict[str, str]:
    env = {"CLEAVE_SERVICE": spec.name, "CLEAVE_LISTEN": f"0.0.0.0:{port}", "DATA_DIR": spec.data_dir}
    env.update(spec.env)
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
