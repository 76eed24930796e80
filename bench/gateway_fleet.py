"""bench/gateway.py's moving parts: the processes it starts (and their CPU), the sockets it serves on, and the nginx
configuration that routes like cleave's table (the peer)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any


def _strip_anchors(regex: str) -> str:
    inner = regex[1:] if regex.startswith("^") else ".*" + regex
    return inner[:-1] if inner.endswith("$") and not inner.endswith("\\$") else inner + ".*"


def nginx_config(table: dict[str, Any], sockets: dict[str, str], port: int, prefix: Path) -> str:
    """An nginx config that routes like the table: a map on "$request_method $uri", first regex wins."""
    lines = []
    for route in table["routes"]:
        methods = set(route["methods"]) | ({"HEAD"} if "GET" in route["methods"] else set())
        method_re = "(?:" + "|".join(sorted(methods)) + ")" if methods else "[A-Z]+"
        lines.append(f'        "~^{method_re} {_strip_anchors(route["regex"])}$" {route["service"]};')
    upstreams = "\n".join(f"    upstream {name} {{ server unix:{path}; keepalive 32; }}"
                          for name, path in sockets.items())
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    map "$request_method $uri" $cleave_service {{
        default {table["fallback"]};
{chr(10).join(lines)}
    }}
    map $http_upgrade $cleave_connection {{ default upgrade; "" ""; }}
{upstreams}
    server {{
        listen 127.0.0.1:{port} reuseport;
        location / {{
            proxy_pass http://$cleave_service;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Connection $cleave_connection;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_buffering off;
            proxy_request_buffering off;
            client_max_body_size 64m;
        }}
    }}
}}
"""


def _processes() -> tuple[dict[int, int], dict[int, float]]:
    """Every live process's parent and CPU seconds (user + system) so far."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            parents[int(entry)] = int(fields[1])
            times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    return parents, times


def _tree(roots: list[int], parents: dict[int, int]) -> list[int]:
    seen: list[int] = []
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.append(pid)
            todo.extend(child for child, parent in parents.items() if parent == pid)
    return seen


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds (user + system) used so far by ``roots`` and every live descendant."""
    parents, times = _processes()
    return sum(times.get(pid, 0.0) for pid in _tree(roots, parents))


def worker_cpu(roots: list[int]) -> dict[int, float]:
    """CPU seconds so far of each worker under ``roots``: the processes of the tree that have no child (gunicorn's
    workers, not its arbiter; each kit process)."""
    parents, times = _processes()
    tree = _tree(roots, parents)
    return {pid: times.get(pid, 0.0) for pid in tree if pid not in parents.values()}


def balance(before: dict[int, float], after: dict[int, float]) -> float:
    """How evenly the workers shared the work between two :func:`worker_cpu` readings: the least busy worker's CPU
    over the busiest's (1.0: even; near 0: one worker did it all)."""
    spent = [after[pid] - before.get(pid, 0.0) for pid in after]
    return min(spent) / max(spent) if spent and max(spent) > 0 else 1.0


class Fleet:
    """Processes started by this run, stopped at exit (SIGTERM, then SIGKILL); ``role`` groups them for CPU."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.roles: dict[str, list[int]] = {"app": [], "proxy": []}
        self.role = "app"

    def start(self, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
        self.procs.append(proc)
        self.roles[self.role].append(proc.pid)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def shared_socket_processes(fleet: Fleet, sock: socket.socket, count: int, argv: list[str], cwd: Path,
                            env: dict[str, str]) -> None:
    """``count`` processes serving ``sock`` as fd 3 (socket activation, as the runtime runs replicas)."""
    fd = sock.fileno()
    activate = f"import os; {fd} != 3 and os.dup2({fd}, 3); os.execv({argv[0]!r}, {argv!r})"
    for _ in range(count):
        fleet.start([sys.executable, "-S", "-c", activate], cwd=cwd, env={**env, "LISTEN_FDS": "1"},
                    pass_fds=(fd,))


def unix_listener(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    os.chmod(path, 0o666)  # nginx's workers run as nobody
    sock.listen(4096)
    return sock


def tcp_listener() -> socket.socket:
    return socket.create_server(("127.0.0.1", 0), backlog=4096)
