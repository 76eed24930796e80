"""Splitter quality benchmark: cleave vs networkx Louvain, greedy modularity and label propagation, same graphs.

    .venv/bin/python bench/split.py   # downloads Django 5.2, Wagtail 6.4, homeassistant 2024.3 into bench/.cache

Ground truth: the app each module belongs to (Django 5.2 ``django.contrib.<app>``; Wagtail 6.4 ``wagtail.<app>``,
``wagtail.contrib.<app>``, the rest of ``wagtail`` = core; tests, migrations excluded for Wagtail;
homeassistant 2024.3 ``homeassistant.components.<integration>`` for its 12 largest integrations, scored alone and
again with the framework they build on in the graph, unscored). Graphs come
from ``analyzer.analyze`` (or, labelled "ast-fallback", from a quick import graph when the analyzer is missing).

Every method sees the graph with OPAQUE ids (``m17``, ``n203``, ``table:t4``): no module, file, class or table
names, no file attributes, so no method can read the package layout (line spans are kept: cleave's class units
need sizes, and sizes say nothing about the package layout). Modules with no dependency edge inside the
project cannot be placed from the graph alone; they are left out of the scores for every method alike (their count
is printed). Scores at the ground truth's number of services: ARI, NMI (arithmetic normalisation) and MoJoFM.
Every method runs on the same weighted module graph (cleave's weights; a second Django run keeps imports only).
Baselines return their natural number of communities; cleave@k is asked for the ground truth's number.
Results also go to bench/results/split.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from astgraph import ast_import_graph  # noqa: E402
from scores import ari, mojofm, nmi  # noqa: E402
from split_samples import corpus, shop  # noqa: E402

from cleave.formats.graph import CodeGraph  # noqa: E402
from splitter import classes, partition, units  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
KEEP_ATTRS = frozenset({"kind", "line", "end_line", "weight", "lines", "passes", "type_checking", "lazy",
                        "is_generator", "is_method", "is_async", "is_package", "ops"})

# ------------------------------------------------------------------------------------------------ data


def _unpack(wheel_glob: str, spec: str, name: str) -> Path:
    target = CACHE / name
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = sorted(CACHE.glob(wheel_glob))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", spec, "--no-deps", "-d", str(CACHE), "-q"],
                       check=True)
        wheels = sorted(CACHE.glob(wheel_glob))
    with zipfile.ZipFile(wheels[-1]) as wheel:
        for member in wheel.namelist():
            if member.startswith(f"{name}/") and member.endswith(".py"):
                wheel.extract(member, target)
    return target


HA_INTEGRATIONS = ("zha", "recorder", "mqtt", "overkiz", "zwave_js", "hue", "knx", "esphome", "deconz",
                   "homekit_controller", "unifiprotect", "homekit")
"""The 12 largest integrations of homeassistant 2024.3 by file count (``demo``, a showcase of every platform, left
out)."""
HA_FRAMEWORK = ("homeassistant/helpers/", "homeassistant/util/", "homeassistant/auth/")


def _unpack_homeassistant() -> Path:
    """The 12 integrations and the framework they build on (top-level modules, helpers, util, auth)."""
    target = CACHE / "homeassistant-split"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = sorted(CACHE.glob("homeassistant-2024.3*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "homeassistant==2024.3.*", "--no-deps", "-d",
                        str(CACHE), "-q"], check=True)
        wheels = sorted(CACHE.glob("homeassistant-2024.3*.whl"))
    wanted = tuple(f"homeassistant/components/{i}/" for i in HA_INTEGRATIONS) + HA_FRAMEWORK
    with zipfile.ZipFile(wheels[-1]) as wheel:
        for member in wheel.namelist():
            if not member.endswith(".py"):
                continue
            top_level = member.count("/") == 1 and member.startswith("homeassistant/")
            if member.startswith(wanted) or top_level or member == "homeassistant/components/__init__.py":
                wheel.extract(member, target)
    return target


def ha_truth(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "components" and parts[2] in HA_INTEGRATIONS:
        return parts[2]
    return None


def ha_framework(module: str) -> bool:
    """Framework modules: kept in the graph (unscored) for the harder variant."""
    parts = module.split(".")
    return parts[0] == "homeassistant" and (len(parts) == 1 or parts[1] != "components")


def build_graph(root: Path, package: str) -> tuple[CodeGraph, str]:
    """The analyzer's graph of ``root`` restricted to ``package``, or the ast fallback."""
    try:
        from analyzer import analyze
    except ImportError:
        return ast_import_graph(root, package), "ast-fallback (imports only)"
    code_graph = analyze(root)
    keep = [n for n, d in code_graph.graph.nodes(data=True)
            if d.get("kind") in ("table",) or str(n) == package or str(n).startswith(package + ".")]
    sub = code_graph.graph.subgraph(keep).copy()
    return CodeGraph(graph=sub, source=str(root), analyzer=code_graph.analyzer), "analyzer"


def django_truth(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["django", "contrib"] else None


WAGTAIL_APPS = {"admin", "api", "documents", "embeds", "images", "search", "sites", "snippets", "users", "locales"}


def wagtail_truth(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "wagtail" or len(parts) < 2 or {"tests", "test", "migrations", "project_template"} & set(parts):
        return None
    if parts[1] == "contrib":
        return f"contrib.{parts[2]}" if len(parts) > 2 else None
    return parts[1] if parts[1] in WAGTAIL_APPS else "core"


def opaque(code_graph: CodeGraph, seed: int = 1) -> tuple[CodeGraph, dict[str, str]]:
    """The same graph with every id replaced by a meaningless one and every naming attribute dropped."""
    graph = code_graph.graph
    nodes = sorted(graph.nodes)
    random.Random(seed).shuffle(nodes)
    rename: dict[str, str] = {}
    for i, node in enumerate(nodes):
        kind = graph.nodes[node].get("kind")
        rename[node] = f"m{i}" if kind == "module" else f"table:t{i}" if kind == "table" else (
            f"package:p{i}" if kind == "package" else f"n{i}")
    out = nx.MultiDiGraph()
    out.add_nodes_from((rename[n], {k: v for k, v in d.items() if k in KEEP_ATTRS}) for n, d in graph.nodes(data=True))
    for u, v, key, d in graph.edges(keys=True, data=True):
        out.add_edge(rename[u], rename[v], key=key, **{k: v for k, v in d.items() if k in KEEP_ATTRS})
    return CodeGraph(graph=out, source="opaque", analyzer=code_graph.analyzer), rename


# ------------------------------------------------------------------------------------------------ methods

@dataclass(frozen=True)
class Case:
    """What every method is given: the weighted module graph, and the (opaque) code graph behind it."""

    mg: units.ModuleGraph
    code_graph: CodeGraph
    weights: units.Weights


Method = Callable[[Case, int, int], dict[str, str]]


def _labels(parts: list[set[str]]) -> dict[str, str]:
    return {n: f"c{i}" for i, c in enumerate(parts) for n in c}


def _cleave(case: Case, k: int | None, seed: int, options: partition.Options | None = None,
            granularity: classes.Granularity | None = None) -> dict[str, str]:
    proposal, _ = classes.propose(case.code_graph, case.mg, k=k, seed=seed, options=options, weights=case.weights,
                                  granularity=granularity)
    return proposal.labels()


def cleave_method(case: Case, k: int, seed: int) -> dict[str, str]:
    return _cleave(case, k, seed)


def cleave_modules_only(case: Case, k: int, seed: int) -> dict[str, str]:
    return _cleave(case, k, seed, granularity=classes.Granularity(large_lines=0))


def cleave_leiden_k(case: Case, k: int, seed: int) -> dict[str, str]:
    return _cleave(case, k, seed, options=partition.Options(exact_k="leiden"))


def cleave_auto(case: Case, k: int, seed: int) -> dict[str, str]:
    return _cleave(case, None, seed)


def cleave_auto_leiden(case: Case, k: int, seed: int) -> dict[str, str]:
    return _cleave(case, None, seed, options=partition.Options(auto="leiden"))


def _connected(mg: units.ModuleGraph) -> nx.Graph:
    return mg.graph.subgraph([n for n in mg.graph if mg.graph.degree(n, weight="weight") > 0]).copy()


def louvain(case: Case, k: int, seed: int) -> dict[str, str]:
    mg = case.mg
    return _labels(nx.community.louvain_communities(_connected(mg), weight="weight", seed=seed))


def greedy(case: Case, k: int, seed: int) -> dict[str, str]:
    mg = case.mg
    return _labels([set(c) for c in nx.community.greedy_modularity_communities(_connected(mg), weight="weight")])


def label_propagation(case: Case, k: int, seed: int) -> dict[str, str]:
    mg = case.mg
    return _labels([set(c) for c in nx.community.asyn_lpa_communities(_connected(mg), weight="weight", seed=seed)])


METHODS: dict[str, Method] = {"cleave@k": cleave_method, "cleave@k modules only": cleave_modules_only,
                              "cleave@k leiden": cleave_leiden_k,
                              "cleave auto": cleave_auto, "cleave auto leiden": cleave_auto_leiden,
                              "louvain": louvain,
                              "greedy modularity": greedy, "label propagation": label_propagation}


def restrict(code_graph: CodeGraph, truth_of: Callable[[str], str | None],
             context: Callable[[str], bool] | None = None) -> CodeGraph:
    """Only the modules that have a ground truth, or are ``context`` (kept, unscored), with what they contain,
    and tables."""
    owner = units.module_owners(code_graph)
    keep = [n for n, d in code_graph.graph.nodes(data=True)
            if d.get("kind") == "table" or ((m := owner.get(n)) is not None and (
                truth_of(m) is not None or (context is not None and context(m))))]
    return CodeGraph(graph=code_graph.graph.subgraph(keep).copy(), source=code_graph.source,
                     analyzer=code_graph.analyzer)


IMPORTS_ONLY = units.Weights(package_prior=0.0, call=0.0, read=0.0, inherits=0.0, table=0.0, global_write=0.0)


def evaluate(name: str, code_graph: CodeGraph, truth_of: Callable[[str], str | None], seeds: int,
             weights: units.Weights | None = None, context: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Every method on ``code_graph`` (names hidden), scored against ``truth_of``. With ``context``, those modules
    stay in the graph unscored (the framework the domains build on) and cleave is asked for one more service."""
    code_graph = restrict(code_graph, truth_of, context)
    hidden, rename = opaque(code_graph)
    truth = {rename[m]: t for m in code_graph.nodes_of_kind("module") if (t := truth_of(m)) is not None}
    weights = weights or units.Weights(package_prior=0.0)
    mg = units.build(hidden, weights)
    case = Case(mg=mg, code_graph=hidden, weights=weights)
    isolated = mg.isolated(truth)
    scored = {m: t for m, t in truth.items() if m not in isolated}
    k = len(set(scored.values()))
    ask = k + 1 if context is not None else k
    inside = sum(float(d["weight"]) for u, v, d in mg.graph.edges(data=True)
                 if u in scored and v in scored and scored[u] == scored[v])
    between = sum(float(d["weight"]) for u, v, d in mg.graph.edges(data=True)
                  if u in scored and v in scored and scored[u] != scored[v])
    cross = between / (inside + between) if inside + between else 0.0
    unscored = sum(1 for m in mg.modules if m not in truth)
    print(f"\n== {name}: {len(truth)} modules with a ground truth, {len(isolated)} without any edge (left out), "
          f"{len(scored)} scored, {unscored} in the graph unscored, {k} services in the ground truth (cleave asked "
          f"for {ask}); {cross:.1%} of the edge weight between scored modules crosses the truth's services",
          flush=True)
    rows: dict[str, Any] = {}
    for method_name, method in METHODS.items():
        runs = []
        started = time.perf_counter()
        for seed in range(seeds):
            found = method(case, ask if method_name.startswith("cleave@k") else k, seed)
            runs.append({m: found.get(m, f"alone:{m}") for m in scored})
        elapsed = (time.perf_counter() - started) / seeds
        first = runs[0]
        stability = [ari(a, b) for a, b in itertools.combinations(runs, 2)]
        row = {"ari": round(ari(scored, first), 3), "nmi": round(nmi(scored, first), 3),
               "mojofm": round(mojofm(scored, first), 1), "services": len(set(first.values())),
               "ari_mean_over_seeds": round(sum(ari(scored, r) for r in runs) / len(runs), 3),
               "seed_ari_min": round(min(stability), 3) if stability else 1.0,
               "seed_ari_mean": round(sum(stability) / len(stability), 3) if stability else 1.0,
               "seconds": round(elapsed, 3)}
        rows[method_name] = row
        print(f"  {method_name:21s} ARI {row['ari']:.3f}  NMI {row['nmi']:.3f}  MoJoFM {row['mojofm']:5.1f}  "
              f"services {row['services']:3d}  ARI over seeds {row['ari_mean_over_seeds']:.3f}  "
              f"seed-pair ARI min {row['seed_ari_min']:.3f}  {row['seconds']:.2f}s", flush=True)
    base = max(v["ari"] for n, v in rows.items() if not n.startswith("cleave"))
    print(f"  ratio cleave@k ARI / best baseline ARI: {rows['cleave@k']['ari'] / base:.2f}" if base > 0 else "")
    return {"modules": len(truth), "isolated": len(isolated), "scored": len(scored), "unscored_in_graph": unscored,
            "k": k, "asked": ask, "cross_truth_weight_share": round(cross, 3), "methods": rows}


def engines(code_graph: CodeGraph, truth_of: Callable[[str], str | None], seeds: int = 5) -> dict[str, Any]:
    """The detection step alone: modularity Q and time of networkx Louvain, igraph Leiden, leidenalg Leiden."""
    from splitter import detect

    mg = units.build(opaque(restrict(code_graph, truth_of))[0], units.Weights(package_prior=0.0))
    graph = _connected(mg)
    runs: dict[str, Callable[[int], list[set[str]]]] = {
        "networkx louvain": lambda s: detect.louvain(graph, seed=s),
        "igraph leiden": lambda s: detect.leiden(graph, seed=s),
        "leidenalg leiden": lambda s: detect.leiden(graph, seed=s, engine="leidenalg"),
        "cleave consensus": lambda s: detect.leiden_consensus(graph, seed=s),
    }
    out: dict[str, Any] = {}
    for name, run in runs.items():
        started = time.perf_counter()
        parts = [run(s) for s in range(seeds)]
        elapsed = (time.perf_counter() - started) / seeds
        q = [nx.community.modularity(graph, p, weight="weight") for p in parts]
        out[name] = {"modularity_mean": round(sum(q) / len(q), 4), "modularity_min": round(min(q), 4),
                     "seconds": round(elapsed, 3)}
        print(f"  {name:18s} Q mean {out[name]['modularity_mean']:.4f} min {out[name]['modularity_min']:.4f} "
              f"{elapsed:.3f}s", flush=True)
    return out


def synthetic(nodes: int, groups: int, seed: int = 3) -> tuple[CodeGraph, dict[str, str]]:
    """A planted-partition import graph: ``groups`` equal packages, ~8 edges per module, 85 % inside."""
    rng = random.Random(seed)
    graph = nx.MultiDiGraph()
    truth: dict[str, str] = {}
    size = nodes // groups
    names = [f"m{i}" for i in range(nodes)]
    for i, name in enumerate(names):
        graph.add_node(name, kind="module")
        truth[name] = f"g{min(i // size, groups - 1)}"
    for i, name in enumerate(names):
        g = min(i // size, groups - 1)
        for _ in range(4):
            j = rng.randrange(g * size, min(nodes, (g + 1) * size)) if rng.random() < 0.85 else rng.randrange(nodes)
            if j != i:
                graph.add_edge(name, names[j], key="imports", kind="imports", weight=1, lines=[1])
    return CodeGraph(graph=graph, source="synthetic"), truth


def timing(nodes: int = 10_000) -> dict[str, Any]:
    code_graph, truth = synthetic(nodes, 40)
    started, cpu = time.perf_counter(), time.process_time()
    mg = units.build(code_graph)
    built = time.perf_counter() - started
    labels = classes.propose(code_graph, mg, k=40, seed=1)[0].labels()
    found = {m: labels.get(m, "shared") for m in truth}
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    score = ari(truth, found)
    started = time.perf_counter()
    nx.community.louvain_communities(mg.graph, weight="weight", seed=1)
    louvain_s = time.perf_counter() - started
    print(f"\n== {nodes} modules, {code_graph.graph.number_of_edges()} edges (planted 40 groups): cleave "
          f"{total:.2f}s wall, {total_cpu:.2f}s CPU (graph {built:.2f}s), ARI {score:.3f}; networkx Louvain alone "
          f"{louvain_s:.2f}s (ratio {total / louvain_s:.2f})", flush=True)
    return {"nodes": nodes, "edges": code_graph.graph.number_of_edges(), "cleave_seconds": round(total, 2),
            "cleave_cpu_seconds": round(total_cpu, 2),
            "louvain_seconds": round(louvain_s, 2), "ari": round(score, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--timing-only", action="store_true", help="only the 10,000-module timing")
    parser.add_argument("--corpus-only", action="store_true",
                        help="only samples/corpus (results in bench/results/split-corpus.json)")
    args = parser.parse_args()
    if args.corpus_only:
        RESULTS.mkdir(parents=True, exist_ok=True)
        result = {"machine": {"cpus": os.cpu_count()}, "corpus": corpus(min(args.seeds, 3))}
        (RESULTS / "split-corpus.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        print(f"\nwrote {RESULTS / 'split-corpus.json'}")
        return
    if args.timing_only:
        timing(args.nodes)
        return
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()}}
    django_root = _unpack("[Dd]jango-5.2*.whl", "django==5.2.*", "django")
    wagtail_root = _unpack("wagtail-6.4*.whl", "wagtail==6.4.*", "wagtail")
    graph, source = build_graph(django_root, "django.contrib")
    results["django_contrib"] = {"graph": source, **evaluate(f"Django 5.2 contrib [{source}]", graph, django_truth,
                                                             args.seeds)}
    print("\n== detection engines on Django contrib (modularity of the detection step alone)")
    results["engines_django"] = engines(graph, django_truth)
    results["django_contrib_imports_only"] = {
        "graph": f"{source}, imports edges only",
        **evaluate(f"Django 5.2 contrib [{source}, imports only]", graph, django_truth, args.seeds, IMPORTS_ONLY)}
    graph, source = build_graph(wagtail_root, "wagtail")
    results["wagtail"] = {"graph": source, **evaluate(f"Wagtail 6.4 [{source}]", graph, wagtail_truth, args.seeds)}
    graph, source = build_graph(_unpack_homeassistant(), "homeassistant")
    results["homeassistant"] = {"graph": source, **evaluate(
        f"homeassistant 2024.3, 12 largest integrations [{source}]", graph, ha_truth, args.seeds)}
    results["homeassistant_with_framework"] = {"graph": source, **evaluate(
        f"homeassistant 2024.3, 12 integrations + framework in the graph, unscored [{source}]", graph, ha_truth,
        args.seeds, context=ha_framework)}
    results["shop"] = shop(args.seeds)
    results["corpus"] = corpus(min(args.seeds, 3))
    results["timing"] = timing(args.nodes)
    results["machine"]["load_at_end"] = os.getloadavg()
    print(f"load average (1, 5, 15 min) at start {results['machine']['load_at_start']}, at end "
          f"{results['machine']['load_at_end']} on {os.cpu_count()} cores")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "split.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    print(f"\nwrote {RESULTS / 'split.json'}")


if __name__ == "__main__":
    main()
