"""Image builds: cleave's own OCI writer against ``buildah bud`` and a ``tar | gzip`` floor, side by side.

Run: ``.venv/bin/python bench/build.py [--keep]``. Needs root for buildah (vfs storage, chroot isolation).

1. Service trees: samples/shop analyzed, split and built with ``cleave build --no-images`` (synthetic trees with the
   real kit if that fails).
2. cleave: ``build_images`` of every service cold (empty cache), warm (nothing changed), after a one-file change
   in one service; gzip level 1 / 6 / 9 on the runtime layer.
3. buildah: ``buildah bud --layers`` of FROM-scratch Dockerfiles holding the same content (the runtime, the kit and
   the service's tree, extracted from cleave's layers), cold, warm and after the same one-file change; then
   ``buildah push`` of every image into an OCI layout (where buildah compresses).
4. floor: ``pip install --target`` of each service's requirements (none for the shop) and ``tar -czf`` of the
   runtime and of each tree with GNU tar and gzip.
5. ``cleave push`` of the layout to a real docker-registry on 127.0.0.1, into an empty registry and again.

Prints times, sizes and ratios; writes ``bench/results/build.json``. Targets: runtime layer <= 17 MB gzipped,
a pure-Python service's own layer <= 100 KB, warm rebuild after a one-file change <= 0.3 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleave.formats.oci import ImageLayout  # noqa: E402
from packager.oci import ImageInput, ImageResult, build_images  # noqa: E402
from packager.oci.runtime import PY_VERSION  # noqa: E402

CLEAVE = str(Path(sys.executable).parent / "cleave")


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def run(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}... failed: {done.stderr[-2000:]}")
    return done


def shop_trees(work: Path) -> tuple[Path, str]:
    """The shop's service trees as `cleave build` writes them."""
    src = work / "src"
    shutil.copytree(ROOT / "samples" / "shop" / "shop", src / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys; from pathlib import Path; import analyzer; from cleave.formats.graph import save_graph;"
            "save_graph(analyzer.analyze(Path('.')), Path('.cleave/graph.json'))")
    run(sys.executable, "-c", code, cwd=src)
    run(CLEAVE, "split", cwd=src)
    run(CLEAVE, "build", ".", "--graph", ".cleave/graph.json", "--no-images", "-o", str(work / "build"), cwd=src)
    return work / "build" / "services", "samples/shop (cleave analyze + split + build --no-images)"


def synthetic_trees(work: Path, count: int = 5) -> tuple[Path, str]:
    root = work / "services"
    for number in range(count):
        tree = root / f"svc{number}"
        (tree / f"pkg{number}").mkdir(parents=True)
        shutil.copytree(ROOT / "packager" / "kit", tree / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
        for module in range(20):
            (tree / f"pkg{number}" / f"m{module}.py").write_text(
                "".join(f"def f{i}(x: int) -> int:\n    return x * {i} + {module}\n\n" for i in range(40)))
        (tree / f"pkg{number}" / "__init__.py").write_text("")
        (tree / "service.json").write_text(json.dumps({"name": f"svc{number}", "interface": [], "entry": None,
                                                       "health_path": "/healthz"}))
    return root, f"synthetic ({count} services x 20 modules)"


def inputs_for(services: Path) -> list[ImageInput]:
    return [ImageInput(tree.name, tree) for tree in sorted(services.iterdir()) if tree.is_dir()]


def change_one_file(services: Path) -> Path:
    """Append a line to one module of the first service (not the kit): the 'one-file change'."""
    first = sorted(p for p in services.iterdir() if p.is_dir())[0]
    target = sorted(p for p in first.rglob("*.py") if "cleave_kit" not in p.parts)[-1]
    with target.open("a") as handle:
        handle.write("\nBENCH_CHANGED = True\n")
    return target


def gzip_levels(layout: Path, digest: str) -> dict[str, Any]:
    tar = zlib.decompress(ImageLayout(layout).read_blob(digest), 47)
    out: dict[str, Any] = {"tar_bytes": len(tar)}
    for level in (1, 6, 9):
        start = time.perf_counter()
        compressor = zlib.compressobj(level, zlib.DEFLATED, 31, 9)
        data = compressor.compress(tar) + compressor.flush()
        out[f"level{level}"] = {"seconds": round(time.perf_counter() - start, 3), "bytes": len(data)}
    return out


def cleave_bench(services: Path, work: Path) -> dict[str, Any]:
    inputs = inputs_for(services)
    layout, cache = work / "oci", work / "cache"
    cold, results = timed(lambda: build_images(inputs, layout, cache_dir=cache))
    warm, again = timed(lambda: build_images(inputs, layout, cache_dir=cache))
    assert {n: r.manifest_digest for n, r in again.items()} == {n: r.manifest_digest for n, r in results.items()}
    changed_file = change_one_file(services)
    change, after = timed(lambda: build_images(inputs, layout, cache_dir=cache))
    rebuilt = [f"{name}:{lay.comment}" for name, r in after.items() for lay in r.layers if not lay.cached]
    unchanged = [name for name in after if after[name].manifest_digest == results[name].manifest_digest]
    runtime = next(iter(results.values())).layers[0]
    kit = [lay for lay in next(iter(results.values())).layers if lay.comment.startswith("shared")]
    blobs = list((layout / "blobs" / "sha256").iterdir())
    return {
        "services": len(inputs),
        "cold_s": round(cold, 3), "warm_s": round(warm, 3), "one_file_change_s": round(change, 3),
        "changed_file": str(changed_file.relative_to(services)),
        "rebuilt_layers": rebuilt, "services_with_unchanged_digest": len(unchanged),
        "runtime_layer": {"gzip_bytes": runtime.size, "tar_bytes": runtime.tar_size},
        "kit_layer_gzip_bytes": kit[0].size if kit else None,
        "app_layers_gzip_bytes": {name: r.layers[-1].size for name, r in results.items()},
        "layout_bytes": sum(b.stat().st_size for b in blobs),
        "gzip_runtime_layer": gzip_levels(layout, runtime.digest),
        "results": results,
    }


def extract(layout: Path, digest: str, target: Path) -> None:
    """Unpack a blob of ``layout`` (an OCI layout or the cache: both keep blobs/sha256/<hex>)."""
    tar = zlib.decompress(ImageLayout(layout).read_blob(digest), 47)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(target, filter="tar")


def buildah_context(work: Path, layout: Path, results: dict[str, ImageResult]) -> Path:
    """One context: runtime/, kit/ and apps/<name>/ extracted from cleave's layers, a Dockerfile per service."""
    ctx = work / "buildah-ctx"
    first = next(iter(results.values()))
    extract(layout, first.layers[0].digest, ctx / "runtime")
    kit = [lay for lay in first.layers if lay.comment.startswith("shared")]
    if kit:
        extract(layout, kit[0].digest, ctx / "kit")
    for name, result in results.items():
        extract(layout, result.layers[-1].digest, ctx / "apps" / name)
        (ctx / f"Dockerfile.{name}").write_text(
            "FROM scratch\nCOPY runtime/ /\n" + ("COPY kit/ /\n" if kit else "") + f"COPY apps/{name}/ /\n"
            f"ENV PATH=/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data "
            f"CLEAVE_SERVICE={name} CLEAVE_LISTEN=0.0.0.0:8000\n"
            "WORKDIR /app\nVOLUME /data\nUSER 65532:65532\nEXPOSE 8000\n"
            'ENTRYPOINT ["python3", "-m", "cleave_kit"]\n')
    return ctx


def buildah_bench(work: Path, cleave: dict[str, Any], services: Path, changed: Path) -> dict[str, Any]:
    if shutil.which("buildah") is None or os.geteuid() != 0:
        return {"skipped": "buildah missing or not root"}
    layout = work / "cache"  # holds every blob ever built, the pristine app layers included
    results: dict[str, ImageResult] = cleave["results"]
    ctx = buildah_context(work, layout, results)
    storage = ["buildah", "--storage-driver", "vfs", "--root", str(work / "b-root"), "--runroot",
               str(work / "b-run")]

    def bud_all() -> None:
        for name in results:
            run(*storage, "bud", "--isolation", "chroot", "--layers", "--timestamp", "0", "-q",
                "-f", str(ctx / f"Dockerfile.{name}"), "-t", f"bench/{name}", str(ctx))

    cold, _ = timed(bud_all)
    warm, _ = timed(bud_all)
    # the same one-file change, in the context buildah sees
    relative = changed.relative_to(services)
    app_file = ctx / "apps" / relative.parts[0] / "app" / Path(*relative.parts[1:])
    with app_file.open("a") as handle:
        handle.write("\nBENCH_CHANGED = True\n")
    change, _ = timed(bud_all)

    def push_all() -> None:
        for name in results:
            run(*storage, "push", "-q", f"bench/{name}", f"oci:{work / 'buildah-oci'}:{name}")

    push, _ = timed(push_all)
    blobs = list((work / "buildah-oci" / "blobs" / "sha256").iterdir())
    version = run("buildah", "--version").stdout.strip()
    return {"version": version, "cold_s": round(cold, 3), "warm_s": round(warm, 3),
            "one_file_change_s": round(change, 3), "push_to_oci_layout_s": round(push, 3),
            "layout_bytes": sum(b.stat().st_size for b in blobs)}


def floor_bench(work: Path, services: Path, layout: Path, runtime_digest: str) -> dict[str, Any]:
    """pip install --target of the requirements plus GNU tar -czf: no determinism, no cache, no config."""
    runtime_dir = work / "floor-runtime"
    extract(layout, runtime_digest, runtime_dir)
    out = work / "floor"
    out.mkdir()

    def everything() -> int:
        run("tar", "-czf", str(out / "runtime.tgz"), "-C", str(runtime_dir), ".")
        pip = 0
        for tree in sorted(p for p in services.iterdir() if p.is_dir()):
            requirements = tree / "requirements.txt"
            lines = [line for line in requirements.read_text().splitlines() if line.strip()
                     and not line.startswith("#")] if requirements.exists() else []
            if lines:
                run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(work / "floor-site" / tree.name), "-r", str(requirements))
                pip += 1
            run("tar", "-czf", str(out / f"{tree.name}.tgz"), "-C", str(tree), ".")
        return pip

    seconds, pip_runs = timed(everything)
    return {"seconds": round(seconds, 3), "pip_installs": pip_runs,
            "runtime_tgz_bytes": (out / "runtime.tgz").stat().st_size}


def push_bench(work: Path) -> dict[str, Any]:
    """``push_layout`` to a real docker-registry on 127.0.0.1: cold (empty registry), then again (all blobs there)."""
    if shutil.which("docker-registry") is None:
        return {"skipped": "docker-registry missing"}
    import socket
    import urllib.request

    from packager.oci import push_layout

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = work / "registry.yml"
    config.write_text(f"version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem:\n"
                      f"    rootdirectory: {work / 'registry'}\nhttp:\n  addr: 127.0.0.1:{port}\n")
    process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        cold, results = timed(lambda: push_layout(work / "oci", f"127.0.0.1:{port}/bench"))
        warm, _ = timed(lambda: push_layout(work / "oci", f"127.0.0.1:{port}/bench"))
        return {"cold_s": round(cold, 3), "warm_s": round(warm, 3),
                "uploaded": sum(r.uploaded for r in results), "mounted": sum(r.mounted for r in results),
                "bytes_sent": sum(r.bytes_sent for r in results)}
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--synthetic", action="store_true", help="use synthetic trees instead of samples/shop")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cleave-bench-build-"))
    try:
        try:
            services, origin = synthetic_trees(work) if args.synthetic else shop_trees(work)
        except (RuntimeError, ImportError) as error:
            print(f"shop trees unavailable ({error}); using synthetic trees", file=sys.stderr)
            services, origin = synthetic_trees(work)
        pristine = work / "pristine"
        shutil.copytree(services, pristine)
        cleave = cleave_bench(services, work)
        changed = services / cleave["changed_file"]
        # buildah gets the same trees (before the change) and then the same change
        buildah = buildah_bench(work, cleave, services, changed)
        floor = floor_bench(work, pristine, work / "cache", cleave["results"][next(iter(cleave["results"]))]
                            .layers[0].digest)
        push = push_bench(work)
        cleave.pop("results")
        report = {"machine": {"python": platform.python_version(), "cores": os.cpu_count(),
                              "runtime": PY_VERSION}, "trees": origin, "cleave": cleave, "buildah": buildah,
                  "floor": floor, "push": push}
        print_report(report)
        target = ROOT / "bench" / "results" / "build.json"
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        print(f"\nwrote {target.relative_to(ROOT)}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "-"


def print_report(report: dict[str, Any]) -> None:
    c, b, f, p = report["cleave"], report["buildah"], report["floor"], report["push"]
    print(f"trees: {report['trees']}, {c['services']} services; python {report['machine']['python']}, "
          f"{report['machine']['cores']} cores")
    print(f"{'':28}{'cleave':>10}{'buildah':>10}{'buildah/cleave':>16}")
    for key, label in (("cold_s", "cold build (s)"), ("warm_s", "warm, nothing changed (s)"),
                       ("one_file_change_s", "after a one-file change (s)")):
        other = b.get(key)
        print(f"{label:28}{c[key]:>10.3f}{other if other is not None else '-':>10}"
              f"{ratio(other, c[key]) if other is not None else '-':>16}")
    if "push_to_oci_layout_s" in b:
        print(f"{'buildah push (compress) (s)':28}{'':>10}{b['push_to_oci_layout_s']:>10}")
        print(f"{'layout bytes':28}{c['layout_bytes']:>10}{b['layout_bytes']:>10}"
              f"{ratio(b['layout_bytes'], c['layout_bytes']):>16}")
    print(f"floor (pip --target + tar -czf, no cache): {f['seconds']:.3f} s, runtime.tgz {f['runtime_tgz_bytes']} B")
    if "cold_s" in p:
        print(f"cleave push to docker-registry: {p['cold_s']:.3f} s into an empty registry ({p['uploaded']} blobs "
              f"uploaded, {p['mounted']} mounted, {p['bytes_sent'] / 1e6:.1f} MB), {p['warm_s']:.3f} s again")
    runtime = c["runtime_layer"]
    print(f"runtime layer: {runtime['gzip_bytes'] / 1e6:.2f} MB gzip (target <= 17), "
          f"{runtime['tar_bytes'] / 1e6:.1f} MB tar")
    levels = c["gzip_runtime_layer"]
    print("gzip of the runtime layer: " + ", ".join(
        f"level {n}: {levels[f'level{n}']['seconds']:.2f} s {levels[f'level{n}']['bytes'] / 1e6:.2f} MB"
        for n in (1, 6, 9)))
    apps = c["app_layers_gzip_bytes"]
    print(f"service layers: {min(apps.values()) / 1e3:.1f}-{max(apps.values()) / 1e3:.1f} KB gzip (target <= 100), "
          f"kit layer {(c['kit_layer_gzip_bytes'] or 0) / 1e3:.1f} KB (shared)")
    print(f"one-file change ({c['changed_file']}): rebuilt {c['rebuilt_layers']}, "
          f"{c['services_with_unchanged_digest']}/{c['services']} services kept their digest "
          f"(target <= 0.3 s: {c['one_file_change_s']:.3f} s)")


if __name__ == "__main__":
    main()
