"""The engine's view of services and replicas, and how one replica's launch spec is made from the topology."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cleave.formats.topology import ServiceSpec, Topology, service_url_variable
from runtime import health
from runtime.errors import RuntimeEngineError
from runtime.isolation import Isolation
from runtime.launch import LaunchSpec, PendingLaunch
from runtime.paths import ProjectPaths
from runtime.state import ListenRecord
from runtime.store import UnpackedImage

SOCKETS_INSIDE = "/run/cleave"


@dataclass
class Replica:
    """One slot of a service (``<service>-<index>``): the process in it changes on restarts, the name does not."""

    service: str
    index: int
    cgroup: str
    pid: int = 0
    pidfd: int = -1
    start_time: int = 0
    state: str = "pending"  # pending, launching, starting, running, backoff, stopping
    restarts: int = 0
    failures: int = 0
    started_at: float = 0.0
    retry_at: float = 0.0
    stop_deadline: float = 0.0
    last_exit: str = ""
    adopted: bool = False
    pending: PendingLaunch | None = None

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"


@dataclass
class Service:
    """A service as the engine runs it: its image, its listening socket and its replicas by index."""

    spec: ServiceSpec
    image: UnpackedImage
    rootfs: Path | None
    volume: Path
    desired: int
    gateway: bool = False
    listener: socket.socket | None = None
    listen: ListenRecord | None = None
    healthy: bool = False
    health_failures: int = 0
    replicas: dict[int, Replica] = field(default_factory=dict)
    zygote_pid: int = 0
    zygote_pidfd: int = -1
    zygote_control: socket.socket | None = None
    zygote_failures: int = 0
    generation: int = 0  # bumped by each rolling replacement: new cgroups never collide with draining ones
    resource_env: dict[str, str] = field(default_factory=dict)  # database and secrets (runtime/resources.py)
    resource_sockets: tuple[tuple[str, str], ...] = ()  # e.g. PostgreSQL's socket, for the services that use it

    @property
    def name(self) -> str:
        return self.spec.name


def open_listener(service: Service, paths: ProjectPaths, port: int | None) -> tuple[socket.socket, ListenRecord]:
    """The socket every replica of ``service`` accepts on: TCP 127.0.0.1 for the gateway, else a unix socket."""
    if service.gateway:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port or int(os.environ.get("CLEAVE_GATEWAY_PORT", "0"))))
        except OSError as error:
            sock.close()
            raise RuntimeEngineError(f"cannot listen on 127.0.0.1:{port}: {error}",
                                     hint="set CLEAVE_GATEWAY_PORT to a free port") from error
        sock.listen(4096)
        return sock, ListenRecord("tcp", str(sock.getsockname()[1]))
    path = paths.service_socket(service.name)
    if len(str(path).encode()) > 107:
        raise RuntimeEngineError(f"the socket path {path} is longer than unix sockets allow (107 bytes)",
                                 hint="run cleave from a shorter folder")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    restrict_socket(path, paths.socket_group(service.name))
    sock.listen(4096)
    return sock, ListenRecord("unix", str(path))


def restrict_socket(path: Path, group: int) -> None:
    """As root: ``root:<group> 0660``, the group given only to the replicas of the services that call this one;
    otherwise ``0600`` (rootless and plain replicas run as the engine's own user)."""
    if os.geteuid() == 0:
        os.chown(path, 0, group)
        os.chmod(path, 0o660)
    else:
        os.chmod(path, 0o600)


def check_gateway_callers(topology: Topology, isolation: Isolation, origin: Path) -> None:
    """Replicas in network namespaces reach the services they call through unix sockets; the gateway listens on
    TCP 127.0.0.1 outside them, so a service that calls it would fail on every such call: refuse at once."""
    gateway = topology.gateway
    callers = sorted(s.name for s in topology.services if gateway in s.calls and s.name != gateway)
    if callers and isolation.namespaces:
        raise RuntimeEngineError(
            f"{', '.join(callers)} call(s) the gateway {gateway!r}, which replicas in network namespaces cannot "
            "reach (it listens on TCP 127.0.0.1 outside them)", path=origin,
            hint=f"move what {callers[0]} calls out of {gateway!r} in cleave.yaml and rebuild, or run with "
                 "CLEAVE_RUNTIME_ISOLATION=none")


ZYGOTE_SOURCE = Path(__file__).with_name("zygote_script.py").read_text()
ZYGOTE_UNSET = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONINSPECT", "PYTHONEXECUTABLE")


def zygote_eligible(service: Service, isolation: Isolation) -> bool:
    """A zygote serves a Python command (``python -m mod`` or ``python script``) run by a numeric non-root user,
    as root only (rootless replicas each need a user namespace of their own, which a forked zygote cannot give)."""
    command = service.spec.command or service.image.config.command
    uid = service.spec.user.partition(":")[0]
    return (isolation.namespaces and not isolation.user_namespace
            and os.environ.get("CLEAVE_RUNTIME_ZYGOTE", "1") != "0" and len(command) >= 2
            and Path(command[0]).name.startswith("python") and (command[1] == "-m" or not command[1].startswith("-"))
            and uid.isdigit() and uid != "0"
            and service.zygote_failures < 3)


def build_spec(service: Service, replica: Replica, services: dict[str, Service], paths: ProjectPaths, *,
               isolation: Isolation, cgroup_procs: tuple[str, ...], zygote: bool = False,
               control_fd: int = -1) -> LaunchSpec:
    """The launch spec of one replica: the image's env, the topology's env, then the runtime contract."""
    spec = service.spec
    name = f"{spec.name}-zygote" if zygote else replica.name
    env = dict(service.image.config.env)
    env.update(spec.env)
    env.update(service.resource_env)
    env.update({"CLEAVE_SERVICE": spec.name, "CLEAVE_REPLICA": name, "LISTEN_FDNAMES": spec.name})
    if isolation.replica_health_checks:  # the same name in every replica: each has a network namespace of its own
        env[health.LISTEN_VARIABLE] = health.LISTEN_VALUE
    sockets: list[tuple[str, str]] = list(service.resource_sockets) if isolation.namespaces else []
    for callee in spec.calls:
        target = services[callee]
        if target.listen is None:
            continue
        if target.listen.kind == "tcp":
            if not isolation.namespaces:
                env[service_url_variable(callee)] = f"http://127.0.0.1:{target.listen.address}"
            continue  # a replica's network namespace has only loopback: the gateway is not reachable from it
        if isolation.namespaces:
            sockets.append((f"{callee}.sock", target.listen.address))
            env[service_url_variable(callee)] = f"unix:{SOCKETS_INSIDE}/{callee}.sock"
        else:
            env[service_url_variable(callee)] = f"unix:{target.listen.address}"
    assert service.listener is not None
    log = str(paths.replica_log(name))
    argv = spec.command or service.image.config.command
    if isolation.namespaces:
        env["DATA_DIR"] = spec.data_dir
        if zygote:  # -s and no PYTHONPATH: the zygote's path starts with the stdlib (see zygote_script.py)
            argv = (argv[0], "-s", "-c", ZYGOTE_SOURCE, *argv)
            env = {k: v for k, v in env.items() if k not in ZYGOTE_UNSET}
        return LaunchSpec(name=name, argv=tuple(argv), env=tuple(env.items()), workdir=spec.workdir,
                          user=spec.user, listen_fd=service.listener.fileno(), log_path=log,
                          cgroup_procs=cgroup_procs, isolate=True, layers=tuple(map(str, service.image.layers)),
                          staging_dir=str(paths.stage), volume=str(service.volume), data_dir=spec.data_dir,
                          sockets=tuple(sockets), zygote=zygote, control_fd=control_fd,
                          user_namespace=isolation.user_namespace,
                          groups=tuple(paths.socket_group(callee) for callee in spec.calls),
                          rootfs=str(service.rootfs) if service.rootfs is not None else "")
    assert service.rootfs is not None
    env["DATA_DIR"] = str(service.volume)
    cwd = service.rootfs / spec.workdir.lstrip("/")
    env["PYTHONPATH"] = str(cwd)
    if argv and Path(argv[0]).name.startswith("python"):
        argv = (sys.executable, *argv[1:])  # the image's interpreter path means nothing outside its root
    return LaunchSpec(name=name, argv=tuple(argv), env=tuple(env.items()), workdir=spec.workdir,
                      user=spec.user, listen_fd=service.listener.fileno(), log_path=log,
                      cgroup_procs=cgroup_procs, isolate=False, cwd=str(cwd))
