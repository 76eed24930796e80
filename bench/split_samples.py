"""bench/split.py's named runs: cleave's own samples scored against the domains their DOMAINS.md declares.

Names are visible here (this is the real `splitter.split`, gateway and infrastructure rules included), unlike the
opaque-id runs on Django, Wagtail and homeassistant in bench/split.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scores import ari  # noqa: E402

import splitter  # noqa: E402
from analyzer import analyze  # noqa: E402
from cleave.formats.graph import CodeGraph  # noqa: E402
from splitter import partition  # noqa: E402


def declared_domains(folder: Path) -> dict[str, list[str]]:
    """domain -> modules, from the YAML block of ``folder/DOMAINS.md``."""
    text = (folder / "DOMAINS.md").read_text()
    spec = yaml.safe_load(text.split("```yaml", 1)[1].split("```", 1)[0])
    return dict(spec["domains"])


def scored_split(code_graph: CodeGraph, domains: dict[str, list[str]], count: int | None, seeds: int,
                 options: partition.Options | None = None) -> dict[str, float]:
    """ARI of ``splitter.split`` at ``count`` services against the domains (modules the plan leaves out, such as
    infrastructure copies, are not scored), for the first seed and the lowest over ``seeds``."""
    truth = {module: domain for domain, modules in domains.items() for module in modules}
    scores = []
    for seed in range(seeds):
        plan = splitter.split(code_graph, services=count, seed=seed, options=options)
        found = plan.assign(code_graph.nodes_of_kind("module"))
        scored = {m: t for m, t in truth.items() if found.get(m)}
        scores.append(ari(scored, {m: found[m] for m in scored}))
    return {"ari": round(scores[0], 3), "ari_min_over_seeds": round(min(scores), 3)}


def shop(seeds: int) -> dict[str, Any]:
    """samples/shop at its number of domains, with both exact-count detection modes."""
    folder = ROOT / "samples" / "shop"
    domains = declared_domains(folder)
    code_graph = analyze(folder)
    out: dict[str, Any] = {"domains": len(domains)}
    for mode in ("leiden", "walktrap"):
        out[mode] = scored_split(code_graph, domains, len(domains), seeds, partition.Options(exact_k=mode))
        print(f"\n== samples/shop at {len(domains)} domains, exact_k={mode}: ARI {out[mode]['ari']:.3f} "
              f"(min over {seeds} seeds {out[mode]['ari_min_over_seeds']:.3f})", flush=True)
    return out


def corpus(seeds: int) -> dict[str, Any]:
    """samples/corpus: each sample without a count and at every count from 2 to its number of domains."""
    out: dict[str, Any] = {}
    for folder in sorted(p for p in (ROOT / "samples" / "corpus").iterdir() if (p / "DOMAINS.md").exists()):
        domains = declared_domains(folder)
        code_graph = analyze(folder)
        row: dict[str, Any] = {"domains": len(domains)}
        for count in (None, *range(2, len(domains) + 1)):
            row["auto" if count is None else f"k={count}"] = scored_split(code_graph, domains, count, seeds)
        print(f"\n== samples/corpus/{folder.name}: " + ", ".join(
            f"{key} ARI {value['ari']:.3f}" for key, value in row.items() if key != "domains"), flush=True)
        out[folder.name] = row
    return out
