"""Benchmark: cleave's analyzer against pyan3 (symbol level) and grimp (imports only), side by side.

    .venv/bin/python bench/analyze.py [--only django|homeassistant] [--timeout 300] [--jobs 2]
    .venv/bin/python bench/analyze.py --compare REV [--only django] [--rounds 5]

``--compare REV`` measures only cleave cold and warm (the cache just filled) through ``analyze()``, and cold and
warm through the CLI (the process a user runs: ``cli_cold`` on an empty folder, ``cli_warm`` ``cleave analyze`` run
twice on the cache ``analyze()`` filled, the second measured; with ``--flow``, this tree's CLI gets ``--flow``), this
tree against git revision REV (checked out under
bench/.cache/rev-<sha>), alternating A B B A ... in one run so both see the same machine load; it prints the
medians, their ratio and the median of the per-round ratios, and writes bench/results/analyze-compare.json
(-flow.json with --flow); each target's row names the revisions and load it ran under, and the rows of targets
a run does not measure are kept from the file's last run.

Downloads Django 5.2 and homeassistant 2024.3 from PyPI (wheels, no dependencies) into bench/.cache/, installs
pyan3 into its own virtualenv there, then measures in one run, each in a fresh process: cleave cold (empty
cache), warm (nothing changed), one file changed (a line added in a function body), one function added to a
file, and the CLI end to end (graph.json written); grimp cold
(its cache off) and warm (its cache on); pyan3 (bounded by --timeout: a hang or crash is recorded, not fatal).
Peak memory is the largest resident set of the process and its children; cpu is their user + system time (a
machine shared with other jobs stretches wall times, far less cpu times). Results: bench/results/analyze.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results" / "analyze.json"
PYTHON = sys.executable
TARGETS = {
    "django": {"spec": "django==5.2.*", "package": "django", "changed": "django/utils/text.py",
               "targets": {"cold": 8.0, "warm": 0.5, "changed": 0.7}},
    "homeassistant": {"spec": "homeassistant==2024.3.*", "package": "homeassistant",
                      "changed": "homeassistant/core.py", "targets": {"cold": 60.0, "warm": 1.5}},
}


def fetch(name: str, spec: str) -> Path:
    """The unpacked wheel of ``spec`` under bench/.cache/<name>."""
    target = CACHE / name
    if (target / name).is_dir():
        return target
    downloads = CACHE / "dl"
    downloads.mkdir(parents=True, exist_ok=True)
    subprocess.run([PYTHON, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:", spec,
                    "-d", str(downloads)], check=True)
    wheel = sorted(downloads.glob(f"{name}-*.whl"))[-1]
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def peers_python() -> Path:
    """A virtualenv with pyan3 and grimp, apart from cleave's own (pyan3 pins old dependencies)."""
    venv = CACHE / "peers"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import pyan, grimp"], capture_output=True, check=False)
    if probe.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pyan3", "grimp"], check=True)
    return python


def measure(argv: list[str], timeout: float, cwd: Path = ROOT) -> dict[str, Any]:
    """Run argv; wall time, peak RSS (self + children, MB), its JSON line on stdout, or how it failed."""
    start = time.perf_counter()
    with open(CACHE / "out.txt", "w+b") as out, open(CACHE / "err.txt", "w+b") as err:
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        deadline = start + timeout
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                return {"status": f"timeout after {timeout:.0f} s", "wall_s": round(time.perf_counter() - start, 2)}
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    result: dict[str, Any] = {"wall_s": round(wall, 3), "peak_mb": round(usage.ru_maxrss / 1024, 1),
                              "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}
    if process.returncode != 0:
        result["status"] = f"exit {process.returncode}: {stderr.strip().splitlines()[-1:] or ''}"
        return result
    result["status"] = "ok"
    for line in stdout.splitlines()[::-1]:
        if line.startswith("{"):
            result.update(json.loads(line))
            break
    return result


CLEAVE_RUN = """
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
from analyzer import analyze
imported = time.perf_counter()
import inspect, os
options = {"flow": True} if os.environ.get("BENCH_FLOW") and "flow" in inspect.signature(analyze).parameters else {}
graph = analyze(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]), jobs=int(sys.argv[3]), **options)
done = time.perf_counter()
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"analyze_s": round(done - imported, 3), "nodes": graph.graph.number_of_nodes(),
                  "edges": graph.graph.number_of_edges(), "diagnostics": len(graph.diagnostics),
                  "lines": graph.meta.get("lines"), "files": graph.meta.get("files"),
                  "workers_peak_mb": round(children, 1)}))
"""

GRIMP_RUN = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import grimp
start = time.perf_counter()
graph = grimp.build_graph(sys.argv[2], cache_dir=None if sys.argv[3] == "off" else sys.argv[4])
print(json.dumps({"analyze_s": round(time.perf_counter() - start, 3), "modules": len(graph.modules)}))
"""

PYAN_RUN = """
import glob, io, json, logging, sys, time
from pyan.analyzer import CallGraphVisitor
files = sorted(glob.glob(sys.argv[1] + "/" + sys.argv[2] + "/**/*.py", recursive=True))
start = time.perf_counter()
visitor = CallGraphVisitor(files, logger=logging.getLogger("pyan"), root=sys.argv[1])
edges = sum(len(v) for v in visitor.uses_edges.values())
print(json.dumps({"analyze_s": round(time.perf_counter() - start, 3), "uses_edges": edges}))
"""


def bench(name: str, timeout: float, jobs: int, peers: Path) -> dict[str, Any]:
    config = TARGETS[name]
    src = fetch(name, str(config["spec"]))
    package = str(config["package"])
    lines = sum(p.read_bytes().count(b"\n") for p in (src / package).rglob("*.py"))
    print(f"== {name}: {lines} lines", flush=True)
    cache = CACHE / f"cleave-cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    row: dict[str, Any] = {"lines": lines}
    run = [PYTHON, "-c", CLEAVE_RUN, str(src), str(cache), str(jobs)]
    row["cleave_cold"] = measure(run, timeout)
    row["cleave_warm"] = measure(run, timeout)
    changed = src / str(config["changed"])
    original = changed.read_bytes()
    edited = original.replace(b"\n    return ", b"\n    _bench_edit = None\n    return ", 1)
    try:
        changed.write_bytes(edited)  # a function body edited: the usual change
        row["cleave_one_file_changed"] = measure(run, timeout)
        measure(run, timeout)
        changed.write_bytes(original + b"\n\ndef _bench_added():\n    return None\n")  # a new function
        row["cleave_one_function_added"] = measure(run, timeout)
    finally:
        changed.write_bytes(original)
    measure(run, timeout)  # back to the original state in the cache
    out_dir = CACHE / f"cli-{name}"
    cli = [PYTHON, "-c", "from cleave.cli.app import main; main()", "analyze", str(src), "-o",
           str(out_dir / "graph.json"), "--jobs", str(jobs)]
    shutil.rmtree(out_dir, ignore_errors=True)
    row["cleave_cli_cold"] = measure(cli, timeout)
    row["cleave_cli_warm"] = measure(cli, timeout)
    grimp_cache = CACHE / f"grimp-cache-{name}"
    shutil.rmtree(grimp_cache, ignore_errors=True)
    row["grimp_cold"] = measure([str(peers), "-c", GRIMP_RUN, str(src), package, "off", ""], timeout)
    measure([str(peers), "-c", GRIMP_RUN, str(src), package, "on", str(grimp_cache)], timeout)
    row["grimp_warm"] = measure([str(peers), "-c", GRIMP_RUN, str(src), package, "on", str(grimp_cache)], timeout)
    row["pyan3"] = measure([str(peers), "-c", PYAN_RUN, str(src), package], timeout)
    row["targets"] = config["targets"]
    return row


def _checkout(rev: str) -> Path:
    """A detached worktree of ``rev`` under bench/.cache (made once per commit)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = CACHE / f"rev-{sha[:12]}"
    if not (tree / "analyzer").is_dir():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(tree), sha], check=True,
                       capture_output=True)
    return tree


def _earlier_rows(target: Path) -> dict[str, Any]:
    """The rows of an earlier --compare run for the targets this run does not measure (``--only homeassistant``
    keeps Django's), each stamped with the revisions and load it was measured under."""
    try:
        earlier = json.loads(target.read_text())
    except (OSError, ValueError):
        return {}
    stamp = {key: earlier.get(key) for key in ("this", "against", "loadavg_at_start", "loadavg_at_end")}
    return {name: {**stamp, **row} for name, row in earlier.get("results", {}).items()}


def compare(name: str, rev: str, rounds: int, timeout: float, jobs: int) -> dict[str, Any]:
    """Cold then warm runs of this tree and of ``rev``, ``rounds`` each, alternated (the order flips every round
    so neither side always runs first): medians, the ratio of the medians, and the median and spread of the
    per-round ratios (a round's two sides ran back to back, under about the same load)."""
    src = fetch(name, str(TARGETS[name]["spec"]))
    trees = {"this": ROOT, rev: _checkout(rev)}
    modes = ("cold", "warm", "cli_cold", "cli_warm")
    forced = bool(os.environ.get("BENCH_FLOW"))
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {label: {mode: [] for mode in modes} for label in trees}
    for round_ in range(rounds):
        order = list(trees.items()) if round_ % 2 == 0 else list(trees.items())[::-1]
        for label, tree in order:
            folder = CACHE / f"cleave-cache-compare-{name}"
            shutil.rmtree(folder, ignore_errors=True)
            argv = {mode: [PYTHON, "-c", CLEAVE_RUN, str(src), str(folder / "cache"), str(jobs)]
                    for mode in ("cold", "warm")}
            # the tree's own CLI (cwd first on sys.path): cold on an empty folder; warm on the cache analyze() just
            # filled (-o's folder's); with --flow, this tree's CLI is asked for the flow (REV's has no such option)
            cli = [PYTHON, "-c", "from cleave.cli.app import main; main()", "analyze", str(src), "-j", str(jobs),
                   *(["--flow"] if forced and label == "this" else [])]
            argv["cli_cold"] = [*cli, "-o", str(folder / "cli-cold" / "graph.json")]
            argv["cli_warm"] = [*cli, "-o", str(folder / "graph.json")]
            for mode in modes:
                if mode == "cli_warm":  # its first run writes graph.json and the CLI's stamp; the second is warm
                    measure(argv[mode], timeout, cwd=tree)
                result = measure(argv[mode], timeout, cwd=tree)
                runs[label][mode].append(result)
                print(f"round {round_ + 1} {label:>10} {mode}: {_cell(result)}", flush=True)
    row: dict[str, Any] = {"rounds": rounds, "runs": runs}
    for mode in modes:
        for metric, key in (("analyze_s" if not mode.startswith("cli") else "wall_s", ""), ("cpu_s", "cpu_")):
            for label in trees:
                row[f"{mode}_median_{key}{label}_s"] = _median([r.get(metric) for r in runs[label][mode]])
            this, other = row[f"{mode}_median_{key}this_s"], row[f"{mode}_median_{key}{rev}_s"]
            row[f"{mode}_{key}ratio_of_medians"] = round(this / other, 3) if this and other else None
            ratios = sorted(round(a[metric] / b[metric], 3) for a, b in zip(runs["this"][mode], runs[rev][mode],
                                                                             strict=True)
                            if a.get("status") == b.get("status") == "ok" and b[metric])
            row[f"{mode}_{key}ratios"] = ratios
            row[f"{mode}_{key}median_ratio"] = _median(ratios)
    return row


def _head() -> str:
    """This tree's commit, marked when the tree has uncommitted changes."""
    def git(*argv: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True, check=True).stdout
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results").strip()
    return git("rev-parse", "--short=12", "HEAD").strip() + (" (with uncommitted changes)" if dirty else "")


def _median(values: list[Any]) -> float | None:
    """The median of the numbers among ``values`` (a failed run has none)."""
    numbers = sorted(v for v in values if isinstance(v, int | float))
    if not numbers:
        return None
    middle = len(numbers) // 2
    return round(numbers[middle] if len(numbers) % 2 else (numbers[middle - 1] + numbers[middle]) / 2, 3)


def _cell(result: dict[str, Any]) -> str:
    if result.get("status") != "ok":
        return str(result.get("status"))
    seconds = result.get("analyze_s", result["wall_s"])
    return (f"{seconds:.2f} s (process {result['wall_s']:.2f} s, cpu {result['cpu_s']:.2f} s, "
            f"peak {result['peak_mb']:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(TARGETS))
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--compare", metavar="REV", help="cleave cold and warm: this tree against REV")
    parser.add_argument("--rounds", type=int, default=5, help="with --compare: cold + warm runs of each, alternated")
    parser.add_argument("--flow", action="store_true",
                        help="with --compare: this tree with the value-flow analysis forced on (analyze(flow=True))")
    args = parser.parse_args()
    if args.flow:
        os.environ["BENCH_FLOW"] = "1"  # read by CLEAVE_RUN; a tree whose analyze() has no `flow` ignores it
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.compare:
        report = {"loadavg_at_start": [round(x, 2) for x in os.getloadavg()], "against": args.compare,
                  "this": _head(), "jobs": args.jobs, "flow_forced": args.flow, "results": {}}
        for name in [args.only] if args.only else ["django"]:
            start = [round(x, 2) for x in os.getloadavg()]
            row = compare(name, args.compare, args.rounds, args.timeout, args.jobs)
            row.update(this=report["this"], against=args.compare, loadavg_at_start=start,
                       loadavg_at_end=[round(x, 2) for x in os.getloadavg()])
            report["results"][name] = row
            print({k: v for k, v in row.items() if k != "runs"}, flush=True)
        report["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        target = RESULTS.with_name("analyze-compare-flow.json" if args.flow else "analyze-compare.json")
        report["results"] = {**_earlier_rows(target), **report["results"]}
        target.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        print(f"results written to {target.relative_to(ROOT)}")
        return
    peers = peers_python()
    load = os.getloadavg()
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                          "loadavg_at_start": [round(x, 2) for x in load]},
                              "jobs": args.jobs, "results": {}}
    for name in [args.only] if args.only else list(TARGETS):
        row = bench(name, args.timeout, args.jobs, peers)
        report["results"][name] = row
        cold = row["cleave_cold"].get("analyze_s")
        print(f"{'measure':28} {name}")
        for key, value in row.items():
            if isinstance(value, dict) and "wall_s" in value:
                print(f"{key:28} {_cell(value)}")
        for peer in ("grimp_cold", "pyan3"):
            other = row[peer].get("analyze_s")
            if cold and other:
                print(f"{'ratio ' + peer + '/cleave cold':28} {other / cold:.2f}x")
        print(f"targets: {row['targets']}", flush=True)
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"results written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
