"""The gateway of an edge split: an HTTP router in front of the services, run by the engine like a service.

A topology with ``gateway_routes``/``fallback`` (services split at the edge, each serving its URL routes) gets one
more service, :func:`with_router`: ``gateway`` (``cleave-gateway`` if the build has a service of that name). It
calls every service the table routes to (so it starts after them, once they answer their health path), owns the
engine's TCP socket (``topology.gateway``), and its health path ``/_cleave/healthz`` goes *through* the router to
the fallback service: the gateway is healthy, and ``up`` prints its URL, only when a request can be routed.

What runs in its replicas, chosen by measurement (bench/gateway.py, docs/edge.md "The gateway"):

- ``haproxy`` (default when the host has it, ``setup.sh`` installs it): HAProxy from the host, a plain process
  managed by the engine (logs, cgroups, restarts, ``ps``, ``scale``) on the engine's socket (``bind fd@3``), with a
  configuration generated here from the routing table (:func:`haproxy_config`) and the services' unix sockets.
  It is stopped with SIGUSR1, its soft stop (:func:`stop_signal`): it stops accepting and exits once the requests
  in flight are answered (``hard-stop-after`` bounds it like the engine's grace period), so ``down``, ``scale``
  and a rolling ``restart`` of the gateway cut no request; SIGTERM would;
- ``kit``: ``python3 -m cleave_kit.gateway`` (the kit's stdlib router) in the fallback service's image, isolated
  like any replica, the routed services' sockets mounted. Used when HAProxy is missing, or with
  ``CLEAVE_RUNTIME_GATEWAY=kit``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from cleave.formats.atomic import write_text_atomic
from cleave.formats.topology import Limits, ServiceSpec, Topology, load_topology
from cleave.settings import Settings
from runtime.errors import RuntimeEngineError
from runtime.launch import LaunchSpec
from runtime.paths import ProjectPaths
from runtime.state import ListenRecord

ROUTES_VARIABLE: Final = "CLEAVE_GATEWAY_ROUTES"  # the kit router reads the table from here (packager/kit/routes.py)
CHOICE_VARIABLE: Final = "CLEAVE_RUNTIME_GATEWAY"
HEALTH_PATH: Final = "/_cleave/healthz"
KIT_MODULE: Final = "cleave_kit.gateway"
MAX_BODY: Final = 64 * 1024 * 1024


def load_runtime_topology(path: Path) -> Topology:
    """``load_topology`` plus the router service of an edge split (:func:`with_router`)."""
    return with_router(load_topology(path))


def routing_table(topology: Topology) -> dict[str, Any] | None:
    """The router's table (``{"routes": [{methods, regex, service}], "fallback"}``), or None without an edge split."""
    if not topology.gateway_routes and topology.fallback is None:
        return None
    fallback = topology.fallback or topology.gateway
    if fallback is None:
        raise RuntimeEngineError("the topology has gateway_routes but no fallback service",
                                 hint="rebuild with `cleave build`")
    routes = [{"methods": list(rule.methods), "regex": rule.regex, "service": rule.service}
              for rule in topology.gateway_routes]
    return {"routes": routes, "fallback": fallback}


def with_router(topology: Topology) -> Topology:
    """The topology with its router service as the gateway (unchanged when it is not an edge split)."""
    table = routing_table(topology)
    if table is None:
        return topology
    names = {spec.name for spec in topology.services}
    name = "gateway" if "gateway" not in names else "cleave-gateway"
    if name in names:
        raise RuntimeEngineError("services named both 'gateway' and 'cleave-gateway' leave no name for the router",
                                 hint="rename one of them in cleave.yaml")
    base = topology.service(table["fallback"])
    routed = [table["fallback"], *(r["service"] for r in table["routes"])]
    python = base.command[0] if base.command and Path(base.command[0]).name.startswith("python") else "python3"
    router = ServiceSpec(name=name, image=base.image, manifest_digest=base.manifest_digest,
                         source_dir=base.source_dir, command=(python, "-m", KIT_MODULE),
                         env={ROUTES_VARIABLE: json.dumps(table, separators=(",", ":"))}, workdir=base.workdir,
                         user=base.user, replicas=1, resources=Limits(), calls=tuple(dict.fromkeys(routed)),
                         health_path=HEALTH_PATH, data_dir=base.data_dir)
    return replace(topology, services=(*topology.services, router), gateway=name)


def is_router(spec: ServiceSpec) -> bool:
    """Whether ``spec`` is the router :func:`with_router` added."""
    return ROUTES_VARIABLE in spec.env and spec.command[-1:] == (KIT_MODULE,)


def haproxy_binary() -> str | None:
    """The HAProxy to run, or None when the kit's router runs instead (not installed, or chosen by the user)."""
    if Settings.from_env().gateway_router == "kit":
        return None
    return shutil.which("haproxy")


def runs_on_host(spec: ServiceSpec) -> bool:
    """Whether this service's replicas are HAProxy processes of the host (no image, no zygote)."""
    return is_router(spec) and haproxy_binary() is not None


def stop_signal(pid: int) -> int:
    """How to ask replica ``pid`` to stop: SIGUSR1 for an HAProxy gateway (its soft stop: stop accepting, let every
    request in flight finish, exit; ``hard-stop-after`` bounds it; SIGTERM would cut them), SIGTERM for every other
    replica (the kit drains on it)."""
    binary = shutil.which("haproxy")
    with contextlib.suppress(OSError):
        if binary is not None and os.readlink(f"/proc/{pid}/exe") == os.path.realpath(binary):
            return signal.SIGUSR1
    return signal.SIGTERM


def write_haproxy_files(folder: Path, table: dict[str, Any], sockets: dict[str, str]) -> Path:
    """Write HAProxy's configuration for ``table`` and the kit's 503/504 answers into ``folder``; the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    for target in sockets:
        for status, error in ((503, "service unavailable"), (504, "service timeout")):
            write_text_atomic(folder / f"{status}-{target}.http", error_response(status, error, target))
    config = folder / "haproxy.cfg"
    write_text_atomic(config, haproxy_config(table, sockets, folder))
    return config


def host_launch_spec(spec: ServiceSpec, name: str, listen_fd: int, listens: dict[str, ListenRecord | None], *,
                     paths: ProjectPaths, cgroup_procs: tuple[str, ...]) -> LaunchSpec:
    """The launch of one HAProxy replica on ``listen_fd`` (``listens``: where each service listens), its
    configuration written under ``.cleave/run/gateway/``."""
    binary = haproxy_binary()
    assert binary is not None
    table = json.loads(spec.env[ROUTES_VARIABLE])
    sockets = {}
    for target in dict.fromkeys([table["fallback"], *(r["service"] for r in table["routes"])]):
        listen = listens.get(target)
        if listen is None or listen.kind != "unix":
            raise RuntimeEngineError(f"the gateway routes to {target!r}, which has no unix socket")
        sockets[target] = listen.address
    folder = paths.state_dir / "run" / "gateway"
    config = write_haproxy_files(folder, table, sockets)
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    return LaunchSpec(name=name, argv=(binary, "-db", "-f", str(config)), env=tuple(env.items()), workdir="/",
                      user=spec.user, listen_fd=listen_fd,
                      log_path=str(paths.replica_log(name)), cgroup_procs=cgroup_procs, isolate=False,
                      cwd=str(folder))


def error_response(status: int, error: str, service: str) -> str:
    """The raw HTTP answer HAProxy gives for a service it cannot reach: the kit's JSON body naming it."""
    reason = "Service Unavailable" if status == 503 else "Gateway Timeout"
    message = (f"service {service!r} is unavailable: no replica answers" if status == 503
               else f"service {service!r} did not answer in time")
    body = json.dumps({"error": error, "service": service, "message": message}) + "\n"
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Cache-Control: no-cache\r\nConnection: close\r\n\r\n{body}")


def _quoted(regex: str) -> str:
    """A regex as one HAProxy word: single quotes (no escapes inside), a quote itself as the regex escape \\x27."""
    return "'" + regex.replace("'", r"\x27") + "'"


def haproxy_config(table: dict[str, Any], sockets: dict[str, str], folder: Path, *, threads: int = 1,
                   max_body: int = MAX_BODY) -> str:
    """HAProxy's configuration for the routing table: the engine's socket as ``fd@3``, one ACL pair per route in
    order (method, then the percent-decoded path against the route's regex), default the fallback; X-Forwarded-*
    set, WebSocket tunnels, the kit's 503/504 bodies, the kit's size limits. Keep-alive to the services, each
    client connection on a connection of its own (``http-reuse never``): the replicas sharing a service's socket
    see the clients' connections, and split them as those come and go. Shared (``safe``), HAProxy's pool outlives
    client sessions and keeps sending to the connections it prefers, so a split where one replica accepted most of
    them persisted (bench/gateway.py, paired runs: 3 of 5 ``safe`` HAProxy in front of the kit ended with the app's
    CPU per request up 13-19% and req/s 0.76-0.82 of direct; 0 of 2 with ``never``)."""
    rules = []
    for index, route in enumerate(table["routes"]):
        methods = sorted({m.upper() for m in route["methods"]} | ({"HEAD"} if "GET" in route["methods"] else set()))
        rules.append(f"    acl r{index}_path path,url_dec -m reg {_quoted(route['regex'])}")
        if methods:
            rules.append(f"    acl r{index}_method method {' '.join(methods)}")
        condition = f"r{index}_method r{index}_path" if methods else f"r{index}_path"
        rules.append(f"    use_backend s_{route['service']} if {condition}")
    backends = []
    for name, path in sockets.items():
        backends.append(f"backend s_{name}\n"
                        f"    server {name} {path}\n"
                        f"    errorfile 503 {folder / f'503-{name}.http'}\n"
                        f"    errorfile 504 {folder / f'504-{name}.http'}\n")
    return f"""# generated by cleave (runtime/gateway.py) from topology.json's gateway_routes; do not edit
global
    nbthread {threads}
    maxconn 4096
    hard-stop-after 10s
    log stderr format raw daemon warning
    tune.bufsize 65536
defaults
    mode http
    log global
    option dontlognull
    option http-keep-alive
    option forwardfor
    http-reuse never
    retries 2
    timeout connect 3s
    timeout client 75s
    timeout http-request 30s
    timeout http-keep-alive 75s
    timeout server 300s
    timeout tunnel 1h
frontend gateway
    bind fd@3
    http-request deny deny_status 413 if {{ req.hdr_val(content-length) gt {max_body} }}
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)] if {{ req.hdr(host) -m found }}
{chr(10).join(rules)}
    default_backend s_{table["fallback"]}
{chr(10).join(backends)}"""
