"""cleave's runtime side by side with runc and podman, in one run (root needed).

Run: ``.venv/bin/python bench/runtime.py [--starts 30] [--seconds 3]`` after ``./setup.sh --dev`` (runc, podman)
and ``apt-get install wrk``. Measures:

1. start latency of a trivial replica (a static ``true`` in a tiny root), p50/p90: cleave's launch (five namespaces,
   overlayfs root, pivot_root, cpu/memory/pids cgroups, no-new-privs, user switch) vs ``runc run`` vs
   ``podman run --rm`` (flags per MACHINE.md), each until the process has exited;
2. scaling a Python service (the kit, ``python -m cleave_kit``) 1 -> 10 until all ten wait on the socket:
   cleave's engine vs ten ``runc run -d --preserve-fds 1`` (the same listening socket, same root);
3. throughput with wrk (2 threads, 16 connections, bounded seconds; ``--rounds`` rounds interleaved, medians) on
   ``/healthz``: the kit served directly (one process on TCP 127.0.0.1) vs cleave's gateway with 1 and 2 replicas
   sharing the engine's socket; wrk and the direct server each in a cgroup of their own, as every replica is
   (see ``_own_cgroups``);
4. restart after SIGKILL until the replacement waits on the socket again;
5. memory per replica: the replica's cgroup (everything it costs) vs the same server as a plain process (RSS).

Prints ratios against the targets (start <= 15 ms p50, 1 -> 10 <= 0.5 s, 2 replicas >= 1 direct) and writes
``bench/results/runtime.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleave.formats.topology import Limits  # noqa: E402
from runtime import cgroups, control  # noqa: E402
from runtime.launch import LaunchSpec, become_subreaper, launch  # noqa: E402
from runtime.paths import ProjectPaths  # noqa: E402
from runtime.protocol import parse_request  # noqa: E402
from runtime.readiness import http_health, is_listening  # noqa: E402
from runtime.store import Store  # noqa: E402
from tests.runtime.images import python_layer, write_layout  # noqa: E402

KIT = ROOT / "packager" / "kit"
CLEAVE = str(Path(sys.executable).parent / "cleave")
PODMAN_CONF = "[containers]\ndefault_ulimits = []\n"


def _static_true(folder: Path) -> Path:
    source = folder / "true.c"
    source.write_text("int main(void) { return 0; }\n")
    binary = folder / "true"
    subprocess.run(["gcc", "-static", "-Os", "-s", "-o", str(binary), str(source)], check=True)
    return binary


def _tiny_layer(binary: Path) -> bytes:
    import io
    import tarfile
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("true")
        data = binary.read_bytes()
        info.size = len(data)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 2), "n": len(ordered)}


def _runc_bundle(folder: Path, rootfs: Path, args: list[str], env: list[str], cwd: str = "/") -> Path:
    bundle = folder / "bundle"
    bundle.mkdir(exist_ok=True)
    subprocess.run(["runc", "spec", "--bundle", str(bundle)], check=True)
    config = json.loads((bundle / "config.json").read_text())
    config["root"] = {"path": str(rootfs), "readonly": True}
    config["process"].update({"args": args, "terminal": False, "env": env, "cwd": cwd,
                              "user": {"uid": 65532, "gid": 65532}})
    config["process"].pop("rlimits", None)  # no CAP_SYS_RESOURCE here
    config["linux"]["resources"] = {"cpu": {"quota": 100000, "period": 100000},
                                    "memory": {"limit": 256 << 20}, "pids": {"limit": 128}}
    config["hostname"] = "bench"
    (bundle / "config.json").write_text(json.dumps(config))
    return bundle


# ---- 1. start latency ---------------------------------------------------------------------------------------------

def bench_start(work: Path, starts: int) -> dict[str, Any]:
    binary = _static_true(work)
    layout = work / "tiny-oci"
    write_layout(layout, ["tiny"], _tiny_layer(binary))
    store = Store(work / "store", overlay=True)
    image = store.unpack(layout, "tiny")
    found, _ = cgroups.detect()
    stage = work / "stage"
    stage.mkdir()
    listener = socket.socket(socket.AF_UNIX)
    results: dict[str, Any] = {}

    samples, exec_samples = [], []
    parent = f"cleave-bench-{os.getpid()}"
    for i in range(starts):
        group = f"{parent}/r{i}"
        started = time.perf_counter()
        procs = found.create(group, Limits(cpu=1.0, memory_bytes=256 << 20, pids=128)) if found else ()
        launched = launch(LaunchSpec(name=f"r{i}", argv=("/true",), env=(), workdir="/", user="65532:65532",
                                     listen_fd=listener.fileno(), log_path=str(work / "start.log"),
                                     cgroup_procs=procs, layers=tuple(map(str, image.layers)),
                                     staging_dir=str(stage)))
        exec_samples.append(time.perf_counter() - started)
        os.waitpid(launched.pid, 0)
        samples.append(time.perf_counter() - started)
    if found:
        found.remove(parent)
    results["cleave"] = {**_percentiles(samples), "until_exec": _percentiles(exec_samples)}

    rootfs = work / "tiny-rootfs"
    rootfs.mkdir()
    shutil.copy(binary, rootfs / "true")
    for folder in ("proc", "dev", "sys", "tmp"):
        (rootfs / folder).mkdir()
    bundle = _runc_bundle(work, rootfs, ["/true"], [])
    samples = []
    for i in range(starts):
        started = time.perf_counter()
        subprocess.run(["runc", "run", "--bundle", str(bundle), f"cleave-bench-{os.getpid()}-{i}"], check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    results["runc"] = _percentiles(samples)

    conf = work / "containers.conf"
    conf.write_text(PODMAN_CONF)
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    podman = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
    pulled = subprocess.run([*podman, "pull", "-q", f"oci:{layout}:tiny"], env=env, capture_output=True, text=True,
                            check=False)
    if pulled.returncode != 0:
        results["podman"] = {"error": pulled.stderr.strip()[-300:]}
        return results
    image_id = pulled.stdout.strip().splitlines()[-1]
    samples = []
    for _ in range(max(5, starts // 3)):
        started = time.perf_counter()
        subprocess.run([*podman, "run", "--rm", "--ulimit", "host", "--network", "none", "--user", "65532:65532",
                        "--memory", "256m", "--pids-limit", "128", image_id, "/true"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    results["podman"] = _percentiles(samples)
    subprocess.run([*podman, "rmi", "-f", image_id], env=env, capture_output=True, check=False)
    return results


# ---- 2-5. a running project -----------------------------------------------------------------------------------------

def _kit_files() -> dict[str, bytes]:
    files = {f"app/cleave_kit/{p.name}": p.read_bytes() for p in KIT.glob("*.py")}
    files["app/service.json"] = json.dumps({"name": "web", "interface": [], "entry": None,
                                            "health_path": "/healthz"}).encode()
    return files


def _request(paths: ProjectPaths, message: dict[str, Any]) -> dict[str, Any]:
    return control.request(paths.control_socket, parse_request(json.dumps(message).encode()))


def _wait_running(paths: ProjectPaths, count: int, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        rows = _request(paths, {"op": "ps", "usage": False})["replicas"]
        if len(rows) == count and all(r["state"] == "running" for r in rows):
            return time.perf_counter() - started
        time.sleep(0.005)
    raise RuntimeError(f"{count} replicas not running after {timeout} s")


@contextlib.contextmanager
def _project(work: Path, base: bytes) -> Iterator[tuple[ProjectPaths, str]]:
    root = work / "proj"
    build = root / "build"
    build.mkdir(parents=True)
    from tests.runtime import images
    digests = images.write_layout(build / "oci", ["web"], base, _kit_files())
    from cleave.formats import topology as topo
    spec = topo.ServiceSpec(name="web", image="web", manifest_digest=digests["web"], source_dir="services/web",
                            command=("python3", "-m", "cleave_kit"), env={}, workdir="/app", replicas=1,
                            resources=topo.Limits(memory_bytes=256 << 20, pids=128))  # no cpu quota: as direct
    topo.save_topology(topo.Topology(project="bench", services=(spec,), gateway="web"), build / "topology.json")
    paths = ProjectPaths.for_build(build)
    try:
        up = subprocess.run([CLEAVE, "up", str(build)], capture_output=True, text=True, check=True, timeout=120)
        yield paths, up.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([CLEAVE, "down", "--volumes", "-C", str(root)], capture_output=True, check=False, timeout=120)


def bench_scale(paths: ProjectPaths, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        _request(paths, {"op": "scale", "services": {"web": 10}})
        _wait_running(paths, 10)
        times.append(time.perf_counter() - started)
        _request(paths, {"op": "scale", "services": {"web": 1}})
        _wait_running(paths, 1)
        time.sleep(0.5)
    return times


def bench_scale_runc(work: Path, base: bytes) -> float:
    layout = work / "kit-oci"
    write_layout(layout, ["web"], base, _kit_files())
    rootfs = Store(work / "store-runc", overlay=False).flatten(Store(work / "store-runc", overlay=False)
                                                               .unpack(layout, "web"))
    for folder in ("proc", "dev", "sys", "tmp"):
        (rootfs / folder).mkdir(exist_ok=True)
    (work / "runc-scale").mkdir()
    bundle = _runc_bundle(work / "runc-scale", rootfs, ["python3", "-m", "cleave_kit"],
                          ["PATH=/bin", "LISTEN_FDS=1", "PYTHONDONTWRITEBYTECODE=1"], cwd="/app")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(work / "runc.sock"))
    listener.listen(128)
    fd = listener.fileno()
    names = [f"cleave-bench-scale-{os.getpid()}-{i}" for i in range(10)]
    pids = []
    started = time.perf_counter()
    try:
        for name in names:
            pid_file = work / f"{name}.pid"
            subprocess.run(["sh", "-c", f'exec runc run -d --preserve-fds 1 --pid-file "$0" --bundle "$1" "$2" 3<&{fd}',
                            str(pid_file), str(bundle), name], check=True, pass_fds=(fd,),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            pids.append(int(pid_file.read_text()))
        while not all(is_listening(pid) for pid in pids):
            time.sleep(0.002)
        elapsed = time.perf_counter() - started
    finally:
        for name in names:
            subprocess.run(["runc", "delete", "-f", name], capture_output=True, check=False)
    return elapsed


def _cpu_by_replica(paths: ProjectPaths) -> dict[str, float]:
    return {r["replica"]: float(r["cpu_seconds"] or 0.0) for r in _request(paths, {"op": "ps"})["replicas"]}


@contextlib.contextmanager
def _own_cgroups() -> Iterator[Callable[[str], Callable[[], None]]]:
    """``joiner(name)``: a preexec function that puts the process in a cgroup of its own (no limits), removed at
    the end. The load generator and the direct server get one each, as every replica has: CFS shares CPU between
    sibling groups, and a plain process in the root group has the weight of a whole group per runnable thread,
    which would give the direct server and wrk more CPU than a replica gets. Without cgroups: a no-op."""
    found, _ = cgroups.detect()
    parent = f"cleave-bench-load-{os.getpid()}"

    def joiner(name: str) -> Callable[[], None]:
        procs = found.create(f"{parent}/{name}", Limits()) if found else ()

        def join() -> None:
            for path in procs:
                with open(path, "w") as handle:
                    handle.write(str(os.getpid()))  # in the child, before exec
        return join
    try:
        yield joiner
    finally:
        if found:
            found.remove(parent)


def _wrk(url: str, seconds: int, join: Callable[[], None] | None = None) -> float:
    result = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url], capture_output=True, text=True, check=True,
                            timeout=seconds + 30, preexec_fn=join)
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", result.stdout)
    if errors:
        print(f"  wrk: {errors.group(0)}")
    return float(match.group(1)) if match else 0.0


@contextlib.contextmanager
def _direct_server(work: Path, join: Callable[[], None] | None = None) -> Iterator[tuple[int, int]]:
    """The kit served directly: one plain process on TCP 127.0.0.1 (in a cgroup of its own, when ``join`` puts it
    there); yields (port, pid)."""
    app = work / "direct"
    for name, data in _kit_files().items():
        target = app / name.removeprefix("app/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    interpreter = str(Path(sys.base_prefix) / "bin" / Path(sys.executable).resolve().name)
    process = subprocess.Popen([interpreter, "-S", "-m", "cleave_kit"], cwd=app,  # like the image: no site-packages
                               env={"PATH": os.environ["PATH"], "CLEAVE_LISTEN": f"127.0.0.1:{port}"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=join)  # noqa: PLW1509 - the bench runs no threads
    try:
        deadline = time.monotonic() + 20
        while not http_health(("127.0.0.1", port), "/healthz") and time.monotonic() < deadline:
            time.sleep(0.02)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def _rss(pid: int) -> int:
    match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) * 1024 if match else 0


def bench_restart(paths: ProjectPaths, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        row = _request(paths, {"op": "ps"})["replicas"][0]
        started = time.perf_counter()
        os.kill(row["pid"], signal.SIGKILL)
        while True:
            now = _request(paths, {"op": "ps"})["replicas"][0]
            if now["restarts"] > row["restarts"] and now["state"] == "running":
                break
            time.sleep(0.002)
        times.append(time.perf_counter() - started)
        time.sleep(11)  # past the stability window: the next kill is a first failure again (no backoff)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench/runtime.py needs root (namespaces, cgroups, runc)")
    missing = [tool for tool in ("runc", "podman", "wrk") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench/runtime.py needs {', '.join(missing)}: apt-get install {' '.join(missing)}")
    become_subreaper()
    results: dict[str, Any] = {"machine": {"kernel": platform.release(), "cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="cleave-bench-") as tmp:
        work = Path(tmp)
        print("1. start latency of a trivial replica (until it exited)")
        start = bench_start(work, options.starts)
        results["start"] = start
        for tool, figures in start.items():
            print(f"  {tool:7s} {figures}")
        base = python_layer()
        print("2. scale the kit 1 -> 10 until all wait on the socket")
        runc_scale = bench_scale_runc(work, base)
        with _project(work, base) as (paths, url):
            scale = bench_scale(paths, options.rounds)
            print(f"  cleave  {[round(t, 3) for t in scale]} s;  runc (10 x run -d) {runc_scale:.3f} s")
            results["scale_1_to_10_s"] = {"cleave": scale, "cleave_median": statistics.median(scale),
                                          "runc": runc_scale}
            print(f"3. throughput, wrk -t2 -c16 on /healthz, {options.rounds} rounds of the three, interleaved")
            rates: dict[str, list[float]] = {"direct": [], "cleave_1": [], "cleave_2": []}
            spread: list[list[float]] = []
            with _own_cgroups() as joiner, _direct_server(work, joiner("direct")) as (port, direct_pid):
                client = joiner("wrk")
                for _ in range(options.rounds):
                    rates["direct"].append(_wrk(f"http://127.0.0.1:{port}/healthz", options.seconds, client))
                    for count in (1, 2):
                        _request(paths, {"op": "scale", "services": {"web": count}})
                        _wait_running(paths, count)
                        before = _cpu_by_replica(paths)
                        rates[f"cleave_{count}"].append(_wrk(f"{url}/healthz", options.seconds, client))
                        if count == 2:  # how evenly the accept queue spread wrk's connections: CPU per replica
                            after = _cpu_by_replica(paths)
                            spread.append([round(after[r] - before.get(r, 0.0), 2) for r in sorted(after)])
                rss = _rss(direct_pid)
            medians = {name: statistics.median(values) for name, values in rates.items()}
            print(f"  medians: direct {medians['direct']:.0f} req/s; cleave 1 replica {medians['cleave_1']:.0f}; "
                  f"2 replicas {medians['cleave_2']:.0f} ({medians['cleave_2'] / medians['direct']:.2f}x direct); "
                  f"all: {rates}; cpu s of each of the 2 replicas under wrk: {spread}")
            results["throughput_rps"] = {**{name: round(value) for name, value in medians.items()},
                                         "rounds": rates, "cpu_s_per_replica_with_2": spread,
                                         "ratio_2_vs_direct": medians["cleave_2"] / medians["direct"]}
            print("4. restart after SIGKILL until listening")
            restart = bench_restart(paths, options.rounds)
            print(f"  {[round(t * 1000, 1) for t in restart]} ms")
            results["restart_ms"] = [t * 1000 for t in restart]
            print("5. memory per replica")
            rows = _request(paths, {"op": "ps"})["replicas"]
            cgroup_memory = statistics.median(r["memory_bytes"] for r in rows)
            replica_rss = statistics.median(_rss(r["pid"]) for r in rows)
            engine_rss = _rss(_request(paths, {"op": "status"})["pid"])
            print(f"  replica RSS {replica_rss / 2**20:.1f} MiB (the same server as a plain process: "
                  f"{rss / 2**20:.1f} MiB); its cgroup, with page cache, tmpfs and kernel memory: "
                  f"{cgroup_memory / 2**20:.1f} MiB; engine RSS {engine_rss / 2**20:.1f} MiB for {len(rows)} replicas")
            results["memory"] = {"cgroup_bytes": cgroup_memory, "replica_rss_bytes": replica_rss,
                                 "direct_rss_bytes": rss, "engine_rss_bytes": engine_rss, "replicas": len(rows)}
    start_p50 = results["start"]["cleave"]["p50_ms"]
    print("\ntargets:")
    print(f"  start p50 {start_p50} ms (target <= 15; runc {results['start']['runc']['p50_ms']} ms, "
          f"{results['start']['runc']['p50_ms'] / start_p50:.1f}x slower)")
    print(f"  scale 1 -> 10 {results['scale_1_to_10_s']['cleave_median']:.3f} s (target <= 0.5)")
    print(f"  2 replicas / direct {results['throughput_rps']['ratio_2_vs_direct']:.2f} (target >= 1)")
    out = ROOT / "bench" / "results" / "runtime.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
