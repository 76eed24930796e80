"""topology.json: what the runtime reads from a build (``"format": "cleave.topology/1"``).

The runtime needs nothing else from cleave's earlier stages. Paths are relative to the build directory::

    {"format": "cleave.topology/1", "project": "shop", "gateway": "web", "oci_layout": "oci",
     "services": [{"name": "orders", "image": "orders", "manifest_digest": "sha256:...",
                   "source_dir": "services/orders", "command": ["python3", "-m", "cleave_kit"],
                   "env": {"CLEAVE_SERVICE": "orders"}, "workdir": "/app", "user": "65532:65532",
                   "replicas": 2, "resources": {"cpu": 0.5, "memory_bytes": 268435456, "pids": 128},
                   "calls": ["catalog"], "health_path": "/healthz", "data_dir": "/data"}]}

The contract between the runtime and a replica (the kit implements the replica's side):
    LISTEN_FDS=1, LISTEN_PID, LISTEN_FDNAMES   fd 3 is the service's listening socket (socket activation);
                                                without them the kit listens on CLEAVE_LISTEN (``host:port`` or
                                                ``unix:/path``)
    CLEAVE_SERVICE                             the service's name
    CLEAVE_SERVICE_<NAME>_URL                  how to reach a service it calls: ``http://host:port`` or
                                                ``unix:/path/to.sock`` (NAME upper-cased, ``-`` as ``_``)
    DATA_DIR                                   the service's persistent volume
    The replica answers ``GET <health_path>`` with 200 when ready, and drains on SIGTERM.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from cleave.formats.atomic import write_text_atomic
from cleave.formats.errors import FormatError
from cleave.formats.topology_rules import validate_document

FORMAT: Final = "cleave.topology/1"


def service_url_variable(name: str) -> str:
    """The environment variable that tells a replica where service ``name`` listens."""
    return f"CLEAVE_SERVICE_{name.upper().replace('-', '_')}_URL"


@dataclass(frozen=True)
class Limits:
    """Per-replica limits; ``None`` means unlimited."""

    cpu: float | None = None
    memory_bytes: int | None = None
    pids: int | None = None
    disk: int | None = None  # bytes of the service's /data volume (enforced where the runtime can: docs/runtime.md)


@dataclass(frozen=True)
class RouteRule:
    """One row of an edge split's routing: requests whose method is in ``methods`` (empty: any) and whose path
    matches ``regex`` (anchored) go to ``service``; ``prefix`` is the literal start of every such path."""

    methods: tuple[str, ...]
    regex: str
    prefix: str = ""
    service: str = ""


@dataclass(frozen=True)
class Volume:
    """A named volume (``.cleave/volumes/<name>``) mounted read-write at ``target``, shared by services."""

    name: str
    target: str


@dataclass(frozen=True)
class DatabaseSpec:
    """The database the runtime provisions before services start (runtime/resources.py)."""

    engine: str
    services: tuple[str, ...] = ()
    volume: str | None = None
    """sqlite: the shared volume holding the file"""
    file: str | None = None
    """sqlite: the database file inside the volume"""
    socket_dir: str | None = None
    """postgresql: where the server's unix socket appears inside the replicas"""
    name: str = "app"
    """postgresql: the database (and role) name"""


@dataclass(frozen=True)
class InitSpec:
    """A command run once, in ``service``'s image against the shared database, before any service starts."""

    service: str
    command: tuple[str, ...]


@dataclass(frozen=True)
class ServiceSpec:
    """One service as the runtime runs it."""

    name: str
    image: str
    manifest_digest: str
    source_dir: str
    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    workdir: str = "/app"
    user: str = "65532:65532"
    replicas: int = 1
    resources: Limits = field(default_factory=Limits)
    calls: tuple[str, ...] = ()
    health_path: str = "/healthz"
    data_dir: str = "/data"
    seam: str = "interior"
    routes: tuple[RouteRule, ...] = ()
    volumes: tuple[Volume, ...] = ()
    resources_needed: tuple[str, ...] = ()
    secret_env: Mapping[str, str] = field(default_factory=dict)
    """Variables the runtime reads when it starts a replica, never written down: ``env:NAME`` (cleave's own
    environment) or ``file:/abs/path``."""


@dataclass(frozen=True)
class Topology:
    """Every service of a build, and which one is the gateway."""

    project: str
    services: tuple[ServiceSpec, ...]
    gateway: str | None = None
    oci_layout: str = "oci"
    gateway_routes: tuple[RouteRule, ...] = ()
    fallback: str | None = None
    """edge split: the service that answers every request no row of ``gateway_routes`` matches"""
    database: DatabaseSpec | None = None
    init: InitSpec | None = None

    def service(self, name: str) -> ServiceSpec:
        for spec in self.services:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def start_order(self) -> list[str]:
        """Services with the ones they call first (call cycles broken by name order)."""
        order: list[str] = []
        visiting: set[str] = set()
        by_name = {s.name: s for s in self.services}

        def visit(name: str) -> None:
            if name in order or name in visiting or name not in by_name:
                return
            visiting.add(name)
            for callee in sorted(by_name[name].calls):
                visit(callee)
            visiting.discard(name)
            order.append(name)

        for name in sorted(by_name):
            visit(name)
        return order


def _lists(value: Any) -> Any:
    """asdict's output with tuples as lists (JSON arrays)."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def to_json(topology: Topology) -> dict[str, Any]:
    services = []
    for spec in topology.services:
        item = _lists(asdict(spec))
        item["env"] = dict(spec.env)
        item["secret_env"] = dict(spec.secret_env)
        services.append(item)
    out = {"format": FORMAT, "project": topology.project, "gateway": topology.gateway,
           "oci_layout": topology.oci_layout, "services": services}
    if topology.gateway_routes or topology.fallback:
        out["gateway_routes"] = _lists([asdict(rule) for rule in topology.gateway_routes])
        out["fallback"] = topology.fallback
    if topology.database is not None:
        out["database"] = _lists(asdict(topology.database))
    if topology.init is not None:
        out["init"] = _lists(asdict(topology.init))
    return out


def _rule(item: Mapping[str, Any]) -> RouteRule:
    return RouteRule(**{**item, "methods": tuple(item.get("methods", ()))})


def _service_spec(item: Mapping[str, Any]) -> ServiceSpec:
    return ServiceSpec(**{**item, "command": tuple(item["command"]), "calls": tuple(item.get("calls", ())),
                          "env": dict(item.get("env", {})), "resources": Limits(**item.get("resources", {})),
                          "secret_env": dict(item.get("secret_env", {})),
                          "routes": tuple(_rule(r) for r in item.get("routes", ())),
                          "volumes": tuple(Volume(**v) for v in item.get("volumes", ())),
                          "resources_needed": tuple(item.get("resources_needed", ()))})


def from_json(document: Mapping[str, Any], origin: str = "<topology>") -> Topology:
    """The topology in ``document``, after every field was checked against its grammar (see
    ``cleave.formats.topology_rules``): one error naming the file and the entry (``services[2].data_dir``)."""
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        raise FormatError(f"not a cleave topology (expected format {FORMAT!r})", path=origin,
                          hint="run `cleave build` to make one")
    validate_document(document, origin)
    try:
        services = tuple(_service_spec(item) for item in document["services"])
        database = document.get("database")
        init = document.get("init")
        topology = Topology(project=str(document["project"]), services=services,
                            gateway=document.get("gateway"), oci_layout=str(document.get("oci_layout", "oci")),
                            gateway_routes=tuple(_rule(r) for r in document.get("gateway_routes", ())),
                            fallback=document.get("fallback"),
                            database=DatabaseSpec(**{**database, "services": tuple(database.get("services", ()))})
                            if database else None,
                            init=InitSpec(service=init["service"], command=tuple(init["command"])) if init else None)
    except (KeyError, TypeError) as error:
        raise FormatError(f"malformed topology: {error}", path=origin,
                          hint="run `cleave build` again to regenerate it") from error
    names = [s.name for s in services]
    if len(set(names)) != len(names):
        raise FormatError("a service appears twice", path=origin)
    for spec in services:
        for callee in spec.calls:
            if callee not in names:
                raise FormatError(f"service {spec.name!r} calls unknown service {callee!r}", path=origin)
    if topology.gateway is not None and topology.gateway not in names:
        raise FormatError(f"gateway {topology.gateway!r} is not a service", path=origin)
    for what, name in [("fallback", topology.fallback), ("init service", topology.init and topology.init.service),
                       *[("route target", rule.service) for rule in topology.gateway_routes]]:
        if name is not None and name not in names:
            raise FormatError(f"{what} {name!r} is not a service", path=origin)
    return topology


def save_topology(topology: Topology, path: Path) -> None:
    write_text_atomic(path, json.dumps(to_json(topology), indent=2, sort_keys=True) + "\n")


def load_topology(path: Path) -> Topology:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FormatError("no topology.json here", path=path, hint="run `cleave build SRC` first") from error
    except json.JSONDecodeError as error:
        raise FormatError(f"invalid JSON: {error.msg}", path=path, line=error.lineno) from error
    return from_json(document, origin=str(path))
