"""cleave under faults: samples/shop migrated and scaled, a steady load through the gateway, five faults in a row.

Run (root, loopback only, ~2-3 minutes, stops by itself): ``.venv/bin/python bench/faults.py [--threads 8]``.

1. Set up in a temporary folder: ``cleave analyze samples/shop``, a plan with every domain as its own service
   (``tests/assets/packager/shop-domains.yaml``, so the faults do not depend on the splitter's default) with
   ``replicas:`` raised (web 2, catalog 3, cart 2, orders 2), ``cleave build``, ``cleave up``.
2. A load generator (threads, one keep-alive HTTP/1.1 connection each, raw sockets) drives the gateway for the
   whole run with a realistic mix: product listing and product pages, carts, customers (reads), and customer
   sign-ups, new carts, items added, checkouts (writes) with unique inputs, every acknowledged one recorded. Each
   request is recorded: start, end, operation, status, error, and the service a 5xx body names.
3. Faults, one after another, each in its own time window while the load runs: SIGKILL of a catalog replica; a
   catalog replica hung (SIGSTOP: alive, answering nothing, until its own health checks get it replaced); cart
   scaled 2 -> 4 -> 1 -> 2; the engine SIGKILLed and ``cleave up`` run again (re-adoption); a catalog replica's
   memory cgroup limit lowered to its current usage so the kernel OOM-kills it; pricing scaled to 0 for a few
   seconds and back to 1.
4. Afterwards every acknowledged write is read back through the API (customer, cart with its lines, order).

Prints one row per fault (requests sent, failed by status/error, lost writes, recovery times) and writes
``bench/results/faults.json``. ``cleave down --volumes`` always runs at the end.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "samples" / "shop"
CLEAVE = str(Path(sys.executable).parent / "cleave")
RESULTS = ROOT / "bench" / "results" / "faults.json"
REPLICAS = {"web": 2, "catalog": 3, "cart": 2, "orders": 2}
DOMAINS_PLAN = ROOT / "tests" / "assets" / "packager" / "shop-domains.yaml"
"""Every domain its own service: the faults hit the same services whatever the splitter proposes by default."""
ADDRESS = {"street": "Hauptstr. 1", "city": "Berlin", "postcode": "10115", "country": "DE"}
# the services an operation goes through (gateway first), from the shop's handlers and the build's `calls`
THROUGH = {
    "list_products": ("web", "catalog"), "get_product": ("web", "catalog"),
    "get_cart": ("web", "cart", "pricing", "notifications"), "get_customer": ("web", "notifications"),
    "register": ("web", "notifications"), "open_cart": ("web", "cart", "notifications"),
    "add_item": ("web", "cart", "catalog", "inventory"),
    "checkout": ("web", "cart", "orders", "pricing", "inventory", "notifications"),
}
WRITES = frozenset({"register", "open_cart", "add_item", "checkout"})


# ---------------------------------------------------------------- HTTP client


class HttpError(Exception):
    """A transport failure: no HTTP answer."""


class Client:
    """One keep-alive HTTP/1.1 connection to the gateway; a closed idle connection is replaced before use."""

    def __init__(self, host: str, port: int, timeout: float = 20.0) -> None:
        self.address = (host, port)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.replaced = 0  # idle connections found closed by the server before reuse (nothing was sent on them)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _usable(self) -> socket.socket:
        if self.sock is not None:
            self.sock.setblocking(False)  # with a timeout set, Python would poll for up to that long first
            try:
                closed = self.sock.recv(1, socket.MSG_PEEK) == b""
            except BlockingIOError:
                closed = False
            except OSError:
                closed = True
            if closed:
                self.close()
                self.replaced += 1
            else:
                self.sock.settimeout(self.timeout)
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.sock

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = b"" if body is None else json.dumps(body).encode()
        head = (f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode()
        try:
            sock = self._usable()
            sock.sendall(head + data)
            return self._answer(sock)
        except (OSError, ValueError) as error:
            self.close()
            raise HttpError(f"{type(error).__name__}: {error}") from None

    def _answer(self, sock: socket.socket) -> tuple[int, bytes]:
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed without an answer" if not buf else "truncated head")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("truncated body")
            rest += chunk
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, rest[:length]


# ---------------------------------------------------------------- load


@dataclass
class Record:
    """One request: times relative to the run's start (s), operation, status (0 = no answer), error."""

    start: float
    end: float
    op: str
    status: int
    error: str = ""
    named: str = ""  # the service a 5xx body names


@dataclass
class Ledger:
    """Every acknowledged write (and every write that may have run), for the check afterwards."""

    customers: dict[int, tuple[str, float]] = field(default_factory=dict)  # id -> (email, acked at)
    carts: dict[int, tuple[int, float]] = field(default_factory=dict)  # id -> (customer id, acked at)
    items: dict[int, collections.Counter[str]] = field(default_factory=dict)  # cart -> sku -> acked quantity
    item_times: list[tuple[int, str, float]] = field(default_factory=list)
    maybe_items: dict[int, collections.Counter[str]] = field(default_factory=dict)  # failed adds (may have run)
    orders: dict[int, tuple[int, int, float]] = field(default_factory=dict)  # id -> (cart, customer, acked at)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    """Closed-loop workers, each a shopper: sign up, open a cart, browse, add items, check out, again."""

    def __init__(self, host: str, port: int, skus: list[str], threads: int, max_requests: int) -> None:
        self.host, self.port, self.skus = host, port, skus
        self.threads = threads
        self.max_requests = max_requests
        self.records: list[Record] = []
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.replaced = 0
        self._workers: list[threading.Thread] = []

    def now(self) -> float:
        return time.monotonic() - self.t0

    def start(self) -> None:
        for number in range(self.threads):
            worker = threading.Thread(target=self._work, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)

    def finish(self) -> None:
        self.stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    def _call(self, client: Client, op: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        start = self.now()
        try:
            status, payload = client.request(method, path, body)
        except HttpError as error:
            self.records.append(Record(start, self.now(), op, 0, str(error)))
            return 0, None
        end = self.now()
        try:
            answer = json.loads(payload) if payload else None
        except ValueError:
            answer = None
        if 200 <= status < 300:
            self.records.append(Record(start, end, op, status))
        else:
            named = str(answer.get("service", "")) if isinstance(answer, dict) else ""
            text = json.dumps(answer)[:600] if answer is not None else payload[:600].decode("utf-8", "replace")
            self.records.append(Record(start, end, op, status, text, named))
        return status, answer

    def _work(self, number: int) -> None:
        rng = random.Random(number)
        client = Client(self.host, self.port)
        ledger = self.ledger
        customer = cart = 0
        adds = acked_adds = sequence = 0
        try:
            while not self.stop.is_set() and len(self.records) < self.max_requests:
                if not customer:
                    sequence += 1
                    email = f"w{number}-{sequence}@bench.example"
                    status, answer = self._call(client, "register", "POST", "/customers",
                                                {"name": f"Shopper {number} {sequence}", "email": email,
                                                 "address": ADDRESS})
                    if status == 201:
                        customer = int(answer["id"])
                        with ledger.lock:
                            ledger.customers[customer] = (email, self.now())
                    continue
                if not cart:
                    status, answer = self._call(client, "open_cart", "POST", "/carts", {"customer_id": customer})
                    if status == 201:
                        cart, adds, acked_adds = int(answer["id"]), 0, 0
                        with ledger.lock:
                            ledger.carts[cart] = (customer, self.now())
                    continue
                roll = rng.random()
                if roll < 0.30:
                    self._call(client, "list_products", "GET", "/products")
                elif roll < 0.50:
                    self._call(client, "get_product", "GET", f"/products/{rng.choice(self.skus)}")
                elif roll < 0.62:
                    self._call(client, "get_cart", "GET", f"/carts/{cart}")
                elif roll < 0.70:
                    self._call(client, "get_customer", "GET", f"/customers/{customer}")
                elif adds < 4 and (roll < 0.88 or not acked_adds):
                    sku = rng.choice(self.skus)
                    status, _ = self._call(client, "add_item", "POST", f"/carts/{cart}/items",
                                           {"sku": sku, "quantity": 1})
                    with ledger.lock:
                        if status == 200:
                            ledger.items.setdefault(cart, collections.Counter())[sku] += 1
                            ledger.item_times.append((cart, sku, self.now()))
                            adds += 1
                            acked_adds += 1
                        elif status == 0 or status >= 500:
                            ledger.maybe_items.setdefault(cart, collections.Counter())[sku] += 1
                            adds += 1  # it may have run: keep within the shop's per-line limit
                elif acked_adds:  # an add that failed may not have run: never check out a cart maybe empty
                    status, answer = self._call(client, "checkout", "POST", f"/carts/{cart}/checkout", {})
                    if status == 201:
                        with ledger.lock:
                            ledger.orders[int(answer["id"])] = (cart, customer, self.now())
                    if status == 201 or status == 0 or status >= 500:
                        cart = 0  # a failed checkout may have run: start a new cart
                        if rng.random() < 0.3:
                            customer = 0
                else:
                    cart = 0  # four adds failed: leave that cart
        finally:
            self.replaced += client.replaced
            client.close()


# ---------------------------------------------------------------- cleave and the engine


class Project:
    """The migrated shop in a temporary folder, driven through the cleave CLI."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.build = work / "BUILD"
        self.engine_socket = work / ".cleave" / "engine.sock"

    def cleave(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([CLEAVE, *args], cwd=self.work, capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"cleave {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout

    def status(self) -> dict[str, Any] | None:
        """The engine's ps answer (no usage figures), or None when no engine answers."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(str(self.engine_socket))
                sock.sendall(json.dumps({"op": "ps", "usage": False}).encode() + b"\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            answer: dict[str, Any] = json.loads(data)
        except (OSError, ValueError):
            return None
        return answer

    def replicas(self, service: str) -> list[dict[str, Any]]:
        status = self.status() or {}
        return [r for r in status.get("replicas", []) if r["service"] == service]

    def wait(self, check: Callable[[dict[str, Any]], bool], timeout: float) -> float | None:
        """Poll the engine every 20 ms until ``check(status)``; the monotonic time it first held, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status is not None and check(status):
                return time.monotonic()
            time.sleep(0.02)
        return None


def all_running(service: str, count: int, avoid_pid: int = 0) -> Callable[[dict[str, Any]], bool]:
    def check(status: dict[str, Any]) -> bool:
        mine = [r for r in status["replicas"] if r["service"] == service]
        return (len(mine) == count and all(r["state"] in ("running", "adopted") for r in mine)
                and all(r["pid"] != avoid_pid for r in mine))
    return check


def setup(work: Path) -> tuple[Project, str]:
    """analyze + the domains plan with replicas + build + up; returns the project and the gateway URL."""
    project = Project(work)
    project.cleave("analyze", str(SHOP))
    plan = yaml.safe_load(DOMAINS_PLAN.read_text())
    for service, count in REPLICAS.items():
        plan["services"][service]["replicas"] = count
    (work / "cleave.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    project.cleave("build", str(SHOP), "--plan", "cleave.yaml", "-o", "BUILD")
    url = project.cleave("up", "BUILD").strip().splitlines()[-1]
    return project, url


def seed_catalog(host: str, port: int) -> list[str]:
    client = Client(host, port)
    run = f"{os.getpid()}-{int(time.time())}"
    try:
        status, _ = client.request("POST", "/categories", {"name": f"Bench {run}"})
        skus = []
        for number in range(6):
            status, payload = client.request("POST", "/products", {
                "name": f"Bench Item {number} {run}", "category": f"bench-{run}", "price": f"{3 + number}.50",
                "stock": 100000, "weight_grams": 200})
            if status != 201:
                raise RuntimeError(f"seeding the catalog: {status} {payload[:200]!r}")
            skus.append(json.loads(payload)["sku"])
        return skus
    finally:
        client.close()


# ---------------------------------------------------------------- faults


@dataclass
class Window:
    """One fault's time window (seconds from the run's start) and what was measured in it."""

    name: str
    start: float
    end: float = 0.0
    fault_at: float = 0.0
    kill_at: float | None = None  # when the replica died, if it was not the fault itself (OOM)
    affected: str = ""
    notes: dict[str, Any] = field(default_factory=dict)
    recovery: dict[str, float | None] = field(default_factory=dict)


def _rel(load: Load, moment: float | None) -> float | None:
    return None if moment is None else round(moment - load.t0, 3)


def fault_kill(project: Project, load: Load, window: Window, service: str) -> None:
    victim = max((r for r in project.replicas(service) if r["state"] == "running"), key=lambda r: r["replica"])
    count = len(project.replicas(service))
    window.fault_at = load.now()
    os.kill(victim["pid"], signal.SIGKILL)
    back = project.wait(all_running(service, count, victim["pid"]), 20)
    window.notes.update(replica=victim["replica"], pid=victim["pid"])
    window.recovery["all_replicas_running_s"] = None if back is None else round(back - load.t0 - window.fault_at, 3)


def fault_hang(project: Project, load: Load, window: Window, service: str) -> None:
    """SIGSTOP one replica: alive, still holding the shared socket in its epoll set, answering nothing. Its own
    health checks fail; the engine kills it after three and replaces it. Requests it had accepted fail then."""
    victim = min((r for r in project.replicas(service) if r["state"] == "running"), key=lambda r: r["replica"])
    count = len(project.replicas(service))
    window.fault_at = load.now()
    os.kill(victim["pid"], signal.SIGSTOP)
    replaced = project.wait(lambda s: any(r["replica"] == victim["replica"] and r["pid"] != victim["pid"]
                                          for r in s["replicas"]), 30)
    if replaced is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim["pid"], signal.SIGCONT)
    else:
        window.kill_at = replaced - load.t0
    back = project.wait(all_running(service, count, victim["pid"]), 20)
    mine = [r for r in project.replicas(service) if r["replica"] == victim["replica"]]
    window.notes.update(replica=victim["replica"], pid=victim["pid"], last_exit=mine[0]["last_exit"] if mine else None)
    window.recovery["replaced_s"] = None if replaced is None else round(replaced - load.t0 - window.fault_at, 3)
    window.recovery["all_replicas_running_s"] = None if back is None else round(back - load.t0 - window.fault_at, 3)


def fault_scale(project: Project, load: Load, window: Window, service: str) -> None:
    window.fault_at = load.now()
    steps = []
    for count in (4, 1, 2):
        began = time.monotonic()
        project.cleave("scale", f"{service}={count}", "--wait")
        steps.append({"to": count, "at": round(began - load.t0, 3), "took_s": round(time.monotonic() - began, 3)})
        time.sleep(3)
    window.notes["steps"] = steps
    window.recovery["scale_up_to_4_running_s"] = steps[0]["took_s"]


def fault_engine(project: Project, load: Load, window: Window) -> None:
    status = project.status() or {}
    pid = int(status["pid"])
    window.fault_at = load.now()
    os.kill(pid, signal.SIGKILL)
    time.sleep(3)  # the load goes on with no engine
    began = time.monotonic()
    project.cleave("up", "BUILD")
    up_took = time.monotonic() - began
    total = sum(REPLICAS.get(s, 1) for s in {r["service"] for r in status["replicas"]})
    ready = project.wait(lambda s: s.get("phase") == "ready" and len(s["replicas"]) == total
                         and all(r["state"] in ("running", "adopted") for r in s["replicas"]), 20)
    after = project.status() or {}
    window.notes.update(engine_pid=pid, new_engine_pid=after.get("pid"), up_took_s=round(up_took, 3),
                        adopted=sum(1 for r in after.get("replicas", []) if r.get("adopted")),
                        replicas=len(after.get("replicas", [])),
                        restarts_after=sum(int(r.get("restarts", 0)) for r in after.get("replicas", [])))
    window.recovery["engine_back_s"] = None if ready is None else round(ready - load.t0 - window.fault_at, 3)


def _memory_cgroup(pid: int) -> tuple[Path, str]:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/"), "v1"
        if controllers == "":
            unified = Path("/sys/fs/cgroup") / path.lstrip("/")
            if (unified / "memory.max").exists():
                return unified, "v2"
    raise RuntimeError(f"no memory cgroup for pid {pid}")


def fault_oom(project: Project, load: Load, window: Window, service: str) -> None:
    """Lower one replica's memory limit to its usage + 2 MiB, then send a few 8 MiB requests (new connections,
    spread by the kernel) until one lands on that replica, which must hold it in memory: the kernel OOM-kills it."""
    running = [r for r in project.replicas(service) if r["state"] in ("running", "adopted")]
    count = len(project.replicas(service))
    victim = running[0]
    group, version = _memory_cgroup(victim["pid"])
    usage = int((group / ("memory.usage_in_bytes" if version == "v1" else "memory.current")).read_text())
    limit = usage + (2 << 20)
    window.fault_at = load.now()
    if version == "v1":
        (group / "memory.limit_in_bytes").write_text(str(limit))  # lower memory first: memsw must stay >= it
        with contextlib.suppress(OSError):
            (group / "memory.memsw.limit_in_bytes").write_text(str(limit))
    else:
        (group / "memory.swap.max").write_text("0")
        (group / "memory.max").write_text(str(limit))
    host, port = load.host, load.port
    hog = json.dumps({"name": "x" * (8 << 20)})
    sent = 0
    killed = None
    for _ in range(12):
        client = Client(host, port, timeout=10)
        with contextlib.suppress(HttpError):
            client.request("POST", "/customers", json.loads(hog))
        client.close()
        sent += 1
        killed = project.wait(lambda s: any(r["replica"] == victim["replica"] and r["pid"] != victim["pid"]
                                            for r in s["replicas"]), 0.3)
        if killed is not None:
            break
    if killed is not None:
        window.kill_at = killed - load.t0
    back = project.wait(all_running(service, count, victim["pid"]), 20)
    mine = [r for r in project.replicas(service) if r["replica"] == victim["replica"]]
    window.notes.update(replica=victim["replica"], pid=victim["pid"], cgroup=str(group), cgroup_version=version,
                        usage_bytes=usage, limit_bytes=limit, hog_requests=sent,
                        last_exit=mine[0]["last_exit"] if mine else None)
    window.recovery["replaced_s"] = None if killed is None else round(killed - load.t0 - window.fault_at, 3)
    window.recovery["all_replicas_running_s"] = None if back is None else round(back - load.t0 - window.fault_at, 3)


def fault_dependency(project: Project, load: Load, window: Window, service: str, outage: float) -> None:
    count = len(project.replicas(service))
    window.fault_at = load.now()
    project.cleave("scale", f"{service}=0", "--wait")
    stopped = load.now()
    time.sleep(outage)
    back = load.now()
    project.cleave("scale", f"{service}={count}", "--wait")
    window.notes.update(stopped_at=round(stopped, 3), scaled_back_at=round(back, 3),
                        running_again_at=round(load.now(), 3), replicas=count)


# ---------------------------------------------------------------- checking and reporting


def verify(host: str, port: int, ledger: Ledger, threads: int) -> list[dict[str, Any]]:
    """Read back every acknowledged write; one entry per write that is missing or wrong."""
    local = threading.local()

    def get(path: str) -> tuple[int, Any]:
        if not hasattr(local, "client"):
            local.client = Client(host, port)
        for _ in range(3):
            try:
                status, payload = local.client.request("GET", path)
            except HttpError:
                time.sleep(0.2)
                continue
            return status, json.loads(payload) if payload else None
        return 0, None

    def customer(item: tuple[int, tuple[str, float]]) -> dict[str, Any] | None:
        cid, (email, at) = item
        status, body = get(f"/customers/{cid}")
        if status != 200 or body.get("email", "").lower() != email.lower():
            return {"kind": "customer", "id": cid, "acked_at": round(at, 3), "status": status}
        return None

    def cart(item: tuple[int, tuple[int, float]]) -> dict[str, Any] | None:
        cid, (owner, at) = item
        status, body = get(f"/carts/{cid}")
        if status != 200:
            return {"kind": "cart", "id": cid, "acked_at": round(at, 3), "status": status}
        data = body.get("cart", body)
        lines = {line["sku"]: int(line["quantity"]) for line in data.get("lines", [])}
        acked = ledger.items.get(cid, collections.Counter())
        maybe = ledger.maybe_items.get(cid, collections.Counter())
        if data.get("customer_id") != owner:
            return {"kind": "cart", "id": cid, "acked_at": round(at, 3), "wrong_customer": data.get("customer_id")}
        short = {sku: [q, lines.get(sku, 0)] for sku, q in acked.items() if lines.get(sku, 0) < q}
        extra = {sku: [acked.get(sku, 0), q] for sku, q in lines.items() if q > acked.get(sku, 0) + maybe.get(sku, 0)}
        if short or extra:
            return {"kind": "cart_items", "id": cid, "acked_vs_stored": short, "unexplained_extra": extra}
        return None

    def order(item: tuple[int, tuple[int, int, float]]) -> dict[str, Any] | None:
        oid, (_cart, owner, at) = item
        status, body = get(f"/orders/{oid}")
        if status != 200 or body.get("customer_id") != owner:
            return {"kind": "order", "id": oid, "acked_at": round(at, 3), "status": status}
        return None

    with ThreadPoolExecutor(threads) as pool:
        found = [*pool.map(customer, ledger.customers.items()), *pool.map(cart, ledger.carts.items()),
                 *pool.map(order, ledger.orders.items())]
    return [f for f in found if f is not None]


def summarize(load: Load, window: Window, lost: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [r for r in load.records if window.start <= r.start < window.end]
    failed = [r for r in mine if not 200 <= r.status < 300]
    by_status = collections.Counter(str(r.status) if r.status else "no answer" for r in failed)
    by_op = collections.Counter(r.op for r in failed)
    named = collections.Counter(r.named for r in failed if r.named)
    killed = window.kill_at if window.kill_at is not None else window.fault_at
    in_flight = sum(1 for r in failed if r.start <= killed)
    errors: collections.Counter[str] = collections.Counter()
    for r in failed:
        errors[re.sub(r"\d+", "N", r.error)[:400]] += 1
    acked = [r for r in mine if r.op in WRITES and 200 <= r.status < 300]
    latencies = sorted(r.end - r.start for r in mine) or [0.0]
    slowest = max(mine, key=lambda r: r.end - r.start, default=None)
    out: dict[str, Any] = {
        "fault": window.name, "window_s": [round(window.start, 3), round(window.end, 3)],
        "latency_ms": {"p50": round(latencies[len(latencies) // 2] * 1000, 1),
                       "p99": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
                       "max": round(latencies[-1] * 1000, 1),
                       "slowest": None if slowest is None else [slowest.op, round(slowest.start, 3)]},
        "fault_at_s": round(window.fault_at, 3), "requests": len(mine), "failed": len(failed),
        "failed_by_status": dict(by_status), "failed_by_operation": dict(by_op), "failed_naming_service": dict(named),
        "failed_started_before_fault": in_flight, "failed_started_after_fault": len(failed) - in_flight,
        "writes_acknowledged": len(acked),
        "lost_writes": sum(1 for w in lost if window.start <= w.get("acked_at", -1) < window.end),
        "errors": dict(errors.most_common(5)), "recovery": dict(window.recovery), "notes": window.notes,
    }
    if window.affected:
        after = [r for r in mine if r.start >= window.fault_at and window.affected in THROUGH[r.op]]
        first_ok = min((r.end for r in after if 200 <= r.status < 300), default=None)
        resume = window.notes.get("scaled_back_at", window.fault_at)
        first_ok_after = min((r.end for r in after if 200 <= r.status < 300 and r.start >= resume), default=None)
        out["recovery"]["first_ok_through_affected_s"] = (None if first_ok is None
                                                          else round(first_ok - window.fault_at, 3))
        if "scaled_back_at" in window.notes:
            stopped = window.notes["stopped_at"]
            back_ok = min((r.end for r in after if 200 <= r.status < 300 and r.end >= resume), default=None)
            out["recovery"]["first_ok_after_scale_back_s"] = None if back_ok is None else round(back_ok - resume, 3)
            out["recovery"]["outage_s"] = round(resume - stopped, 3)
            out["recovery"]["scale_back_wait_s"] = round(window.notes["running_again_at"] - resume, 3)
            during = [r for r in after if r.start < resume and r.end > stopped]  # in flight during the outage
            out["during_outage"] = {
                "requests_needing_it": len(during),
                "failed": sum(1 for r in during if not 200 <= r.status < 300),
                "answered_2xx_after_waiting_over_1s": sum(1 for r in during if 200 <= r.status < 300
                                                          and r.end - r.start > 1),
                "max_wait_s": round(max((r.end - r.start for r in during), default=0.0), 3),
                "requests_not_needing_it": sum(1 for r in mine if r.start < resume and r.end > stopped
                                               and window.affected not in THROUGH[r.op]),
            }
            last_fail = max((r.end for r in failed), default=None)
            out["recovery"]["last_failure_after_scale_back_s"] = (None if last_fail is None
                                                                  else round(last_fail - resume, 3))
        elif first_ok_after is not None:
            out["recovery"]["first_ok_through_affected_s"] = round(first_ok_after - window.fault_at, 3)
        out["affected_service"] = window.affected
    return out


def judge(row: dict[str, Any]) -> tuple[str, bool]:
    """The issue's target for this fault, and whether this run met it."""
    name, failed, lost = row["fault"], row["failed"], row["lost_writes"]
    if name.startswith("SIGKILL") or "OOM" in name:
        return ("only requests in flight on the killed replica fail; no write lost",
                row["failed_started_after_fault"] == 0 and lost == 0)
    if "stopped" in name:
        named = row["failed_naming_service"].get(row.get("affected_service", ""), 0)
        clear = failed > 0 and named == failed and set(row["failed_by_status"]) == {"503"}
        resumed = row["recovery"].get("first_ok_after_scale_back_s") is not None
        return ("requests needing it get 503 naming it; service resumes by itself; no write lost",
                clear and resumed and lost == 0)
    return "no request fails; no write lost", failed == 0 and lost == 0


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'fault':<28} {'sent':>6} {'failed':>6}  {'failed by status':<24} {'lost':>4} {'max ms':>7}  recovery"]
    for row in rows:
        statuses = ", ".join(f"{k}: {v}" for k, v in row["failed_by_status"].items()) or "-"
        recovery = ", ".join(f"{k}={v}" for k, v in row["recovery"].items()) or "-"
        lines.append(f"{row['fault']:<28} {row['requests']:>6} {row['failed']:>6}  {statuses:<24} "
                     f"{row['lost_writes']:>4} {row['latency_ms']['max']:>7}  {recovery}")
        lines.append(f"{'':<28} target {'met' if row['target_met'] else 'NOT met'}: {row['target']}")
    return "\n".join(lines)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cleave-faults-") as folder:
        yield Path(folder)


def _code_version() -> dict[str, Any]:
    """The commit measured, and the files of the runtime, kit and CLI that differed from it (a shared tree)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()
    changed = git("status", "--porcelain", "--", "runtime", "packager", "cleave", "samples").splitlines()
    return {"commit": git("rev-parse", "HEAD"), "uncommitted": changed}


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    with workdir() as work:
        project = Project(work)
        try:
            project, url = setup(work)
            setup_s = time.monotonic() - started
            print(f"set up in {setup_s:.1f} s: {url}", file=sys.stderr)
            host, port = url.removeprefix("http://").rsplit(":", 1)
            skus = seed_catalog(host, int(port))
            load = Load(host, int(port), skus, args.threads, args.max_requests)
            load.start()
            windows: list[Window] = []

            def window(name: str, affected: str = "") -> Window:
                if windows:
                    windows[-1].end = load.now()
                windows.append(Window(name, load.now(), affected=affected))
                print(f"{load.now():6.1f} s  {name}", file=sys.stderr)
                return windows[-1]

            w = window("baseline (no fault)")
            w.fault_at = w.start
            time.sleep(args.settle)
            fault_kill(project, load, window("SIGKILL catalog replica", "catalog"), "catalog")
            time.sleep(args.settle)
            fault_hang(project, load, window("catalog replica hung (SIGSTOP)", "catalog"), "catalog")
            time.sleep(args.settle)
            fault_scale(project, load, window("scale cart 2->4->1->2", "cart"), "cart")
            time.sleep(args.settle / 2)
            fault_engine(project, load, window("engine SIGKILL + cleave up"))
            time.sleep(args.settle)
            fault_oom(project, load, window("web replica OOM-killed", "web"), "web")
            time.sleep(args.settle)
            fault_dependency(project, load, window("pricing stopped (scale 0)", "pricing"), "pricing", args.outage)
            time.sleep(args.settle)
            windows[-1].end = load.now()
            load.finish()
            print(f"{load.now():6.1f} s  load stopped; checking {len(load.ledger.customers)} customers, "
                  f"{len(load.ledger.carts)} carts, {len(load.ledger.orders)} orders", file=sys.stderr)
            checked = time.monotonic()
            lost = verify(host, int(port), load.ledger, 6)
            verify_s = time.monotonic() - checked
            final = project.status() or {}
        finally:
            if args.logs is not None:  # the replicas' and the engine's logs, for a look at the failures
                with contextlib.suppress(OSError):
                    shutil.copytree(work / ".cleave" / "logs", args.logs, dirs_exist_ok=True)
            with contextlib.suppress(Exception):
                project.cleave("down", "--volumes", timeout=120)
    rows = [summarize(load, w, lost) for w in windows]
    for row in rows:
        row["target"], row["target_met"] = judge(row)
    total_failed = sum(r["failed"] for r in rows)
    return {
        "code": _code_version(),
        "machine": {"kernel": platform.release(), "cpus": os.cpu_count(), "loadavg": os.getloadavg(),
                    "python": platform.python_version()},
        "config": {"threads": args.threads, "replicas": REPLICAS, "settle_s": args.settle, "outage_s": args.outage,
                   "max_requests": args.max_requests},
        "setup_s": round(setup_s, 2), "verify_s": round(verify_s, 2),
        "total_s": round(time.monotonic() - started, 2),
        "requests": len(load.records), "failed": total_failed,
        "requests_per_s": round(len(load.records) / max(load.now(), 1e-9), 1),
        "idle_connections_replaced": load.replaced,
        "writes_acknowledged": {"customers": len(load.ledger.customers), "carts": len(load.ledger.carts),
                                "items": sum(sum(c.values()) for c in load.ledger.items.values()),
                                "orders": len(load.ledger.orders)},
        "lost_writes": lost[:50], "lost_writes_count": len(lost),
        "final_restarts": {r["replica"]: r["restarts"] for r in final.get("replicas", []) if r.get("restarts")},
        "faults": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8, help="load workers (one connection each)")
    parser.add_argument("--settle", type=float, default=6.0, help="seconds of load between faults")
    parser.add_argument("--outage", type=float, default=4.0, help="seconds the dependency stays stopped")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop the load after this many")
    parser.add_argument("--logs", type=Path, help="copy the runtime's logs (engine, replicas) to this folder")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/faults.py needs root (namespaces, cgroups, the OOM fault)", file=sys.stderr)
        return 2
    result = run(args)
    print(table(result["faults"]))
    print(f"\n{result['requests']} requests ({result['requests_per_s']}/s), {result['failed']} failed, "
          f"{result['lost_writes_count']} lost writes of {result['writes_acknowledged']}; "
          f"total {result['total_s']} s (setup {result['setup_s']} s, check {result['verify_s']} s)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
