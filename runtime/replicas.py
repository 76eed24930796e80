"""The resources of a running service (image, listener, zygote) and how one replica's launch spec is made."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cleave.formats.topology import ServiceSpec, Topology, service_url_variable
from cleave.settings import Settings
from runtime import gateway, quota, resources
from runtime.errors import RuntimeEngineError
from runtime.isolation import Isolation
from runtime.launch import LaunchSpec
from runtime.machine import GroupKind
from runtime.paths import ProjectPaths
from runtime.state import ListenRecord
from runtime.store import Store, UnpackedImage

SOCKETS_INSIDE = "/run/cleave"
HEALTH_LISTEN_VARIABLE = "CLEAVE_HEALTH_LISTEN"
HEALTH_LISTEN_VALUE = "unix:@cleave-health"
"""``CLEAVE_HEALTH_LISTEN`` of a replica in a network namespace of its own (served by the kit like fd 3; checked
by ``runtime/health.py``, which asks the same abstract socket)."""


@dataclass
class Service:
    """The resources of one generation of a service: its image, root, volume, listening socket and zygote.

    What runs in it (replicas, desired count, health) is the supervisor's (``runtime/machine.py``); this holds only
    what the engine must open, pass to replicas and close.
    """

    spec: ServiceSpec
    image: UnpackedImage
    rootfs: Path | None
    volume: Path
    gateway: bool = False
    generation: int = 0  # bumped by each rolling replacement: new cgroups never collide with draining ones
    listener: socket.socket | None = None
    listen: ListenRecord | None = None
    zygote_pid: int = 0
    zygote_pidfd: int = -1
    zygote_control: socket.socket | None = None
    zygote_failures: int = 0
    resource_env: dict[str, str] = field(default_factory=dict)  # database and secrets (runtime/resources.py)
    resource_sockets: tuple[tuple[str, str], ...] = ()  # e.g. PostgreSQL's socket, for the services that use it

    @property
    def name(self) -> str:
        return self.spec.name

    def cgroup(self, parent: str, slot: str) -> str:
        """``<parent>/<service>-<slot>``, suffixed by the generation once the service was replaced."""
        suffix = f"-g{self.generation}" if self.generation else ""
        return f"{parent}/{self.name}-{slot}{suffix}"


def kind_of(spec: ServiceSpec) -> GroupKind:
    """A one-shot job (an init: its replica must exit 0 before its dependents start) or a long-running service
    (``job: true`` on the service's topology entry, when the topology has it)."""
    return GroupKind.JOB if getattr(spec, "job", False) else GroupKind.SERVE


def new_service(store: Store, spec: ServiceSpec, image: UnpackedImage, *, topology: Topology, generation: int,
                paths: ProjectPaths, isolation: Isolation) -> Service:
    """The resources of ``spec`` (its volume made, owned by the image's user when we run rootless; its database
    and secrets from ``runtime/resources.py``)."""
    rootfs = None if isolation.namespaces and isolation.overlay else store.flatten(image)
    volume = resources.volume_dir(paths, spec)
    size = quota.wanted_size(topology, volume.name)
    if size is not None:
        quota.ensure(volume, size, spec)  # resources.disk: its own size-limited filesystem, mounted there
    volume.mkdir(mode=0o700, exist_ok=True)
    os.chmod(volume, 0o700)  # only the services' own user, inside their replicas
    if isolation.namespaces and not isolation.user_namespace:  # rootless: we are the image's user
        uid, _, gid = spec.user.partition(":")
        if uid.isdigit():
            os.chown(volume, int(uid), int(gid or uid) if (gid or uid).isdigit() else int(uid))
    return Service(spec=spec, image=image, rootfs=rootfs, volume=volume, gateway=spec.name == topology.gateway,
                   generation=generation,
                   resource_env=resources.replica_env(topology, spec, paths, isolated=isolation.namespaces),
                   resource_sockets=tuple(resources.replica_sockets(topology, spec, paths)))


def open_listener(service: Service, paths: ProjectPaths, port: int | None) -> tuple[socket.socket, ListenRecord]:
    """The socket every replica of ``service`` accepts on: TCP 127.0.0.1 for the gateway, else a unix socket."""
    if service.gateway:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port or Settings.from_env().gateway_port))
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
            and Settings.from_env().zygote and len(command) >= 2
            and Path(command[0]).name.startswith("python") and (command[1] == "-m" or not command[1].startswith("-"))
            and uid.isdigit() and uid != "0"
            and service.zygote_failures < 3 and not gateway.runs_on_host(service.spec))


def build_spec(service: Service, replica: str, services: dict[str, Service], paths: ProjectPaths, *,
               isolation: Isolation, cgroup_procs: tuple[str, ...], zygote: bool = False,
               control_fd: int = -1) -> LaunchSpec:
    """The launch spec of one replica: the image's env, the topology's env, then the runtime contract."""
    spec = service.spec
    name = f"{spec.name}-zygote" if zygote else replica
    if gateway.runs_on_host(spec) and service.listener is not None:  # an edge split's router: HAProxy from the host
        listens = {other: target.listen for other, target in services.items()}
        return gateway.host_launch_spec(spec, name, service.listener.fileno(), listens, paths=paths,
                                        cgroup_procs=cgroup_procs)
    env = dict(service.image.config.env)
    env.update(spec.env)
    env.update(service.resource_env)
    env.update({"CLEAVE_SERVICE": spec.name, "CLEAVE_REPLICA": name, "LISTEN_FDNAMES": spec.name})
    if isolation.replica_health_checks:  # the same name in every replica: each has a network namespace of its own
        env[HEALTH_LISTEN_VARIABLE] = HEALTH_LISTEN_VALUE
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
