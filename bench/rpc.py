"""One cross-service call through cleave's service kit, against an in-process call and the stdlib HTTP stack.

Run: ``.venv/bin/python bench/rpc.py [--calls 5000]``. Everything runs on loopback, servers in their own processes:

- in-process: the function called directly (what the monolith did);
- kit TCP / kit unix: ``cleave_kit.client.call`` -> ``python -m cleave_kit`` (small args, and a dataclass order);
- stdlib HTTP/1.1 + TCP_NODELAY: ``http.client`` keep-alive -> ``ThreadingHTTPServer`` with protocol HTTP/1.1 and
  TCP_NODELAY (the fair baseline);
- stdlib default: ``http.client`` -> ``ThreadingHTTPServer`` as shipped (HTTP/1.0: a new connection per call);
- stdlib HTTP/1.1 without TCP_NODELAY: keep-alive, but Nagle + delayed ACK (few calls: ~40 ms each).

Prints p50/p99 latency and calls per second (one caller, and 4 caller threads), with ratios; writes
``bench/results/rpc.json``. The target is a kit p50 <= 0.3 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from packager.kit import client  # noqa: E402

SERVICE_MODULE = '''
import dataclasses
from decimal import Decimal


@dataclasses.dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    price: Decimal


@dataclasses.dataclass(frozen=True)
class Order:
    id: int
    customer: str
    lines: tuple
    coupon: str | None = None


def add(a, b):
    return a + b


def place_order(customer, lines, *, coupon=None):
    return Order(42, customer, tuple(lines), coupon)
'''

STDLIB_SERVER = '''
import json, socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode = sys.argv[1]

class Handler(BaseHTTPRequestHandler):
    if mode != "default":
        protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        if mode == "nodelay":
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"result": request["args"][0] + request["args"][1]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
'''


def measure(call: Callable[[], Any], calls: int, warmup: int = 200) -> dict[str, float]:
    for _ in range(warmup):
        call()
    times = []
    clock = time.perf_counter_ns
    started = clock()
    for _ in range(calls):
        before = clock()
        call()
        times.append(clock() - before)
    elapsed = (clock() - started) / 1e9
    times.sort()
    return {"p50_ms": times[len(times) // 2] / 1e6, "p99_ms": times[int(len(times) * 0.99)] / 1e6,
            "mean_ms": statistics.fmean(times) / 1e6, "calls_per_s": calls / elapsed, "calls": calls}


def threaded(make_call: Callable[[], Callable[[], Any]], calls: int, threads: int = 4) -> float:
    """Calls per second with ``threads`` callers (each with its own connection where the client needs one)."""
    per_thread = calls // threads
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        call = make_call()
        for _ in range(50):
            call()
        barrier.wait()
        for _ in range(per_thread):
            call()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - started)


@contextmanager
def kit_server(tree: Path, listen: str) -> Iterator[None]:
    env = {"PATH": os.environ.get("PATH", ""), "CLEAVE_LISTEN": listen}
    proc = subprocess.Popen([sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, env=env)
    try:
        _wait(listen)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait(listen: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if listen.startswith("unix:"):
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(listen[5:])
            else:
                host, port = listen.rsplit(":", 1)
                socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"the kit server at {listen} did not start")


@contextmanager
def stdlib_server(mode: str) -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", STDLIB_SERVER, mode], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def stdlib_caller(port: int) -> Callable[[], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = json.dumps({"args": [1, 2], "kwargs": {}}).encode()
    headers = {"Content-Type": "application/json"}

    def call() -> Any:
        conn.request("POST", "/rpc/add", body, headers)
        return json.loads(conn.getresponse().read())["result"]

    return call


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    options = parser.parse_args()
    calls = options.calls
    results: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="cleave-bench-rpc-"))
    try:
        tree = work / "tree"
        shutil.copytree(ROOT / "packager" / "kit", tree / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
        (tree / "benchsvc.py").write_text(SERVICE_MODULE)
        (tree / "service.json").write_text(json.dumps(
            {"name": "bench", "interface": ["benchsvc.add", "benchsvc.place_order"], "entry": None}))
        sys.path.insert(0, str(tree))
        import benchsvc  # the caller side has the value types, as a stub's service tree would

        lines = [benchsvc.Line(f"sku-{n}", n, Decimal("9.99")) for n in range(3)]
        results["in-process add"] = measure(lambda: benchsvc.add(1, 2), calls)
        results["in-process place_order"] = measure(lambda: benchsvc.place_order("ann", lines, coupon="X"), calls)

        for label, listen in (("kit TCP", f"127.0.0.1:{free_port()}"), ("kit unix", f"unix:{work / 'bench.sock'}")):
            url = listen if listen.startswith("unix:") else f"http://{listen}"
            with kit_server(tree, listen):
                os.environ["CLEAVE_SERVICE_BENCH_URL"] = url
                client.close_all()
                results[f"{label} add"] = measure(lambda: client.call("bench", "benchsvc.add", (1, 2), {}), calls)
                results[f"{label} place_order"] = measure(
                    lambda: client.call("bench", "benchsvc.place_order", ("ann", lines), {"coupon": "X"}), calls)
                results[f"{label} add"]["threads4_calls_per_s"] = threaded(
                    lambda: lambda: client.call("bench", "benchsvc.add", (1, 2), {}), calls)
                client.close_all()

        with stdlib_server("nodelay") as port:
            results["stdlib HTTP/1.1+NODELAY add"] = measure(stdlib_caller(port), calls)
            results["stdlib HTTP/1.1+NODELAY add"]["threads4_calls_per_s"] = threaded(
                lambda: stdlib_caller(port), calls)
        with stdlib_server("default") as port:
            results["stdlib default (HTTP/1.0) add"] = measure(stdlib_caller(port), min(calls, 2000), warmup=50)
        with stdlib_server("nagle") as port:
            results["stdlib HTTP/1.1 no NODELAY add"] = measure(stdlib_caller(port), 40, warmup=5)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report(results)


def report(results: dict[str, Any]) -> None:
    baseline = results["stdlib HTTP/1.1+NODELAY add"]["p50_ms"]
    local = results["in-process add"]["p50_ms"]
    print(f"{'scenario':34} {'p50 ms':>9} {'p99 ms':>9} {'calls/s':>9} {'4 thr/s':>9} {'vs stdlib':>9} "
          f"{'vs local':>9}")
    for name, row in results.items():
        threads = row.get("threads4_calls_per_s")
        print(f"{name:34} {row['p50_ms']:9.4f} {row['p99_ms']:9.4f} {row['calls_per_s']:9.0f} "
              f"{(f'{threads:9.0f}' if threads else ' ' * 9)} {row['p50_ms'] / baseline:8.2f}x "
              f"{row['p50_ms'] / local:8.0f}x")
    kit = results["kit TCP add"]["p50_ms"]
    verdict = "meets" if kit <= 0.3 else "misses"
    print(f"\nkit TCP p50 {kit:.3f} ms {verdict} the 0.3 ms target; "
          f"{baseline / kit:.2f}x faster than the fair stdlib baseline")
    out = ROOT / "bench" / "results" / "rpc.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {"benchmark": "rpc", "python": platform.python_version(), "machine": platform.machine(),
                "cpus": os.cpu_count(), "target_p50_ms": 0.3, "results": results}
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
