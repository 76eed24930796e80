"""The gateway measured on a framework app: served alone vs through HAProxy (configured by the runtime), the kit's
router and nginx routing the same paths, side by side in one run.

Run (root not needed; ``apt-get install wrk nginx-light haproxy``; about 15 minutes, stops by itself):
``.venv/bin/python bench/gateway.py [--rounds 3] [--seconds 4] [--servers kit,gunicorn]``.

The app is ``samples/flaskmarket`` (Flask + Flask-SQLAlchemy + Flask-Migrate, app factory, blueprints) as cleave runs
it: ``cleave migrate samples/flaskmarket --python <its venv> --no-up`` in a temporary folder, then the fallback
service's tree from the build (``services/catalog``: the whole app, ``cleave_kit``, ``service.json``) with the
runtime's database environment (``CLEAVE_DB_ENGINE``/``CLEAVE_DB_PATH``: a SQLite file in WAL mode), its init
(``flask db upgrade``, from topology.json) and the sample's scenario run once to fill the catalog. The request is
``GET /api/catalog/products/1`` (a view, a SQLAlchemy query with joins, JSON). Served by:

- ``kit``: ``python -m cleave_kit``, 2 processes sharing one socket (what a replica runs; the runtime scales by
  replicas), or ``gunicorn``: 2 gthread workers on ``market:create_app()`` (the sample's Procfile);

directly on TCP 127.0.0.1 (``direct``), or on a unix socket behind a router on TCP, every router with the build's own
routing table (topology.json's ``gateway_routes``, 15 routes, fallback catalog; every service's socket is the
app's):

- ``haproxy``: HAProxy with exactly the configuration the runtime writes (``runtime.gateway.write_haproxy_files``:
  ``bind fd@3`` on a socket passed as the engine passes it, method and path ACLs, keep-alive to the services);
- ``kit router x1``/``x2``: ``python -m cleave_kit.gateway`` (the fallback when HAProxy is missing), 1 or 2 processes;
- ``nginx``: a ``map`` on ``"$request_method $uri"`` with the same regexes, upstream keep-alive, no buffering.

Per configuration and round: ``wrk -t1 -c1`` (the latency one request pays, p50/p99) and ``wrk -t2 -c16``
(throughput, req/s), everything on this machine's 2 cores; rounds interleave the configurations; medians are
reported, with CPU per request of the app, the router and wrk, and the throughput ratio those CPU costs predict
(``cpu_ratio``: on 2 cores of its own, saturated, req/s = 2 / CPU per request). Every round is a fresh start, and
the app's 2 processes share the 16 connections as their accept race falls: when one gets (nearly) all of them it
does all the work on one core (gunicorn: 8 threads on one GIL, CPU per request up ~70%) and req/s halves, served
directly as much as behind any router (``app_balance``: least over most busy worker's CPU during the c16 run); such
a start is counted in ``skewed_starts`` and drawn again (``--redraws``), so the medians compare the routers.
Then the paired measurement, for a machine shared with other jobs: all five configurations at once; latency:
``--pairs`` rounds of one request to each in a new random order over keep-alive connections, the added p50 is the
median of the per-round differences against direct; throughput: ``--cycles`` rounds of ``wrk -t2 -c16`` for
``--cycle-seconds`` on each in a new random order, the ratio is the median of the per-cycle ratios against direct.
Load from elsewhere falls on all alike; a second HAProxy identical to the first (``haproxy twin``) runs alongside,
and the gap between the twins is what the method cannot resolve. Targets: added p50 <= 0.2 ms, routed req/s >= 0.9 of
direct. Writes ``bench/results/gateway.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleave.formats.topology import Topology, load_topology  # noqa: E402
from runtime.gateway import routing_table, write_haproxy_files  # noqa: E402
from tests.sample_env import sample_python  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from gateway_fleet import (  # noqa: E402
    Fleet,
    balance,
    nginx_config,
    shared_socket_processes,
    tcp_listener,
    tree_cpu,
    unix_listener,
    worker_cpu,
)

SAMPLE = ROOT / "samples" / "flaskmarket"
PATH = "/api/catalog/products/1"


@dataclass(frozen=True)
class App:
    """The framework app as the build runs it: its interpreter, the service tree, env, routing table."""

    python: Path
    tree: Path
    env: dict[str, str]
    table: dict[str, Any]
    services: tuple[str, ...]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(port: int, path: str = PATH, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
            if sock.recv(64).startswith(b"HTTP/1.1 200"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers 200 on 127.0.0.1:{port}{path}")


def start_app(fleet: Fleet, server: str, app: App, where: socket.socket | None, address: str) -> None:
    """2 kit processes sharing ``where`` (as replicas do), or 2 gunicorn gthread workers on ``address``."""
    if server == "gunicorn":
        url = f"sqlite:///{app.env['CLEAVE_DB_PATH']}"
        fleet.start([str(app.python), "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8",
                     "--keep-alive", "75", "-b", address, "market:create_app()"], cwd=app.tree,
                    env={**app.env, "DATABASE_URL": url})
        return
    assert where is not None
    shared_socket_processes(fleet, where, 2, [str(app.python), "-m", "cleave_kit"], app.tree, app.env)


WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(port: int, threads: int, connections: int, seconds: float, fleet: Fleet | None = None) -> dict[str, float]:
    """One wrk run: p50/p99 ms, req/s; with ``fleet``, CPU microseconds per request of the app, the proxy, wrk."""
    before = {role: tree_cpu(pids) for role, pids in fleet.roles.items()} if fleet else {}
    workers_before = worker_cpu(fleet.roles["app"]) if fleet else {}
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
                          f"http://127.0.0.1:{port}{PATH}"], capture_output=True, text=True, check=True).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    found = {f"p{q}_ms": float(v) * scale[u] for q, v, u in WRK_LATENCY.findall(out)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if rps is None or errors is not None:
        raise RuntimeError(f"wrk failed or saw errors:\n{out}")
    result = {**found, "rps": float(rps.group(1))}
    if fleet is not None:
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        for role, pids in fleet.roles.items():
            result[f"{role}_cpu_us"] = (tree_cpu(pids) - before[role]) / requests * 1e6
        wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
        result["wrk_cpu_us"] = wrk_cpu / requests * 1e6
        result["app_balance"] = balance(workers_before, worker_cpu(fleet.roles["app"]))
    return result


@contextlib.contextmanager
def configuration(name: str, server: str, app: App, probe: str = PATH) -> Iterator[tuple[int, Fleet]]:
    """Start one configuration, yield the TCP port wrk uses, stop everything."""
    fleet = Fleet()
    tmp = Path(tempfile.mkdtemp(prefix="gw-", dir="/tmp"))
    tmp.chmod(0o755)  # nginx's workers run as nobody and connect to the app's socket here
    try:
        if name == "direct":
            sock = tcp_listener() if server == "kit" else None
            port = sock.getsockname()[1] if sock is not None else free_port()
            start_app(fleet, server, app, sock, f"127.0.0.1:{port}")
        else:
            app_sock = tmp / "app.sock"
            listener = unix_listener(app_sock) if server == "kit" else None
            start_app(fleet, server, app, listener, f"unix:{app_sock}")
            sockets = {service: str(app_sock) for service in app.services}
            fleet.role = "proxy"
            gateway = tcp_listener()  # the engine's socket: the router gets it as fd 3
            port = gateway.getsockname()[1]
            if name.startswith("kit router"):
                env = {**app.env, "CLEAVE_GATEWAY_ROUTES": json.dumps(app.table),
                       **{f"CLEAVE_SERVICE_{s.upper().replace('-', '_')}_URL": f"unix:{app_sock}"
                          for s in app.services}}
                count = int(name.rsplit("x", maxsplit=1)[-1])
                shared_socket_processes(fleet, gateway, count, [str(app.python), "-m", "cleave_kit.gateway"],
                                        app.tree, env)
            elif name.startswith("haproxy"):
                config = write_haproxy_files(tmp / "gateway", app.table, sockets)
                shared_socket_processes(fleet, gateway, 1, [shutil.which("haproxy") or "haproxy", "-db", "-f",
                                                            str(config)], tmp, {"PATH": os.environ["PATH"]})
            elif name == "nginx":
                gateway.close()
                (tmp / "nginx.conf").write_text(nginx_config(app.table, sockets, port, tmp))
                fleet.start(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)])
        wait_http(port, probe)
        yield port, fleet
    finally:
        fleet.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def prepare(work: Path) -> App:
    """``cleave migrate --no-up`` of the sample, its init run against a fresh SQLite file, its scenario
    run once against the whole monolith (gunicorn) to fill the catalog."""
    python = sample_python(SAMPLE)
    cleave = str(Path(sys.executable).parent / "cleave")
    subprocess.run([cleave, "migrate", str(SAMPLE), "--python", str(python), "--no-up"], cwd=work, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    build = work / ".cleave" / "build"
    topology: Topology = load_topology(build / "topology.json")
    table = routing_table(topology)
    assert table is not None and topology.init is not None
    fallback = topology.service(table["fallback"])
    tree = build / fallback.source_dir
    database = work / "data" / "app.sqlite3"
    database.parent.mkdir()
    env = {"PATH": os.environ["PATH"], **fallback.env, "CLEAVE_DB_ENGINE": "sqlite", "CLEAVE_DB_PATH": str(database),
           "DATA_DIR": str(database.parent)}
    init = [str(python) if part == "python3" else part for part in topology.init.command]
    subprocess.run(init, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = App(python=python, tree=tree, env=env, table=table, services=tuple(s.name for s in topology.services))
    with configuration("direct", "gunicorn", app, probe="/api/catalog/products/") as (port, _):  # the monolith
        subprocess.run([sys.executable, str(SAMPLE / "scenario.py"), f"http://127.0.0.1:{port}"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--servers", default="kit,gunicorn")
    parser.add_argument("--redraws", type=int, default=2,
                        help="fresh starts tried again when the app's workers drew a skewed connection split")
    parser.add_argument("--pairs", type=int, default=3000, help="rounds of the paired latency measurement")
    parser.add_argument("--cycles", type=int, default=8, help="rounds of the paired throughput measurement")
    parser.add_argument("--cycle-seconds", type=float, default=2.0, help="wrk seconds per configuration and cycle")
    parser.add_argument("--no-wrk", action="store_true", help="only the paired latency measurement")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop what it started (finally blocks)
    for tool in ("wrk", "nginx", "haproxy"):
        if shutil.which(tool) is None:
            print(f"bench/gateway.py: {tool} is not installed (apt-get install wrk nginx-light haproxy)",
                  file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="gw-app-"))
    try:
        app = prepare(work)
        load = os.getloadavg()[0]
        samples = measure(app, args) if not args.no_wrk else {}
        results = summarize(samples)
        save(args, app, load, results, {})  # kept even if the paired part fails
        pairs = {server: paired(app, server, args.pairs, args.cycles, args.cycle_seconds)
                 for server in args.servers.split(",")}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    save(args, app, load, results, pairs)
    report(args, load, results, pairs)
    return 0


def save(args: argparse.Namespace, app: App, load: float, results: dict[str, Any],
         pairs: dict[str, dict[str, dict[str, float]]]) -> None:
    """``bench/results/gateway.json``."""
    document: dict[str, Any] = {
                "benchmark": "gateway", "app": "samples/flaskmarket (cleave migrate --no-up, service catalog)",
                "python": platform.python_version(), "cpus": os.cpu_count(), "load_average_at_start": load,
                "rounds": args.rounds, "seconds": args.seconds, "path": PATH, "routes": len(app.table["routes"]),
                "targets": {"added_p50_ms": 0.2, "throughput_ratio": 0.9}, "results": results,
                "paired": pairs, "pairs": args.pairs, "cycles": args.cycles,
                "cycle_seconds": args.cycle_seconds}
    out = ROOT / "bench" / "results" / "gateway.json"
    document["load_average_at_end"] = os.getloadavg()[0]
    out.write_text(json.dumps(document, indent=2) + "\n")


def report(args: argparse.Namespace, load: float, results: dict[str, Any],
           pairs: dict[str, dict[str, dict[str, float]]]) -> None:
    """The tables on stdout."""
    for server, by_name in results.items():
        print(f"\nflaskmarket served by {server} (2 processes), load average at start {load:.1f}")
        print(f"{'':16} {'p50 ms':>8} {'p99 ms':>8} {'+p50 ms':>8} {'req/s c1':>9} {'req/s c16':>10} {'ratio':>6} "
              f"{'app us':>7} {'proxy us':>8} {'wrk us':>7} {'cpu ratio':>9} {'proxy us c1':>11} {'balance':>7} "
              f"{'skewed':>6}")
        for name, m in by_name.items():
            print(f"{name:16} {m['p50_ms']:8.3f} {m['p99_ms']:8.3f} {m['added_p50_ms']:8.3f} {m['rps_1']:9.0f} "
                  f"{m['rps_16']:10.0f} {m['throughput_ratio']:6.2f} {m['app_cpu_us']:7.0f} {m['proxy_cpu_us']:8.0f} "
                  f"{m['wrk_cpu_us']:7.0f} {m['cpu_ratio']:9.2f} {m['proxy_cpu_us_1']:11.0f} {m['app_balance']:7.2f} "
                  f"{m['skewed_starts']:6.0f}")
    for server, by_name in pairs.items():
        print(f"\npaired, one request at a time to each configuration in turn ({args.pairs} rounds), app: {server}")
        bursts = f" {'req/s c16':>10} {'ratio':>6} {'app us':>7} {'proxy us':>8} {'balance':>7}" if args.cycles else ""
        print(f"{'':16} {'p10 ms':>8} {'p50 ms':>8} {'p90 ms':>8} {'added p50 ms':>13}{bursts}")
        for name, m in by_name.items():
            print(f"{name:16} {m['p10_ms']:8.3f} {m['p50_ms']:8.3f} {m['p90_ms']:8.3f} {m['added_p50_ms']:13.3f}"
                  + (f" {m['rps_16']:10.0f} {m['throughput_ratio']:6.2f} {m['app_cpu_us_16']:7.0f} "
                     f"{m['proxy_cpu_us_16']:8.0f} {m['app_balance_16']:7.2f}" if args.cycles else ""))


NAMES = ("direct", "haproxy", "kit router x1", "kit router x2", "nginx")
TWIN = "haproxy twin"  # a second, identical HAProxy in the paired run: the gap between twins is the noise


class KeepAlive:
    """One keep-alive HTTP/1.1 connection sending ``GET PATH`` and reading the whole answer (Content-Length)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.request = f"GET {PATH} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
        self.reconnects = 0
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionResetError("closed by the server")
        return data

    def get(self) -> int:
        """One request; its time in nanoseconds. A connection the server closed (idle or request limits) is opened
        again and the request sent again, timed from then: counted in ``reconnects``, not in the time."""
        for _ in range(3):
            start = time.perf_counter_ns()
            try:
                self.sock.sendall(self.request)
                while b"\r\n\r\n" not in self.buffer:
                    self.buffer += self._recv()
                head, _, rest = self.buffer.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                while len(rest) < length:
                    rest += self._recv()
            except (ConnectionError, TimeoutError):
                self.sock.close()
                self.reconnects += 1
                self._connect()
                continue
            self.buffer = rest[length:]
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"not 200: {head[:80]!r}")
            return time.perf_counter_ns() - start
        raise RuntimeError(f"127.0.0.1:{self.port} keeps closing the connection")


def paired(app: App, server: str, count: int, cycles: int, seconds: float) -> dict[str, dict[str, float]]:
    """What a router adds, measured so that other load on the machine falls on every configuration alike: all five
    run at once. Latency: each round sends one request to each, in a new random order, one at a time over
    keep-alive connections; per configuration the median and 10th/90th percentiles, and the median of the
    per-round differences against direct (the added latency). Throughput: ``cycles`` times, ``wrk -t2 -c16`` for
    ``seconds`` on each in a new random order; the median of the per-cycle ratios against direct, and the app's
    worker balance and CPU per request."""
    import random

    order = random.Random(7)
    with contextlib.ExitStack() as stack:
        started = {name: stack.enter_context(configuration(name, server, app)) for name in (*NAMES, TWIN)}
        clients = {name: KeepAlive(port) for name, (port, _) in started.items()}
        for client in clients.values():
            for _ in range(50):
                client.get()  # warm: pools, imports, caches
        times: dict[str, list[int]] = {name: [] for name in (*NAMES, TWIN)}
        for _ in range(count):
            names = [*NAMES, TWIN]
            order.shuffle(names)
            for name in names:
                times[name].append(clients[name].get())
        bursts: dict[str, list[dict[str, float]]] = {name: [] for name in (*NAMES, TWIN)}
        for _ in range(cycles):
            names = [*NAMES, TWIN]
            order.shuffle(names)
            for name in names:
                port, fleet = started[name]
                bursts[name].append(wrk(port, 2, 16, seconds, fleet))
    result = {}
    for name, spent in times.items():
        ordered = sorted(spent)
        added = sorted(a - d for a, d in zip(spent, times["direct"], strict=True))
        result[name] = {"p50_ms": ordered[len(ordered) // 2] / 1e6, "p10_ms": ordered[len(ordered) // 10] / 1e6,
                        "p90_ms": ordered[len(ordered) * 9 // 10] / 1e6,
                        "added_p50_ms": added[len(added) // 2] / 1e6, "reconnects": clients[name].reconnects}
        if cycles:
            runs = bursts[name]
            result[name].update({f"{key}_16": statistics.median(run[key] for run in runs)
                                 for key in ("rps", "app_cpu_us", "proxy_cpu_us", "app_balance")})
            result[name]["throughput_ratio"] = statistics.median(
                run["rps"] / direct["rps"] for run, direct in zip(runs, bursts["direct"], strict=True))
            result[name]["cycles_rps_16"] = [round(run["rps"]) for run in runs]
    return result


BALANCED = 0.6  # a start whose app workers shared the c16 load less evenly than this drew a skewed split


def measure(app: App, args: argparse.Namespace) -> dict[str, dict[str, list[dict[str, float]]]]:
    """Every configuration, rounds interleaved. Each round is a fresh start of the app (and router); a start where
    one app worker got (nearly) all the connections (``app_balance`` < BALANCED: the app server's accept race, not
    the router; it happens served directly as well) is counted in ``skewed_starts`` and started again, up to
    ``--redraws`` times, so the medians compare the routers and not the draw."""
    samples: dict[str, dict[str, list[dict[str, float]]]] = {}
    for server in args.servers.split(","):
        samples[server] = {name: [] for name in NAMES}
        for round_ in range(args.rounds):
            for name in NAMES:
                for attempt in range(args.redraws + 1):
                    sample = one_start(app, server, name, args.seconds)
                    sample["skewed_starts"] = float(attempt)
                    print(f"{server} round {round_ + 1} {name}: {sample}", file=sys.stderr)
                    if sample["app_balance"] >= BALANCED:
                        break
                    sample["skewed_starts"] = float(attempt + 1)
                samples[server][name].append(sample)
    return samples


def one_start(app: App, server: str, name: str, seconds: float) -> dict[str, float]:
    """One fresh start of a configuration: wrk -c1 (latency) then wrk -c16 (throughput)."""
    with configuration(name, server, app) as (port, fleet):
        wrk(port, 1, 4, 1)  # warm up: imports, pools
        one = wrk(port, 1, 1, seconds, fleet)
        many = wrk(port, 2, 16, seconds, fleet)
    return {"p50_ms": one["p50_ms"], "p99_ms": one["p99_ms"], "rps_1": one["rps"], "rps_16": many["rps"],
            "p50_ms_16": many["p50_ms"], "p99_ms_16": many["p99_ms"], "app_cpu_us": many["app_cpu_us"],
            "proxy_cpu_us": many["proxy_cpu_us"], "wrk_cpu_us": many["wrk_cpu_us"],
            "proxy_cpu_us_1": one["proxy_cpu_us"], "app_cpu_us_1": one["app_cpu_us"],
            "app_balance": many["app_balance"]}


def summarize(samples: dict[str, dict[str, list[dict[str, float]]]]) -> dict[str, Any]:
    """Medians per configuration, with the added p50 and the throughput ratio against direct."""
    results: dict[str, Any] = {}
    for server, by_name in samples.items():
        direct = {key: statistics.median(s[key] for s in by_name["direct"]) for key in by_name["direct"][0]}
        results[server] = {}
        for name, runs in by_name.items():
            median = {key: statistics.median(s[key] for s in runs) for key in runs[0]}
            median["added_p50_ms"] = median["p50_ms"] - direct["p50_ms"]
            median["throughput_ratio"] = median["rps_16"] / direct["rps_16"]
            # load-independent view: on 2 cores of our own, saturated, req/s = 2 / CPU per request (app + router +
            # wrk); so the ratio the CPU costs predict, whatever else ran on the machine meanwhile
            median["cpu_ratio"] = ((direct["app_cpu_us"] + direct["wrk_cpu_us"])
                                   / (median["app_cpu_us"] + median["proxy_cpu_us"] + median["wrk_cpu_us"]))
            median["rounds_rps_16"] = [s["rps_16"] for s in runs]
            median["rounds_p50_ms"] = [s["p50_ms"] for s in runs]
            median["rounds_app_balance"] = [round(s["app_balance"], 2) for s in runs]
            median["skewed_starts"] = sum(s["skewed_starts"] for s in runs)
            results[server][name] = median
    return results


if __name__ == "__main__":
    sys.exit(main())
