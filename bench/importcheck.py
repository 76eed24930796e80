"""What the import check costs `cleave build` (issue 13.5): samples/shop built with and without it, side by side.

Run: ``.venv/bin/python bench/importcheck.py [--runs N]``.

samples/shop is copied aside, analyzed and split with defaults; then ``packager.package`` builds it ``--runs`` times
in each mode, interleaved (so machine load hits both alike): ``before`` with the import step replaced by a no-op
(the build as it was before the step existed), ``after`` as `cleave build` runs it. Both without images (the
trees, topology, compose and k8s) and with images (warm layer cache). Also the check alone on the built trees.
Prints medians of wall and CPU time (this process and its children: CPU barely moves with the machine's load) and
the ratios after/before; writes ``bench/results/importcheck.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import analyzer  # noqa: E402
import packager  # noqa: E402
from cleave.settings import Settings  # noqa: E402
from packager import importcheck, orchestrate  # noqa: E402
from splitter.api import split  # noqa: E402


def cpu() -> float:
    """CPU seconds of this process and of its waited-for children (the check's processes included)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``action``: CPU time barely moves with the machine's load, wall time does."""
    start, start_cpu = time.perf_counter(), cpu()
    action()
    return time.perf_counter() - start, cpu() - start_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cleave-bench-importcheck-"))
    try:
        report = run(work, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = ROOT / "bench" / "results" / "importcheck.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"wrote {out.relative_to(ROOT)}")


def run(work: Path, runs: int) -> dict[str, Any]:
    src = work / "shop"
    shutil.copytree(ROOT / "samples" / "shop" / "shop", src / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    graph = analyzer.analyze(src)
    plan = split(graph)
    settings = Settings.from_env()
    settings = Settings(**{**settings.__dict__, "cache_dir": work / "cache"})
    real = importcheck.require_imports

    def build(images: bool, check: bool) -> tuple[float, float]:
        orchestrate.importcheck.require_imports = real if check else (lambda *a, **k: None)  # type: ignore[assignment]
        try:
            return timed(lambda: packager.package(src, plan, work / "build", graph, images=images,
                                                  settings=settings))
        finally:
            orchestrate.importcheck.require_imports = real  # type: ignore[assignment]

    build(True, True)  # warm the layer cache and the interpreter's own imports
    times: dict[str, list[tuple[float, float]]] = {f"{mode}_{when}": [] for mode in ("trees", "images")
                                                   for when in ("before", "after")}
    for _ in range(runs):
        for images, mode in ((False, "trees"), (True, "images")):
            times[f"{mode}_before"].append(build(images, False))
            times[f"{mode}_after"].append(build(images, True))
    outcome = packager.package(src, plan, work / "build", graph, images=False, settings=settings)
    targets = importcheck.targets_of(outcome.result, plan)
    alone = [timed(lambda: importcheck.check_imports(targets, python=sys.executable, site=sys.path, src=src))
             for _ in range(runs)]
    medians = {key: round(statistics.median(v[0] for v in values), 3) for key, values in times.items()}
    cpu_medians = {key: round(statistics.median(v[1] for v in values), 3) for key, values in times.items()}
    return {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()[0]},
        "sample": "samples/shop, default split", "services": len(outcome.result.services),
        "modules_imported": sum(len(t.modules) for t in targets), "runs": runs,
        "median_s": medians, "median_cpu_s": cpu_medians,
        "check_alone_median_s": round(statistics.median(a[0] for a in alone), 3),
        "check_alone_median_cpu_s": round(statistics.median(a[1] for a in alone), 3),
        "ratio_trees": round(medians["trees_after"] / medians["trees_before"], 2),
        "ratio_images": round(medians["images_after"] / medians["images_before"], 2),
        "ratio_cpu_trees": round(cpu_medians["trees_after"] / cpu_medians["trees_before"], 2),
        "ratio_cpu_images": round(cpu_medians["images_after"] / cpu_medians["images_before"], 2),
        "all_s": {key: [[round(w, 3), round(c, 3)] for w, c in values] for key, values in times.items()},
    }


def print_report(report: dict[str, Any]) -> None:
    print(f"{report['sample']}: {report['services']} services, {report['modules_imported']} modules imported, "
          f"{report['runs']} runs each, load {report['machine']['load']:.1f}")
    print(f"{'':32}{'before (no check)':>20}{'after (check)':>16}{'ratio':>8}")
    for key, unit in (("median_s", "wall"), ("median_cpu_s", "cpu")):
        medians = report[key]
        for mode, label in (("trees", "cleave build --no-images"), ("images", "cleave build (images)")):
            ratio = medians[f"{mode}_after"] / medians[f"{mode}_before"]
            print(f"{label + ', ' + unit:32}{medians[f'{mode}_before']:>18.3f} s{medians[f'{mode}_after']:>14.3f} s"
                  f"{ratio:>8.2f}")
    print(f"the check alone: {report['check_alone_median_s']:.3f} s wall, "
          f"{report['check_alone_median_cpu_s']:.3f} s cpu")


if __name__ == "__main__":
    main()
