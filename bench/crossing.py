"""Benchmark: does ``cleave build`` refuse exactly what ``cleave split`` names? This tree side by side with a
revision before the one crossing rule (default 149159c, main when issue 13 was filed).

    .venv/bin/python bench/crossing.py [--before REV]

Measured on the hand-written plan with five planted blockers (tests/assets/crossing/planted: a shared module's
global written by two services, a bound-method callback, an UPDATE on another service's table, a
``-> sqlite3.Connection`` helper, a generator) and on every plan ``cleave split`` proposes for samples/corpus at the
default and at ``--services`` 2..7: the blockers split names (``cleave check`` for the hand-written plan), what
the build refuses (a blocker refusal, a stub refusal, or nothing), and whether the two agree. The earlier revision
runs from ``git archive REV`` in its own process, with the same interpreter. Results: bench/results/crossing.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "crossing.json"
PLANTED = ROOT / "tests" / "assets" / "crossing" / "planted"
CORPUS = ROOT / "samples" / "corpus"

MEASURE = r'''
import dataclasses, json, re, sys, tempfile
from pathlib import Path
import analyzer, splitter
from cleave.formats.plan import load_plan
from splitter.check import check
from packager.build import build_services
from packager.errors import PackagerError

def build(src, plan, graph):
    with tempfile.TemporaryDirectory() as out:
        try:
            build_services(src, plan, graph, Path(out) / "b")
        except PackagerError as error:
            crossings = getattr(error, "crossings", None)
            if crossings is not None:
                return "refused", sorted(f"{b.where} {b.target}" for b in crossings)
            problems = getattr(error, "problems", None)
            lines = list(problems) if problems else [l for l in str(error).splitlines()[1:] if l.strip()]
            return type(error).__name__, sorted(lines)
    return "built", []

planted, corpus = Path(sys.argv[1]), Path(sys.argv[2])
graph = analyzer.analyze(planted)
plan = load_plan(planted / "cleave.yaml")
named = sorted(f"{b.where} {b.target}" for b in check(graph, plan).open_blockers)
outcome, refused = build(planted, plan, graph)
out = {"planted": {"split": named, "build": outcome, "build_lines": refused}, "corpus": []}
for sample in sorted(p.name for p in corpus.iterdir() if p.is_dir()):
    src = corpus / sample
    graph = analyzer.analyze(src)
    for k in (None, 2, 3, 4, 5, 6, 7):
        try:
            proposed = splitter.split(graph, services=k)
        except Exception as error:
            out["corpus"].append({"sample": sample, "services": k, "split_error": str(error)[:200]}); continue
        names = sorted(f"{b.where} {b.target}" for b in proposed.blockers(unaccepted_only=True))
        outcome, refused = build(src, dataclasses.replace(proposed, boundaries=()), graph)
        out["corpus"].append({"sample": sample, "services": k, "split": len(names), "build": outcome,
                              "build_lines": len(refused), "agree": (outcome == "built" and not names)
                              or (outcome == "refused" and refused == names)})
print(json.dumps(out))
'''


def measure(tree: Path) -> dict[str, Any]:
    """Run the measurement with ``tree``'s cleave first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    run = subprocess.run([sys.executable, "-c", MEASURE, str(PLANTED), str(CORPUS)], cwd=tree, env=env,
                         capture_output=True, text=True, check=False, timeout=1800)
    if run.returncode != 0:
        return {"error": run.stderr[-2000:]}
    result: dict[str, Any] = json.loads(run.stdout.splitlines()[-1])
    return result


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """The figures the report quotes."""
    if "error" in result:
        return {"error": result["error"][-300:]}
    planted = result["planted"]
    rows = [row for row in result["corpus"] if "split" in row]
    return {"planted_split": len(planted["split"]), "planted_build": planted["build"],
            "planted_build_lines": len(planted["build_lines"]),
            "corpus_plans": len(rows), "corpus_agree": sum(1 for row in rows if row["agree"]),
            "corpus_refused": sum(1 for row in rows if row["build"] != "built")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="149159c", help="the revision to compare with")
    args = parser.parse_args()
    after = measure(ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "rev.tar"
        subprocess.run(["git", "archive", "-o", str(archive), args.before], cwd=ROOT, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(Path(scratch) / "tree", filter="data")
        before = measure(Path(scratch) / "tree")
    document = {"before": {"revision": args.before, **summary(before), "detail": before},
                "after": {"revision": "HEAD", **summary(after), "detail": after}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    for side in ("before", "after"):
        print(side, json.dumps({k: v for k, v in document[side].items() if k != "detail"}))


if __name__ == "__main__":
    main()
